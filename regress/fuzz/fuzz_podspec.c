/*
 * libFuzzer target: podspec_decode(), which the parent and the runtime
 * run on the agent's IMSG_POD_CREATE.  A description it accepts must
 * also validate, and encode to exactly the bytes it came from.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podspec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pod_spec	 ps;
	unsigned char		*out;
	size_t			 outlen;
	char			 err[256];

	if (podspec_decode(data, size, &ps, err, sizeof(err)) == -1) {
		assert(err[0] != '\0');
		assert(ps.ncontainers == 0 && ps.definition == NULL);
		return 0;
	}
	assert(podspec_validate(&ps, err, sizeof(err)) == 0);
	assert(podspec_valid_id(ps.instance));
	if (podspec_encode(&ps, &out, &outlen) == -1)
		abort();
	assert(outlen == size && memcmp(out, data, size) == 0);
	free(out);
	podspec_free(&ps);
	return 0;
}
