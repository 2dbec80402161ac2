/*
 * One InstanceScheduling from the scheduler's Register stream, as it
 * arrived: nothing in it is trusted.  instruction_read() decodes it,
 * bounded, checks the instance id and the action, and for a CREATE
 * parses the definition (definition.c) into the encoded pod description
 * the parent takes.  What it refuses becomes a FAILED status with a
 * reason.  It does no I/O, so the fuzzer runs what the agent runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "imsg.h"
#include "log.h"
#include "worker.pb-c.h"

static void	instruction_check(const char *, const char *, size_t, int,
		    struct instruction *);
static void	instruction_failed(struct instruction *, const char *,
		    const char *, const char *);
static void	instruction_create(const char *, const char *, size_t,
		    struct instruction *);

/*
 * 0: in says what to do (instruction_free() it after).  -1: not an
 * instruction at all, in->message says why; there is no one to answer.
 */
int
instruction_read(const void *buf, size_t len, struct instruction *in)
{
	Worker__InstanceScheduling	*is;

	memset(in, 0, sizeof(*in));
	if (len > AGENT_RECV_MAX) {
		(void)snprintf(in->message, sizeof(in->message),
		    "instruction of %zu bytes refused", len);
		return -1;
	}
	if ((is = worker__instance_scheduling__unpack(NULL, len, buf)) ==
	    NULL) {
		(void)snprintf(in->message, sizeof(in->message),
		    "undecodable instruction of %zu bytes", len);
		return -1;
	}
	instruction_check(is->instance_id, is->definition,
	    strlen(is->definition), (int)is->action, in);
	worker__instance_scheduling__free_unpacked(is, NULL);
	return 0;
}

void
instruction_free(struct instruction *in)
{
	free(in->podspec);
	in->podspec = NULL;
	in->podspec_len = 0;
}

static void
instruction_check(const char *instance, const char *definition, size_t len,
    int action, struct instruction *in)
{
	char	 shown[RIK_ID_MAX];
	size_t	 i;

	if (strlen(instance) >= RIK_ID_MAX || !podspec_valid_id(instance)) {
		/* Echo a printable, bounded form of what we were given. */
		for (i = 0; instance[i] != '\0' && i < sizeof(shown) - 1; i++)
			shown[i] = instance[i] > ' ' && instance[i] < 0x7f ?
			    instance[i] : '?';
		shown[i] = '\0';
		instruction_failed(in, shown, REASON_INVALID_INSTANCE,
		    "instance id must be 1-95 of [A-Za-z0-9._-]");
		return;
	}
	switch (action) {
	case 0:		/* common.WorkloadRequestKind CREATE */
		instruction_create(instance, definition, len, in);
		break;
	case 1:		/* DESTROY */
		in->kind = INSTR_DESTROY;
		(void)strlcpy(in->instance, instance, sizeof(in->instance));
		break;
	default:
		instruction_failed(in, instance, REASON_UNKNOWN_ACTION,
		    "action is neither CREATE nor DESTROY");
		break;
	}
}

static void
instruction_failed(struct instruction *in, const char *instance,
    const char *reason, const char *message)
{
	in->kind = INSTR_FAILED;
	(void)strlcpy(in->instance, instance, sizeof(in->instance));
	in->reason = reason;
	(void)strlcpy(in->message, message, sizeof(in->message));
}

static void
instruction_create(const char *instance, const char *definition, size_t len,
    struct instruction *in)
{
	struct pod_spec	 ps;
	const char	*reason;
	char		 err[RIK_MESSAGE_MAX];

	if (definition_parse_reason(instance, definition, len, &ps, &reason,
	    err, sizeof(err)) == -1) {
		podspec_free(&ps);
		instruction_failed(in, instance, reason, err);
		return;
	}
	if (podspec_encode(&ps, &in->podspec, &in->podspec_len) == -1)
		fatal("%s: podspec_encode", __func__);
	podspec_free(&ps);
	if (in->podspec_len > IMSG_MAX_SIZE - IMSG_HEADER_SIZE) {
		instruction_free(in);
		instruction_failed(in, instance, REASON_INVALID_DEFINITION,
		    "pod description too large");
		return;
	}
	in->kind = INSTR_CREATE;
	(void)strlcpy(in->instance, instance, sizeof(in->instance));
}
