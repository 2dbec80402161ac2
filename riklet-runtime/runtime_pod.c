/*
 * Pod operations.  A create walks each container through: is the image
 * here (GET /images/{name}/json), pull it if not, create it under its
 * deterministic name (a 409 means a previous create made it: adopt it),
 * start it.  A failure removes what the pod already has and reports the
 * pod FAILED.  A destroy lists the instance's containers by label, so
 * containers made before a restart of this process are found too, then
 * stops and removes each.
 *
 * Operations queue in arrival order, bounded; one instance has at most
 * one operation running; at most conf.create_parallel creates run at
 * once; nothing starts while the engine is down.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include "log.h"
#include "runtime.h"
#include "util.h"

#define POD_LIST_MAX		(4 * RIK_CONTAINERS_MAX)
#define STOP_EXTRA_MS		30000	/* beyond the grace period */

enum op_step {
	STEP_IMAGE,		/* GET /images/{name}/json */
	STEP_PULL,		/* POST /images/create */
	STEP_CREATE,		/* POST /containers/create */
	STEP_ADOPT,		/* GET /containers/{name}/json after a 409 */
	STEP_START,		/* POST /containers/{id}/start */
	STEP_LIST,		/* GET /containers/json?filters= */
	STEP_STOP,		/* POST /containers/{id}/stop */
	STEP_REMOVE		/* DELETE /containers/{id} */
};

struct rt_op {
	TAILQ_ENTRY(rt_op)	 entry;
	uint32_t		 kind;		/* enum pod_op */
	int			 running;
	int			 cancelled;	/* a destroy came */
	char			 instance[RIK_ID_MAX];
	struct pod_spec		 spec;		/* a create's */
	size_t			 idx;		/* container being made */
	enum op_step		 step;
	struct http_req		*req;
	char			 cid[RIK_CONTAINER_ID_MAX];
	/* removal, for a destroy or after a failed create */
	int			 failed;
	char			 reason[RIK_REASON_MAX];
	char			 message[RIK_MESSAGE_MAX];
	char			(*ids)[RIK_CONTAINER_ID_MAX];
	size_t			 nids, pos;
	struct pull_progress	 pull;
};

TAILQ_HEAD(rt_ops, rt_op);

static struct rt_op *op_new(uint32_t, const char *);
static void	op_schedule(void);
static void	op_begin(struct rt_op *);
static void	op_request(struct rt_op *, enum op_step, const char *,
		    const char *, const char *, long, size_t);
static void	op_done(struct http_req *, void *);
static void	op_end(struct rt_op *, int);
static void	op_fail(struct rt_op *, const char *,
		    const struct http_result *, const char *);
static void	op_next_container(struct rt_op *);
static void	op_image(struct rt_op *);
static void	op_create(struct rt_op *);
static void	op_start(struct rt_op *);
static void	op_list(struct rt_op *);
static void	op_stop_or_remove(struct rt_op *);
static void	op_create_done(struct rt_op *, const struct http_result *);
static void	op_adopt_done(struct rt_op *, const struct http_result *);
static void	op_list_done(struct rt_op *, const struct http_result *);
static void	op_pull_line(struct http_req *, const char *, size_t, void *);
static void	op_pull_report(struct rt_op *, int);
static void	op_pull_end(struct rt_op *, const char *);
static void	op_restart_done(struct http_req *, void *);
static const char *op_container_name(const struct rt_op *, char *, size_t);
static void	pod_result(const char *, uint32_t, int, const char *,
		    const char *);
static struct rt_op *op_find_create(const char *);

static struct rt_ops	 pod_ops = TAILQ_HEAD_INITIALIZER(pod_ops);
static size_t		 pod_nops;

static struct rt_op *
op_new(uint32_t kind, const char *instance)
{
	struct rt_op	*op;

	if (pod_nops >= OPS_MAX)
		return NULL;
	if ((op = calloc(1, sizeof(*op))) == NULL)
		fatal("%s", __func__);
	op->kind = kind;
	(void)strlcpy(op->instance, instance, sizeof(op->instance));
	TAILQ_INSERT_TAIL(&pod_ops, op, entry);
	pod_nops++;
	return op;
}

static void
pod_result(const char *instance, uint32_t kind, int ok, const char *reason,
    const char *message)
{
	struct rt_pod_result	 res;
	const char		*what = kind == POD_OP_CREATE ? "create" :
				    "destroy";

	memset(&res, 0, sizeof(res));
	(void)strlcpy(res.instance, instance, sizeof(res.instance));
	res.op = kind;
	res.ok = ok;
	if (!ok) {
		(void)strlcpy(res.reason, reason, sizeof(res.reason));
		(void)strlcpy(res.message, message, sizeof(res.message));
		log_warnx("pod %s: %s failed: %s: %s", instance, what, reason,
		    message);
	} else
		log_info("pod %s: %s", instance, kind == POD_OP_CREATE ?
		    "created and started" : "removed");
	runtime_send(IMSG_RT_POD_RESULT, &res, sizeof(res));
}

/* Sends the result and forgets the operation. */
static void
op_end(struct rt_op *op, int ok)
{
	pod_result(op->instance, op->kind, ok, op->reason, op->message);
	TAILQ_REMOVE(&pod_ops, op, entry);
	pod_nops--;
	podspec_free(&op->spec);
	free(op->ids);
	free(op);
	op_schedule();
}

void
pod_create(const void *data, size_t len)
{
	struct pod_spec	 ps;
	struct rt_op	*op;
	char		 err[RIK_MESSAGE_MAX];

	if (podspec_decode(data, len, &ps, err, sizeof(err)) == -1) {
		/* Without an instance id there is no one to answer. */
		if (ps.instance[0] != '\0' && podspec_valid_id(ps.instance))
			pod_result(ps.instance, POD_OP_CREATE, 0,
			    "InvalidSpec", err);
		else
			log_warnx("pod create: %s, dropped", err);
		podspec_free(&ps);
		return;
	}
	if ((op = op_new(POD_OP_CREATE, ps.instance)) == NULL) {
		pod_result(ps.instance, POD_OP_CREATE, 0, "Busy",
		    "too many pod operations queued");
		podspec_free(&ps);
		return;
	}
	op->spec = ps;
	log_info("pod %s: create queued (%zu containers)", op->instance,
	    ps.ncontainers);
	op_schedule();
}

static struct rt_op *
op_find_create(const char *instance)
{
	struct rt_op	*op;

	TAILQ_FOREACH(op, &pod_ops, entry)
		if (op->kind == POD_OP_CREATE && !op->cancelled &&
		    strcmp(op->instance, instance) == 0)
			return op;
	return NULL;
}

/*
 * A destroy overtakes the instance's creates: one still queued ends
 * now, one under way stops at its next step (a pull at once) and removes
 * what it made; the destroy runs after it.
 */
void
pod_destroy(const char *instance)
{
	struct rt_op	*op;

	while ((op = op_find_create(instance)) != NULL) {
		op->cancelled = 1;
		if (!op->running) {
			(void)strlcpy(op->reason, "Cancelled",
			    sizeof(op->reason));
			(void)strlcpy(op->message, "destroyed before it was "
			    "created", sizeof(op->message));
			op_end(op, 0);
		} else if (op->step == STEP_PULL && op->req != NULL) {
			http_cancel(op->req);
			op->req = NULL;
			op_pull_end(op, "the pod was destroyed");
			op_fail(op, "Cancelled", NULL,
			    "destroyed while its image was pulled");
		}
	}
	if ((op = op_new(POD_OP_DESTROY, instance)) == NULL) {
		pod_result(instance, POD_OP_DESTROY, 0, "Busy",
		    "too many pod operations queued");
		return;
	}
	log_info("pod %s: destroy queued", instance);
	op_schedule();
}

void
pod_engine_up(void)
{
	infra_engine_up();
	op_schedule();
}

/* Something that held creates back is settled (runtime_infra.c). */
void
pod_schedule(void)
{
	op_schedule();
}

/*
 * Starts what may start: in order, one operation per instance, no more
 * than create_parallel creates, nothing while the engine is away, no
 * create before the engine was checked for the infra image.
 */
static void
op_schedule(void)
{
	struct rt_op	*op, *o;
	size_t		 ncreating = 0;
	uint32_t	 maxc = runtime_conf.create_parallel;
	int		 busy;

	if (!runtime_engine_up())
		return;
	if (maxc == 0)
		maxc = 1;
	TAILQ_FOREACH(op, &pod_ops, entry)
		if (op->running && op->kind == POD_OP_CREATE)
			ncreating++;
	TAILQ_FOREACH(op, &pod_ops, entry) {
		if (op->running)
			continue;
		if (op->kind == POD_OP_CREATE && (ncreating >= maxc ||
		    !infra_ready()))
			continue;
		busy = 0;
		for (o = TAILQ_FIRST(&pod_ops); o != op;
		    o = TAILQ_NEXT(o, entry))
			if (strcmp(o->instance, op->instance) == 0)
				busy = 1;
		if (busy)
			continue;
		op->running = 1;
		if (op->kind == POD_OP_CREATE)
			ncreating++;
		op_begin(op);
		/* op_begin may have ended ops: walk again. */
		op_schedule();
		return;
	}
}

static void
op_begin(struct rt_op *op)
{
	log_debug("pod %s: %s begins", op->instance,
	    op->kind == POD_OP_CREATE ? "create" : "destroy");
	if (op->kind == POD_OP_CREATE) {
		op->idx = 0;
		op_image(op);
	} else
		op_list(op);
}

static const char *
op_container_name(const struct rt_op *op, char *buf, size_t len)
{
	(void)snprintf(buf, len, "rik-%s-%s", op->instance,
	    op->spec.containers[op->idx].name);
	return buf;
}

static void
op_request(struct rt_op *op, enum op_step step, const char *method,
    const char *path, const char *body, long timeout_ms, size_t max)
{
	op->step = step;
	if (step == STEP_PULL)
		op->req = http_stream(method, path, timeout_ms, NULL,
		    op_pull_line, op_done, op);
	else
		op->req = http_request(method, path, body, timeout_ms, max,
		    op_done, op);
	if (op->req == NULL)
		op_fail(op, "EngineBusy", NULL, "engine request queue full");
}

/*
 * Records why a create failed and removes what the pod already has, or
 * ends a destroy that could not finish.
 */
static void
op_fail(struct rt_op *op, const char *reason, const struct http_result *res,
    const char *msg)
{
	char	 m[RIK_MESSAGE_MAX];

	if (msg != NULL)
		(void)strlcpy(m, msg, sizeof(m));
	else
		docker_error(res, m, sizeof(m));
	if (res != NULL && res->error != NULL) {
		reason = "EngineUnavailable";
		runtime_engine_lost(res->error);
	}
	/* During a failed create's clean-up, the first reason stands. */
	if (op->kind == POD_OP_CREATE && op->failed) {
		log_warnx("pod %s: removing its containers: %s: %s",
		    op->instance, reason, m);
		op_end(op, 0);
		return;
	}
	(void)strlcpy(op->message, m, sizeof(op->message));
	(void)strlcpy(op->reason, reason, sizeof(op->reason));
	if (op->kind == POD_OP_CREATE && (res == NULL || res->error == NULL)) {
		op->failed = 1;
		log_info("pod %s: create failed (%s), removing its containers",
		    op->instance, reason);
		op_list(op);
		return;
	}
	op_end(op, 0);
}

static void
op_image(struct rt_op *op)
{
	char	 path[1024];

	if (docker_image_path(path, sizeof(path),
	    op->spec.containers[op->idx].image, "/json") == -1) {
		op_fail(op, "InvalidSpec", NULL, "image name too long");
		return;
	}
	op_request(op, STEP_IMAGE, "GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
}

static void
op_create(struct rt_op *op)
{
	char	 path[512], name[256];
	char	*body;

	if ((body = docker_create_body(&op->spec, op->idx,
	    runtime_conf.hostname)) == NULL) {
		op_fail(op, "CreateFailed", NULL,
		    "cannot build the create request");
		return;
	}
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/create?name=%s",
	    op_container_name(op, name, sizeof(name)));
	op_request(op, STEP_CREATE, "POST", path, body, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
	free(body);
}

static void
op_start(struct rt_op *op)
{
	char	 path[256];

	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/start", op->cid);
	op_request(op, STEP_START, "POST", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
}

static void
op_next_container(struct rt_op *op)
{
	log_debug("pod %s: container %s started (%.12s)", op->instance,
	    op->spec.containers[op->idx].name, op->cid);
	if (++op->idx < op->spec.ncontainers)
		op_image(op);
	else
		op_end(op, 1);
}

static void
op_list(struct rt_op *op)
{
	char	 path[4096];

	if (docker_filters_path(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/json", runtime_conf.hostname, op->instance) == -1) {
		op_fail(op, "DestroyFailed", NULL, "listing path too long");
		return;
	}
	op_request(op, STEP_LIST, "GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_LIST_MAX);
}

/* Stops (a destroy) then removes each listed container, in turn. */
static void
op_stop_or_remove(struct rt_op *op)
{
	char		 path[256];
	uint64_t	 grace_s;

	if (op->pos >= op->nids) {
		op_end(op, !op->failed);
		return;
	}
	if (op->step == STEP_LIST || op->step == STEP_REMOVE) {
		if (!op->failed) {
			grace_s = (runtime_conf.stop_grace_ms + 999) / 1000;
			(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
			    "/containers/%s/stop?t=%llu", op->ids[op->pos],
			    (unsigned long long)grace_s);
			op_request(op, STEP_STOP, "POST", path, NULL,
			    (long)(grace_s * 1000 + STOP_EXTRA_MS),
			    HTTP_BODY_MAX);
			return;
		}
	}
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s?force=1&v=1", op->ids[op->pos]);
	op_request(op, STEP_REMOVE, "DELETE", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
}

static void
op_done(struct http_req *r, void *arg)
{
	struct rt_op			*op = arg;
	const struct http_result	*res = http_result(r);
	long				 st = res->status;
	char				 msg[RIK_MESSAGE_MAX];

	op->req = NULL;
	if (op->cancelled && !op->failed) {
		op_fail(op, "Cancelled", NULL, "destroyed while it was "
		    "created");
		return;
	}
	if (res->error != NULL && op->step != STEP_PULL) {
		op_fail(op, op->kind == POD_OP_CREATE ? "CreateFailed" :
		    "DestroyFailed", res, NULL);
		return;
	}
	switch (op->step) {
	case STEP_IMAGE:
		if (st == 200)
			op_create(op);
		else if (st == 404) {
			char path[1024];

			if (docker_pull_path(path, sizeof(path),
			    op->spec.containers[op->idx].image) == -1) {
				op_fail(op, "InvalidSpec", NULL,
				    "bad image reference");
				return;
			}
			log_info("pod %s: pulling %s", op->instance,
			    op->spec.containers[op->idx].image);
			pull_init(&op->pull, monotime_ms());
			op_request(op, STEP_PULL, "POST", path, NULL,
			    PULL_TIMEOUT_MS, HTTP_LINE_MAX);
		} else
			op_fail(op, "ImagePullFailed", res, NULL);
		break;
	case STEP_PULL:
		if (res->error == NULL && st == 200 &&
		    op->pull.error[0] == '\0') {
			op_pull_end(op, NULL);
			op_create(op);
			break;
		}
		if (op->pull.error[0] != '\0')
			(void)strlcpy(msg, op->pull.error, sizeof(msg));
		else if (res->error != NULL)
			(void)strlcpy(msg, res->error, sizeof(msg));
		else
			docker_error(res, msg, sizeof(msg));
		op_pull_end(op, msg);
		if (op->pull.error[0] != '\0')
			op_fail(op, "ImagePullFailed", NULL, op->pull.error);
		else if (res->error != NULL && st != 0)
			op_fail(op, "ImagePullFailed", NULL, res->error);
		else
			op_fail(op, "ImagePullFailed", res, NULL);
		break;
	case STEP_CREATE:
		op_create_done(op, res);
		break;
	case STEP_ADOPT:
		op_adopt_done(op, res);
		break;
	case STEP_START:
		if (st == 204 || st == 304)
			op_next_container(op);
		else
			op_fail(op, "StartFailed", res, NULL);
		break;
	case STEP_LIST:
		op_list_done(op, res);
		break;
	case STEP_STOP:
		if (st != 204 && st != 304 && st != 404)
			log_warnx("pod %s: stop %.12s: HTTP %ld, removing "
			    "anyway", op->instance, op->ids[op->pos], st);
		op_stop_or_remove(op);
		break;
	case STEP_REMOVE:
		if (st != 204 && st != 404) {
			docker_error(res, msg, sizeof(msg));
			log_warnx("pod %s: remove %.12s: %s", op->instance,
			    op->ids[op->pos], msg);
			/* A failed create keeps its first reason. */
			if (!op->failed) {
				op->failed = 1;
				(void)strlcpy(op->reason, "DestroyFailed",
				    sizeof(op->reason));
				(void)strlcpy(op->message, msg,
				    sizeof(op->message));
			}
		}
		op->pos++;
		op_stop_or_remove(op);
		break;
	}
}

static void
op_create_done(struct rt_op *op, const struct http_result *res)
{
	char	 path[512], name[256];

	if (res->status == 201) {
		if (docker_parse_id(res->body, res->len, op->cid,
		    sizeof(op->cid)) == -1) {
			op_fail(op, "CreateFailed", NULL,
			    "engine answered a create without a valid Id");
			return;
		}
		log_debug("pod %s: created %s (%.12s)", op->instance,
		    op_container_name(op, name, sizeof(name)), op->cid);
		op_start(op);
	} else if (res->status == 409) {
		/* Made by an earlier create: take it if it is ours. */
		(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
		    "/containers/%s/json",
		    op_container_name(op, name, sizeof(name)));
		op_request(op, STEP_ADOPT, "GET", path, NULL, HTTP_TIMEOUT_MS,
		    HTTP_BODY_MAX);
	} else
		op_fail(op, "CreateFailed", res, NULL);
}

static void
op_adopt_done(struct rt_op *op, const struct http_result *res)
{
	struct rt_container	 c;
	char			 name[256];

	if (res->status != 200) {
		op_fail(op, "CreateFailed", res, NULL);
		return;
	}
	if (docker_parse_inspect(res->body, res->len, runtime_conf.hostname,
	    "", &c) == -1 || strcmp(c.instance, op->instance) != 0 ||
	    strcmp(c.name, op->spec.containers[op->idx].name) != 0) {
		(void)snprintf(op->message, sizeof(op->message),
		    "name %s is taken by a container this node does not "
		    "manage", op_container_name(op, name, sizeof(name)));
		op_fail(op, "CreateFailed", NULL, op->message);
		return;
	}
	(void)strlcpy(op->cid, c.id, sizeof(op->cid));
	log_info("pod %s: adopted %s (%.12s)", op->instance,
	    op_container_name(op, name, sizeof(name)), op->cid);
	if (c.state == CONTAINER_RUNNING)
		op_next_container(op);
	else
		op_start(op);
}

static void
op_list_done(struct rt_op *op, const struct http_result *res)
{
	if (op->ids == NULL && (op->ids = calloc(POD_LIST_MAX,
	    sizeof(*op->ids))) == NULL)
		fatal("%s", __func__);
	op->pos = 0;
	if (res->status != 200 || docker_parse_list(res->body, res->len,
	    op->ids, POD_LIST_MAX, &op->nids) == -1) {
		op->nids = 0;
		op_fail(op, "DestroyFailed", res, res->status == 200 ?
		    "cannot read the engine's container list" : NULL);
		return;
	}
	log_debug("pod %s: %zu containers to remove", op->instance, op->nids);
	op_stop_or_remove(op);
}

/* The parent hears at most every second, the log every five. */
static void
op_pull_line(struct http_req *r, const char *line, size_t len, void *arg)
{
	struct rt_op	*op = arg;
	int		 due;

	(void)r;
	due = pull_line(&op->pull, line, len, monotime_ms());
	if (due & PULL_LOG)
		log_info("pod %s: pulling %s: %lld of %lld bytes after %llu s",
		    op->instance, op->spec.containers[op->idx].image,
		    (long long)op->pull.done, (long long)op->pull.total,
		    (unsigned long long)((monotime_ms() - op->pull.start_ms) /
		    1000));
	if (due & PULL_REPORT)
		op_pull_report(op, 0);
}

static void
op_pull_report(struct rt_op *op, int finished)
{
	struct rt_pull	 m;

	memset(&m, 0, sizeof(m));
	(void)strlcpy(m.instance, op->instance, sizeof(m.instance));
	(void)strlcpy(m.image, op->spec.containers[op->idx].image,
	    sizeof(m.image));
	m.done = op->pull.done;
	m.total = op->pull.total;
	m.finished = finished;
	runtime_send(IMSG_RT_PULL, &m, sizeof(m));
}

/* The pull is over: its size and its duration, or why it failed. */
static void
op_pull_end(struct rt_op *op, const char *error)
{
	uint64_t	 ms = monotime_ms() - op->pull.start_ms;

	op_pull_report(op, 1);
	if (error == NULL)
		log_info("pod %s: pulled %s: %lld bytes in %llu.%01llu s",
		    op->instance, op->spec.containers[op->idx].image,
		    (long long)op->pull.done, (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000 / 100));
	else
		log_warnx("pod %s: pull of %s failed after %llu.%01llu s, "
		    "%lld bytes: %s", op->instance,
		    op->spec.containers[op->idx].image,
		    (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000 / 100),
		    (long long)op->pull.done, error);
}

/* A restart policy at work: start the existing container again. */
void
pod_restart(const struct container_ref *ref)
{
	char	 path[256];
	char	*tag;

	if (!runtime_engine_up()) {
		log_warnx("pod %s: cannot restart %.12s: engine down",
		    ref->instance, ref->id);
		return;
	}
	if ((tag = strdup(ref->instance)) == NULL)
		fatal("%s", __func__);
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/start", ref->id);
	if (http_request("POST", path, NULL, HTTP_TIMEOUT_MS, HTTP_BODY_MAX,
	    op_restart_done, tag) == NULL) {
		log_warnx("pod %s: cannot restart %.12s: queue full",
		    ref->instance, ref->id);
		free(tag);
	}
}

static void
op_restart_done(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 msg[RIK_MESSAGE_MAX];

	if (res->error == NULL && (res->status == 204 || res->status == 304))
		log_debug("pod %s: container restarted", (char *)arg);
	else {
		docker_error(res, msg, sizeof(msg));
		log_warnx("pod %s: restart failed: %s", (char *)arg, msg);
	}
	free(arg);
}
