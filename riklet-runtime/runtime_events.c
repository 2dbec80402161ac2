/*
 * The watcher: one GET /events stream of containers' start, die, oom and
 * destroy ("remove" for Podman), and the full listings the parent rebuilds its pod table
 * from.  Events and listings go through one serial queue, so what the
 * parent hears is in the engine's order: an event that arrived after a
 * listing began is reported after it.  A start or die is completed with
 * an inspect (pid, cgroup, OOM flag); if the container is gone by then,
 * the event's own attributes are reported.  The stream is not filtered
 * by label: an event is riklet's when its labels say so or when its id
 * is one the runtime knows (runtime_known.c), as an engine may leave
 * the labels out of its events.
 *
 * A listing is streamed (runtime_list.c) and each container is inspected
 * (LIST_INSPECTS at a time) and reported as it comes, between
 * IMSG_RT_LIST_BEGIN and IMSG_RT_LIST_END, so memory stays bounded
 * however many containers the node has (up to the parent's table full,
 * LIST_CONTAINERS_MAX).  The
 * END comes only after a whole listing: when the engine does not answer
 * a part of it (the listing or an inspect), the listing starts over,
 * with a new BEGIN that makes the parent forget the part it had, after a
 * delay that doubles from LIST_RETRY_MIN_MS to LIST_RETRY_MAX_MS.  A
 * container gone before its inspect (404) is left out: its destroy event
 * follows.  While a listing is open, pod results wait (runtime_pod.c):
 * a create that ends after the listing was asked for must not reach the
 * parent before the END, which would settle the pod against a listing
 * that never saw its containers.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include "log.h"
#include "runtime.h"

#define WATCH_QUEUE_MAX		1024
#define LIST_RETRY_MIN_MS	1000
#define LIST_RETRY_MAX_MS	30000
#define LIST_INSPECTS		4	/* at once, of HTTP_MAX_ACTIVE */

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
static void	watch_list_begin(void);
static void	watch_listed(struct rt_list *, const struct http_result *,
		    const char *, void *);
static void	watch_list_inspected(struct http_req *, void *);
static void	watch_list_step(void);
static void	watch_list_failed(const struct http_result *, const char *);
static void	watch_list_cancel(void);
static void	watch_list_retry(int, short, void *);
static void	watch_list_end(void);
static void	watch_clear(void);
static void	watch_relist(void);
static struct http_req *watch_inspect(const char *,
		    void (*)(struct http_req *, void *), void *);

static TAILQ_HEAD(, watch_item)	 watch_queue =
    TAILQ_HEAD_INITIALIZER(watch_queue);
static size_t			 watch_nqueued;
static struct watch_item	*watch_cur;	/* being worked on */
static struct http_req		*watch_stream;
static struct http_req		*watch_req;	/* the current item's */
static char			 watch_driver[32];

/* The listing under way. */
static struct rt_list		 list;
static int			 list_open;	/* BEGIN sent, no END */
static size_t			 list_pos, list_ndone, list_nsent;
static struct http_req		*list_reqs[LIST_INSPECTS];
static size_t			 list_at[LIST_INSPECTS];	/* their ids */
static struct event		*list_retry_ev;
static uint32_t			 list_retry_ms = LIST_RETRY_MIN_MS;

void
watch_init(struct event_base *base)
{
	if ((list_retry_ev = evtimer_new(base, watch_list_retry, NULL)) ==
	    NULL)
		fatalx("%s: evtimer_new", __func__);
}

void
watch_start(const char *driver)
{
	char	 path[4096];

	(void)strlcpy(watch_driver, driver, sizeof(watch_driver));
	if (watch_stream != NULL)
		return;
	if (docker_events_path(path, sizeof(path)) == -1)
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
	watch_list_cancel();
	list_free(&list);
	evtimer_del(list_retry_ev);
	/* The next listing starts over; results need not wait for it. */
	if (list_open) {
		list_open = 0;
		pod_listing_over();
	}
}

/* Whether the parent is in a listing: pod results wait for its END. */
int
watch_listing(void)
{
	return list_open;
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
	if (strcmp(ev.action, "remove") == 0)
		(void)strlcpy(ev.action, "destroy", sizeof(ev.action));
	if (!ev.labels_ok && known_find(ev.id, &ev.c) == 0)
		ev.labels_ok = 1;
	if (!ev.labels_ok) {
		log_debug("engine event %s on %.12s: not ours", ev.action,
		    ev.id);
		return;
	}
	known_add(&ev.c);
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

static struct http_req *
watch_inspect(const char *id, void (*done)(struct http_req *, void *),
    void *arg)
{
	char	 path[256];

	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/json", id);
	return http_request("GET", path, NULL, HTTP_TIMEOUT_MS, HTTP_BODY_MAX,
	    done, arg);
}

static void
watch_next(void)
{
	struct rt_container	 c;

	while (watch_cur == NULL && (watch_cur = TAILQ_FIRST(&watch_queue)) !=
	    NULL) {
		TAILQ_REMOVE(&watch_queue, watch_cur, entry);
		watch_nqueued--;
		if (watch_cur->kind == WATCH_LIST) {
			watch_list_begin();
			return;
		}
		if (strcmp(watch_cur->ev.action, "destroy") == 0) {
			probe_forget(watch_cur->ev.id);
			c = watch_cur->ev.c;
			c.state = CONTAINER_REMOVED;
			known_forget(c.id);
			runtime_send(IMSG_RT_CONTAINER, &c, sizeof(c));
			watch_done_item();
			continue;
		}
		if ((watch_req = watch_inspect(watch_cur->ev.id,
		    watch_inspected, NULL)) == NULL)
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
	int				 inspected;

	(void)arg;
	inspected = res != NULL && res->error == NULL && res->status == 200 &&
	    docker_parse_inspect(res->body, res->len, runtime_conf.hostname,
	    watch_driver, &c) == 0;
	if (!inspected) {
		c = ev->c;
		c.state = CONTAINER_EXITED;
		if (strcmp(ev->action, "start") == 0)
			c.state = CONTAINER_RUNNING;
	} else
		known_add(&c);
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
	/* Its probes start, go on or end with it. */
	if (!inspected || c.state != CONTAINER_RUNNING)
		probe_forget(c.id);
	else {
		probe_container(&c, res->body, res->len,
		    strcmp(ev->action, "start") == 0);
		if (strncmp(ev->action, "health_status", 13) == 0)
			probe_health(&c, res->body, res->len);
	}
	runtime_send(IMSG_RT_CONTAINER, &c, sizeof(c));
	watch_done_item();
	watch_next();
}

/* Asks for the listing; the parent hears it begins (again). */
static void
watch_list_begin(void)
{
	runtime_send(IMSG_RT_LIST_BEGIN, NULL, 0);
	probe_list_begin();
	known_listing();
	list_open = 1;
	list_pos = list_ndone = list_nsent = 0;
	if (list_start(&list, NULL, LIST_CONTAINERS_MAX, watch_listed,
	    NULL) == -1)
		watch_list_failed(NULL, list.dl.error);
}

static void
watch_listed(struct rt_list *l, const struct http_result *res,
    const char *error, void *arg)
{
	(void)arg;
	if (error != NULL) {
		watch_list_failed(res, error);
		return;
	}
	log_debug("listing: %zu containers to inspect", l->dl.nids);
	watch_list_step();
}

/* Keeps LIST_INSPECTS inspects under way; ends a listing all seen. */
static void
watch_list_step(void)
{
	size_t	 i;

	for (i = 0; i < LIST_INSPECTS && list_pos < list.dl.nids; i++) {
		if (list_reqs[i] != NULL)
			continue;
		if ((list_reqs[i] = watch_inspect(list.dl.ids[list_pos],
		    watch_list_inspected, &list_at[i])) == NULL) {
			watch_list_failed(NULL, "engine request queue full");
			return;
		}
		list_at[i] = list_pos++;
	}
	if (list_ndone == list.dl.nids)
		watch_list_end();
}

static void
watch_list_inspected(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	struct rt_container		 c;
	size_t				 slot = (size_t *)arg - list_at;
	const char			*id = list.dl.ids[list_at[slot]];

	list_reqs[slot] = NULL;
	if (res->error != NULL || res->status >= 500) {
		watch_list_failed(res, NULL);
		return;
	}
	if (res->status == 200 && docker_parse_inspect(res->body, res->len,
	    runtime_conf.hostname, watch_driver, &c) == 0) {
		known_add(&c);
		runtime_send(IMSG_RT_CONTAINER, &c, sizeof(c));
		probe_container(&c, res->body, res->len, 0);
		list_nsent++;
	} else if (res->status == 200)
		log_warnx("listing: %.12s is not a container riklet can "
		    "manage (its labels), left out", id);
	else if (res->status != 404)
		log_warnx("listing: inspect %.12s: HTTP %ld, left out", id,
		    res->status);
	list_ndone++;
	watch_list_step();
}

static void
watch_list_cancel(void)
{
	size_t	 i;

	for (i = 0; i < LIST_INSPECTS; i++) {
		http_cancel(list_reqs[i]);
		list_reqs[i] = NULL;
	}
}

/*
 * A part of the listing is missing: no END, the listing item stays and
 * is done again, from its BEGIN, after a delay.
 */
static void
watch_list_failed(const struct http_result *res, const char *error)
{
	struct timeval	 tv;
	char		 msg[RIK_MESSAGE_MAX];

	if (error == NULL)
		docker_error(res, msg, sizeof(msg));
	else
		(void)strlcpy(msg, error, sizeof(msg));
	log_warnx("container listing failed after %zu of %zu containers, "
	    "again in %u ms: %s", list_nsent, list.dl.nids, list_retry_ms,
	    msg);
	watch_list_cancel();
	list_free(&list);
	tv.tv_sec = list_retry_ms / 1000;
	tv.tv_usec = (list_retry_ms % 1000) * 1000;
	evtimer_add(list_retry_ev, &tv);
	list_retry_ms *= 2;
	if (list_retry_ms > LIST_RETRY_MAX_MS)
		list_retry_ms = LIST_RETRY_MAX_MS;
	if (res != NULL && res->error != NULL)
		runtime_engine_lost("listing failed");
}

static void
watch_list_retry(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (watch_cur != NULL && watch_cur->kind == WATCH_LIST)
		watch_list_begin();
}

/* The listing is whole: the parent may settle its table. */
static void
watch_list_end(void)
{
	runtime_send(IMSG_RT_LIST_END, NULL, 0);
	probe_list_end();
	known_sweep();
	log_info("listed %zu containers", list_nsent);
	list_open = 0;
	list_retry_ms = LIST_RETRY_MIN_MS;
	list_free(&list);
	watch_done_item();
	pod_listing_over();
	watch_next();
}
