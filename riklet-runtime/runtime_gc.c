/*
 * Image garbage collection.  The parent measures the engine's
 * filesystem (the runtime cannot see it) and asks for so many bytes;
 * here the engine's images are listed (GET /images/json), the ones that
 * may go are ordered least recently used first (gc_select: no I/O, so
 * the choice is tested without an engine), and removed one by one until
 * their sizes add up: each only after the engine says no container,
 * running or not, was made from it (GET /containers/json?filters=
 * ancestor), then by DELETE /images/{id}.  Never removed: riklet's
 * infra image, an image a pod used within image-gc min-age.
 *
 * "Last used" is when a pod of this runtime last asked for the image
 * (gc_image_used, from each create); an image no pod asked for since
 * this process started is as old as the engine says it was made.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "runtime.h"
#include "util.h"

#define GC_USES_MAX	256	/* images whose last use is remembered */
#define GC_LIST_MAX	(8 * 1024 * 1024)	/* GET /images/json */

struct gc_use {
	char		 ref[RIK_IMAGE_MAX];
	int64_t		 when;		/* unix seconds */
};

static int	 gc_key_cmp(const void *, const void *);
static int64_t	 gc_last_used(json_t *);
static void	 gc_listed(struct http_req *, void *);
static void	 gc_next(void);
static void	 gc_checked(struct http_req *, void *);
static void	 gc_removed(struct http_req *, void *);
static void	 gc_end(const char *);

static struct gc_use	 uses[GC_USES_MAX];
static size_t		 nuses;

static struct {
	int		 running;
	struct rt_gc	 req;
	struct gc_image	*imgs;
	size_t		 nimgs;
	size_t		*order;
	size_t		 norder, pos;
	int64_t		 freed;
	uint32_t	 removed, failed;
	uint64_t	 start_ms;
} gc;

/* A pod asked for image ref now. */
void
gc_image_used(const char *ref)
{
	size_t	 i, oldest = 0;
	int64_t	 now = (int64_t)time(NULL);

	for (i = 0; i < nuses; i++) {
		if (strcmp(uses[i].ref, ref) == 0) {
			uses[i].when = now;
			return;
		}
		if (uses[i].when < uses[oldest].when)
			oldest = i;
	}
	/* Full: the least recently used one is forgotten. */
	i = nuses < GC_USES_MAX ? nuses++ : oldest;
	(void)strlcpy(uses[i].ref, ref, sizeof(uses[i].ref));
	uses[i].when = now;
}

/* The latest use of any of an image's names; 0: none known. */
static int64_t
gc_last_used(json_t *tags)
{
	json_t		*t;
	size_t		 i, j;
	int64_t		 last = 0;

	json_array_foreach(tags, i, t) {
		if (!json_is_string(t))
			continue;
		for (j = 0; j < nuses; j++)
			if (strcmp(uses[j].ref, json_string_value(t)) == 0 &&
			    uses[j].when > last)
				last = uses[j].when;
	}
	return last;
}

/*
 * GET /images/json: at most max images into imgs, each with what the
 * selection needs.  keep marks the image named infra.  -1 on a body
 * that is not such a list.
 */
int
gc_parse_images(const char *buf, size_t len, const char *infra,
    struct gc_image *imgs, size_t max, size_t *n)
{
	json_error_t	 err;
	json_t		*j, *e, *tags, *t;
	size_t		 i, k;
	struct gc_image	*g;
	int64_t		 last;
	int		 rv = -1;

	*n = 0;
	if (buf == NULL || len == 0 || len > GC_LIST_MAX ||
	    (j = json_loadb(buf, len, 0, &err)) == NULL)
		return -1;
	if (!json_is_array(j))
		goto out;
	json_array_foreach(j, i, e) {
		if (*n >= max)
			break;
		g = &imgs[*n];
		memset(g, 0, sizeof(*g));
		if (!json_is_object(e) ||
		    !json_is_string(json_object_get(e, "Id")) ||
		    strlcpy(g->id, json_string_value(json_object_get(e, "Id")),
		    sizeof(g->id)) >= sizeof(g->id) ||
		    strspn(g->id, "sha256:0123456789abcdef") != strlen(g->id))
			continue;
		g->created = json_integer_value(json_object_get(e, "Created"));
		g->size = json_integer_value(json_object_get(e, "Size"));
		if (g->size < 0)
			g->size = 0;
		tags = json_object_get(e, "RepoTags");
		json_array_foreach(tags, k, t) {
			if (!json_is_string(t))
				continue;
			if (g->name[0] == '\0' && strcmp(json_string_value(t),
			    "<none>:<none>") != 0)
				(void)strlcpy(g->name, json_string_value(t),
				    sizeof(g->name));
			if (strcmp(json_string_value(t), infra) == 0)
				g->keep = 1;
		}
		g->last_used = gc_last_used(tags);
		/* A pod may have named it by its digest. */
		if ((last = gc_last_used(json_object_get(e, "RepoDigests"))) >
		    g->last_used)
			g->last_used = last;
		(*n)++;
	}
	rv = 0;
out:
	json_decref(j);
	return rv;
}

/* Least recently used first: the last use, or the creation. */
static int
gc_key_cmp(const void *a, const void *b)
{
	const struct gc_image	*x = *(struct gc_image *const *)a;
	const struct gc_image	*y = *(struct gc_image *const *)b;
	int64_t			 kx = x->last_used ? x->last_used : x->created;
	int64_t			 ky = y->last_used ? y->last_used : y->created;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * The images that may be removed, in the order to remove them, as
 * indices into imgs; returns how many.  now and min_age in seconds.
 */
size_t
gc_select(const struct gc_image *imgs, size_t n, int64_t now,
    int64_t min_age, size_t *order)
{
	const struct gc_image	**p;
	size_t			 i, k = 0;
	int64_t			 young;

	if (n == 0)
		return 0;
	if ((p = calloc(n, sizeof(*p))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < n; i++) {
		young = imgs[i].last_used > imgs[i].created ?
		    imgs[i].last_used : imgs[i].created;
		if (imgs[i].keep || now - young < min_age)
			continue;
		p[k++] = &imgs[i];
	}
	if (k > 1)
		qsort(p, k, sizeof(*p), gc_key_cmp);
	for (i = 0; i < k; i++)
		order[i] = (size_t)(p[i] - imgs);
	free(p);
	return k;
}

/* IMSG_RT_GC */
void
gc_start(const struct rt_gc *req)
{
	struct rt_gc_result	 r;

	if (gc.running) {
		log_debug("image gc: a run is under way");
		return;
	}
	if (!runtime_engine_up()) {
		memset(&r, 0, sizeof(r));
		(void)strlcpy(r.message, "engine down", sizeof(r.message));
		runtime_send(IMSG_RT_GC_RESULT, &r, sizeof(r));
		return;
	}
	memset(&gc, 0, sizeof(gc));
	gc.running = 1;
	gc.req = *req;
	gc.start_ms = monotime_ms();
	log_info("image gc: the image filesystem is %u%% full, freeing "
	    "%lld bytes", req->used_pct, (long long)req->bytes);
	if (http_request("GET", DOCKER_API_PREFIX "/images/json", NULL,
	    HTTP_TIMEOUT_MS, GC_LIST_MAX, gc_listed, NULL) == NULL)
		gc_end("engine request queue full");
}

static void
gc_listed(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 msg[RIK_MESSAGE_MAX];

	(void)arg;
	if (res->error != NULL || res->status != 200) {
		docker_error(res, msg, sizeof(msg));
		gc_end(msg);
		return;
	}
	if ((gc.imgs = calloc(GC_IMAGES_MAX, sizeof(*gc.imgs))) == NULL ||
	    (gc.order = calloc(GC_IMAGES_MAX, sizeof(*gc.order))) == NULL)
		fatal("%s", __func__);
	if (gc_parse_images(res->body, res->len, infra_image(), gc.imgs,
	    GC_IMAGES_MAX, &gc.nimgs) == -1) {
		gc_end("cannot read the engine's image list");
		return;
	}
	gc.norder = gc_select(gc.imgs, gc.nimgs, (int64_t)time(NULL),
	    (int64_t)(gc.req.min_age_ms / 1000), gc.order);
	log_debug("image gc: %zu images, %zu may go", gc.nimgs, gc.norder);
	gc_next();
}

/* The next candidate, if more bytes are wanted: is it in use? */
static void
gc_next(void)
{
	char	 path[512], esc[256];

	if (gc.freed >= gc.req.bytes || gc.pos >= gc.norder) {
		gc_end(NULL);
		return;
	}
	(void)docker_escape(esc, sizeof(esc), gc.imgs[gc.order[gc.pos]].id);
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX "/containers/"
	    "json?all=1&limit=1&filters=%%7B%%22ancestor%%22%%3A%%5B%%22%s"
	    "%%22%%5D%%7D", esc);
	if (http_request("GET", path, NULL, HTTP_TIMEOUT_MS, HTTP_BODY_MAX,
	    gc_checked, NULL) == NULL)
		gc_end("engine request queue full");
}

static void
gc_checked(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	const struct gc_image		*g = &gc.imgs[gc.order[gc.pos]];
	char				 path[256], msg[RIK_MESSAGE_MAX];
	json_t				*j;
	int				 unused;

	(void)arg;
	if (res->error != NULL || res->status != 200) {
		docker_error(res, msg, sizeof(msg));
		gc_end(msg);
		return;
	}
	j = docker_load(res->body, res->len);
	unused = json_is_array(j) && json_array_size(j) == 0;
	json_decref(j);
	if (!unused) {
		log_debug("image gc: %s (%.19s) is used by a container",
		    g->name[0] != '\0' ? g->name : "<none>", g->id);
		gc.pos++;
		gc_next();
		return;
	}
	/* force: every name it has goes; no container uses it. */
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX "/images/%s"
	    "?force=1", g->id);
	if (http_request("DELETE", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX, gc_removed, NULL) == NULL)
		gc_end("engine request queue full");
}

static void
gc_removed(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	const struct gc_image		*g = &gc.imgs[gc.order[gc.pos]];
	char				 msg[RIK_MESSAGE_MAX];

	(void)arg;
	if (res->error == NULL && res->status == 200) {
		gc.removed++;
		if (__builtin_add_overflow(gc.freed, g->size, &gc.freed))
			gc.freed = INT64_MAX;
		log_info("image gc: removed %s (%.19s, %lld bytes, last used "
		    "%s)", g->name[0] != '\0' ? g->name : "<none>", g->id,
		    (long long)g->size, g->last_used ? "by a pod here" :
		    "never here, made");
	} else {
		gc.failed++;
		docker_error(res, msg, sizeof(msg));
		log_warnx("image gc: cannot remove %s (%.19s): %s",
		    g->name[0] != '\0' ? g->name : "<none>", g->id, msg);
	}
	gc.pos++;
	gc_next();
}

static void
gc_end(const char *error)
{
	struct rt_gc_result	 r;

	memset(&r, 0, sizeof(r));
	r.removed = gc.removed;
	r.failed = gc.failed;
	r.bytes = gc.freed;
	r.elapsed_ms = monotime_ms() - gc.start_ms;
	if (error != NULL) {
		(void)strlcpy(r.message, error, sizeof(r.message));
		log_warnx("image gc: stopped: %s", error);
	} else if (gc.freed < gc.req.bytes)
		(void)snprintf(r.message, sizeof(r.message), "only %lld of "
		    "%lld bytes could be freed", (long long)gc.freed,
		    (long long)gc.req.bytes);
	free(gc.imgs);
	free(gc.order);
	memset(&gc, 0, sizeof(gc));
	runtime_send(IMSG_RT_GC_RESULT, &r, sizeof(r));
}
