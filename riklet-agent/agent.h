/*
 * riklet-agent: the gRPC client of RIK's scheduler.  agent.c talks to the
 * parent, agent_grpc.c to the scheduler, agent_queue.c holds what waits to
 * be sent, instruction.c checks what the scheduler asks, definition.c
 * turns an untrusted definition into a pod_spec.
 */
#ifndef RIKLET_AGENT_H
#define RIKLET_AGENT_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>

#include "podspec.h"
#include "riklet_conf.h"
#include "riklet_msg.h"

struct event_base;

/* sys/tree.h's static generators use it; glibc does not define it. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#define AGENT_TARGET_MAX	1024	/* gRPC target string, NUL included */
#define AGENT_PEM_MAX		(60 * 1024)
#define AGENT_QUEUE_MAX		16384	/* statuses waiting to be sent */
/*
 * Larger than any definition we accept, so that an oversized one still
 * arrives and is answered FAILED: gRPC refusing the message would end the
 * Register stream, and the scheduler could send it again on every retry.
 */
#define AGENT_RECV_MAX		(1024 * 1024)

/* What the definition parser says when it refuses a definition. */
#define REASON_INVALID_DEFINITION	"InvalidDefinition"
#define REASON_UNKNOWN_ACTION		"UnknownAction"
#define REASON_INVALID_INSTANCE		"InvalidInstanceId"
#define REASON_UNSUPPORTED		"Unsupported"

enum instr_kind {
	INSTR_CREATE,		/* podspec goes to the parent */
	INSTR_DESTROY,
	INSTR_FAILED		/* answered FAILED with reason, message */
};

/* What one instruction from the scheduler asks, checked. */
struct instruction {
	uint32_t	 kind;			/* enum instr_kind */
	char		 instance[RIK_ID_MAX];	/* printable if FAILED */
	unsigned char	*podspec;		/* encoded pod_spec */
	size_t		 podspec_len;
	const char	*reason;
	char		 message[RIK_MESSAGE_MAX];
};

enum status_kind {
	STATUS_WORKER,		/* WorkerMetric */
	STATUS_INSTANCE		/* InstanceMetric */
};

struct queue_pod;

struct status_entry {
	TAILQ_ENTRY(status_entry)	 entry;		/* the queue */
	TAILQ_ENTRY(status_entry)	 spare;		/* what may go first */
	struct queue_pod		*pod;
	uint32_t			 kind;		/* enum status_kind */
	uint32_t			 status;	/* enum rik_status */
	uint32_t			 transition;
	char				 instance[RIK_ID_MAX];
	char				 metrics[];
};

/* What agent_counters.c counts. */
enum agent_counter {
	COUNTER_REGISTRATIONS,
	COUNTER_RECONNECTS,
	COUNTER_SENT
};

/* agent.c */
void	agent_to_parent(uint32_t, const void *, size_t);
void	agent_conn_state(enum agent_conn, uint32_t, const char *);
void	agent_instruction(const struct instruction *);
void	agent_report_failed(const char *, const char *, const char *);
const char *agent_node_metrics(void);

/* agent_grpc.c */
void	sched_init(struct event_base *, const struct riklet_conf *);
void	sched_set_pem(uint32_t, const char *);
void	sched_set_target(const char *);
int	sched_set_host_address(const char *);
int	sched_registered(void);
void	sched_kick(void);
void	sched_node_sample(void);

/* agent_counters.c */
void	counters_init(struct event_base *);
void	counters_add(enum agent_counter, uint64_t);
void	counters_touch(void);

/* agent_queue.c */
int	queue_push(uint32_t, const char *, uint32_t, uint32_t, const char *);
struct status_entry *queue_first(void);
void	queue_remove(struct status_entry *);
void	queue_clear(void);
void	queue_drop_samples(void);
void	queue_last_to_head(void);
size_t	queue_length(void);
size_t	queue_dropped(void);

/* instruction.c */
int	instruction_read(const void *, size_t, struct instruction *);
void	instruction_free(struct instruction *);

/* definition.c */
int	definition_parse_reason(const char *, const char *, size_t,
	    struct pod_spec *, const char **, char *, size_t);
int	definition_parse(const char *, const char *, size_t, struct pod_spec *,
	    char *, size_t);
int	parse_cpu(const char *, int64_t *);
int	parse_memory(const char *, int64_t *);

#endif
