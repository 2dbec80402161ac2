/*
 * The pod table: every instance riklet runs, its containers as the engine
 * last described them, and the status last reported to the scheduler.
 * It holds only pods that have or had containers here, or whose end the
 * agent has not taken yet (pod_settle() in pods.c has the rule).
 */
#ifndef RIKLET_PODS_H
#define RIKLET_PODS_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <event2/event.h>

#include "backoff.h"
#include "riklet_msg.h"
#include "runq.h"

#define PODS_MAX		4096
#define POD_STATE_NONE		CONTAINER_STATE_MAX	/* not made yet */

struct pod_ctr {
	char		 name[RIK_NAME_MAX];
	char		 id[RIK_CONTAINER_ID_MAX];
	char		 image[RIK_IMAGE_MAX];
	char		 cgroup[RIK_CGROUP_MAX];
	uint32_t	 state;		/* enum container_state */
	int32_t		 exit_code;
	uint32_t	 oom_killed;
	int32_t		 pid;
	int64_t		 memory_limit;
	int64_t		 nano_cpus;
	int		 seen;		/* in the current engine listing */
	int		 exited;	/* since it last ran */
	uint64_t	 runs_again;	/* after an exit, whoever started it */
	int		 probe_known;	/* probe holds the runtime's word */
	int		 unhealthy;	/* stopped for failing a probe */
	struct rt_probe	 probe;		/* its health as last reported */
};

enum pod_op_pending {
	OP_NONE,
	OP_CREATE,
	OP_DESTROY,
	OP_RESTART,		/* containers started again, one by one */
	OP_RESTART_POD		/* the whole pod, its infra container first */
};

struct pod {
	RB_ENTRY(pod)	 entry;
	char		 instance[RIK_ID_MAX];
	char		 name[RIK_NAME_MAX];
	uint32_t	 status;	/* last status reported (rik_status) */
	uint32_t	 restart_policy;
	size_t		 ncontainers;
	struct pod_ctr	 containers[RIK_CONTAINERS_MAX];
	int		 has_infra;	/* made with an infra container */
	struct pod_ctr	 infra;		/* it holds the pod's namespaces */
	unsigned char	*spec;		/* podspec encoding, to resend */
	size_t		 speclen;
	int		 op;		/* enum pod_op_pending */
	int		 report_unknown;	/* DESTROY of an unknown pod */
	char		 reason[RIK_REASON_MAX];
	char		 message[RIK_MESSAGE_MAX];
	int32_t		 exit_code;
	uint64_t	 created_ms;
	uint64_t	 running_since_ms;
	unsigned int	 restarts;
	struct backoff	 backoff;	/* of its restarts */
	struct event	*restart_ev;
	int		 listed;	/* seen in the current listing */
	struct runq_op	 rq[POD_OP_MAX];	/* to the runtime */
	uint64_t	 report_seq;	/* its last status (report_status) */
	char		*metrics;	/* the last sample's JSON, or NULL */
	uint64_t	 metrics_at_ms;
	char		 pull_image[RIK_IMAGE_MAX];	/* "": not pulling */
	int64_t		 pull_done;	/* bytes */
	int64_t		 pull_total;	/* bytes, 0: not known yet */
	int		 ended;		/* on the ended list */
	TAILQ_ENTRY(pod) ended_entry;
};

RB_HEAD(pod_tree, pod);
RB_PROTOTYPE(pod_tree, pod, entry, pod_cmp)

/* Reading the table, in the order of the instance ids. */
struct pod	*pod_find(const char *);
struct pod	*pod_first(void);
struct pod	*pod_next(struct pod *);
size_t		 pod_count(void);
/* The node's peers, as they last said. */
const struct agent_state *pods_agent(uint64_t *);
const struct rt_engine	*pods_engine_last(void);

void		 pods_init(void);
void		 pods_clear(void);

/* From the agent. */
void		 pods_create(const void *, size_t);
void		 pods_destroy(const char *);
/* From the runtime. */
void		 pods_engine(const struct rt_engine *);
void		 pods_container(const struct rt_container *);
void		 pods_result(const struct rt_pod_result *);
void		 pods_list_begin(void);
void		 pods_list_end(void);
/* Children coming back. */
void		 pods_runtime_ready(void);
void		 pods_metrics_ready(void);
void		 pods_reap(void);
/* The scheduler connection. */
void		 pods_agent_state(const struct agent_state *);
void		 pods_metrics_sample(const char *, const char *);
void		 pods_pull(const struct rt_pull *);
void		 pods_probe(const struct rt_probe *);

#endif
