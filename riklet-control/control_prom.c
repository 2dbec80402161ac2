/*
 * The Prometheus endpoint: GET /metrics over plain HTTP/1.1 on the TCP
 * socket the parent bound ("metrics listen") and passed here
 * (IMSG_PROM_LISTEN).  Like rikletctl's clients, a scraper's bytes reach
 * no process but this unprivileged, chrooted one.
 *
 * One request per connection, answered with "Connection: close".  A
 * request whose headers do not end within PROM_REQUEST_MAX bytes, a
 * client that has not had its answer after PROM_TIMEOUT_S, and a
 * connection beyond PROM_CONNS_MAX are closed and logged at debug
 * level; anything but GET /metrics is a 404.
 *
 * The figures are the parent's: a scrape asks it once (IMSG_CTL_SHOW_PROM
 * with a peerid of CTL_PEER_PROM and a generation), and every client
 * that asks while that answer is on its way gets the same text, so a
 * crowd of scrapers costs the parent one answer.
 */
#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "control_proc.h"
#include "control_prom.h"
#include "imsgev.h"
#include "log.h"
#include "util.h"

#define TERMINATED(a)	strarray_terminated((a), sizeof(a))
#define GEN_MASK	(~CTL_PEER_PROM)

enum prom_state {
	PROM_READING,		/* the request is coming */
	PROM_WAITING,		/* for the parent's figures */
	PROM_WRITING		/* the answer is on its way out */
};

struct prom_conn {
	TAILQ_ENTRY(prom_conn)	 entry;
	struct bufferevent	*bev;
	struct event		*deadline;
	enum prom_state		 state;
	char			 addr[INET6_ADDRSTRLEN + 8];
};

static void	prom_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	prom_read(struct bufferevent *, void *);
static void	prom_written(struct bufferevent *, void *);
static void	prom_event(struct bufferevent *, short, void *);
static void	prom_timeout(int, short, void *);
static void	prom_close(struct prom_conn *, const char *);
static void	prom_respond(struct prom_conn *, const char *, const char *,
		    struct evbuffer *);
static void	scrape_start(void);
static void	scrape_done(struct evbuffer *, const char *);
static int	scrape_msg(struct imsg *);
static void	addr_name(const struct sockaddr *, int, char *, size_t);

static struct event_base	*base;
static struct imsgev		*iev_parent;
static struct ctl_listener	 listener;
static TAILQ_HEAD(, prom_conn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static size_t			 nconns;

/* The parent's answer being put together. */
static struct {
	struct prom_text	*text;		/* NULL: none asked */
	uint32_t		 gen;
	uint64_t		 asked_ms;
} scrape;

void
prom_http_init(struct event_base *b, struct imsgev *iev)
{
	base = b;
	iev_parent = iev;
}

void
prom_http_listen(int fd)
{
	ctl_listen(&listener, base, fd, prom_accept, "metrics socket");
}

static void
addr_name(const struct sockaddr *sa, int salen, char *buf, size_t size)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 =
					    (const struct sockaddr_in6 *)sa;
	char				 host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && salen >= (int)sizeof(*sin) &&
	    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)) != NULL)
		(void)snprintf(buf, size, "%s:%u", host,
		    ntohs(sin->sin_port));
	else if (sa->sa_family == AF_INET6 && salen >= (int)sizeof(*sin6) &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)) != NULL)
		(void)snprintf(buf, size, "[%s]:%u", host,
		    ntohs(sin6->sin6_port));
	else
		(void)strlcpy(buf, "?", size);
}

static void
prom_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct prom_conn	*c;
	struct timeval		 tv = { PROM_TIMEOUT_S, 0 };
	char			 addr[sizeof(c->addr)];

	(void)l;
	(void)arg;
	addr_name(sa, salen, addr, sizeof(addr));
	if (nconns >= PROM_CONNS_MAX) {
		log_debug("metrics client %s refused: %d connections already",
		    addr, PROM_CONNS_MAX);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return;
	}
	(void)strlcpy(c->addr, addr, sizeof(c->addr));
	c->state = PROM_READING;
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(base, prom_timeout, c);
	if (c->bev == NULL || c->deadline == NULL) {
		log_warnx("%s: out of memory", __func__);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->deadline != NULL)
			event_free(c->deadline);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, prom_read, prom_written, prom_event, c);
	/* One byte past the limit says the limit was passed. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, PROM_REQUEST_MAX + 1);
	bufferevent_enable(c->bev, EV_READ);
	evtimer_add(c->deadline, &tv);
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	log_debug("metrics client %s connected", c->addr);
}

/*
 * The request in buf, len bytes so far: its request line, then headers
 * that are not read, up to the empty line.  Only the request line's
 * form is checked: the rest asks nothing of us.
 */
enum prom_req
prom_http_request(const char *buf, size_t len)
{
	const char	*eol, *end, *sp1, *sp2, *q;
	size_t		 linelen, pathlen, i;

	if ((end = memmem(buf, len, "\r\n\r\n", 4)) != NULL)
		end += 4;
	else if ((end = memmem(buf, len, "\n\n", 2)) != NULL)
		end += 2;
	if (end == NULL || (size_t)(end - buf) > PROM_REQUEST_MAX)
		return len > PROM_REQUEST_MAX ? PROM_REQ_TOO_LARGE :
		    PROM_REQ_INCOMPLETE;
	eol = memchr(buf, '\n', len);
	linelen = (size_t)(eol - buf);
	if (linelen > 0 && buf[linelen - 1] == '\r')
		linelen--;
	for (i = 0; i < linelen; i++)
		if ((unsigned char)buf[i] < 0x20 ||
		    (unsigned char)buf[i] > 0x7e)
			return PROM_REQ_BAD;
	if ((sp1 = memchr(buf, ' ', linelen)) == NULL || sp1 == buf ||
	    (sp2 = memchr(sp1 + 1, ' ', linelen - (size_t)(sp1 + 1 - buf))) ==
	    NULL || sp2 == sp1 + 1 ||
	    memchr(sp2 + 1, ' ', linelen - (size_t)(sp2 + 1 - buf)) != NULL)
		return PROM_REQ_BAD;
	if ((size_t)(buf + linelen - (sp2 + 1)) != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 &&
	    memcmp(sp2 + 1, "HTTP/1.0", 8) != 0))
		return PROM_REQ_BAD;
	/* The query, if any, changes nothing. */
	pathlen = (size_t)(sp2 - (sp1 + 1));
	if ((q = memchr(sp1 + 1, '?', pathlen)) != NULL)
		pathlen = (size_t)(q - (sp1 + 1));
	if (sp1 - buf == 3 && memcmp(buf, "GET", 3) == 0 && pathlen == 8 &&
	    memcmp(sp1 + 1, "/metrics", 8) == 0)
		return PROM_REQ_METRICS;
	return PROM_REQ_NOT_FOUND;
}

static void
prom_read(struct bufferevent *bev, void *arg)
{
	struct prom_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 len = evbuffer_get_length(in);
	const char		*buf;
	enum prom_req		 r;

	if (c->state != PROM_READING) {
		/* One request per connection: the rest is ignored. */
		evbuffer_drain(in, len);
		return;
	}
	if ((buf = (const char *)evbuffer_pullup(in, -1)) == NULL)
		return;
	if ((r = prom_http_request(buf, len)) == PROM_REQ_INCOMPLETE)
		return;
	if (r == PROM_REQ_TOO_LARGE) {
		prom_close(c, "request larger than 8 KiB");
		return;
	}
	/* Before an answer that may end c. */
	evbuffer_drain(in, len);
	switch (r) {
	case PROM_REQ_INCOMPLETE:
	case PROM_REQ_TOO_LARGE:
		break;
	case PROM_REQ_BAD:
		log_debug("metrics client %s: bad request", c->addr);
		prom_respond(c, "400 Bad Request", "bad request\n", NULL);
		break;
	case PROM_REQ_NOT_FOUND:
		log_debug("metrics client %s: not /metrics", c->addr);
		prom_respond(c, "404 Not Found", "not found\n", NULL);
		break;
	case PROM_REQ_METRICS:
		c->state = PROM_WAITING;
		scrape_start();
		break;
	}
}

/*
 * The head and the body, then the connection closes once it is out: the
 * metrics (a reference to body, shared by the clients of one scrape), or
 * a line of text that says what went wrong.
 */
static void
prom_respond(struct prom_conn *c, const char *status, const char *text,
    struct evbuffer *body)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 len = body ? evbuffer_get_length(body) : strlen(text);

	c->state = PROM_WRITING;
	if (evbuffer_add_printf(out, "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status,
	    body ? "text/plain; version=0.0.4; charset=utf-8" :
	    "text/plain; charset=utf-8", len) == -1 ||
	    (body ? evbuffer_add_buffer_reference(out, body) :
	    evbuffer_add(out, text, len)) == -1) {
		log_warnx("metrics client %s: cannot write the answer",
		    c->addr);
		prom_close(c, NULL);
		return;
	}
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
prom_written(struct bufferevent *bev, void *arg)
{
	struct prom_conn	*c = arg;

	if (c->state == PROM_WRITING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		prom_close(c, NULL);
}

/* A client that shut down its side after the request still reads. */
static void
prom_event(struct bufferevent *bev, short what, void *arg)
{
	struct prom_conn	*c = arg;

	if ((what & BEV_EVENT_EOF) && c->state != PROM_READING) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	prom_close(c, (what & BEV_EVENT_ERROR) ?
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()) : NULL);
}

static void
prom_timeout(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	prom_close(arg, "no answer within 10 s: slow client");
}

/* why: logged at debug, for a client we end rather than one that left. */
static void
prom_close(struct prom_conn *c, const char *why)
{
	if (why != NULL)
		log_debug("metrics client %s closed: %s", c->addr, why);
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	bufferevent_free(c->bev);
	event_free(c->deadline);
	free(c);
}

/*
 * Asks the parent for the figures unless an answer is on its way; one
 * the parent never finished (it was too busy to send it whole) is given
 * up after PROM_TIMEOUT_S, and its late messages, of an old generation,
 * are dropped.
 */
static void
scrape_start(void)
{
	uint64_t	 now = monotime_ms();

	if (scrape.text != NULL) {
		if (now - scrape.asked_ms < PROM_TIMEOUT_S * 1000)
			return;
		log_warnx("metrics: the parent did not answer; asking again");
		prom_text_free(scrape.text);
		scrape.text = NULL;
	}
	if ((scrape.text = prom_text_new()) == NULL) {
		log_warnx("metrics: out of memory");
		scrape_done(NULL, "out of memory\n");
		return;
	}
	scrape.gen = (scrape.gen + 1) & GEN_MASK;
	scrape.asked_ms = now;
	if (imsgev_compose(iev_parent, IMSG_CTL_SHOW_PROM,
	    CTL_PEER_PROM | scrape.gen, -1, NULL, 0) == -1) {
		log_warn("metrics: to the parent");
		prom_text_free(scrape.text);
		scrape.text = NULL;
		scrape_done(NULL, "riklet is too busy to answer\n");
	}
}

/* Every client waiting gets body, or a 503 that says why not. */
static void
scrape_done(struct evbuffer *body, const char *error)
{
	struct prom_conn	*c, *tmp;

	TAILQ_FOREACH_SAFE(c, &conns, entry, tmp) {
		if (c->state != PROM_WAITING)
			continue;
		if (body != NULL)
			prom_respond(c, "200 OK", NULL, body);
		else {
			log_debug("metrics client %s: %s", c->addr, error);
			prom_respond(c, "503 Service Unavailable", error, NULL);
		}
	}
}

/*
 * A message of a scrape's answer: 1 while more are to come, 0 when the
 * answer is whole, -1 when it does not fit what was asked.  Sizes are
 * the parent's promise; a wrong one is fatal, as for rikletctl's.
 */
static int
scrape_msg(struct imsg *imsg)
{
	struct ctl_status	 cs;
	struct ctl_child	 cc;
	struct ctl_prom		 cp;
	struct ctl_prom_pod	 pp;
	struct ctl_metrics	 cm;
	const char		*s;

	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS:
		if (imsg->datalen != sizeof(cs))
			fatalx("%s: bad CTL_STATUS", __func__);
		memcpy(&cs, imsg->data, sizeof(cs));
		return prom_text_status(scrape.text, &cs) == -1 ? -1 : 1;
	case IMSG_CTL_CHILD:
		if (imsg->datalen != sizeof(cc))
			fatalx("%s: bad CTL_CHILD", __func__);
		memcpy(&cc, imsg->data, sizeof(cc));
		return prom_text_child(scrape.text, &cc) == -1 ? -1 : 1;
	case IMSG_CTL_PROM:
		if (imsg->datalen != sizeof(cp))
			fatalx("%s: bad CTL_PROM", __func__);
		memcpy(&cp, imsg->data, sizeof(cp));
		return prom_text_figures(scrape.text, &cp) == -1 ? -1 : 1;
	case IMSG_CTL_PROM_POD:
		if (imsg->datalen != sizeof(pp))
			fatalx("%s: bad CTL_PROM_POD", __func__);
		memcpy(&pp, imsg->data, sizeof(pp));
		return prom_text_pod(scrape.text, &pp) == -1 ? -1 : 1;
	case IMSG_CTL_METRICS:
		if (imsg->datalen <= sizeof(cm))
			fatalx("%s: bad CTL_METRICS", __func__);
		memcpy(&cm, imsg->data, sizeof(cm));
		if (!TERMINATED(cm.instance) ||
		    (s = imsg_string(imsg, sizeof(cm))) == NULL)
			return -1;
		return prom_text_metrics(scrape.text, &cm, s) == -1 ? -1 : 1;
	case IMSG_CTL_END:
		return 0;
	default:
		return -1;
	}
}

/* IMSG_CTL_* with CTL_PEER_PROM in its peerid. */
void
prom_http_parent_msg(struct imsg *imsg)
{
	struct evbuffer	*body;
	int		 r;

	if (scrape.text == NULL ||
	    (imsg->hdr.peerid & GEN_MASK) != scrape.gen)
		return;		/* given up on */
	if ((r = scrape_msg(imsg)) == 1)
		return;
	if (r == 0) {
		if ((body = evbuffer_new()) == NULL) {
			log_warnx("metrics: out of memory");
			scrape_done(NULL, "out of memory\n");
		} else if (prom_text_end(scrape.text, body) == -1) {
			log_warnx("metrics: incomplete answer from the parent");
			scrape_done(NULL, "incomplete answer from the parent\n");
		} else
			scrape_done(body, NULL);
		if (body != NULL)
			evbuffer_free(body);
	} else {
		log_warnx("metrics: the answer stops at %s from the parent: "
		    "out of order, malformed or too large",
		    imsg_type_name(imsg->hdr.type));
		scrape_done(NULL, "bad answer from the parent\n");
	}
	prom_text_free(scrape.text);
	scrape.text = NULL;
}
