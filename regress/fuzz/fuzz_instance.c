/*
 * libFuzzer target: an InstanceScheduling message as the scheduler's
 * Register stream delivers it, decoded by protobuf-c the way
 * agent_grpc.c does, then its instance id and definition parsed as
 * agent.c does (fuzz_definition.c goes deeper into the definition).
 */
#include <stdint.h>
#include <string.h>

#include "agent.h"
#include "worker.pb-c.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pod_spec		 ps;
	Worker__InstanceScheduling	*is;
	char				 err[RIK_MESSAGE_MAX];

	if ((is = worker__instance_scheduling__unpack(NULL, size, data)) ==
	    NULL)
		return 0;
	(void)definition_parse(is->instance_id, is->definition,
	    strlen(is->definition), &ps, err, sizeof(err));
	podspec_free(&ps);
	worker__instance_scheduling__free_unpacked(is, NULL);
	return 0;
}
