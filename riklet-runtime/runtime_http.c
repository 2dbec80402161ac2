/*
 * HTTP to the engine over its unix socket: libcurl's multi interface
 * driven by the runtime's libevent loop.  curl tells us which sockets to
 * watch and when to wake it; nothing here blocks and no thread is made.
 * Requests wait in a bounded queue for one of HTTP_MAX_ACTIVE slots and
 * enter curl only from the "kick" event, never from inside a curl
 * callback, where libcurl forbids adding or removing handles.
 *
 * Three kinds of request: a whole response (http_request, or
 * http_upload with a body of any bytes and its type), a stream of
 * lines (http_stream: /events, a pull's progress) and a stream of raw
 * chunks (http_raw: a container's logs, whose frames are binary and may
 * hold any byte).  A raw stream's consumer may pause it (http_pause):
 * curl keeps the chunk it was refused and hands it over on resumption,
 * so a slow reader bounds what the runtime holds.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sys/queue.h>

#include "log.h"
#include "runtime.h"

struct http_req {
	TAILQ_ENTRY(http_req)	 entry;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*method;
	char			*path;
	char			*body;		/* request body, may be NULL */
	size_t			 bodylen;
	const char		*ctype;		/* the body's Content-Type */
	char			*extra;		/* one more header, a secret */
	long			 timeout_ms;
	size_t			 max;		/* response cap */
	http_done_cb		 done;
	http_line_cb		 line;		/* a stream of lines */
	http_data_cb		 data;		/* a stream of raw chunks */
	http_open_cb		 open;
	void			*arg;
	char			*buf;		/* response, or partial line */
	size_t			 len;
	size_t			 cap;
	int			 active;
	int			 cancelled;
	int			 opened;
	int			 too_large;
	int			 want_pause;	/* refuse the next chunk */
	int			 paused;	/* curl holds a chunk */
	char			 errbuf[CURL_ERROR_SIZE];
	struct http_result	 res;
};

TAILQ_HEAD(http_queue, http_req);

struct http_sock {
	struct event	*ev;
	curl_socket_t	 fd;
};

static int	 http_sock_cb(CURL *, curl_socket_t, int, void *, void *);
static int	 http_timer_cb(CURLM *, long, void *);
static void	 http_event_cb(int, short, void *);
static void	 http_timeout_cb(int, short, void *);
static void	 http_kick_cb(int, short, void *);
static void	 http_kick(void);
static void	 http_check_done(void);
static int	 http_start(struct http_req *);
static void	 http_free(struct http_req *);
static size_t	 http_write_cb(char *, size_t, size_t, void *);
static size_t	 http_header_cb(char *, size_t, size_t, void *);
static int	 http_append(struct http_req *, const char *, size_t);
static struct http_req *http_new(const char *, const char *, const void *,
		    size_t, long, size_t, void *);
static void	 http_finish(struct http_req *, CURLcode);
static int	 http_is_stream(const struct http_req *);

static struct event_base	*http_base;
static CURLM			*http_multi;
static struct event		*http_timer;
static struct event		*http_kick_ev;
static char			*http_socket;
static struct http_queue	 http_pending =
    TAILQ_HEAD_INITIALIZER(http_pending);
static struct http_queue	 http_active =
    TAILQ_HEAD_INITIALIZER(http_active);
static struct http_queue	 http_dead = TAILQ_HEAD_INITIALIZER(http_dead);
static size_t			 http_npending, http_nactive;

void
http_init(struct event_base *base, const char *sockpath)
{
	http_base = base;
	if ((http_socket = strdup(sockpath)) == NULL)
		fatal("%s", __func__);
	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
		fatalx("curl_global_init");
	if ((http_multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init");
	curl_multi_setopt(http_multi, CURLMOPT_SOCKETFUNCTION, http_sock_cb);
	curl_multi_setopt(http_multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(http_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)HTTP_MAX_ACTIVE);
	if ((http_timer = evtimer_new(base, http_timeout_cb, NULL)) == NULL ||
	    (http_kick_ev = event_new(base, -1, 0, http_kick_cb, NULL)) ==
	    NULL)
		fatalx("%s: event_new", __func__);
}

/*
 * Drops every request, without calling anyone back, and the client with
 * them: for the end of the process and for tests that start it again.
 */
void
http_shutdown(void)
{
	struct http_queue	*queues[] = { &http_pending, &http_active,
				    &http_dead };
	struct http_req		*r;
	size_t			 i;

	for (i = 0; i < sizeof(queues) / sizeof(queues[0]); i++)
		while ((r = TAILQ_FIRST(queues[i])) != NULL) {
			TAILQ_REMOVE(queues[i], r, entry);
			http_free(r);
		}
	http_npending = http_nactive = 0;
	if (http_multi != NULL)
		curl_multi_cleanup(http_multi);
	http_multi = NULL;
	if (http_timer != NULL)
		event_free(http_timer);
	if (http_kick_ev != NULL)
		event_free(http_kick_ev);
	http_timer = http_kick_ev = NULL;
	free(http_socket);
	http_socket = NULL;
	curl_global_cleanup();
}

static struct http_req *
http_new(const char *method, const char *path, const void *body,
    size_t bodylen, long timeout_ms, size_t max, void *arg)
{
	struct http_req	*r;

	if (http_npending >= HTTP_MAX_PENDING) {
		log_warnx("engine request queue full, %s %s refused", method,
		    path);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->method = strdup(method)) == NULL ||
	    (r->path = strdup(path)) == NULL ||
	    (body != NULL && (r->body = malloc(bodylen + 1)) == NULL)) {
		log_warn("%s", __func__);
		if (r != NULL)
			http_free(r);
		return NULL;
	}
	if (body != NULL) {
		memcpy(r->body, body, bodylen);
		r->body[bodylen] = '\0';
		r->bodylen = bodylen;
		r->ctype = "application/json";
	}
	r->timeout_ms = timeout_ms;
	r->max = max;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&http_pending, r, entry);
	http_npending++;
	http_kick();
	return r;
}

/*
 * A request whose whole response (at most max bytes) is handed to done.
 * done is always called, once, unless the request is cancelled first.
 */
struct http_req *
http_request(const char *method, const char *path, const char *body,
    long timeout_ms, size_t max, http_done_cb done, void *arg)
{
	struct http_req	*r;

	if ((r = http_new(method, path, body, body != NULL ? strlen(body) : 0,
	    timeout_ms, max, arg)) != NULL)
		r->done = done;
	return r;
}

/*
 * http_request with len bytes of body of type ctype (a string that
 * outlives the request).
 */
struct http_req *
http_upload(const char *method, const char *path, const void *body,
    size_t len, const char *ctype, long timeout_ms, size_t max,
    http_done_cb done, void *arg)
{
	struct http_req	*r;

	if ((r = http_new(method, path, body, len, timeout_ms, max, arg)) !=
	    NULL) {
		r->ctype = ctype;
		r->done = done;
	}
	return r;
}

/* A streamed GET: line gets each line of the body as it arrives. */
struct http_req *
http_stream(const char *method, const char *path, long timeout_ms,
    http_open_cb open, http_line_cb line, http_done_cb done, void *arg)
{
	struct http_req	*r;

	if ((r = http_new(method, path, NULL, 0, timeout_ms, HTTP_LINE_MAX,
	    arg)) != NULL) {
		r->done = done;
		r->line = line;
		r->open = open;
	}
	return r;
}

/*
 * A streamed GET whose body goes to data chunk by chunk, as it comes,
 * with no framing of its own.
 */
struct http_req *
http_raw(const char *path, long timeout_ms, http_open_cb open,
    http_data_cb data, http_done_cb done, void *arg)
{
	struct http_req	*r;

	if ((r = http_new("GET", path, NULL, 0, timeout_ms, HTTP_BODY_MAX,
	    arg)) != NULL) {
		r->done = done;
		r->data = data;
		r->open = open;
	}
	return r;
}

/* http_raw with a JSON body: an exec's start, its output streamed. */
struct http_req *
http_raw_post(const char *path, const char *body, long timeout_ms,
    http_data_cb data, http_done_cb done, void *arg)
{
	struct http_req	*r;

	if ((r = http_new("POST", path, body, strlen(body), timeout_ms,
	    HTTP_BODY_MAX, arg)) != NULL) {
		r->done = done;
		r->data = data;
	}
	return r;
}

/*
 * One more header, "Name: value", for a request not yet on the wire
 * (right after it is made): X-Registry-Auth.  Zeroed when it is done.
 */
int
http_header(struct http_req *r, const char *header)
{
	if (r->extra != NULL || r->active)
		return -1;
	if ((r->extra = strdup(header)) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	return 0;
}

/*
 * Pausing takes effect at the next chunk, which curl keeps until the
 * stream is resumed; resuming may hand it over at once, from here.
 */
void
http_pause(struct http_req *r, int pause)
{
	r->want_pause = pause;
	if (pause || !r->paused || r->cancelled || !r->active)
		return;
	r->paused = 0;
	if (curl_easy_pause(r->easy, CURLPAUSE_CONT) != CURLE_OK)
		log_warnx("engine: %s %s: cannot resume", r->method, r->path);
}

/* The response's Content-Type, NULL if none (yet). */
const char *
http_content_type(const struct http_req *r)
{
	char	*ct = NULL;

	if (r->easy == NULL ||
	    curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK)
		return NULL;
	return ct;
}

static int
http_is_stream(const struct http_req *r)
{
	return r->line != NULL || r->data != NULL;
}

/* Its callbacks are never called again; it goes at the next kick. */
void
http_cancel(struct http_req *r)
{
	if (r == NULL || r->cancelled)
		return;
	r->cancelled = 1;
	http_kick();
}

const struct http_result *
http_result(const struct http_req *r)
{
	return &r->res;
}

static void
http_kick(void)
{
	event_active(http_kick_ev, EV_TIMEOUT, 0);
}

static void
http_kick_cb(int fd, short ev, void *arg)
{
	struct http_req	*r, *next;

	(void)fd;
	(void)ev;
	(void)arg;
	while ((r = TAILQ_FIRST(&http_dead)) != NULL) {
		TAILQ_REMOVE(&http_dead, r, entry);
		http_free(r);
	}
	TAILQ_FOREACH_SAFE(r, &http_active, entry, next) {
		if (!r->cancelled)
			continue;
		TAILQ_REMOVE(&http_active, r, entry);
		http_nactive--;
		http_free(r);
	}
	TAILQ_FOREACH_SAFE(r, &http_pending, entry, next) {
		if (!r->cancelled && http_nactive >= HTTP_MAX_ACTIVE)
			break;
		TAILQ_REMOVE(&http_pending, r, entry);
		http_npending--;
		if (r->cancelled) {
			http_free(r);
			continue;
		}
		TAILQ_INSERT_TAIL(&http_active, r, entry);
		http_nactive++;
		if (http_start(r) == -1) {
			TAILQ_REMOVE(&http_active, r, entry);
			http_nactive--;
			r->res.error = "cannot start the request";
			if (r->done != NULL)
				r->done(r, r->arg);
			http_free(r);
		}
	}
}

static int
http_start(struct http_req *r)
{
	char	 url[2048];
	CURL	*e;

	if ((size_t)snprintf(url, sizeof(url), "http://docker%s", r->path) >=
	    sizeof(url))
		return -1;
	if ((e = r->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, http_socket);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTP_CONNECT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
	/* A waiting "Expect: 100-continue" costs a round trip per create. */
	r->headers = curl_slist_append(NULL, "Expect:");
	if (r->body != NULL) {
		char	 ct[128];

		(void)snprintf(ct, sizeof(ct), "Content-Type: %s", r->ctype);
		r->headers = curl_slist_append(r->headers, ct);
	}
	if (r->extra != NULL)
		r->headers = curl_slist_append(r->headers, r->extra);
	if (r->headers == NULL)
		return -1;
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS,
		    r->body != NULL ? r->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
		    r->body != NULL ? (long)r->bodylen : 0L);
	} else if (strcmp(r->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	if (curl_multi_add_handle(http_multi, e) != CURLM_OK)
		return -1;
	r->active = 1;
	log_debug("engine: %s %s", r->method, r->path);
	return 0;
}

static void
http_free(struct http_req *r)
{
	struct curl_slist	*sl;

	if (r->easy != NULL) {
		if (r->active)
			curl_multi_remove_handle(http_multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	/* curl's copies of a credential header are zeroed too. */
	for (sl = r->headers; sl != NULL; sl = sl->next)
		explicit_bzero(sl->data, strlen(sl->data));
	curl_slist_free_all(r->headers);
	if (r->extra != NULL)
		freezero(r->extra, strlen(r->extra));
	free(r->method);
	free(r->path);
	free(r->body);
	free(r->buf);
	free(r);
}

static int
http_append(struct http_req *r, const char *p, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (n > r->max || r->len > r->max - n) {
		r->too_large = 1;
		return -1;
	}
	if (r->len + n + 1 > r->cap) {
		ncap = r->cap ? r->cap : 4096;
		while (ncap < r->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(r->buf, ncap)) == NULL)
			return -1;
		r->buf = nb;
		r->cap = ncap;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return 0;
}

static size_t
http_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_req	*r = arg;
	long		 status = 0;

	(void)p;
	n *= size;
	/* The empty line ends the headers: a stream is open. */
	if (r->open != NULL && !r->opened && !r->cancelled &&
	    (n == 2 || n == 1)) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200) {
			r->opened = 1;
			r->open(r, status, r->arg);
		}
	}
	return n;
}

static size_t
http_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_req	*r = arg;
	size_t		 total = size * n, off;
	char		*nl;
	long		 status = 0;

	if (r->cancelled)
		return 0;
	if (!http_is_stream(r))
		return http_append(r, p, total) == -1 ? 0 : total;
	/* An error answer on a stream is a whole body, not lines. */
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300)
		return http_append(r, p, total) == -1 ? 0 : total;
	if (r->data != NULL) {
		if (r->want_pause) {
			r->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
		r->data(r, p, total, r->arg);
		return r->cancelled ? 0 : total;
	}
	for (off = 0; off < total; ) {
		if ((nl = memchr(p + off, '\n', total - off)) == NULL) {
			if (http_append(r, p + off, total - off) == -1)
				return 0;
			break;
		}
		if (http_append(r, p + off, (size_t)(nl - (p + off))) == -1)
			return 0;
		off = (size_t)(nl - p) + 1;
		if (r->len > 0)
			r->line(r, r->buf, r->len, r->arg);
		r->len = 0;
		if (r->cancelled)
			return 0;
	}
	return total;
}

static void
http_finish(struct http_req *r, CURLcode rc)
{
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->res.status);
	r->res.body = r->buf != NULL ? r->buf : "";
	r->res.len = r->buf != NULL ? r->len : 0;
	if (http_is_stream(r) && r->res.status < 300) {
		r->res.body = "";
		r->res.len = 0;
	}
	if (r->too_large)
		r->res.error = "response too large";
	else if (rc != CURLE_OK)
		r->res.error = r->errbuf[0] != '\0' ? r->errbuf :
		    curl_easy_strerror(rc);
	if (r->res.error != NULL)
		log_debug("engine: %s %s: %s", r->method, r->path,
		    r->res.error);
	else
		log_debug("engine: %s %s: %ld, %zu bytes", r->method, r->path,
		    r->res.status, r->res.len);
}

static void
http_check_done(void)
{
	struct http_req	*r;
	CURLMsg		*m;
	int		 left;

	while ((m = curl_multi_info_read(http_multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r);
		if (r == NULL)
			continue;
		http_finish(r, m->data.result);
		curl_multi_remove_handle(http_multi, r->easy);
		r->active = 0;
		TAILQ_REMOVE(&http_active, r, entry);
		http_nactive--;
		/* Freed at the next kick: done may still look at it. */
		TAILQ_INSERT_TAIL(&http_dead, r, entry);
		if (!r->cancelled && r->done != NULL)
			r->done(r, r->arg);
		r->cancelled = 1;
	}
	http_kick();
}

static int
http_sock_cb(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct http_sock	*s = sockp;
	short			 kind;

	(void)e;
	(void)arg;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
		}
		curl_multi_assign(http_multi, fd, NULL);
		return 0;
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			fatal("%s", __func__);
		s->fd = fd;
		curl_multi_assign(http_multi, fd, s);
	} else
		event_free(s->ev);
	if ((s->ev = event_new(http_base, fd, kind, http_event_cb, s)) ==
	    NULL || event_add(s->ev, NULL) == -1)
		fatalx("%s: event", __func__);
	return 0;
}

static void
http_event_cb(int fd, short ev, void *arg)
{
	int	 flags = 0, running;

	(void)arg;
	if (ev & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (ev & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(http_multi, fd, flags, &running);
	http_check_done();
}

static int
http_timer_cb(CURLM *m, long timeout_ms, void *arg)
{
	struct timeval	 tv;

	(void)m;
	(void)arg;
	if (timeout_ms < 0) {
		evtimer_del(http_timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(http_timer, &tv);
	return 0;
}

static void
http_timeout_cb(int fd, short ev, void *arg)
{
	int	 running;

	(void)fd;
	(void)ev;
	(void)arg;
	curl_multi_socket_action(http_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done();
}
