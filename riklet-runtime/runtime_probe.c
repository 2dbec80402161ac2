/*
 * Running probes through the engine.  A container is probed from the
 * moment the watcher sees it run with probe labels (a start event, or a
 * listing: a runtime started again re-arms what it finds) until it stops
 * running, goes, or its pod is destroyed.  A start resets its state.
 *
 * One run is three requests: POST /containers/{id}/exec (the container
 * for exec, the pod's infra container rik-<instance>-pod for riklet-pause
 * probe http|tcp), POST /exec/{id}/start with the output attached and
 * streamed (its last PROBE_OUTPUT_MAX bytes kept, to say why), GET
 * /exec/{id}/json for the exit code.  The start is bounded by the
 * probe's timeoutSeconds and PROBE_EXTRA_MS for the engine's own time;
 * an exec that runs longer fails the probe (the engine does not stop it:
 * an exec probe's command should bound itself; riklet-pause does).  The
 * engine keeps an ended exec until its own cleanup, riklet keeps no
 * exec id past its run.  An answer the engine does not give (it is away,
 * the container is gone) counts for nothing: the die or destroy event,
 * or the engine's return, decides.
 *
 * At most PROBES_INFLIGHT_MAX runs at once for the node (probe_sched.c),
 * each a slot of the HTTP client's HTTP_MAX_ACTIVE.  A liveness failure
 * tells the parent (IMSG_RT_PROBE, unhealthy) then stops the container
 * with the pod's grace; its exit goes through the restart policy.  An
 * image's HEALTHCHECK is the engine's to run: its health_status event
 * turning unhealthy is a liveness failure too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/tree.h>

#include "log.h"
#include "runtime.h"
#include "util.h"

enum probe_step {
	PSTEP_CREATE,
	PSTEP_START,
	PSTEP_INSPECT
};

struct probe_ctr {
	RB_ENTRY(probe_ctr)	 entry;
	struct probe_job	 job;
	char			 id[RIK_CONTAINER_ID_MAX];
	char			 instance[RIK_ID_MAX];
	char			 name[RIK_NAME_MAX];
	struct pod_probe	 probes[PROBE_ROLE_MAX];
	uint32_t		 grace_s;	/* UINT32_MAX: stop-grace */
	struct probe_state	 st;
	struct event		*timer;
	int			 stopped;	/* unhealthy, being stopped */
	uint64_t		 listed;	/* the last listing that saw it */
	/* The run under way. */
	enum probe_step		 step;
	struct http_req		*req;
	char			 exec_id[RIK_CONTAINER_ID_MAX];
	uint64_t		 start_ms;
	struct logs_demux	 dm;
	char			 out[PROBE_OUTPUT_MAX + 1];
	size_t			 outlen;
};

RB_HEAD(probe_tree, probe_ctr);

static int	 probe_cmp(struct probe_ctr *, struct probe_ctr *);
static struct probe_ctr *probe_find(const char *);
static void	 probe_free(struct probe_ctr *);
static void	 probe_arm(struct probe_ctr *, uint64_t);
static void	 probe_timer(int, short, void *);
static void	 probe_start(struct probe_job *);
static void	 probe_created(struct http_req *, void *);
static void	 probe_output(uint32_t, const char *, size_t, void *);
static void	 probe_data(struct http_req *, const char *, size_t, void *);
static void	 probe_started(struct http_req *, void *);
static void	 probe_inspected(struct http_req *, void *);
static void	 probe_end(struct probe_ctr *, int, int, const char *);
static void	 probe_report(const struct probe_ctr *, uint32_t, int);
static void	 probe_stop_container(const char *, uint32_t);
static void	 probe_stopped(struct http_req *, void *);
static void	 probe_outline(struct probe_ctr *, char *, size_t);

RB_PROTOTYPE(probe_tree, probe_ctr, entry, probe_cmp)
RB_GENERATE(probe_tree, probe_ctr, entry, probe_cmp)

static struct probe_tree	 probe_ctrs = RB_INITIALIZER(&probe_ctrs);
static size_t			 probe_nctrs;
static uint64_t			 probe_listing;	/* the listing under way */
static struct probe_gate	 probe_gate;
static struct event_base	*probe_base;

static int
probe_cmp(struct probe_ctr *a, struct probe_ctr *b)
{
	return strcmp(a->id, b->id);
}

void
probe_init(struct event_base *base)
{
	probe_base = base;
	probe_gate_init(&probe_gate, PROBES_INFLIGHT_MAX, probe_start);
}

static struct probe_ctr *
probe_find(const char *id)
{
	struct probe_ctr	 key;

	(void)strlcpy(key.id, id, sizeof(key.id));
	return RB_FIND(probe_tree, &probe_ctrs, &key);
}

static void
probe_free(struct probe_ctr *pc)
{
	RB_REMOVE(probe_tree, &probe_ctrs, pc);
	probe_nctrs--;
	probe_gate_cancel(&probe_gate, &pc->job);
	http_cancel(pc->req);
	event_free(pc->timer);
	docker_probes_free(pc->probes);
	free(pc);
}

/*
 * What the watcher learnt of a container (an event or a listing) and its
 * inspect.  started: a start event, its probing starts over.
 */
void
probe_container(const struct rt_container *c, const char *body, size_t len,
    int started)
{
	struct probe_ctr	*pc;
	struct pod_probe	 probes[PROBE_ROLE_MAX];
	uint32_t		 grace;
	int			 n;

	if (c->state != CONTAINER_RUNNING || c->role == ROLE_INFRA) {
		probe_forget(c->id);
		return;
	}
	pc = probe_find(c->id);
	if (pc != NULL && !started) {
		pc->listed = probe_listing;
		return;
	}
	/* Most containers have none: skip the parse. */
	if (memmem(body, len, "riklet.probe.", 13) == NULL) {
		probe_forget(c->id);
		return;
	}
	if ((n = docker_parse_probes(body, len, probes, &grace)) <= 0) {
		if (n == -1)
			log_warnx("container %s/%s %.12s: bad probe labels, "
			    "not probed", c->instance, c->name, c->id);
		probe_forget(c->id);
		return;
	}
	if (pc != NULL)
		probe_free(pc);
	if (probe_nctrs >= PROBES_MAX) {
		log_warnx("container %s/%s: %d containers probed already, "
		    "not probed", c->instance, c->name, PROBES_MAX);
		docker_probes_free(probes);
		return;
	}
	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		fatal("%s", __func__);
	if ((pc->timer = evtimer_new(probe_base, probe_timer, pc)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	(void)strlcpy(pc->id, c->id, sizeof(pc->id));
	(void)strlcpy(pc->instance, c->instance, sizeof(pc->instance));
	(void)strlcpy(pc->name, c->name, sizeof(pc->name));
	memcpy(pc->probes, probes, sizeof(pc->probes));
	pc->grace_s = grace;
	pc->listed = probe_listing;
	probe_state_init(&pc->st, pc->probes);
	RB_INSERT(probe_tree, &probe_ctrs, pc);
	probe_nctrs++;
	probe_arm(pc, probe_first_ms(&pc->probes[pc->st.role],
	    arc4random()));
	log_debug("container %s/%s %.12s: probing (%s first)", pc->instance,
	    pc->name, pc->id, probe_role_name(pc->st.role));
}

/*
 * A listing begins (again): what it does not show by its end is gone
 * from the engine, its destroy event missed (the engine was away).
 */
void
probe_list_begin(void)
{
	probe_listing++;
}

void
probe_list_end(void)
{
	struct probe_ctr	*pc, *next;

	RB_FOREACH_SAFE(pc, probe_tree, &probe_ctrs, next)
		if (pc->listed != probe_listing) {
			log_debug("container %.12s: not listed, no more "
			    "probes", pc->id);
			probe_free(pc);
		}
}

/* The container stopped running or went: no more probes. */
void
probe_forget(const char *id)
{
	struct probe_ctr	*pc;

	if ((pc = probe_find(id)) != NULL)
		probe_free(pc);
}

/* A DESTROY: the pod's probes end now, those in flight with them. */
void
probe_forget_instance(const char *instance)
{
	struct probe_ctr	*pc, *next;

	RB_FOREACH_SAFE(pc, probe_tree, &probe_ctrs, next)
		if (strcmp(pc->instance, instance) == 0)
			probe_free(pc);
}

static void
probe_arm(struct probe_ctr *pc, uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(pc->timer, &tv);
}

static void
probe_timer(int fd, short ev, void *arg)
{
	struct probe_ctr	*pc = arg;

	(void)fd;
	(void)ev;
	if (pc->stopped || pc->probes[pc->st.role].kind == PROBE_NONE)
		return;
	probe_arm(pc, probe_period_ms(&pc->probes[pc->st.role]));
	if (!runtime_engine_up())
		return;
	probe_gate_due(&probe_gate, &pc->job);
}

static void
probe_start(struct probe_job *j)
{
	struct probe_ctr	*pc = (struct probe_ctr *)(void *)((char *)j -
				    offsetof(struct probe_ctr, job));
	const struct pod_probe	*p = &pc->probes[pc->st.role];
	char			 path[512], *body;

	if (p->kind == PROBE_EXEC)
		(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
		    "/containers/%s/exec", pc->id);
	else
		(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
		    "/containers/rik-%s-%s/exec", pc->instance,
		    POD_INFRA_NAME);
	if ((body = docker_probe_exec_body(p)) == NULL)
		fatalx("%s: exec body", __func__);
	pc->step = PSTEP_CREATE;
	pc->exec_id[0] = '\0';
	pc->outlen = 0;
	pc->out[0] = '\0';
	pc->start_ms = monotime_ms();
	pc->req = http_request("POST", path, body, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX, probe_created, pc);
	free(body);
	if (pc->req == NULL)
		probe_end(pc, -1, 0, "engine request queue full");
}

static void
probe_created(struct http_req *r, void *arg)
{
	struct probe_ctr		*pc = arg;
	const struct http_result	*res = http_result(r);
	const struct pod_probe		*p = &pc->probes[pc->st.role];
	char				 path[256], msg[RIK_MESSAGE_MAX];
	char				 body[64];

	pc->req = NULL;
	if (res->error != NULL || res->status != 201 ||
	    docker_parse_id(res->body, res->len, pc->exec_id,
	    sizeof(pc->exec_id)) == -1) {
		docker_error(res, msg, sizeof(msg));
		if (res->error != NULL)
			runtime_engine_lost("probe exec failed");
		probe_end(pc, -1, 0, msg);
		return;
	}
	pc->step = PSTEP_START;
	logs_demux_init(&pc->dm, LOGS_MODE_DETECT);
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX "/exec/%s/start",
	    pc->exec_id);
	(void)snprintf(body, sizeof(body), "{\"Detach\":false,\"Tty\":false}");
	if ((pc->req = http_raw_post(path, body, (long)p->timeout_s * 1000 +
	    PROBE_EXTRA_MS, probe_data, probe_started, pc)) == NULL)
		probe_end(pc, -1, 0, "engine request queue full");
}

/* Keeps the last PROBE_OUTPUT_MAX bytes of stdout and stderr. */
static void
probe_output(uint32_t stream, const char *p, size_t n, void *arg)
{
	struct probe_ctr	*pc = arg;
	size_t			 keep;

	(void)stream;
	if (n >= PROBE_OUTPUT_MAX) {
		memcpy(pc->out, p + n - PROBE_OUTPUT_MAX, PROBE_OUTPUT_MAX);
		pc->outlen = PROBE_OUTPUT_MAX;
	} else {
		if (pc->outlen + n > PROBE_OUTPUT_MAX) {
			keep = PROBE_OUTPUT_MAX - n;
			memmove(pc->out, pc->out + pc->outlen - keep, keep);
			pc->outlen = keep;
		}
		memcpy(pc->out + pc->outlen, p, n);
		pc->outlen += n;
	}
	pc->out[pc->outlen] = '\0';
}

static void
probe_data(struct http_req *r, const char *p, size_t n, void *arg)
{
	struct probe_ctr	*pc = arg;

	(void)r;
	(void)logs_demux_feed(&pc->dm, p, n, probe_output, pc);
}

static void
probe_started(struct http_req *r, void *arg)
{
	struct probe_ctr		*pc = arg;
	const struct http_result	*res = http_result(r);
	const struct pod_probe		*p = &pc->probes[pc->st.role];
	char				 path[256], msg[RIK_MESSAGE_MAX];

	pc->req = NULL;
	if (res->error != NULL && monotime_ms() - pc->start_ms >=
	    (uint64_t)p->timeout_s * 1000) {
		(void)snprintf(msg, sizeof(msg), "timed out after %u s",
		    p->timeout_s);
		probe_end(pc, 0, 1, msg);
		return;
	}
	if (res->error != NULL || res->status != 200) {
		docker_error(res, msg, sizeof(msg));
		if (res->error != NULL)
			runtime_engine_lost("probe exec start failed");
		probe_end(pc, -1, 0, msg);
		return;
	}
	(void)logs_demux_end(&pc->dm, probe_output, pc);
	pc->step = PSTEP_INSPECT;
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX "/exec/%s/json",
	    pc->exec_id);
	if ((pc->req = http_request("GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX, probe_inspected, pc)) == NULL)
		probe_end(pc, -1, 0, "engine request queue full");
}

/* The output's last line, printable, for a reason. */
static void
probe_outline(struct probe_ctr *pc, char *buf, size_t len)
{
	char	*s = pc->out, *e = pc->out + pc->outlen, *p;

	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		e--;
	*e = '\0';
	if ((p = strrchr(s, '\n')) != NULL)
		s = p + 1;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			*p = '?';
	(void)strlcpy(buf, s, len);
}

static void
probe_inspected(struct http_req *r, void *arg)
{
	struct probe_ctr		*pc = arg;
	const struct http_result	*res = http_result(r);
	const struct pod_probe		*p = &pc->probes[pc->st.role];
	char				 line[PROBE_OUTPUT_MAX + 1];
	char				 msg[RIK_MESSAGE_MAX];
	int				 running;
	int32_t				 code;

	pc->req = NULL;
	if (res->error != NULL || res->status != 200 ||
	    docker_parse_exec(res->body, res->len, &running, &code) == -1) {
		docker_error(res, msg, sizeof(msg));
		probe_end(pc, -1, 0, msg);
		return;
	}
	probe_outline(pc, line, sizeof(line));
	if (running)
		(void)snprintf(msg, sizeof(msg), "timed out after %u s",
		    p->timeout_s);
	else if (code == 0) {
		probe_end(pc, 0, 0, NULL);
		return;
	} else if (p->kind != PROBE_EXEC && line[0] != '\0')
		(void)strlcpy(msg, line, sizeof(msg));
	else if (line[0] != '\0')
		(void)snprintf(msg, sizeof(msg), "exit code %d: %s", code,
		    line);
	else
		(void)snprintf(msg, sizeof(msg), "exit code %d", code);
	probe_end(pc, 0, 1, msg);
}

/*
 * The run is over: err, no result (the engine did not answer); else
 * failed or not.  The slot goes to the next probe due.
 */
static void
probe_end(struct probe_ctr *pc, int err, int failed, const char *msg)
{
	uint32_t		 role = pc->st.role;
	const struct pod_probe	*p = &pc->probes[role];
	enum probe_verdict	 v;
	char			 why[RIK_MESSAGE_MAX];

	pc->exec_id[0] = '\0';
	probe_gate_done(&probe_gate, &pc->job);
	if (err) {
		log_debug("container %s/%s: %s: no result: %s", pc->instance,
		    pc->name, probe_role_name(role), msg);
		return;
	}
	v = probe_state_result(&pc->st, pc->probes, !failed, msg);
	if (failed)
		log_info("container %s/%s: %s failed (%u of %u): %s",
		    pc->instance, pc->name, probe_role_name(role),
		    pc->st.failures, p->failure_threshold, msg);
	if (v == VERDICT_SAME)
		return;
	if (v == VERDICT_CHANGED) {
		probe_report(pc, role, 0);
		/* Passed the startup probe: liveness from now on. */
		if (role != pc->st.role) {
			evtimer_del(pc->timer);
			if (pc->probes[pc->st.role].kind != PROBE_NONE)
				probe_arm(pc, probe_period_ms(
				    &pc->probes[pc->st.role]));
		}
		return;
	}
	(void)snprintf(why, sizeof(why), "%s probe failed %u times: %s",
	    role == PROBE_STARTUP ? "startup" : "liveness", pc->st.failures,
	    msg);
	(void)strlcpy(pc->st.message, why, sizeof(pc->st.message));
	log_warnx("container %s/%s %.12s: unhealthy, stopping it: %s",
	    pc->instance, pc->name, pc->id, why);
	pc->stopped = 1;
	evtimer_del(pc->timer);
	probe_report(pc, role, 1);
	probe_stop_container(pc->id, pc->grace_s);
}

static void
probe_report(const struct probe_ctr *pc, uint32_t role, int unhealthy)
{
	struct rt_probe	 m;

	memset(&m, 0, sizeof(m));
	(void)strlcpy(m.instance, pc->instance, sizeof(m.instance));
	(void)strlcpy(m.name, pc->name, sizeof(m.name));
	(void)strlcpy(m.id, pc->id, sizeof(m.id));
	m.role = role;
	m.ok = pc->st.ok;
	m.failures = pc->st.failures;
	m.unhealthy = unhealthy;
	(void)strlcpy(m.message, pc->st.message, sizeof(m.message));
	runtime_send(IMSG_RT_PROBE, &m, sizeof(m));
}

/* The restart policy takes it from its die event. */
static void
probe_stop_container(const char *id, uint32_t grace_s)
{
	char		 path[256];
	uint64_t	 g;

	g = grace_s != UINT32_MAX ? grace_s :
	    (runtime_conf.stop_grace_ms + 999) / 1000;
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/stop?t=%llu", id, (unsigned long long)g);
	if (http_request("POST", path, NULL, (long)(g * 1000 + HTTP_TIMEOUT_MS),
	    HTTP_BODY_MAX, probe_stopped, NULL) == NULL)
		log_warnx("container %.12s: cannot stop it: engine request "
		    "queue full", id);
}

static void
probe_stopped(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 msg[RIK_MESSAGE_MAX];

	(void)arg;
	if (res->error == NULL && (res->status == 204 || res->status == 304 ||
	    res->status == 404))
		return;
	docker_error(res, msg, sizeof(msg));
	log_warnx("stopping an unhealthy container: %s", msg);
}

/*
 * The image's HEALTHCHECK, as the engine runs it: a health_status event
 * and the container's inspect (c, body).  unhealthy is a liveness
 * failure; healthy is shown.
 */
void
probe_health(const struct rt_container *c, const char *body, size_t len)
{
	struct rt_probe	 m;
	char		 status[32], out[RIK_MESSAGE_MAX - 64];
	uint32_t	 grace;
	struct pod_probe probes[PROBE_ROLE_MAX];

	if (c->state != CONTAINER_RUNNING ||
	    docker_parse_health(body, len, status, sizeof(status), out,
	    sizeof(out)) == -1)
		return;
	if (strcmp(status, "healthy") != 0 && strcmp(status, "unhealthy") != 0)
		return;
	memset(&m, 0, sizeof(m));
	(void)strlcpy(m.instance, c->instance, sizeof(m.instance));
	(void)strlcpy(m.name, c->name, sizeof(m.name));
	(void)strlcpy(m.id, c->id, sizeof(m.id));
	m.role = RT_PROBE_HEALTHCHECK;
	m.ok = strcmp(status, "healthy") == 0;
	if (m.ok) {
		runtime_send(IMSG_RT_PROBE, &m, sizeof(m));
		return;
	}
	m.failures = 1;
	m.unhealthy = 1;
	(void)snprintf(m.message, sizeof(m.message), "image HEALTHCHECK "
	    "unhealthy%s%s", out[0] != '\0' ? ": " : "", out);
	log_warnx("container %s/%s %.12s: unhealthy, stopping it: %s",
	    c->instance, c->name, c->id, m.message);
	runtime_send(IMSG_RT_PROBE, &m, sizeof(m));
	/* The pod's grace, from its labels. */
	(void)docker_parse_probes(body, len, probes, &grace);
	docker_probes_free(probes);
	probe_forget(c->id);
	probe_stop_container(c->id, grace);
}
