/*
 * libFuzzer target: the agent's parser of RIK's workload definitions
 * (riklet-agent/definition.c), the first code to see the scheduler's
 * JSON.  What it accepts must be a valid pod description that survives
 * the trip to the parent: encode, decode, and encode to the same bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "podspec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pod_spec	 ps, again;
	unsigned char		*enc, *enc2;
	size_t			 enclen, enclen2;
	char			 err[RIK_MESSAGE_MAX];

	err[0] = '\0';
	if (definition_parse("fuzz-1", (const char *)data, size, &ps, err,
	    sizeof(err)) == -1) {
		/* A refusal says why, in a string fit for a status. */
		assert(err[0] != '\0' && strlen(err) < sizeof(err));
		podspec_free(&ps);
		return 0;
	}
	assert(podspec_validate(&ps, err, sizeof(err)) == 0);
	if (podspec_encode(&ps, &enc, &enclen) == -1)
		abort();
	assert(podspec_decode(enc, enclen, &again, err, sizeof(err)) == 0);
	if (podspec_encode(&again, &enc2, &enclen2) == -1)
		abort();
	assert(enclen == enclen2 && memcmp(enc, enc2, enclen) == 0);
	free(enc);
	free(enc2);
	podspec_free(&again);
	podspec_free(&ps);
	return 0;
}
