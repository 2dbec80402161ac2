/*
 * Pod operations.  A create makes the pod's emptyDir volumes, then its
 * infra container (rik-<instance>-pod, which holds the pod's network and
 * IPC namespaces and publishes its ports), then each container in those
 * namespaces.  Each container goes through: is the image here (GET
 * /images/{name}/json), pull it (or import riklet's own infra image) if
 * not, or always with imagePullPolicy Always (with the registry's
 * credentials, runtime_registry.c), create it under its deterministic
 * name (a 409 means a previous create made it: adopt it), start it.
 * A failure removes what the pod already has, volumes included, and
 * reports the pod FAILED.  A destroy
 * lists the instance's containers and volumes by label, so what was made
 * before a restart of this process is found too, then stops and removes
 * each container, the infra container last, then the volumes.  A restart
 * of the whole pod (its infra container died, so its network is gone)
 * stops its containers, starts the infra container, then each container
 * again in the new namespaces.
 *
 * Operations queue in arrival order, bounded; one instance has at most
 * one operation running; at most conf.create_parallel creates run at
 * once; nothing starts while the engine is down.  An operation that ends
 * while the parent is in a listing keeps its place, and its result,
 * until the listing's END (runtime_events.c says why).
 */
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include "log.h"
#include "runtime.h"
#include "util.h"

#define POD_LIST_MAX		(4 * RIK_CONTAINERS_MAX) /* an instance's */
#define VOLUME_LIST_MAX		(4 * POD_VOLUMES_MAX)
#define STOP_EXTRA_MS		30000	/* beyond the grace period */
#define REGISTRY_AUTH_HEADER	"X-Registry-Auth: "

enum op_step {
	STEP_VOLUME,		/* POST /volumes/create */
	STEP_IMAGE,		/* GET /images/{name}/json */
	STEP_PULL,		/* POST /images/create */
	STEP_IMPORT,		/* POST /images/create?fromSrc=- (infra) */
	STEP_CREATE,		/* POST /containers/create */
	STEP_ADOPT,		/* GET /containers/{name}/json after a 409 */
	STEP_START,		/* POST /containers/{id}/start */
	STEP_LIST,		/* GET /containers/json?filters= */
	STEP_STOP,		/* POST /containers/{id}/stop */
	STEP_REMOVE,		/* DELETE /containers/{id} */
	STEP_VOLUME_LIST,	/* GET /volumes?filters= */
	STEP_VOLUME_REMOVE	/* DELETE /volumes/{name} */
};

struct rt_op {
	TAILQ_ENTRY(rt_op)	 entry;
	uint32_t		 kind;		/* enum pod_op */
	int			 running;
	int			 ended;		/* its result waits */
	int			 ok;
	int			 cancelled;	/* a destroy came */
	char			 instance[RIK_ID_MAX];
	struct pod_spec		 spec;		/* a create's */
	size_t			 vidx;		/* volume being made */
	int			 infra;		/* the infra is being made */
	size_t			 idx;		/* else this container */
	char			 infra_id[RIK_CONTAINER_ID_MAX];
	enum op_step		 step;
	struct http_req		*req;
	char			 cid[RIK_CONTAINER_ID_MAX];
	/* removal, for a destroy or after a failed create */
	int			 failed;
	char			 reason[RIK_REASON_MAX];
	char			 message[RIK_MESSAGE_MAX];
	struct rt_list		 list;		/* an instance's containers */
	struct pod_member	*members;	/* in list, once listed */
	size_t			 nmembers, pos;
	int			 starting;	/* a restart's second pass */
	struct rt_container	 made;		/* the create's labels */
	int			 init;		/* the create asked for one */
	char			(*vols)[VOLUME_NAME_MAX];
	size_t			 nvols, vpos;
	struct pull_progress	 pull;
	int			 present;	/* the image is on the node */
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
static void	op_volume_next(struct rt_op *);
static void	op_image(struct rt_op *);
static void	op_pull(struct rt_op *);
static void	op_create(struct rt_op *);
static void	op_start(struct rt_op *, const char *);
static void	op_start_failed(struct rt_op *, const struct http_result *);
static void	op_list(struct rt_op *);
static void	op_stop(struct rt_op *, const struct pod_member *);
static void	op_stop_or_remove(struct rt_op *);
static void	op_restart_next(struct rt_op *);
static void	op_volumes_list(struct rt_op *);
static void	op_volume_remove(struct rt_op *);
static void	op_create_done(struct rt_op *, const struct http_result *);
static int	op_no_init(const struct rt_op *, const struct http_result *);
static int	op_name_taken(const struct http_result *);
static void	op_adopt_done(struct rt_op *, const struct http_result *);
static void	op_listed(struct rt_list *, const struct http_result *,
		    const char *, void *);
static void	op_result(struct rt_op *);
static void	op_volumes_done(struct rt_op *, const struct http_result *);
static void	op_remove_failed(struct rt_op *, const struct http_result *,
		    const char *);
static int	member_cmp(const void *, const void *);
static const char *op_image_ref(const struct rt_op *);
static const struct pod_container *op_container(const struct rt_op *);
static const char *op_label_name(const struct rt_op *);
static void	op_pull_line(struct http_req *, const char *, size_t, void *);
static void	op_pull_report(struct rt_op *, int);
static void	op_pull_end(struct rt_op *, const char *);
static void	op_restart_done(struct http_req *, void *);
static const char *op_container_name(const struct rt_op *, char *, size_t);
static void	pod_result(const char *, uint32_t, int, const char *,
		    const char *);
static struct rt_op *op_find_pending(const char *);
static const char *op_name(uint32_t);

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
	const char		*what = op_name(kind);

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
		    "created and started" : kind == POD_OP_RESTART ?
		    "restarted whole" : "removed");
	runtime_send(IMSG_RT_POD_RESULT, &res, sizeof(res));
}

static const char *
op_name(uint32_t kind)
{
	switch (kind) {
	case POD_OP_CREATE:
		return "create";
	case POD_OP_DESTROY:
		return "destroy";
	case POD_OP_RESTART:
		return "restart";
	}
	return "operation";
}

/* The operation is over: its result now, or after the listing. */
static void
op_end(struct rt_op *op, int ok)
{
	op->ok = ok;
	op->ended = 1;
	list_free(&op->list);
	op->members = NULL;
	op->nmembers = 0;
	if (watch_listing())
		log_debug("pod %s: %s over, its result waits for the "
		    "listing", op->instance, op_name(op->kind));
	else
		op_result(op);
	op_schedule();
}

/* Sends the result and forgets the operation. */
static void
op_result(struct rt_op *op)
{
	pod_result(op->instance, op->kind, op->ok, op->reason, op->message);
	TAILQ_REMOVE(&pod_ops, op, entry);
	pod_nops--;
	podspec_free(&op->spec);
	free(op->vols);
	free(op);
}

/* The parent's listing is over (or abandoned): the results, in order. */
void
pod_listing_over(void)
{
	struct rt_op	*op, *next;

	TAILQ_FOREACH_SAFE(op, &pod_ops, entry, next)
		if (op->ended)
			op_result(op);
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

/* The instance's creates and restarts a destroy has not overtaken. */
static struct rt_op *
op_find_pending(const char *instance)
{
	struct rt_op	*op;

	TAILQ_FOREACH(op, &pod_ops, entry)
		if (op->kind != POD_OP_DESTROY && !op->cancelled &&
		    !op->ended && strcmp(op->instance, instance) == 0)
			return op;
	return NULL;
}

/*
 * A destroy overtakes the instance's creates and restarts: one still
 * queued ends now, one under way stops at its next step (a pull at once)
 * and a create removes what it made; the destroy runs after it.
 */
void
pod_destroy(const char *instance)
{
	struct rt_op	*op;

	while ((op = op_find_pending(instance)) != NULL) {
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

/* The parent's restart policy, when the pod's infra container died. */
void
pod_restart_whole(const char *instance)
{
	struct rt_op	*op;

	if ((op = op_new(POD_OP_RESTART, instance)) == NULL) {
		pod_result(instance, POD_OP_RESTART, 0, "Busy",
		    "too many pod operations queued");
		return;
	}
	log_info("pod %s: restart of the whole pod queued", instance);
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
		if (op->running && !op->ended && op->kind == POD_OP_CREATE)
			ncreating++;
	TAILQ_FOREACH(op, &pod_ops, entry) {
		if (op->running || op->ended)
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
	log_debug("pod %s: %s begins", op->instance, op_name(op->kind));
	if (op->kind == POD_OP_CREATE) {
		op->vidx = 0;
		op_volume_next(op);
	} else
		op_list(op);
}

/* What the container being made is called in its labels. */
static const char *
op_label_name(const struct rt_op *op)
{
	return op->infra ? POD_INFRA_NAME : op->spec.containers[op->idx].name;
}

static const char *
op_container_name(const struct rt_op *op, char *buf, size_t len)
{
	(void)snprintf(buf, len, "rik-%s-%s", op->instance, op_label_name(op));
	return buf;
}

static const struct pod_container *
op_container(const struct rt_op *op)
{
	return &op->spec.containers[op->idx];
}

static const char *
op_image_ref(const struct rt_op *op)
{
	return op->infra ? infra_image() : op->spec.containers[op->idx].image;
}

/* The pod's emptyDir volumes, one by one, then its infra container. */
static void
op_volume_next(struct rt_op *op)
{
	const struct pod_volume	*v;
	char			*body;

	for (; op->vidx < op->spec.nvolumes; op->vidx++) {
		v = &op->spec.volumes[op->vidx];
		if (v->kind != VOLUME_EMPTYDIR)
			continue;
		if ((body = docker_volume_body(&op->spec, v,
		    runtime_conf.hostname)) == NULL) {
			op_fail(op, "VolumeFailed", NULL,
			    "cannot build the volume request");
			return;
		}
		op_request(op, STEP_VOLUME, "POST", DOCKER_API_PREFIX
		    "/volumes/create", body, HTTP_TIMEOUT_MS, HTTP_BODY_MAX);
		free(body);
		return;
	}
	op->infra = 1;
	op_image(op);
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

	gc_image_used(op_image_ref(op));
	if (docker_image_path(path, sizeof(path), op_image_ref(op), "/json") ==
	    -1) {
		op_fail(op, "InvalidSpec", NULL, "image name too long");
		return;
	}
	op_request(op, STEP_IMAGE, "GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
}

/* Pulled (missing, or imagePullPolicy Always), or imported for riklet's own
 * infra image. */
static void
op_pull(struct rt_op *op)
{
	char		 path[1024], msg[RIK_MESSAGE_MAX];
	const char	*auth;
	char		*hdr;
	size_t		 len;

	if (op->infra && infra_is_ours()) {
		op->step = STEP_IMPORT;
		if ((op->req = infra_import(op_done, op)) == NULL) {
			(void)snprintf(msg, sizeof(msg), "the engine has no "
			    "%s and riklet cannot import it: %s",
			    infra_image(), infra_unavailable());
			op_fail(op, "InfraUnavailable", NULL, msg);
		}
		return;
	}
	if (docker_pull_path(path, sizeof(path), op_image_ref(op)) == -1) {
		op_fail(op, "InvalidSpec", NULL, "bad image reference");
		return;
	}
	auth = registry_auth_for(op_image_ref(op));
	log_info("pod %s: pulling %s%s", op->instance, op_image_ref(op),
	    auth != NULL ? " with the registry's credentials" : "");
	pull_init(&op->pull, monotime_ms());
	op_request(op, STEP_PULL, "POST", path, NULL, PULL_TIMEOUT_MS,
	    HTTP_LINE_MAX);
	if (op->req == NULL || auth == NULL)
		return;
	len = sizeof(REGISTRY_AUTH_HEADER) + strlen(auth);
	if ((hdr = malloc(len)) == NULL)
		fatal("%s", __func__);
	(void)snprintf(hdr, len, "%s%s", REGISTRY_AUTH_HEADER, auth);
	if (http_header(op->req, hdr) == -1) {
		http_cancel(op->req);
		op->req = NULL;
		op_fail(op, "ImagePullFailed", NULL, "cannot send the "
		    "registry's credentials");
	}
	freezero(hdr, len);
}

static void
op_create(struct rt_op *op)
{
	struct create_opts	 opts;
	char			 path[512], name[256];
	char			*body;

	/* Used again once pulled: a long pull is no old use (gc). */
	gc_image_used(op_image_ref(op));
	memset(&opts, 0, sizeof(opts));
	opts.node = runtime_conf.hostname;
	opts.log_max_size = runtime_conf.log_max_size;
	opts.log_max_files = runtime_conf.log_max_files;
	op->init = runtime_engine_init();
	opts.no_init = !op->init;
	if (op->infra)
		body = docker_infra_body(&op->spec, infra_image(), &opts);
	else {
		opts.infra_id = op->infra_id;
		body = docker_create_body(&op->spec, op->idx, &opts);
	}
	if (body == NULL) {
		op_fail(op, "CreateFailed", NULL,
		    "cannot build the create request");
		return;
	}
	if (docker_body_labels(body, opts.node, &op->made) == -1)
		fatalx("%s: a create body without riklet's labels", __func__);
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/create?name=%s",
	    op_container_name(op, name, sizeof(name)));
	op_request(op, STEP_CREATE, "POST", path, body, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
	free(body);
}

static void
op_start(struct rt_op *op, const char *id)
{
	char	 path[256];

	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/start", id);
	op_request(op, STEP_START, "POST", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
}

/* The infra container's start is where a taken node port shows. */
static void
op_start_failed(struct rt_op *op, const struct http_result *res)
{
	char		 engine[RIK_MESSAGE_MAX], msg[RIK_MESSAGE_MAX];
	unsigned int	 port;

	docker_error(res, engine, sizeof(engine));
	if (res->error == NULL && op->spec.ncontainers > 0 &&
	    (port = docker_port_in_use(engine, &op->spec)) != 0) {
		(void)snprintf(msg, sizeof(msg), "node port %u is in use: %.900s",
		    port, engine);
		op_fail(op, "PortInUse", NULL, msg);
	} else if (res->error == NULL && (strstr(engine, "already "
	    "allocated") != NULL || strstr(engine, "already in use") != NULL))
		op_fail(op, "PortInUse", NULL, engine);
	else
		op_fail(op, "StartFailed", res, NULL);
}

static void
op_next_container(struct rt_op *op)
{
	log_debug("pod %s: container %s started (%.12s)", op->instance,
	    op_label_name(op), op->cid);
	if (op->infra) {
		/* The pod's namespaces exist: its containers join them. */
		(void)strlcpy(op->infra_id, op->cid, sizeof(op->infra_id));
		op->infra = 0;
		op->idx = 0;
		op_image(op);
	} else if (++op->idx < op->spec.ncontainers)
		op_image(op);
	else
		op_end(op, 1);
}

static void
op_list(struct rt_op *op)
{
	op->step = STEP_LIST;
	if (list_members_start(&op->list, op->instance, POD_LIST_MAX,
	    op_listed, op) == -1)
		op_fail(op, op->kind == POD_OP_RESTART ? "RestartFailed" :
		    "DestroyFailed", NULL, op->list.dl.error);
}

/*
 * The containers first, in their order, the infra container last: it
 * holds the namespaces the others run in until they stop.
 */
static int
member_cmp(const void *a, const void *b)
{
	const struct pod_member	*x = a, *y = b;
	int			 xi = x->role == ROLE_INFRA;
	int			 yi = y->role == ROLE_INFRA;

	if (xi != yi)
		return xi - yi;
	return (x->index > y->index) - (x->index < y->index);
}

/* SIGTERM, and SIGKILL after the pod's grace, or stop-grace. */
static void
op_stop(struct rt_op *op, const struct pod_member *m)
{
	char		 path[256];
	uint64_t	 grace_s;

	grace_s = m->has_grace ? m->grace_s :
	    (runtime_conf.stop_grace_ms + 999) / 1000;
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/stop?t=%llu", m->id, (unsigned long long)grace_s);
	op_request(op, STEP_STOP, "POST", path, NULL,
	    (long)(grace_s * 1000 + STOP_EXTRA_MS), HTTP_BODY_MAX);
}

/*
 * Stops (a destroy) then removes each listed container, in turn, then
 * the pod's volumes.
 */
static void
op_stop_or_remove(struct rt_op *op)
{
	char	 path[256];

	if (op->pos >= op->nmembers) {
		op_volumes_list(op);
		return;
	}
	if (op->step != STEP_STOP && !op->failed &&
	    op->members[op->pos].running) {
		op_stop(op, &op->members[op->pos]);
		return;
	}
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s?force=1&v=1", op->members[op->pos].id);
	op_request(op, STEP_REMOVE, "DELETE", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
}

/*
 * A whole restart: the containers still running in the old namespaces
 * stop, then the infra container starts first and the others after it.
 */
static void
op_restart_next(struct rt_op *op)
{
	struct pod_member	*m;

	for (; op->pos < op->nmembers; op->pos++) {
		m = &op->members[op->pos];
		if (!op->starting && m->role != ROLE_INFRA && m->running) {
			m->running = 0;
			op_stop(op, m);
			return;
		}
		if (op->starting) {
			op->pos++;
			op_start(op, m->id);
			return;
		}
	}
	if (op->starting) {
		op_end(op, 1);
		return;
	}
	op->starting = 1;
	op->pos = 0;
	/* The infra container is last: move it to the front. */
	if (op->nmembers > 0 && op->members[op->nmembers - 1].role ==
	    ROLE_INFRA) {
		struct pod_member infra = op->members[op->nmembers - 1];

		memmove(&op->members[1], &op->members[0],
		    (op->nmembers - 1) * sizeof(op->members[0]));
		op->members[0] = infra;
	}
	op_restart_next(op);
}

static void
op_volumes_list(struct rt_op *op)
{
	char	 path[4096];

	if (docker_volumes_path(path, sizeof(path), runtime_conf.hostname,
	    op->instance) == -1) {
		op_fail(op, "DestroyFailed", NULL, "listing path too long");
		return;
	}
	op_request(op, STEP_VOLUME_LIST, "GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX);
}

static void
op_volume_remove(struct rt_op *op)
{
	char	 path[256 + 3 * VOLUME_NAME_MAX], esc[3 * VOLUME_NAME_MAX];

	if (op->vpos >= op->nvols) {
		op_end(op, !op->failed);
		return;
	}
	(void)docker_escape(esc, sizeof(esc), op->vols[op->vpos]);
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX "/volumes/%s",
	    esc);
	op_request(op, STEP_VOLUME_REMOVE, "DELETE", path, NULL,
	    HTTP_TIMEOUT_MS, HTTP_BODY_MAX);
}

static void
op_done(struct http_req *r, void *arg)
{
	struct rt_op			*op = arg;
	const struct http_result	*res = http_result(r);
	long				 st = res->status;
	char				 msg[RIK_MESSAGE_MAX];
	const char			*reason;

	op->req = NULL;
	if (op->cancelled && !op->failed) {
		op_fail(op, "Cancelled", NULL, "destroyed while it was "
		    "created");
		return;
	}
	if (res->error != NULL && op->step != STEP_PULL) {
		op_fail(op, op->kind == POD_OP_CREATE ? "CreateFailed" :
		    op->kind == POD_OP_RESTART ? "RestartFailed" :
		    "DestroyFailed", res, NULL);
		return;
	}
	switch (op->step) {
	case STEP_VOLUME:
		if (st == 200 || st == 201) {
			op->vidx++;
			op_volume_next(op);
		} else
			op_fail(op, "VolumeFailed", res, NULL);
		break;
	case STEP_IMAGE:
		op->present = st == 200;
		if (st == 200 && (op->infra ||
		    op_container(op)->pull_policy != PULL_ALWAYS))
			op_create(op);
		else if (st == 404 && !op->infra &&
		    op_container(op)->pull_policy == PULL_NEVER) {
			(void)snprintf(msg, sizeof(msg), "image %s is not on "
			    "the node and imagePullPolicy is Never",
			    op_image_ref(op));
			op_fail(op, "ImageNotPresent", NULL, msg);
		} else if (st == 200 || st == 404)
			op_pull(op);
		else
			op_fail(op, op->infra ? "InfraUnavailable" :
			    "ImagePullFailed", res, NULL);
		break;
	case STEP_IMPORT:
		if (infra_import_error(res, msg, sizeof(msg)) == -1)
			op_fail(op, "InfraUnavailable", NULL, msg);
		else
			op_create(op);
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
		if (res->error != NULL && st == 0) {
			/* The engine went away, not the registry. */
			op_fail(op, op->infra ? "InfraUnavailable" :
			    "ImagePullFailed", res, NULL);
			break;
		}
		reason = pull_reason(st, msg);
		if (op->present && strcmp(reason, PULL_UNREACHABLE) == 0 &&
		    runtime_conf.pull_fallback) {
			log_warnx("pod %s: %s: the registry is unreachable, "
			    "starting the node's image (pull-fallback yes)",
			    op->instance, op_image_ref(op));
			op_create(op);
			break;
		}
		op_fail(op, op->infra ? "InfraUnavailable" : reason, NULL,
		    msg);
		break;
	case STEP_LIST:		/* op_listed() has it */
		break;
	case STEP_CREATE:
		op_create_done(op, res);
		break;
	case STEP_ADOPT:
		op_adopt_done(op, res);
		break;
	case STEP_START:
		if (st != 204 && st != 304)
			op_start_failed(op, res);
		else if (op->kind == POD_OP_RESTART)
			op_restart_next(op);
		else
			op_next_container(op);
		break;
	case STEP_STOP:
		if (st != 204 && st != 304 && st != 404)
			log_warnx("pod %s: stop %.12s: HTTP %ld, %s anyway",
			    op->instance, op->members[op->pos].id, st,
			    op->kind == POD_OP_RESTART ? "going on" :
			    "removing");
		if (op->kind == POD_OP_RESTART) {
			op->pos++;
			op_restart_next(op);
		} else
			op_stop_or_remove(op);
		break;
	case STEP_VOLUME_LIST:
		op_volumes_done(op, res);
		break;
	case STEP_VOLUME_REMOVE:
		if (st != 204 && st != 404)
			op_remove_failed(op, res, op->vols[op->vpos]);
		op->vpos++;
		op_volume_remove(op);
		break;
	case STEP_REMOVE:
		if (st != 204 && st != 404)
			op_remove_failed(op, res, op->members[op->pos].id);
		op->pos++;
		op_stop_or_remove(op);
		break;
	}
}

/*
 * A container or a volume that could not be removed: the walk goes on,
 * and the destroy fails (a failed create keeps its first reason).
 */
static void
op_remove_failed(struct rt_op *op, const struct http_result *res,
    const char *what)
{
	char	 msg[RIK_MESSAGE_MAX];

	docker_error(res, msg, sizeof(msg));
	log_warnx("pod %s: remove %.64s: %s", op->instance, what, msg);
	if (op->failed)
		return;
	op->failed = 1;
	(void)strlcpy(op->reason, "DestroyFailed", sizeof(op->reason));
	(void)strlcpy(op->message, msg, sizeof(op->message));
}

/*
 * The name is taken: Docker says 409, Podman 500 with "already in use".
 */
static int
op_name_taken(const struct http_result *res)
{
	char	 msg[RIK_MESSAGE_MAX];

	if (res->error != NULL)
		return 0;
	if (res->status == 409)
		return 1;
	docker_error(res, msg, sizeof(msg));
	return res->status == 500 && strstr(msg, "is already in use") != NULL;
}

/*
 * A create that asked for an init and that the engine refused for want
 * of one (Podman without catatonit): from now on the containers run
 * without one.  Creates under way at once are each made again.
 */
static int
op_no_init(const struct rt_op *op, const struct http_result *res)
{
	char	 msg[RIK_MESSAGE_MAX];

	if (res->error != NULL || res->status < 400 || !op->init)
		return 0;
	docker_error(res, msg, sizeof(msg));
	if (!docker_no_init(msg))
		return 0;
	runtime_engine_no_init(msg);
	return 1;
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
		(void)strlcpy(op->made.id, op->cid, sizeof(op->made.id));
		known_add(&op->made);
		op_start(op, op->cid);
	} else if (op_no_init(op, res)) {
		/* Once for all: created again without an init. */
		op_create(op);
	} else if (op_name_taken(res)) {
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
	    strcmp(c.name, op_label_name(op)) != 0 ||
	    c.role != (op->infra ? ROLE_INFRA : ROLE_MEMBER)) {
		(void)snprintf(op->message, sizeof(op->message),
		    "name %s is taken by a container this node does not "
		    "manage", op_container_name(op, name, sizeof(name)));
		op_fail(op, "CreateFailed", NULL, op->message);
		return;
	}
	(void)strlcpy(op->cid, c.id, sizeof(op->cid));
	known_add(&c);
	log_info("pod %s: adopted %s (%.12s)", op->instance,
	    op_container_name(op, name, sizeof(name)), op->cid);
	if (c.state == CONTAINER_RUNNING)
		op_next_container(op);
	else
		op_start(op, op->cid);
}

static void
op_listed(struct rt_list *l, const struct http_result *res,
    const char *error, void *arg)
{
	struct rt_op	*op = arg;
	const char	*reason = op->kind == POD_OP_RESTART ?
			    "RestartFailed" : "DestroyFailed";
	size_t		 i;
	int		 infra = 0;

	op->pos = 0;
	if (error != NULL) {
		op_fail(op, reason, res, error);
		return;
	}
	op->members = l->dl.members;
	op->nmembers = l->dl.nids;
	if (op->nmembers > 1)	/* qsort's array may not be NULL */
		qsort(op->members, op->nmembers, sizeof(op->members[0]),
		    member_cmp);
	if (op->kind == POD_OP_RESTART) {
		for (i = 0; i < op->nmembers; i++)
			infra = infra || op->members[i].role == ROLE_INFRA;
		if (!infra) {
			op_fail(op, "InfraRemoved", NULL, "the pod's infra "
			    "container is gone from the engine");
			return;
		}
		op->starting = 0;
		op_restart_next(op);
		return;
	}
	log_debug("pod %s: %zu containers to remove", op->instance,
	    op->nmembers);
	op_stop_or_remove(op);
}

static void
op_volumes_done(struct rt_op *op, const struct http_result *res)
{
	if (op->vols == NULL && (op->vols = calloc(VOLUME_LIST_MAX,
	    sizeof(*op->vols))) == NULL)
		fatal("%s", __func__);
	op->vpos = 0;
	if (res->status != 200 || docker_parse_volumes(res->body, res->len,
	    runtime_conf.hostname, op->instance, op->vols, VOLUME_LIST_MAX,
	    &op->nvols) == -1) {
		op->nvols = 0;
		op_fail(op, "DestroyFailed", res, res->status == 200 ?
		    "cannot read the engine's volume list" : NULL);
		return;
	}
	log_debug("pod %s: %zu volumes to remove", op->instance, op->nvols);
	op_volume_remove(op);
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
		    op->instance, op_image_ref(op),
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
	(void)strlcpy(m.image, op_image_ref(op), sizeof(m.image));
	m.done = op->pull.done;
	m.total = op->pull.total;
	m.elapsed_ms = monotime_ms() - op->pull.start_ms;
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
		    op->instance, op_image_ref(op),
		    (long long)op->pull.done, (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000 / 100));
	else
		log_warnx("pod %s: pull of %s failed after %llu.%01llu s, "
		    "%lld bytes: %s", op->instance, op_image_ref(op),
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
