/*
 * What the agent (riklet-agent/) may send the parent, and what is done
 * with it: the table msgtable.c walks.
 */
#include <string.h>

#include "msgtable.h"
#include "pods.h"
#include "prom.h"
#include "report.h"
#include "riklet.h"
#include "scheduler.h"
#include "util.h"

static int	agent_state_valid(const void *, size_t);
static void	agent_state(struct child *, struct imsg *);
static void	sched_resolve_again(struct child *, struct imsg *);
static void	pod_create(struct child *, struct imsg *);
static void	pod_destroy(struct child *, struct imsg *);
static void	agent_ready(struct child *);
static void	agent_gone(struct child *);

static const struct msg_rule rules[] = {
	MSG_READY,
	MSG_EMPTY(IMSG_SCHED_RESOLVE, sched_resolve_again),
	MSG_STRUCT(IMSG_AGENT_STATE, struct agent_state, agent_state_valid,
	    agent_state),
	MSG_STRUCT(IMSG_AGENT_COUNTERS, struct agent_counters, NULL,
	    prom_agent_counters),
	/* podspec_decode() in pods_create() checks the rest. */
	MSG_RANGE(IMSG_POD_CREATE, 1, IMSG_MAX_SIZE, NULL, pod_create),
	MSG_STRING(IMSG_POD_DESTROY, RIK_ID_MAX, msg_valid_instance,
	    pod_destroy),
};

MSG_TABLE(from_agent, PROC_AGENT, rules, agent_ready, agent_gone);

static int
agent_state_valid(const void *data, size_t len)
{
	const struct agent_state	*st = data;

	(void)len;
	return st->state < AGENT_CONN_MAX &&
	    strarray_terminated(st->reason, sizeof(st->reason));
}

static void
sched_resolve_again(struct child *c, struct imsg *imsg)
{
	(void)c;
	(void)imsg;
	sched_resolve();
}

static void
agent_state(struct child *c, struct imsg *imsg)
{
	const struct agent_state	*st = imsg->data;

	(void)c;
	pods_agent_state(st);
}

static void
pod_create(struct child *c, struct imsg *imsg)
{
	(void)c;
	pods_create(imsg->data, imsg->datalen);
}

static void
pod_destroy(struct child *c, struct imsg *imsg)
{
	(void)c;
	pods_destroy(imsg->data);
}

static void
agent_ready(struct child *c)
{
	(void)c;
	/* Its node sample before the scheduler's address. */
	report_agent_ready();
	sched_agent_ready();
	report_flush();
	pods_reap();
}

/* The agent's death is a scheduler disconnection. */
static void
agent_gone(struct child *c)
{
	struct agent_state	 st;

	prom_child_gone(c->proc);
	memset(&st, 0, sizeof(st));
	st.state = AGENT_DISCONNECTED;
	pods_agent_state(&st);
}
