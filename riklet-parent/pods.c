/*
 * The pod lifecycle, driven from the parent: CREATE -> CREATING ->
 * RUNNING, a dead container -> FAILED (and back through CREATING when the
 * restart policy says so), DESTROY -> DESTROYING -> TERMINATED.  The
 * engine's labels are the durable record: a listing from the runtime
 * rebuilds this table after any restart.  Once that listing is in, the
 * table knows every container of this node, so a DESTROY of an instance
 * it lacks is answered at once, without an entry.
 *
 * A pod made by this riklet has an infra container that holds its
 * network: when it dies the pod is FAILED (InfraExited) and, unless the
 * policy is Never, restarted whole.  Pods made before riklet had infra
 * containers (no riklet.role label) are run as they were made.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostpath.h"
#include "log.h"
#include "podspec.h"
#include "pods.h"
#include "report.h"
#include "riklet.h"
#include "util.h"

#define RESTART_BACKOFF_FIRST_MS	10000
#define RESTART_BACKOFF_MAX_MS		300000
#define RESTART_BACKOFF_RESET_MS	600000	/* 10 min running */

static struct pod_tree	 pods = RB_INITIALIZER(&pods);
static size_t		 npods;
static int		 listing;
static int		 listed;	/* a whole listing came in */
static struct event	*disconnect_ev;
static struct agent_state agent;	/* the agent's last word */
static uint64_t		 agent_since_ms;
static struct rt_engine	 engine;	/* the runtime's */
static int		 engine_known;
/* Pods that are over, until the agent has their last status. */
static TAILQ_HEAD(, pod)	 ended = TAILQ_HEAD_INITIALIZER(ended);

static int		 pod_cmp(struct pod *, struct pod *);
static struct pod	*pod_new(const char *);
static void		 pod_free(struct pod *);
static void		 pod_set(struct pod *, uint32_t);
static void		 pod_fail(struct pod *, const char *, const char *,
			    int32_t);
static void		 pod_report(struct pod *);
static void		 pod_settle(struct pod *);
static int		 pod_has_container(const struct pod *);
static void		 pod_start_destroy(struct pod *);
static struct pod	*pod_adopt(const struct rt_container *);
static void		 pod_container_update(struct pod *,
			    const struct rt_container *);
static void		 pod_count_restart(struct pod *,
			    const struct rt_container *);
static void		 pod_create_result(struct pod *,
			    const struct rt_pod_result *);
static void		 pod_destroy_result(struct pod *,
			    const struct rt_pod_result *);
static void		 pod_restart_result(struct pod *,
			    const struct rt_pod_result *);
static void		 pod_container_exited(struct pod *, struct pod_ctr *);
static void		 pod_infra_exited(struct pod *);
static void		 pod_schedule_restart(struct pod *);
static void		 pod_restart_cb(int, short, void *);
static void		 pod_send_restarts(struct pod *);
static void		 pod_restart_now(struct pod *);
static void		 pod_metrics_update(struct pod *);
static void		 pod_evaluate(struct pod *, int);
static struct pod_ctr	*pod_ctr_find(struct pod *, const char *);
static int		 pod_all_running(const struct pod *);
static void		 disconnect_cb(int, short, void *);
static void		 pods_agent_registered(void);

RB_GENERATE(pod_tree, pod, entry, pod_cmp)

static int
pod_cmp(struct pod *a, struct pod *b)
{
	return strcmp(a->instance, b->instance);
}

struct pod *
pod_find(const char *instance)
{
	struct pod	 key;

	if (strlcpy(key.instance, instance, sizeof(key.instance)) >=
	    sizeof(key.instance))
		return NULL;
	return RB_FIND(pod_tree, &pods, &key);
}

struct pod *
pod_first(void)
{
	return RB_MIN(pod_tree, &pods);
}

struct pod *
pod_next(struct pod *p)
{
	return RB_NEXT(pod_tree, &pods, p);
}

size_t
pod_count(void)
{
	return npods;
}

/* The agent's connection, and since when (0: since riklet started). */
const struct agent_state *
pods_agent(uint64_t *since_ms)
{
	*since_ms = agent_since_ms;
	return &agent;
}

/* What the runtime last said of the engine; NULL: nothing yet. */
const struct rt_engine *
pods_engine_last(void)
{
	return engine_known ? &engine : NULL;
}

void
pods_init(void)
{
	if ((disconnect_ev = evtimer_new(parent->base, disconnect_cb,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	runq_init(parent->base);
}

void
pods_clear(void)
{
	struct pod	*p;

	while ((p = RB_MIN(pod_tree, &pods)) != NULL)
		pod_free(p);
	runq_clear();
	listed = 0;
	memset(&agent, 0, sizeof(agent));
	agent_since_ms = 0;
	engine_known = 0;
	if (disconnect_ev != NULL)
		event_free(disconnect_ev);
	disconnect_ev = NULL;
}

static struct pod *
pod_new(const char *instance)
{
	struct pod	*p;
	uint32_t	 k;

	if (npods >= PODS_MAX)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s", __func__);
	(void)strlcpy(p->instance, instance, sizeof(p->instance));
	for (k = 0; k < POD_OP_MAX; k++) {
		p->rq[k].pod = p;
		p->rq[k].kind = k;
	}
	p->status = RIK_UNKNOWN;
	p->exit_code = REPORT_NO_EXIT;
	p->created_ms = monotime_ms();
	backoff_init(&p->backoff, RESTART_BACKOFF_FIRST_MS,
	    RESTART_BACKOFF_MAX_MS);
	(void)strlcpy(p->infra.name, POD_INFRA_NAME, sizeof(p->infra.name));
	p->infra.state = POD_STATE_NONE;
	if ((p->restart_ev = evtimer_new(parent->base, pod_restart_cb,
	    p)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	RB_INSERT(pod_tree, &pods, p);
	npods++;
	return p;
}

static void
pod_free(struct pod *p)
{
	uint32_t	 k;

	for (k = 0; k < POD_OP_MAX; k++)
		runq_remove(&p->rq[k]);
	if (p->ended)
		TAILQ_REMOVE(&ended, p, ended_entry);
	RB_REMOVE(pod_tree, &pods, p);
	npods--;
	(void)child_send(PROC_METRICS, IMSG_MET_POD_DEL, p->instance,
	    strlen(p->instance) + 1);
	event_free(p->restart_ev);
	free(p->spec);
	free(p->metrics);
	free(p);
}

/* Every state change goes through here: reported once, in order. */
static void
pod_set(struct pod *p, uint32_t status)
{
	p->status = status;
	if (status == RIK_RUNNING)
		p->running_since_ms = monotime_ms();
	p->report_seq = report_status(p->instance, status, NULL, NULL,
	    REPORT_NO_EXIT);
}

static void
pod_fail(struct pod *p, const char *reason, const char *message,
    int32_t exit_code)
{
	p->status = RIK_FAILED;
	(void)strlcpy(p->reason, reason, sizeof(p->reason));
	(void)strlcpy(p->message, message, sizeof(p->message));
	p->exit_code = exit_code;
	p->report_seq = report_status(p->instance, RIK_FAILED, reason,
	    message, exit_code);
}

/* Says again where the pod stands. */
static void
pod_report(struct pod *p)
{
	if (p->status == RIK_FAILED)
		p->report_seq = report_status(p->instance, p->status,
		    p->reason, p->message, p->exit_code);
	else
		p->report_seq = report_status(p->instance, p->status, NULL,
		    NULL, REPORT_NO_EXIT);
}

/* Whether the engine may still hold a container of the pod. */
static int
pod_has_container(const struct pod *p)
{
	size_t	 i;

	for (i = 0; i < p->ncontainers; i++)
		if (p->containers[i].state != POD_STATE_NONE &&
		    p->containers[i].state != CONTAINER_REMOVED)
			return 1;
	return p->infra.state != POD_STATE_NONE &&
	    p->infra.state != CONTAINER_REMOVED;
}

/*
 * The pod table's rule: an entry is freed once its pod has no container
 * here, nothing under way, a last status (FAILED or TERMINATED), and that
 * status is in the agent's hands.  Until then the pod waits on the ended
 * list, and pods_reap() looks again when the agent is back.
 */
static void
pod_settle(struct pod *p)
{
	uint32_t	 k;
	int		 over;

	over = p->op == OP_NONE &&
	    (p->status == RIK_FAILED || p->status == RIK_TERMINATED) &&
	    !pod_has_container(p);
	for (k = 0; k < POD_OP_MAX; k++)
		if (p->rq[k].state != RUNQ_IDLE)
			over = 0;
	if (!over) {
		if (p->ended) {
			TAILQ_REMOVE(&ended, p, ended_entry);
			p->ended = 0;
		}
		return;
	}
	if (report_state(p->report_seq) == REPORT_LOST)
		pod_report(p);
	if (report_state(p->report_seq) == REPORT_SENT) {
		pod_free(p);
		return;
	}
	if (!p->ended) {
		p->ended = 1;
		TAILQ_INSERT_TAIL(&ended, p, ended_entry);
		(void)child_send(PROC_METRICS, IMSG_MET_POD_DEL, p->instance,
		    strlen(p->instance) + 1);
	}
}

/* The agent is back: free the ended pods it now has the end of. */
void
pods_reap(void)
{
	struct pod	*p, *next;

	TAILQ_FOREACH_SAFE(p, &ended, ended_entry, next)
		pod_settle(p);
}

static struct pod_ctr *
pod_ctr_find(struct pod *p, const char *name)
{
	size_t	 i;

	for (i = 0; i < p->ncontainers; i++)
		if (strcmp(p->containers[i].name, name) == 0)
			return &p->containers[i];
	return NULL;
}

static int
pod_all_running(const struct pod *p)
{
	size_t	 i;

	for (i = 0; i < p->ncontainers; i++)
		if (p->containers[i].state != CONTAINER_RUNNING)
			return 0;
	if (p->has_infra && p->infra.state != CONTAINER_RUNNING)
		return 0;
	return p->ncontainers > 0;
}

/*
 * CREATE from the scheduler, already decoded once by the agent.  The
 * pod's hostPath volumes are checked here, and the runtime gets them
 * resolved.
 */
void
pods_create(const void *data, size_t len)
{
	struct pod_spec	 ps;
	struct pod	*p;
	unsigned char	*spec = NULL;
	char		 err[256], msg[RIK_MESSAGE_MAX];
	size_t		 i;

	if (podspec_decode(data, len, &ps, err, sizeof(err)) == -1) {
		child_violation(&parent->children[PROC_AGENT], "POD_CREATE: %s",
		    err);
		return;
	}
	/* An ended pod's last status is queued ahead of the new one's. */
	if ((p = pod_find(ps.instance)) != NULL && p->ended)
		pod_free(p);
	else if (p != NULL) {
		/* A repeated CREATE: say again where the pod stands. */
		log_info("pod %s: CREATE again, already %s", p->instance,
		    rik_status_name(p->status));
		if (p->status != RIK_UNKNOWN)
			pod_report(p);
		podspec_free(&ps);
		return;
	}
	if (hostpath_spec(&parent->conf, &ps, msg, sizeof(msg)) == -1) {
		log_warnx("pod %s: refused: %s", ps.instance, msg);
		report_status(ps.instance, RIK_FAILED,
		    REASON_VOLUME_NOT_ALLOWED, msg, REPORT_NO_EXIT);
		podspec_free(&ps);
		return;
	}
	for (i = 0; i < ps.nvolumes; i++)
		if (ps.volumes[i].kind == VOLUME_HOSTPATH)
			break;
	if (i < ps.nvolumes && podspec_encode(&ps, &spec, &len) == -1)
		fatal("%s: podspec_encode", __func__);
	if (len > IMSG_MAX_SIZE - IMSG_HEADER_SIZE) {
		report_status(ps.instance, RIK_FAILED,
		    REASON_VOLUME_NOT_ALLOWED, "the resolved hostPath volumes "
		    "make the pod description too large", REPORT_NO_EXIT);
		free(spec);
		podspec_free(&ps);
		return;
	}
	if ((p = pod_new(ps.instance)) == NULL) {
		free(spec);
		log_warnx("pod %s: refused, %d pods already", ps.instance,
		    PODS_MAX);
		report_status(ps.instance, RIK_FAILED, "TooManyPods",
		    "this node runs as many pods as it can", REPORT_NO_EXIT);
		podspec_free(&ps);
		return;
	}
	(void)strlcpy(p->name, ps.name, sizeof(p->name));
	p->restart_policy = ps.restart_policy;
	p->has_infra = 1;
	p->ncontainers = ps.ncontainers;
	for (i = 0; i < ps.ncontainers; i++) {
		(void)strlcpy(p->containers[i].name, ps.containers[i].name,
		    sizeof(p->containers[i].name));
		(void)strlcpy(p->containers[i].image, ps.containers[i].image,
		    sizeof(p->containers[i].image));
		p->containers[i].memory_limit = ps.containers[i].memory_limit;
		p->containers[i].nano_cpus = ps.containers[i].nano_cpus;
		p->containers[i].state = POD_STATE_NONE;
	}
	podspec_free(&ps);
	if (spec == NULL) {
		if ((spec = malloc(len)) == NULL)
			fatal("%s", __func__);
		memcpy(spec, data, len);
	}
	p->spec = spec;
	p->speclen = len;
	p->op = OP_CREATE;
	pod_set(p, RIK_CREATING);
	runq_add(&p->rq[POD_OP_CREATE]);
}

static void
pod_start_destroy(struct pod *p)
{
	evtimer_del(p->restart_ev);
	p->op = OP_DESTROY;
	if (p->status != RIK_DESTROYING && !p->report_unknown)
		pod_set(p, RIK_DESTROYING);
	runq_add(&p->rq[POD_OP_DESTROY]);
}

/* DESTROY from the scheduler. */
void
pods_destroy(const char *instance)
{
	struct pod	*p;

	if ((p = pod_find(instance)) != NULL && p->ended) {
		pod_free(p);	/* nothing of it is left here */
		p = NULL;
	}
	if (p == NULL) {
		/*
		 * Unknown here.  Before the engine's first listing it may
		 * still hold containers of it: have the runtime make sure,
		 * then answer.  After it, the answer is known.
		 */
		if (listed || (p = pod_new(instance)) == NULL) {
			(void)report_status(instance, RIK_TERMINATED, NULL,
			    NULL, REPORT_NO_EXIT);
			return;
		}
		p->report_unknown = 1;
	}
	if (p->op == OP_DESTROY)
		return;
	pod_start_destroy(p);
}

void
pods_engine(const struct rt_engine *e)
{
	engine = *e;
	engine_known = 1;
	if (e->up)
		log_info("engine up: %s %s, API %s", e->name, e->version,
		    e->api_version);
	else
		log_warnx("engine down: %s", e->message);
}

/*
 * The runtime's answers that are no fault of the pod: its queue was full
 * or the engine's.  The operation waits and goes again.
 */
static int
result_busy(const struct rt_pod_result *r)
{
	return !r->ok && (strcmp(r->reason, "Busy") == 0 ||
	    strcmp(r->reason, "EngineBusy") == 0);
}

/* The runtime's answer to a create, a destroy or a whole-pod restart. */
void
pods_result(const struct rt_pod_result *r)
{
	static const char *const opname[POD_OP_MAX] = {
		"create", "destroy", "restart"
	};
	struct pod	*p;
	int		 current;

	if ((p = pod_find(r->instance)) == NULL ||
	    !runq_done(&p->rq[r->op])) {
		log_debug("pod %s: a %s result it was not sent for",
		    r->instance, opname[r->op]);
		return;
	}
	switch (r->op) {
	case POD_OP_CREATE:
		current = p->op == OP_CREATE;
		break;
	case POD_OP_DESTROY:
		current = p->op == OP_DESTROY;
		break;
	default:
		current = p->op == OP_RESTART_POD;
		break;
	}
	if (current && result_busy(r)) {
		log_info("pod %s: the runtime is busy (%s), trying again",
		    p->instance, r->message);
		runq_retry(&p->rq[r->op]);
		return;
	}
	/* Not current: a create or a restart overtaken by a destroy. */
	if (current && r->op == POD_OP_CREATE)
		pod_create_result(p, r);
	else if (current && r->op == POD_OP_RESTART)
		pod_restart_result(p, r);
	else if (current)
		pod_destroy_result(p, r);
	runq_drain();
}

static void
pod_create_result(struct pod *p, const struct rt_pod_result *r)
{
	size_t	 i;

	p->op = OP_NONE;
	if (!r->ok) {
		/* The runtime removed what the pod had. */
		for (i = 0; i < p->ncontainers; i++)
			p->containers[i].state = POD_STATE_NONE;
		p->infra.state = POD_STATE_NONE;
		pod_fail(p, r->reason, r->message, REPORT_NO_EXIT);
		pod_settle(p);
		return;
	}
	pod_set(p, RIK_RUNNING);
	if (p->has_infra && p->infra.state == CONTAINER_EXITED) {
		pod_infra_exited(p);
		return;
	}
	for (i = 0; i < p->ncontainers; i++)
		if (p->containers[i].state == CONTAINER_EXITED) {
			pod_container_exited(p, &p->containers[i]);
			return;
		}
}

/* The whole pod was started again, or could not be. */
static void
pod_restart_result(struct pod *p, const struct rt_pod_result *r)
{
	if (!r->ok) {
		p->op = OP_NONE;
		pod_fail(p, r->reason, r->message, REPORT_NO_EXIT);
		pod_schedule_restart(p);
		return;
	}
	/* Started: the engine's events say when all run. */
	p->op = OP_RESTART;
	if (pod_all_running(p)) {
		p->op = OP_NONE;
		pod_set(p, RIK_RUNNING);
	}
}

static void
pod_destroy_result(struct pod *p, const struct rt_pod_result *r)
{
	size_t	 i;

	p->op = OP_NONE;
	if (!r->ok)
		pod_fail(p, r->reason, r->message, REPORT_NO_EXIT);
	else {
		for (i = 0; i < p->ncontainers; i++)
			p->containers[i].state = POD_STATE_NONE;
		p->infra.state = POD_STATE_NONE;
		if (p->report_unknown == 2)	/* a half-made pod, removed */
			pod_fail(p, "CreateInterrupted", "riklet stopped "
			    "while the pod was being created; its containers "
			    "and volumes were removed", REPORT_NO_EXIT);
		else
			pod_set(p, RIK_TERMINATED);
	}
	pod_settle(p);
}

static void
pod_container_exited(struct pod *p, struct pod_ctr *c)
{
	char		 msg[RIK_MESSAGE_MAX];

	if (c->unhealthy)
		(void)snprintf(msg, sizeof(msg), "container %s: %.900s",
		    c->name, c->probe.message);
	else
		(void)snprintf(msg, sizeof(msg), "container %s exited with "
		    "code %d%s", c->name, c->exit_code, c->oom_killed ?
		    " (out of memory)" : "");
	if (p->status != RIK_FAILED)
		pod_fail(p, c->unhealthy ? "Unhealthy" : c->oom_killed ?
		    "OOMKilled" : "ContainerExited", msg, c->exit_code);
	/* A failed probe is a failure whatever the code it exited with. */
	if (p->restart_policy == RESTART_ALWAYS ||
	    (p->restart_policy == RESTART_ON_FAILURE &&
	    (c->exit_code != 0 || c->oom_killed || c->unhealthy)))
		pod_schedule_restart(p);
}

/*
 * The pod's network went with its infra container: never a success, so
 * OnFailure restarts it as Always does.
 */
static void
pod_infra_exited(struct pod *p)
{
	char	 msg[RIK_MESSAGE_MAX];

	(void)snprintf(msg, sizeof(msg), "the pod's infra container exited "
	    "with code %d: its network is gone", p->infra.exit_code);
	if (p->status != RIK_FAILED)
		pod_fail(p, "InfraExited", msg, p->infra.exit_code);
	if (p->restart_policy != RESTART_NEVER)
		pod_schedule_restart(p);
}

/* The restart policy's backoff: 10 s doubling to 5 min. */
static void
pod_schedule_restart(struct pod *p)
{
	struct timeval	 tv;
	uint64_t	 ms;

	if (p->restart_policy == RESTART_NEVER ||
	    evtimer_pending(p->restart_ev, NULL))
		return;
	if (p->running_since_ms != 0 &&
	    monotime_ms() - p->running_since_ms >= RESTART_BACKOFF_RESET_MS)
		backoff_reset(&p->backoff);
	ms = backoff_next(&p->backoff);
	log_info("pod %s: restarting in %llu s (policy %s)", p->instance,
	    (unsigned long long)ms / 1000,
	    restart_policy_name(p->restart_policy));
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(p->restart_ev, &tv);
}

static void
pod_send_restarts(struct pod *p)
{
	struct container_ref	 ref;
	size_t			 i;

	if (!child_ready(PROC_RUNTIME))
		return;
	for (i = 0; i < p->ncontainers; i++) {
		if (p->containers[i].state == CONTAINER_RUNNING ||
		    p->containers[i].id[0] == '\0')
			continue;
		memset(&ref, 0, sizeof(ref));
		(void)strlcpy(ref.instance, p->instance, sizeof(ref.instance));
		(void)strlcpy(ref.id, p->containers[i].id, sizeof(ref.id));
		(void)child_send(PROC_RUNTIME, IMSG_CONTAINER_RESTART, &ref,
		    sizeof(ref));
	}
}

/*
 * Without its infra container running, the pod is restarted whole;
 * otherwise only its containers that do not run are started again.
 */
static void
pod_restart_now(struct pod *p)
{
	if (p->has_infra && p->infra.state != CONTAINER_RUNNING) {
		p->op = OP_RESTART_POD;
		runq_add(&p->rq[POD_OP_RESTART]);
	} else {
		p->op = OP_RESTART;
		pod_send_restarts(p);
	}
}

static void
pod_restart_cb(int fd, short event, void *arg)
{
	struct pod	*p = arg;

	(void)fd;
	(void)event;
	if (p->op != OP_NONE || p->status != RIK_FAILED)
		return;
	p->restarts++;
	pod_set(p, RIK_CREATING);
	pod_restart_now(p);
}

/* What the engine says about one of our containers. */
void
pods_container(const struct rt_container *rc)
{
	struct pod	*p;

	if ((p = pod_find(rc->instance)) != NULL)
		pod_count_restart(p, rc);
	else if ((p = pod_adopt(rc)) == NULL)
		return;
	pod_container_update(p, rc);
	pod_settle(p);
}

/*
 * For the Prometheus endpoint: a container of a pod in the table that
 * exited, then runs again, restarted, whoever started it.  Its infra
 * container is not counted.
 */
static void
pod_count_restart(struct pod *p, const struct rt_container *rc)
{
	struct pod_ctr	*c;

	if (rc->role == ROLE_INFRA)
		return;
	/* One not named yet takes its place in pod_container_update(). */
	if ((c = pod_ctr_find(p, rc->name)) == NULL) {
		if (rc->index >= p->ncontainers ||
		    p->containers[rc->index].name[0] != '\0')
			return;
		c = &p->containers[rc->index];
	}
	if (rc->state == CONTAINER_RUNNING && c->exited) {
		c->exited = 0;
		if (c->runs_again < UINT64_MAX)
			c->runs_again++;
	} else if (rc->state == CONTAINER_EXITED)
		c->exited = 1;
}

/* A container of a pod not in the table, seen in a listing. */
static struct pod *
pod_adopt(const struct rt_container *rc)
{
	struct pod	*p;
	size_t		 i;

	if (!listing || rc->state == CONTAINER_REMOVED) {
		log_debug("container %s of unknown pod %s", rc->name,
		    rc->instance);
		return NULL;
	}
	/* Adopted: a pod this riklet ran before it restarted. */
	if (rc->ncontainers == 0 || rc->ncontainers > RIK_CONTAINERS_MAX ||
	    rc->index >= rc->ncontainers) {
		log_warnx("container %s of pod %s: bad labels, ignored",
		    rc->name, rc->instance);
		return NULL;
	}
	if ((p = pod_new(rc->instance)) == NULL)
		return NULL;
	(void)strlcpy(p->name, rc->pod_name, sizeof(p->name));
	p->restart_policy = rc->restart_policy;
	p->ncontainers = rc->ncontainers;
	for (i = 0; i < p->ncontainers; i++)
		p->containers[i].state = POD_STATE_NONE;
	log_info("pod %s: adopting it from the engine", p->instance);
	return p;
}

static void
pod_container_update(struct pod *p, const struct rt_container *rc)
{
	struct pod_ctr	*c;
	uint32_t	 old;
	int		 changed;

	/* Any container of a pod made with one says so. */
	if (rc->role != ROLE_ALONE && p->status == RIK_UNKNOWN)
		p->has_infra = 1;
	if (rc->role == ROLE_INFRA)
		c = &p->infra;
	else if ((c = pod_ctr_find(p, rc->name)) == NULL) {
		if (p->status != RIK_UNKNOWN || rc->index >= p->ncontainers ||
		    p->containers[rc->index].name[0] != '\0') {
			log_warnx("pod %s: unexpected container %s",
			    p->instance, rc->name);
			return;
		}
		c = &p->containers[rc->index];
		(void)strlcpy(c->name, rc->name, sizeof(c->name));
	}
	if (listing)
		c->seen = p->listed = 1;
	old = c->state;
	changed = strcmp(c->id, rc->id) != 0 || c->pid != rc->pid ||
	    strcmp(c->cgroup, rc->cgroup) != 0;
	(void)strlcpy(c->id, rc->id, sizeof(c->id));
	(void)strlcpy(c->image, rc->image, sizeof(c->image));
	(void)strlcpy(c->cgroup, rc->cgroup, sizeof(c->cgroup));
	c->pid = rc->state == CONTAINER_RUNNING ? rc->pid : 0;
	c->memory_limit = rc->memory_limit;
	c->nano_cpus = rc->nano_cpus;
	if (rc->state == CONTAINER_EXITED) {
		c->exit_code = rc->exit_code;
		c->oom_killed = rc->oom_killed || c->oom_killed;
	} else if (rc->state == CONTAINER_RUNNING) {
		c->oom_killed = 0;
		if (old != CONTAINER_RUNNING)
			c->unhealthy = 0;	/* probed afresh */
	}
	if (rc->oom_killed && rc->state != CONTAINER_EXITED) {
		/* The oom event comes before the die: remember it. */
		c->oom_killed = 1;
		return;
	}
	changed = changed || c->state != rc->state;
	c->state = rc->state;
	if (changed)
		pod_metrics_update(p);
	if (listing || old == c->state || p->op == OP_DESTROY ||
	    p->op == OP_CREATE || p->op == OP_RESTART_POD || p->report_unknown)
		return;

	switch (c->state) {
	case CONTAINER_EXITED:
		if (p->status == RIK_RUNNING || p->op == OP_RESTART) {
			p->op = OP_NONE;
			if (c == &p->infra)
				pod_infra_exited(p);
			else
				pod_container_exited(p, c);
		}
		break;
	case CONTAINER_RUNNING:
		if (p->op == OP_RESTART && pod_all_running(p)) {
			p->op = OP_NONE;
			pod_set(p, RIK_RUNNING);
		}
		break;
	case CONTAINER_REMOVED:
		c->state = POD_STATE_NONE;
		if (p->status == RIK_RUNNING || p->status == RIK_CREATING)
			pod_fail(p, "ContainerRemoved", "a container of the "
			    "pod was removed behind riklet's back",
			    REPORT_NO_EXIT);
		break;
	}
}

void
pods_list_begin(void)
{
	struct pod	*p;
	size_t		 i;

	listing = 1;
	RB_FOREACH(p, pod_tree, &pods) {
		p->listed = 0;
		p->infra.seen = 0;
		for (i = 0; i < p->ncontainers; i++)
			p->containers[i].seen = 0;
	}
}

/* A full listing is in: settle every pod against what the engine has. */
void
pods_list_end(void)
{
	struct pod	*p, *next;

	listing = 0;
	if (!listed)
		log_info("the engine's listing is in: %zu pods", npods);
	listed = 1;
	RB_FOREACH_SAFE(p, pod_tree, &pods, next) {
		pod_evaluate(p, p->status == RIK_UNKNOWN &&
		    p->op == OP_NONE && !p->report_unknown);
		pod_settle(p);
	}
}

static void
pod_evaluate(struct pod *p, int adopted)
{
	size_t	 i, seen = 0, gone = 0, exited = 0, created = 0;
	int	 no_infra, infra_gone;

	if (p->op == OP_CREATE || p->op == OP_DESTROY ||
	    p->op == OP_RESTART_POD || p->report_unknown)
		return;		/* the runtime is on it */
	no_infra = p->has_infra && !p->infra.seen;
	/* As for the containers below: gone if we had heard of it. */
	infra_gone = no_infra && p->infra.state != POD_STATE_NONE &&
	    p->infra.state != CONTAINER_REMOVED;
	if (!p->infra.seen)
		p->infra.state = POD_STATE_NONE;
	for (i = 0; i < p->ncontainers; i++) {
		struct pod_ctr *c = &p->containers[i];

		if (!c->seen) {
			/*
			 * Gone if we had heard of it.  One we had not was
			 * made after the listing was taken (a create that
			 * ended meanwhile): its events follow the listing.
			 */
			if (c->state != POD_STATE_NONE &&
			    c->state != CONTAINER_REMOVED)
				gone++;
			c->state = POD_STATE_NONE;
			continue;
		}
		seen++;
		if (c->state == CONTAINER_EXITED)
			exited++;
		else if (c->state == CONTAINER_CREATED)
			created++;
	}
	if (adopted && (seen < p->ncontainers || no_infra)) {
		log_warnx("pod %s: only %zu of %zu containers exist%s, "
		    "removing the rest", p->instance, seen, p->ncontainers,
		    no_infra ? ", and no infra container" : "");
		p->report_unknown = 2;
		p->op = OP_DESTROY;
		runq_add(&p->rq[POD_OP_DESTROY]);
		return;
	}
	if (seen == 0 || infra_gone) {
		if ((gone > 0 || infra_gone) &&
		    (p->status == RIK_RUNNING || p->op == OP_RESTART)) {
			p->op = OP_NONE;
			pod_fail(p, "ContainerRemoved", seen == 0 ? "the pod's "
			    "containers are gone from the engine" : "the pod's "
			    "infra container is gone from the engine",
			    REPORT_NO_EXIT);
		}
		return;
	}
	if (p->infra.state == CONTAINER_CREATED)
		created++;
	if (adopted) {
		pod_set(p, created > 0 && exited == 0 ? RIK_CREATING :
		    RIK_RUNNING);
		if (created > 0 && exited == 0 &&
		    p->infra.state != CONTAINER_EXITED) {
			/* Made but never started when riklet stopped. */
			pod_restart_now(p);
			return;
		}
	}
	if (p->has_infra && p->infra.state == CONTAINER_EXITED &&
	    (p->status == RIK_RUNNING || p->op == OP_RESTART)) {
		p->op = OP_NONE;
		pod_infra_exited(p);
		return;
	}
	if (exited > 0 && (p->status == RIK_RUNNING || p->op == OP_RESTART)) {
		p->op = OP_NONE;
		for (i = 0; i < p->ncontainers; i++)
			if (p->containers[i].state == CONTAINER_EXITED) {
				pod_container_exited(p, &p->containers[i]);
				break;
			}
	} else if (p->op == OP_RESTART && pod_all_running(p)) {
		p->op = OP_NONE;
		pod_set(p, RIK_RUNNING);
	}
}

/* A new runtime: hand it again what the old one had not finished. */
void
pods_runtime_ready(void)
{
	struct pod	*p;

	runq_restart();
	RB_FOREACH(p, pod_tree, &pods)
		if (p->op == OP_RESTART)
			pod_send_restarts(p);
}

static void
pod_metrics_update(struct pod *p)
{
	struct met_pod	 mp;
	size_t		 i;
	int64_t		 nano = 0, mem = 0;
	int		 cpu_all = 1, mem_all = 1;

	memset(&mp, 0, sizeof(mp));
	(void)strlcpy(mp.instance, p->instance, sizeof(mp.instance));
	for (i = 0; i < p->ncontainers; i++) {
		struct pod_ctr *c = &p->containers[i];

		/* Sums saturate: the engine's figures are not ours to trust. */
		if (c->nano_cpus <= 0)
			cpu_all = 0;
		else if (__builtin_add_overflow(nano, c->nano_cpus, &nano))
			nano = INT64_MAX;
		if (c->memory_limit <= 0)
			mem_all = 0;
		else if (__builtin_add_overflow(mem, c->memory_limit, &mem))
			mem = INT64_MAX;
		/* Only what runs can be measured. */
		if (c->id[0] == '\0' || c->state != CONTAINER_RUNNING)
			continue;
		(void)strlcpy(mp.containers[mp.ncontainers].id, c->id,
		    sizeof(mp.containers[0].id));
		mp.containers[mp.ncontainers].pid = c->pid;
		(void)strlcpy(mp.containers[mp.ncontainers].cgroup, c->cgroup,
		    sizeof(mp.containers[0].cgroup));
		mp.ncontainers++;
	}
	/* A pod is limited only if each of its containers is. */
	mp.cpu_limit = cpu_all ? (double)nano / 1e9 : 0;
	mp.memory_limit = mem_all ? mem : 0;
	if (mp.ncontainers == 0)
		(void)child_send(PROC_METRICS, IMSG_MET_POD_DEL, p->instance,
		    strlen(p->instance) + 1);
	else
		(void)child_send(PROC_METRICS, IMSG_MET_POD, &mp, sizeof(mp));
}

void
pods_metrics_ready(void)
{
	struct pod	*p;

	RB_FOREACH(p, pod_tree, &pods)
		pod_metrics_update(p);
}

/* The scheduler has us again: tell it where every pod stands. */
static void
pods_agent_registered(void)
{
	struct pod	*p;

	RB_FOREACH(p, pod_tree, &pods)
		if (p->status != RIK_UNKNOWN)
			pod_report(p);
	pods_reap();
}

/* A pod's sample: for the scheduler, and kept for rikletctl. */
void
pods_metrics_sample(const char *instance, const char *json)
{
	struct pod	*p;
	char		*s;

	if ((p = pod_find(instance)) == NULL || p->status == RIK_UNKNOWN ||
	    p->report_unknown || p->ended)
		return;
	if ((s = strdup(json)) == NULL)
		log_warn("%s", __func__);
	else {
		free(p->metrics);
		p->metrics = s;
		p->metrics_at_ms = monotime_ms();
	}
	report_metrics(p->instance, p->status, json);
}

/*
 * The agent's word on the scheduler connection, kept for rikletctl.
 * Registered: every pod's status again.  Away: stop-after-disconnect,
 * once the scheduler has been away that long, stops every pod (Nomad's
 * stop_after_client_disconnect).
 */
void
pods_agent_state(const struct agent_state *st)
{
	struct timeval	 tv;
	uint64_t	 ms = parent->conf.stop_after_disconnect_ms;

	if (st->state != agent.state || agent_since_ms == 0)
		agent_since_ms = monotime_ms();
	agent = *st;
	if (st->state == AGENT_REGISTERED) {
		evtimer_del(disconnect_ev);
		pods_agent_registered();
		return;
	}
	if (ms == 0 || evtimer_pending(disconnect_ev, NULL))
		return;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(disconnect_ev, &tv);
}

static void
disconnect_cb(int fd, short event, void *arg)
{
	struct pod	*p;

	(void)fd;
	(void)event;
	(void)arg;
	if (npods == 0)
		return;
	log_warnx("scheduler unreachable for %llu ms: stopping every pod "
	    "(stop-after-disconnect)",
	    (unsigned long long)parent->conf.stop_after_disconnect_ms);
	RB_FOREACH(p, pod_tree, &pods)
		if (p->op != OP_DESTROY && !p->ended)
			pod_start_destroy(p);
}

/*
 * A probe's result that changes what rikletctl shows; unhealthy: the
 * runtime is stopping the container, whose exit the restart policy
 * takes with the reason Unhealthy (pod_container_exited).
 */
void
pods_probe(const struct rt_probe *rp)
{
	struct pod	*p;
	struct pod_ctr	*c;

	if ((p = pod_find(rp->instance)) == NULL ||
	    (c = pod_ctr_find(p, rp->name)) == NULL ||
	    strcmp(c->id, rp->id) != 0) {
		log_debug("probe of %s/%s: not a container of ours",
		    rp->instance, rp->name);
		return;
	}
	c->probe = *rp;
	c->probe_known = 1;
	if (rp->unhealthy) {
		c->unhealthy = 1;
		log_warnx("pod %s: container %s is unhealthy, stopped: %s",
		    p->instance, c->name, rp->message);
	} else if (!rp->ok)
		log_info("pod %s: container %s: probe failed (%u in a row): "
		    "%s", p->instance, c->name, rp->failures, rp->message);
}

/*
 * Image pull progress, every second, for rikletctl.  The runtime logs the
 * pull's start, its progress every five seconds and its end with size
 * and duration; here it is detail.
 */
void
pods_pull(const struct rt_pull *pl)
{
	struct pod	*p;

	if ((p = pod_find(pl->instance)) == NULL)
		return;
	log_debug("pod %s: %s %s: %lld of %lld bytes", pl->instance,
	    pl->finished ? "pull of" : "pulling", pl->image,
	    (long long)pl->done, (long long)pl->total);
	if (pl->finished) {
		p->pull_image[0] = '\0';
		return;
	}
	(void)strlcpy(p->pull_image, pl->image, sizeof(p->pull_image));
	p->pull_done = pl->done;
	p->pull_total = pl->total;
}
