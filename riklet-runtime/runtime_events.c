/*
 * The watcher: one GET /events stream filtered to riklet's containers of
 * this node, and the full listings the parent rebuilds its pod table
 * from.  Events and listings go through one serial queue, so what the
 * parent hears is in the engine's order: an event that arrived after a
 * listing began is reported after it.  A start or die is completed with
 * an inspect (pid, cgroup, OOM flag); if the container is gone by then,
 * the event's own attributes are reported.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include "log.h"
#include "runtime.h"

#define WATCH_QUEUE_MAX		1024
#define WATCH_LIST_MAX		1024	/* containers in one listing */

enum watch_kind {
	WATCH_EVENT,
	WATCH_LIST
};

struct watch_item {
	TAILQ_ENTRY(watch_item)	 entry;
	enum watch_kind		 kind;
	struct docker_event	 ev;
};

static void	watch_open(struct http_req *, long, void *);
static void	watch_line(struct http_req *, const char *, size_t, void *);
static void	watch_closed(struct http_req *, void *);
static void	watch_push(enum watch_kind, const struct docker_event *);
static void	watch_next(void);
static void	watch_done_item(void);
static void	watch_inspected(struct http_req *, void *);
static void	watch_listed(struct http_req *, void *);
static void	watch_list_inspected(struct http_req *, void *);
static int	watch_list_step(void);
static void	watch_list_send(void);
static void	watch_clear(void);
static void	watch_relist(void);
static int	watch_inspect(const char *, void (*)(struct http_req *,
		    void *));

static TAILQ_HEAD(, watch_item)	 watch_queue =
    TAILQ_HEAD_INITIALIZER(watch_queue);
static size_t			 watch_nqueued;
static struct watch_item	*watch_cur;	/* being worked on */
static struct http_req		*watch_stream;
static struct http_req		*watch_req;	/* the current item's */
static char			 watch_driver[32];

/* The listing being gathered. */
static char			(*list_ids)[RIK_CONTAINER_ID_MAX];
static size_t			 list_nids, list_pos;
static struct rt_container	*list_out;
static size_t			 list_nout;

void
watch_start(const char *driver)
{
	char	 path[4096];

	(void)strlcpy(watch_driver, driver, sizeof(watch_driver));
	if (watch_stream != NULL)
		return;
	if (docker_events_path(path, sizeof(path),
	    runtime_conf.hostname) == -1)
		fatalx("%s: events path", __func__);
	if ((watch_stream = http_stream("GET", path, 0L, watch_open,
	    watch_line, watch_closed, NULL)) == NULL)
		runtime_engine_lost("cannot queue the events request");
}

/* The engine is gone: whatever was under way will be redone. */
void
watch_stop(void)
{
	http_cancel(watch_stream);
	watch_stream = NULL;
	watch_clear();
}

static void
watch_clear(void)
{
	struct watch_item	*w;

	http_cancel(watch_req);
	watch_req = NULL;
	free(watch_cur);
	watch_cur = NULL;
	while ((w = TAILQ_FIRST(&watch_queue)) != NULL) {
		TAILQ_REMOVE(&watch_queue, w, entry);
		free(w);
	}
	watch_nqueued = 0;
	free(list_ids);
	list_ids = NULL;
	free(list_out);
	list_out = NULL;
}

static void
watch_relist(void)
{
	watch_push(WATCH_LIST, NULL);
}

/* The stream is open: list now, so nothing falls between the two. */
static void
watch_open(struct http_req *r, long status, void *arg)
{
	(void)r;
	(void)arg;
	if (status != 200)
		return;
	log_info("engine events stream open");
	watch_relist();
}

static void
watch_line(struct http_req *r, const char *line, size_t len, void *arg)
{
	struct docker_event	 ev;

	(void)r;
	(void)arg;
	if (docker_parse_event(line, len, runtime_conf.hostname, &ev) == -1) {
		log_warnx("engine event: cannot parse %zu bytes, ignored",
		    len);
		return;
	}
	if (!ev.labels_ok) {
		log_debug("engine event %s on %.12s: not ours", ev.action,
		    ev.id);
		return;
	}
	log_debug("engine event %s on %.12s (%s/%s)", ev.action, ev.id,
	    ev.c.instance, ev.c.name);
	watch_push(WATCH_EVENT, &ev);
}

static void
watch_closed(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 msg[RIK_MESSAGE_MAX];

	(void)arg;
	watch_stream = NULL;
	docker_error(res, msg, sizeof(msg));
	log_warnx("engine events stream closed: %s", msg);
	/* Whether the engine left or only the stream did, probe it. */
	runtime_engine_lost("events stream closed");
}

static void
watch_push(enum watch_kind kind, const struct docker_event *ev)
{
	struct watch_item	*w, *next;

	if (watch_nqueued >= WATCH_QUEUE_MAX) {
		/* Too far behind: a listing says it all again. */
		log_warnx("engine events: %zu queued, relisting instead",
		    watch_nqueued);
		TAILQ_FOREACH_SAFE(w, &watch_queue, entry, next) {
			TAILQ_REMOVE(&watch_queue, w, entry);
			free(w);
		}
		watch_nqueued = 0;
		kind = WATCH_LIST;
	}
	if (kind == WATCH_LIST) {
		/* One listing waiting is enough. */
		TAILQ_FOREACH(w, &watch_queue, entry)
			if (w->kind == WATCH_LIST)
				return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("%s", __func__);
	w->kind = kind;
	if (ev != NULL)
		w->ev = *ev;
	TAILQ_INSERT_TAIL(&watch_queue, w, entry);
	watch_nqueued++;
	watch_next();
}

static int
watch_inspect(const char *id, void (*done)(struct http_req *, void *))
{
	char	 path[256];

	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/json", id);
	watch_req = http_request("GET", path, NULL, HTTP_TIMEOUT_MS,
	    HTTP_BODY_MAX, done, NULL);
	return watch_req == NULL ? -1 : 0;
}

static void
watch_next(void)
{
	struct rt_container	 c;
	char			 path[4096];

	while (watch_cur == NULL && (watch_cur = TAILQ_FIRST(&watch_queue)) !=
	    NULL) {
		TAILQ_REMOVE(&watch_queue, watch_cur, entry);
		watch_nqueued--;
		if (watch_cur->kind == WATCH_LIST) {
			if (docker_filters_path(path, sizeof(path),
			    DOCKER_API_PREFIX "/containers/json",
			    runtime_conf.hostname, NULL) == -1)
				fatalx("%s: list path", __func__);
			if ((watch_req = http_request("GET", path, NULL,
			    HTTP_TIMEOUT_MS, HTTP_LIST_MAX, watch_listed,
			    NULL)) == NULL)
				watch_done_item();
			continue;
		}
		if (strcmp(watch_cur->ev.action, "destroy") == 0) {
			c = watch_cur->ev.c;
			c.state = CONTAINER_REMOVED;
			runtime_send(IMSG_RT_CONTAINER, &c, sizeof(c));
			watch_done_item();
			continue;
		}
		if (watch_inspect(watch_cur->ev.id, watch_inspected) == -1)
			watch_inspected(NULL, NULL);
	}
}

static void
watch_done_item(void)
{
	free(watch_cur);
	watch_cur = NULL;
	watch_req = NULL;
}

/* An event, completed by what the engine says of the container now. */
static void
watch_inspected(struct http_req *r, void *arg)
{
	const struct http_result	*res = r ? http_result(r) : NULL;
	struct docker_event		*ev = &watch_cur->ev;
	struct rt_container		 c;

	(void)arg;
	if (res == NULL || res->error != NULL || res->status != 200 ||
	    docker_parse_inspect(res->body, res->len, runtime_conf.hostname,
	    watch_driver, &c) == -1) {
		c = ev->c;
		c.state = CONTAINER_EXITED;
		if (strcmp(ev->action, "start") == 0)
			c.state = CONTAINER_RUNNING;
	}
	/*
	 * A die is history once the container runs again (a whole pod's
	 * restart stops and starts it at once): the engine's state now
	 * stands, and its start event follows.
	 */
	if (strcmp(ev->action, "die") == 0 && (res == NULL ||
	    c.state != CONTAINER_RUNNING)) {
		c.state = CONTAINER_EXITED;
		c.pid = 0;
		c.cgroup[0] = '\0';
		if (ev->has_exit_code)
			c.exit_code = ev->exit_code;
	} else if (strcmp(ev->action, "oom") == 0)
		c.oom_killed = 1;
	log_debug("container %s/%s %.12s: state %u exit %d oom %u pid %d",
	    c.instance, c.name, c.id, c.state, c.exit_code, c.oom_killed,
	    c.pid);
	runtime_send(IMSG_RT_CONTAINER, &c, sizeof(c));
	watch_done_item();
	watch_next();
}

static void
watch_listed(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 msg[RIK_MESSAGE_MAX];

	(void)arg;
	watch_req = NULL;
	if ((list_ids = calloc(WATCH_LIST_MAX, sizeof(*list_ids))) == NULL ||
	    (list_out = calloc(WATCH_LIST_MAX, sizeof(*list_out))) == NULL)
		fatal("%s", __func__);
	if (res->error != NULL || res->status != 200 ||
	    docker_parse_list(res->body, res->len, list_ids, WATCH_LIST_MAX,
	    &list_nids) == -1) {
		docker_error(res, msg, sizeof(msg));
		log_warnx("container listing failed: %s", msg);
		free(list_ids);
		list_ids = NULL;
		free(list_out);
		list_out = NULL;
		watch_done_item();
		/* The next stream (re)open lists again. */
		if (res->error != NULL)
			runtime_engine_lost("listing failed");
		watch_next();
		return;
	}
	list_pos = list_nout = 0;
	if (watch_list_step() == 0)
		watch_list_send();
}

/* 1: an inspect is under way, 0: every container has been seen. */
static int
watch_list_step(void)
{
	while (list_pos < list_nids) {
		if (watch_inspect(list_ids[list_pos], watch_list_inspected) ==
		    0)
			return 1;
		log_warnx("listing: cannot inspect %.12s", list_ids[list_pos]);
		list_pos++;
	}
	return 0;
}

static void
watch_list_inspected(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);

	(void)arg;
	watch_req = NULL;
	if (res->error == NULL && res->status == 200 &&
	    docker_parse_inspect(res->body, res->len, runtime_conf.hostname,
	    watch_driver, &list_out[list_nout]) == 0)
		list_nout++;
	else if (res->status != 404)
		log_warnx("listing: inspect %.12s failed (HTTP %ld)",
		    list_ids[list_pos], res->status);
	list_pos++;
	if (watch_list_step() == 0)
		watch_list_send();
}

/* The whole listing at once, so the parent never sees half of one. */
static void
watch_list_send(void)
{
	size_t	 i;

	runtime_send(IMSG_RT_LIST_BEGIN, NULL, 0);
	for (i = 0; i < list_nout; i++)
		runtime_send(IMSG_RT_CONTAINER, &list_out[i],
		    sizeof(list_out[i]));
	runtime_send(IMSG_RT_LIST_END, NULL, 0);
	log_info("listed %zu containers", list_nout);
	free(list_ids);
	list_ids = NULL;
	free(list_out);
	list_out = NULL;
	watch_done_item();
	watch_next();
}
