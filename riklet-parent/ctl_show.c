/*
 * rikletctl's "show" answers, "log verbose|brief" and "reload", and the
 * Prometheus scrape's status and metrics: fixed structs made from the
 * pod table and the node's state, read through pods.c and report.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "imagegc.h"
#include "log.h"
#include "pods.h"
#include "prom.h"
#include "report.h"
#include "riklet.h"
#include "util.h"

_Static_assert(CTL_HOST_MAX == CONF_HOST_MAX, "ctl_status host size");

static int	send_status(uint32_t);
static int	send_metrics(uint32_t);
static void	pod_to_ctl(const struct pod *, struct ctl_pod *, uint64_t);
static void	show_pods(uint32_t, const char *);

/* CTL_STATUS and a CTL_CHILD per child; -1 when they could not go. */
static int
send_status(uint32_t peer)
{
	struct ctl_status	 cs;
	struct ctl_child	 cc;
	struct child		*c;
	enum riklet_proc	 p;
	const struct agent_state *agent;
	const struct rt_engine	*engine;
	uint64_t		 now = monotime_ms(), since;

	memset(&cs, 0, sizeof(cs));
	(void)strlcpy(cs.scheduler, parent->conf.scheduler,
	    sizeof(cs.scheduler));
	(void)strlcpy(cs.hostname, parent->conf.hostname, sizeof(cs.hostname));
	agent = pods_agent(&since);
	cs.agent_state = agent->state;
	cs.agent_backoff_ms = agent->backoff_ms;
	cs.agent_since_ms = now - (since ? since : parent->started_ms);
	(void)strlcpy(cs.agent_reason, agent->reason, sizeof(cs.agent_reason));
	cs.uptime_ms = now - parent->started_ms;
	if ((engine = pods_engine_last()) != NULL) {
		cs.engine_known = 1;
		cs.engine_up = engine->up;
		(void)strlcpy(cs.engine_name, engine->name,
		    sizeof(cs.engine_name));
		(void)strlcpy(cs.engine_version, engine->version,
		    sizeof(cs.engine_version));
		(void)strlcpy(cs.engine_api_version, engine->api_version,
		    sizeof(cs.engine_api_version));
		(void)strlcpy(cs.engine_message, engine->message,
		    sizeof(cs.engine_message));
	}
	cs.npods = (uint32_t)pod_count();
	cs.verbose = log_getverbose();
	cs.nchildren = PROC_MAX - PROC_AGENT;
	imagegc_status(&cs);
	if (ctl_reply(peer, IMSG_CTL_STATUS, &cs, sizeof(cs)) == -1)
		return -1;
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		c = &parent->children[p];
		memset(&cc, 0, sizeof(cc));
		cc.proc = p;
		cc.pid = (int32_t)c->pid;
		cc.ready = child_ready(p);
		cc.restarts = c->restarts;
		cc.uptime_ms = c->pid > 0 ? now - c->started_ms : 0;
		if (ctl_reply(peer, IMSG_CTL_CHILD, &cc, sizeof(cc)) == -1)
			return -1;
	}
	return 0;
}

void
ctl_show_status(struct child *c, struct imsg *imsg)
{
	(void)c;
	if (send_status(imsg->hdr.peerid) == 0)
		(void)ctl_reply(imsg->hdr.peerid, IMSG_CTL_END, NULL, 0);
}

static void
pod_to_ctl(const struct pod *p, struct ctl_pod *cp, uint64_t now)
{
	size_t		 i;

	memset(cp, 0, sizeof(*cp));
	(void)strlcpy(cp->instance, p->instance, sizeof(cp->instance));
	(void)strlcpy(cp->name, p->name, sizeof(cp->name));
	cp->status = p->status;
	cp->restart_policy = p->restart_policy;
	cp->ncontainers = (uint32_t)p->ncontainers;
	for (i = 0; i < p->ncontainers; i++)
		if (p->containers[i].state == CONTAINER_RUNNING)
			cp->nrunning++;
	cp->restarts = p->restarts;
	cp->exit_code = p->exit_code;
	cp->age_ms = p->created_ms ? now - p->created_ms : 0;
	(void)strlcpy(cp->reason, p->reason, sizeof(cp->reason));
	(void)strlcpy(cp->message, p->message, sizeof(cp->message));
	if (p->pull_image[0] != '\0') {
		(void)strlcpy(cp->pull_image, p->pull_image,
		    sizeof(cp->pull_image));
		cp->pull_done = p->pull_done;
		cp->pull_total = p->pull_total;
	}
}

/* Every pod, or one with its containers. */
static void
show_pods(uint32_t peer, const char *instance)
{
	struct ctl_pod		 cp;
	struct ctl_container	 cc;
	const struct pod_ctr	*pc;
	struct pod		*p;
	uint64_t		 now = monotime_ms();
	size_t			 i;
	char			 msg[RIK_ID_MAX + 32];

	if (instance == NULL) {
		for (p = pod_first(); p != NULL; p = pod_next(p)) {
			pod_to_ctl(p, &cp, now);
			if (ctl_reply(peer, IMSG_CTL_POD, &cp, sizeof(cp)) ==
			    -1)
				return;
		}
		(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
		return;
	}
	if ((p = pod_find(instance)) == NULL) {
		(void)snprintf(msg, sizeof(msg), "no pod %s", instance);
		ctl_error(peer, msg);
		return;
	}
	pod_to_ctl(p, &cp, now);
	if (ctl_reply(peer, IMSG_CTL_POD, &cp, sizeof(cp)) == -1)
		return;
	for (i = 0; i < p->ncontainers; i++) {
		pc = &p->containers[i];
		memset(&cc, 0, sizeof(cc));
		(void)strlcpy(cc.instance, p->instance, sizeof(cc.instance));
		(void)strlcpy(cc.name, pc->name, sizeof(cc.name));
		(void)strlcpy(cc.id, pc->id, sizeof(cc.id));
		(void)strlcpy(cc.image, pc->image, sizeof(cc.image));
		cc.state = pc->state;
		cc.exit_code = pc->exit_code;
		cc.oom_killed = pc->oom_killed;
		cc.pid = pc->pid;
		cc.memory_limit = pc->memory_limit;
		cc.nano_cpus = pc->nano_cpus;
		cc.probe_known = pc->probe_known;
		cc.probe_role = pc->probe.role;
		cc.probe_ok = pc->probe.ok;
		cc.probe_failures = pc->probe.failures;
		cc.unhealthy = pc->unhealthy;
		(void)strlcpy(cc.probe_message, pc->probe.message,
		    sizeof(cc.probe_message));
		if (ctl_reply(peer, IMSG_CTL_CONTAINER, &cc, sizeof(cc)) == -1)
			return;
	}
	(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
}

void
ctl_show_pods(struct child *c, struct imsg *imsg)
{
	(void)c;
	show_pods(imsg->hdr.peerid, NULL);
}

/* Its instance id checked (from_control.c). */
void
ctl_show_pod(struct child *c, struct imsg *imsg)
{
	(void)c;
	show_pods(imsg->hdr.peerid, imsg->data);
}

/* A CTL_METRICS for the node and each pod; -1 when they could not go. */
static int
send_metrics(uint32_t peer)
{
	struct ctl_metrics	 cm;
	struct pod		*p;
	struct iovec		 iov[2];
	const char		*node;
	uint64_t		 now = monotime_ms(), at;

	iov[0].iov_base = &cm;
	iov[0].iov_len = sizeof(cm);
	if ((node = report_node_json(&at)) != NULL) {
		memset(&cm, 0, sizeof(cm));
		cm.age_ms = now - at;
		iov[1].iov_base = (void *)(uintptr_t)node;
		iov[1].iov_len = strlen(node) + 1;
		if (ctl_replyv(peer, IMSG_CTL_METRICS, iov, 2) == -1)
			return -1;
	}
	for (p = pod_first(); p != NULL; p = pod_next(p)) {
		if (p->metrics == NULL)
			continue;
		memset(&cm, 0, sizeof(cm));
		(void)strlcpy(cm.instance, p->instance, sizeof(cm.instance));
		cm.age_ms = now - p->metrics_at_ms;
		iov[1].iov_base = p->metrics;
		iov[1].iov_len = strlen(p->metrics) + 1;
		if (ctl_replyv(peer, IMSG_CTL_METRICS, iov, 2) == -1)
			return -1;
	}
	return 0;
}

void
ctl_show_metrics(struct child *c, struct imsg *imsg)
{
	(void)c;
	if (send_metrics(imsg->hdr.peerid) == 0)
		(void)ctl_reply(imsg->hdr.peerid, IMSG_CTL_END, NULL, 0);
}

/*
 * A scrape of the Prometheus endpoint: what "show status" and "show
 * metrics" answer, with prom_figures.c's in between; the control child
 * makes the text of it.
 */
void
ctl_show_prom(struct child *c, struct imsg *imsg)
{
	uint32_t	 peer = imsg->hdr.peerid;

	(void)c;
	if (send_status(peer) == 0 && prom_answer(peer) == 0 &&
	    send_metrics(peer) == 0)
		(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
}

void
ctl_reload(struct child *c, struct imsg *imsg)
{
	(void)c;
	log_info("reload requested through the control socket");
	/* The same path as a SIGHUP from the operator. */
	(void)raise(SIGHUP);
	(void)ctl_reply(imsg->hdr.peerid, IMSG_CTL_END, NULL, 0);
}

/*
 * "log verbose|brief": the parent's own level, the level restarted
 * children are given, and IMSG_VERBOSE for the running ones.
 */
void
ctl_log_verbose(struct child *c, struct imsg *imsg)
{
	enum riklet_proc	 p;
	int32_t			 v;
	int			 iv;

	(void)c;
	memcpy(&v, imsg->data, sizeof(v));
	iv = v;

	log_setverbose(iv);
	parent->verbose = iv;
	log_info("log level set to %s (verbosity %d) through the control "
	    "socket", iv > 0 ? "verbose" : "brief", iv);
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		(void)child_send(p, IMSG_VERBOSE, &iv, sizeof(iv));
	(void)ctl_reply(imsg->hdr.peerid, IMSG_CTL_END, NULL, 0);
}
