/*
 * What the parent does with the messages its children send, once
 * supervise.c has checked that the child may send that type.  Each
 * message is checked here for its exact size, its strings' NULs and its
 * enums' ranges before anything else looks at it.
 */
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "infra.h"
#include "log.h"
#include "podspec.h"
#include "pods.h"
#include "prom.h"
#include "report.h"
#include "riklet.h"
#include "scheduler.h"
#include "util.h"

#define TERMINATED(a)	strarray_terminated((a), sizeof(a))

static void	dispatch_agent(struct child *, struct imsg *);
static void	dispatch_metrics(struct child *, struct imsg *);
static void	dispatch_runtime(struct child *, struct imsg *);

/* A child (re)started: send it whatever state it needs. */
void
parent_child_ready(struct child *c)
{
	switch (c->proc) {
	case PROC_AGENT:
		/* Its node sample before the scheduler's address. */
		report_agent_ready();
		sched_agent_ready();
		report_flush();
		pods_reap();
		break;
	case PROC_METRICS:
		pods_metrics_ready();
		break;
	case PROC_RUNTIME:
		/* It lists the engine's containers by itself. */
		infra_send_pause();
		pods_runtime_ready();
		break;
	case PROC_CONTROL:
		control_child_ready();
		prom_child_ready(&c->iev);
		break;
	default:
		break;
	}
}

/* A child died: the agent's death is a scheduler disconnection. */
void
parent_child_gone(struct child *c)
{
	struct agent_state	 st;

	control_child_gone(c->proc);
	prom_child_gone(c->proc);
	if (c->proc != PROC_AGENT)
		return;
	memset(&st, 0, sizeof(st));
	st.state = AGENT_DISCONNECTED;
	pods_agent_state(&st);
	control_agent_state(&st);
}

void
parent_dispatch(struct child *c, struct imsg *imsg)
{
	switch (c->proc) {
	case PROC_AGENT:
		dispatch_agent(c, imsg);
		break;
	case PROC_METRICS:
		dispatch_metrics(c, imsg);
		break;
	case PROC_RUNTIME:
		dispatch_runtime(c, imsg);
		break;
	case PROC_CONTROL:
		control_dispatch(c, imsg);
		break;
	default:
		fatalx("%s: message from %s", __func__, proc_name(c->proc));
	}
}

static void
dispatch_agent(struct child *c, struct imsg *imsg)
{
	struct agent_state	 st;
	const char		*s;

	switch (imsg->hdr.type) {
	case IMSG_SCHED_RESOLVE:
		if (imsg->datalen != 0) {
			child_violation(c, "SCHED_RESOLVE: bad size");
			return;
		}
		sched_resolve();
		break;
	case IMSG_AGENT_STATE:
		if (imsg->datalen != sizeof(st)) {
			child_violation(c, "AGENT_STATE: bad size");
			return;
		}
		memcpy(&st, imsg->data, sizeof(st));
		if (st.state >= AGENT_CONN_MAX || !TERMINATED(st.reason)) {
			child_violation(c, "AGENT_STATE: bad contents");
			return;
		}
		pods_agent_state(&st);
		control_agent_state(&st);
		if (st.state == AGENT_REGISTERED)
			pods_agent_registered();
		break;
	case IMSG_AGENT_COUNTERS:
		prom_agent_counters(c, imsg);
		break;
	case IMSG_POD_CREATE:
		if (imsg->datalen == 0 || imsg->datalen > IMSG_MAX_SIZE) {
			child_violation(c, "POD_CREATE: bad size");
			return;
		}
		pods_create(imsg->data, imsg->datalen);
		break;
	case IMSG_POD_DESTROY:
		if ((s = imsg_string(imsg, 0)) == NULL ||
		    !podspec_valid_id(s)) {
			child_violation(c, "POD_DESTROY: bad instance id");
			return;
		}
		pods_destroy(s);
		break;
	}
}

static void
dispatch_metrics(struct child *c, struct imsg *imsg)
{
	struct met_pod_sample	 ps;
	const char		*s;

	switch (imsg->hdr.type) {
	case IMSG_MET_NODE:
		if (imsg->datalen > RIK_METRICS_MAX ||
		    (s = imsg_string(imsg, 0)) == NULL) {
			child_violation(c, "MET_NODE: bad string");
			return;
		}
		log_debug("node metrics: %s", s);
		report_node_metrics(s);
		break;
	case IMSG_MET_POD_SAMPLE:
		if (imsg->datalen <= sizeof(ps) ||
		    imsg->datalen > sizeof(ps) + RIK_METRICS_MAX) {
			child_violation(c, "MET_POD_SAMPLE: bad size");
			return;
		}
		memcpy(&ps, imsg->data, sizeof(ps));
		if (!TERMINATED(ps.instance) ||
		    (s = imsg_string(imsg, sizeof(ps))) == NULL) {
			child_violation(c, "MET_POD_SAMPLE: bad strings");
			return;
		}
		log_debug("pod %s metrics: %s", ps.instance, s);
		pods_metrics_sample(ps.instance, s);
		break;
	}
}

static int
rt_container_valid(const struct rt_container *rc)
{
	return TERMINATED(rc->instance) && TERMINATED(rc->pod_name) &&
	    TERMINATED(rc->name) && TERMINATED(rc->id) &&
	    TERMINATED(rc->image) && TERMINATED(rc->cgroup) &&
	    podspec_valid_id(rc->instance) && rc->name[0] != '\0' &&
	    rc->state < CONTAINER_STATE_MAX &&
	    rc->restart_policy < RESTART_MAX &&
	    rc->ncontainers <= RIK_CONTAINERS_MAX &&
	    rc->memory_limit >= 0 && rc->nano_cpus >= 0 &&
	    rc->role < ROLE_MAX;
}

static void
dispatch_runtime(struct child *c, struct imsg *imsg)
{
	struct rt_engine	 e;
	struct rt_container	 rc;
	struct rt_pod_result	 r;
	struct rt_pull		 pl;

	switch (imsg->hdr.type) {
	case IMSG_RT_ENGINE:
		if (imsg->datalen != sizeof(e)) {
			child_violation(c, "RT_ENGINE: bad size");
			return;
		}
		memcpy(&e, imsg->data, sizeof(e));
		if (!TERMINATED(e.name) || !TERMINATED(e.version) ||
		    !TERMINATED(e.api_version) ||
		    !TERMINATED(e.message)) {
			child_violation(c, "RT_ENGINE: bad strings");
			return;
		}
		pods_engine(&e);
		control_engine(&e);
		break;
	case IMSG_RT_CONTAINER:
		if (imsg->datalen != sizeof(rc)) {
			child_violation(c, "RT_CONTAINER: bad size");
			return;
		}
		memcpy(&rc, imsg->data, sizeof(rc));
		if (!rt_container_valid(&rc)) {
			child_violation(c, "RT_CONTAINER: bad contents");
			return;
		}
		prom_container(&rc);
		pods_container(&rc);
		break;
	case IMSG_RT_POD_RESULT:
		if (imsg->datalen != sizeof(r)) {
			child_violation(c, "RT_POD_RESULT: bad size");
			return;
		}
		memcpy(&r, imsg->data, sizeof(r));
		if (!TERMINATED(r.instance) || !TERMINATED(r.reason) ||
		    !TERMINATED(r.message) || r.op >= POD_OP_MAX ||
		    r.ok > 1 || (!r.ok && r.reason[0] == '\0')) {
			child_violation(c, "RT_POD_RESULT: bad contents");
			return;
		}
		pods_result(&r);
		break;
	case IMSG_RT_LIST_BEGIN:
	case IMSG_RT_LIST_END:
		if (imsg->datalen != 0) {
			child_violation(c, "RT_LIST: bad size");
			return;
		}
		if (imsg->hdr.type == IMSG_RT_LIST_BEGIN)
			pods_list_begin();
		else
			pods_list_end();
		break;
	case IMSG_RT_PULL:
		if (imsg->datalen != sizeof(pl)) {
			child_violation(c, "RT_PULL: bad size");
			return;
		}
		memcpy(&pl, imsg->data, sizeof(pl));
		if (!TERMINATED(pl.instance) || !TERMINATED(pl.image) ||
		    pl.done < 0 || pl.total < 0 || pl.finished > 1) {
			child_violation(c, "RT_PULL: bad contents");
			return;
		}
		pods_pull(&pl);
		control_pull(&pl);
		prom_pull(&pl);
		break;
	case IMSG_RT_LOGS_DATA:
	case IMSG_RT_LOGS_END:
		control_logs_runtime(c, imsg);
		break;
	}
}
