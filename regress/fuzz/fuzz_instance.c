/*
 * libFuzzer target: an InstanceScheduling message as the scheduler's
 * Register stream delivers it, through instruction_read(), the function
 * the agent runs on it: the size cap, the decoding, the instance id
 * check, the action switch, the definition and the size of the pod
 * description (fuzz_definition.c goes deeper into the definition).  The
 * outcome is checked against the message, decoded here on its own.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "imsg.h"
#include "worker.pb-c.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	printable(const char *);
static void	check_create(const struct instruction *,
		    const Worker__InstanceScheduling *);

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return 0;
	return 1;
}

/* The pod description the parent gets is the scheduler's pod. */
static void
check_create(const struct instruction *in,
    const Worker__InstanceScheduling *is)
{
	static struct pod_spec	 ps;
	char			 err[RIK_MESSAGE_MAX];

	assert(is->action == 0);
	assert(in->podspec != NULL && in->podspec_len > 0);
	assert(in->podspec_len <= IMSG_MAX_SIZE - IMSG_HEADER_SIZE);
	assert(podspec_decode(in->podspec, in->podspec_len, &ps, err,
	    sizeof(err)) == 0);
	assert(strcmp(ps.instance, is->instance_id) == 0);
	assert(strcmp(ps.definition, is->definition) == 0);
	podspec_free(&ps);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct instruction		 in;
	Worker__InstanceScheduling	*is;
	int				 id_ok;

	if (instruction_read(data, size, &in) == -1) {
		/* Only what is too large or not a message at all. */
		assert(in.message[0] != '\0' && in.podspec == NULL);
		assert(size > AGENT_RECV_MAX ||
		    (is = worker__instance_scheduling__unpack(NULL, size,
		    data)) == NULL);
		return 0;
	}
	is = worker__instance_scheduling__unpack(NULL, size, data);
	assert(is != NULL);
	id_ok = strlen(is->instance_id) < RIK_ID_MAX &&
	    podspec_valid_id(is->instance_id);
	switch (in.kind) {
	case INSTR_CREATE:
		assert(id_ok && strcmp(in.instance, is->instance_id) == 0);
		check_create(&in, is);
		break;
	case INSTR_DESTROY:
		assert(id_ok && is->action == 1 && in.podspec == NULL);
		assert(strcmp(in.instance, is->instance_id) == 0);
		break;
	case INSTR_FAILED:
		/* Whatever the id was, what goes back is printable. */
		assert(in.podspec == NULL && in.message[0] != '\0');
		assert(printable(in.instance));
		if (!id_ok)
			assert(strcmp(in.reason, REASON_INVALID_INSTANCE) ==
			    0);
		else if (is->action != 0 && is->action != 1)
			assert(strcmp(in.reason, REASON_UNKNOWN_ACTION) == 0 &&
			    strcmp(in.instance, is->instance_id) == 0);
		else
			assert(is->action == 0 && strcmp(in.reason,
			    REASON_INVALID_DEFINITION) == 0 &&
			    strcmp(in.instance, is->instance_id) == 0);
		break;
	default:
		abort();
	}
	instruction_free(&in);
	worker__instance_scheduling__free_unpacked(is, NULL);
	return 0;
}
