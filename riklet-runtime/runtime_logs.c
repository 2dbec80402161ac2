/*
 * A container's output for rikletctl logs: GET /containers/{id}/logs as a
 * raw stream, demultiplexed here and sent to the parent in chunks of at
 * most LOGS_CHUNK_MAX bytes of one stream.  At most LOGS_UNACKED_MAX bytes
 * of a request are on their way at once: past that the transfer is paused
 * until the client's side acknowledges, so a slow or stopped client costs
 * the runtime a chunk and no more.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include "log.h"
#include "runtime.h"

#define LOGS_STREAM_SYSERR	3	/* the engine's own error, in-band */

struct logs_req {
	TAILQ_ENTRY(logs_req)	 entry;
	uint32_t		 reqid;
	char			 id[RIK_CONTAINER_ID_MAX];
	struct http_req		*req;
	struct logs_demux	 dm;
	size_t			 unacked;
	uint64_t		 total;
	uint32_t		 stream;	/* of the pending chunk */
	size_t			 len;
	/* a struct logs_data, then the pending chunk: sent as it is */
	unsigned char		 msg[sizeof(struct logs_data) +
				    LOGS_CHUNK_MAX];
};

static void	 demux_fail(struct logs_demux *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	 demux_header(struct logs_demux *, logs_out_cb, void *);
static struct logs_req *logs_find(uint32_t);
static void	 logs_end(uint32_t, int, const char *);
static void	 logs_free(struct logs_req *);
static void	 logs_out(uint32_t, const char *, size_t, void *);
static void	 logs_flush(struct logs_req *);
static void	 logs_open(struct http_req *, long, void *);
static void	 logs_data(struct http_req *, const char *, size_t, void *);
static void	 logs_done(struct http_req *, void *);

static TAILQ_HEAD(, logs_req)	 logs_reqs = TAILQ_HEAD_INITIALIZER(logs_reqs);
static size_t			 logs_nreqs;

void
logs_demux_init(struct logs_demux *d, enum logs_mode mode)
{
	memset(d, 0, sizeof(*d));
	d->mode = mode;
}

static void
demux_fail(struct logs_demux *d, const char *fmt, ...)
{
	va_list	 ap;

	if (d->error[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
}

/*
 * The header is whole, or (when detecting) its first four bytes are
 * there: a stream byte and three zero bytes is a frame, anything else
 * the raw output of a TTY.
 */
static int
demux_header(struct logs_demux *d, logs_out_cb out, void *arg)
{
	uint32_t	 len;

	if (d->mode == LOGS_MODE_DETECT) {
		if (d->hdr[0] <= LOGS_STREAM_SYSERR && d->hdr[1] == 0 &&
		    d->hdr[2] == 0 && d->hdr[3] == 0) {
			d->mode = LOGS_MODE_MUX;
			return 0;
		}
		d->mode = LOGS_MODE_RAW;
		out(LOGS_STDOUT, (const char *)d->hdr, d->hdrlen, arg);
		d->hdrlen = 0;
		return 0;
	}
	len = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
	    (uint32_t)d->hdr[6] << 8 | (uint32_t)d->hdr[7];
	d->hdrlen = 0;
	if (d->hdr[1] != 0 || d->hdr[2] != 0 || d->hdr[3] != 0 ||
	    (d->hdr[0] != LOGS_STDOUT && d->hdr[0] != LOGS_STDERR &&
	    d->hdr[0] != LOGS_STREAM_SYSERR)) {
		demux_fail(d, "unknown stream type %u in a frame header",
		    d->hdr[0]);
		return -1;
	}
	if (len > LOGS_FRAME_MAX) {
		demux_fail(d, "frame of %u bytes, more than %d", len,
		    LOGS_FRAME_MAX);
		return -1;
	}
	d->stream = d->hdr[0];
	d->left = len;
	d->syslen = 0;
	return 0;
}

/*
 * Hands out the output in p (n bytes, cut anywhere) as (stream, bytes)
 * pieces.  -1 once the stream is malformed, with d->error saying why.
 */
int
logs_demux_feed(struct logs_demux *d, const char *p, size_t n,
    logs_out_cb out, void *arg)
{
	size_t	 take, want;

	if (d->error[0] != '\0')
		return -1;
	while (n > 0) {
		if (d->mode == LOGS_MODE_RAW) {
			out(LOGS_STDOUT, p, n, arg);
			return 0;
		}
		if (d->left > 0) {
			take = n < d->left ? n : d->left;
			if (d->stream != LOGS_STREAM_SYSERR)
				out(d->stream, p, take, arg);
			else if (d->syslen < sizeof(d->sys) - 1) {
				want = sizeof(d->sys) - 1 - d->syslen;
				want = take < want ? take : want;
				memcpy(d->sys + d->syslen, p, want);
				d->syslen += want;
			}
			d->left -= (uint32_t)take;
			p += take;
			n -= take;
			if (d->left == 0 && d->stream == LOGS_STREAM_SYSERR) {
				d->sys[d->syslen] = '\0';
				demux_fail(d, "engine: %s", d->sys);
				return -1;
			}
			continue;
		}
		want = d->mode == LOGS_MODE_DETECT ? 4 : sizeof(d->hdr);
		take = want - d->hdrlen < n ? want - d->hdrlen : n;
		memcpy(d->hdr + d->hdrlen, p, take);
		d->hdrlen += take;
		p += take;
		n -= take;
		if (d->hdrlen == want && demux_header(d, out, arg) == -1)
			return -1;
	}
	return 0;
}

/* The body is over: a frame cut short is an error, a short TTY output not. */
int
logs_demux_end(struct logs_demux *d, logs_out_cb out, void *arg)
{
	if (d->error[0] != '\0')
		return -1;
	if (d->mode == LOGS_MODE_DETECT && d->hdrlen > 0) {
		out(LOGS_STDOUT, (const char *)d->hdr, d->hdrlen, arg);
		d->hdrlen = 0;
	}
	if (d->mode == LOGS_MODE_MUX && (d->hdrlen > 0 || d->left > 0)) {
		demux_fail(d, "the output ends inside a frame");
		return -1;
	}
	return 0;
}

static struct logs_req *
logs_find(uint32_t reqid)
{
	struct logs_req	*lr;

	TAILQ_FOREACH(lr, &logs_reqs, entry)
		if (lr->reqid == reqid)
			return lr;
	return NULL;
}

static void
logs_end(uint32_t reqid, int ok, const char *msg)
{
	struct logs_end	 e;

	memset(&e, 0, sizeof(e));
	e.reqid = reqid;
	e.ok = ok;
	(void)strlcpy(e.message, msg, sizeof(e.message));
	runtime_send(IMSG_RT_LOGS_END, &e, sizeof(e));
}

static void
logs_free(struct logs_req *lr)
{
	TAILQ_REMOVE(&logs_reqs, lr, entry);
	logs_nreqs--;
	free(lr);
}

void
logs_start(const struct rt_logs *rl)
{
	struct logs_req	*lr;
	char		 path[256], tail[16];

	if (logs_find(rl->reqid) != NULL) {
		log_warnx("logs %u: a request with that number is open",
		    rl->reqid);
		logs_end(rl->reqid, 0, "duplicate log request");
		return;
	}
	if (logs_nreqs >= LOGS_REQUESTS_MAX) {
		log_warnx("logs %u: container %.12s: %d requests already",
		    rl->reqid, rl->id, LOGS_REQUESTS_MAX);
		logs_end(rl->reqid, 0, "too many log requests at once");
		return;
	}
	if (!runtime_engine_up()) {
		log_warnx("logs %u: container %.12s: engine down", rl->reqid,
		    rl->id);
		logs_end(rl->reqid, 0, "the engine is down");
		return;
	}
	if (rl->tail == LOGS_TAIL_ALL)
		(void)strlcpy(tail, "all", sizeof(tail));
	else
		(void)snprintf(tail, sizeof(tail), "%d", (int)rl->tail);
	(void)snprintf(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/%s/logs?stdout=1&stderr=1&follow=%d&tail=%s", rl->id,
	    rl->follow ? 1 : 0, tail);
	if ((lr = calloc(1, sizeof(*lr))) == NULL) {
		log_warn("logs %u", rl->reqid);
		logs_end(rl->reqid, 0, "out of memory");
		return;
	}
	lr->reqid = rl->reqid;
	(void)strlcpy(lr->id, rl->id, sizeof(lr->id));
	logs_demux_init(&lr->dm, LOGS_MODE_DETECT);
	/* No timeout: a followed container may be quiet for days. */
	if ((lr->req = http_raw(path, 0L, logs_open, logs_data, logs_done,
	    lr)) == NULL) {
		free(lr);
		logs_end(rl->reqid, 0, "engine request queue full");
		return;
	}
	TAILQ_INSERT_TAIL(&logs_reqs, lr, entry);
	logs_nreqs++;
	log_debug("logs %u: container %.12s, tail %s%s", lr->reqid, lr->id,
	    tail, rl->follow ? ", following" : "");
}

void
logs_ack(const struct logs_ack *a)
{
	struct logs_req	*lr;

	if ((lr = logs_find(a->reqid)) == NULL)
		return;
	if (a->bytes > lr->unacked) {
		log_warnx("logs %u: %u bytes acknowledged, %zu sent",
		    lr->reqid, a->bytes, lr->unacked);
		lr->unacked = 0;
	} else
		lr->unacked -= a->bytes;
	/* May hand over the chunk curl kept, and so free lr: the last use. */
	if (lr->unacked < LOGS_UNACKED_MAX)
		http_pause(lr->req, 0);
}

/* The client went away: no end is sent, nobody waits for it. */
void
logs_cancel(uint32_t reqid)
{
	struct logs_req	*lr;

	if ((lr = logs_find(reqid)) == NULL)
		return;
	log_debug("logs %u: cancelled after %llu bytes", reqid,
	    (unsigned long long)lr->total);
	http_cancel(lr->req);
	logs_free(lr);
}

static void
logs_flush(struct logs_req *lr)
{
	struct logs_data	 h;

	if (lr->len == 0)
		return;
	h.reqid = lr->reqid;
	h.stream = lr->stream;
	memcpy(lr->msg, &h, sizeof(h));
	runtime_send(IMSG_RT_LOGS_DATA, lr->msg, sizeof(h) + lr->len);
	lr->unacked += lr->len;
	lr->total += lr->len;
	lr->len = 0;
}

/* Gathers one stream's pieces into chunks as large as a message allows. */
static void
logs_out(uint32_t stream, const char *p, size_t n, void *arg)
{
	struct logs_req	*lr = arg;
	unsigned char	*chunk = lr->msg + sizeof(struct logs_data);
	size_t		 take;

	while (n > 0) {
		if (lr->len > 0 && lr->stream != stream)
			logs_flush(lr);
		lr->stream = stream;
		take = LOGS_CHUNK_MAX - lr->len;
		if (take > n)
			take = n;
		memcpy(chunk + lr->len, p, take);
		lr->len += take;
		p += take;
		n -= take;
		if (lr->len == LOGS_CHUNK_MAX)
			logs_flush(lr);
	}
}

/*
 * From API 1.42 the engine names a multiplexed body; older ones say
 * "raw-stream" either way, so then the first bytes decide.
 */
static void
logs_open(struct http_req *r, long status, void *arg)
{
	struct logs_req	*lr = arg;
	const char	*ct;

	if (status < 300 && (ct = http_content_type(r)) != NULL &&
	    strstr(ct, "multiplexed-stream") != NULL)
		lr->dm.mode = LOGS_MODE_MUX;
}

static void
logs_data(struct http_req *r, const char *p, size_t n, void *arg)
{
	struct logs_req	*lr = arg;

	if (logs_demux_feed(&lr->dm, p, n, logs_out, lr) == -1) {
		log_warnx("logs %u: container %.12s: %s", lr->reqid, lr->id,
		    lr->dm.error);
		logs_flush(lr);
		logs_end(lr->reqid, 0, lr->dm.error);
		http_cancel(r);
		logs_free(lr);
		return;
	}
	logs_flush(lr);
	if (lr->unacked >= LOGS_UNACKED_MAX)
		http_pause(r, 1);
}

static void
logs_done(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	struct logs_req			*lr = arg;
	char				 msg[RIK_MESSAGE_MAX];
	int				 ok;

	ok = res->error == NULL && res->status == 200 &&
	    logs_demux_end(&lr->dm, logs_out, lr) == 0;
	logs_flush(lr);
	if (ok)
		msg[0] = '\0';
	else if (res->error == NULL && res->status == 200)
		(void)strlcpy(msg, lr->dm.error, sizeof(msg));
	else if (res->status == 404)
		(void)snprintf(msg, sizeof(msg), "no container %.12s in the "
		    "engine", lr->id);
	else
		docker_error(res, msg, sizeof(msg));
	if (ok)
		log_debug("logs %u: container %.12s: %llu bytes", lr->reqid,
		    lr->id, (unsigned long long)lr->total);
	else
		log_warnx("logs %u: container %.12s: %s", lr->reqid, lr->id,
		    msg);
	logs_end(lr->reqid, ok, msg);
	logs_free(lr);
}
