/*
 * riklet-control: serves rikletctl.  The parent binds the control socket
 * and passes the listening descriptor here (IMSG_CTL_LISTEN); this
 * process, unprivileged and chrooted like the agent, accepts clients,
 * reads one request line from each, asks the parent by imsg and writes
 * back one line of JSON.  Untrusted bytes from a client never reach a
 * process that runs as root.
 *
 * "logs" streams instead: a JSON line per piece of output as the parent
 * relays it from the runtime, then {"end":true} (or {"error":...}).  What
 * has been written out to the client is acknowledged to the parent, which
 * keeps the runtime from running more than LOGS_UNACKED_MAX ahead; a
 * client that closes its side is gone, and its request is cancelled.
 *
 * The Prometheus endpoint, when configured, is served here too
 * (control_prom.c), on its own listening socket.
 */
#include <sys/socket.h>
#include <sys/queue.h>

#include <errno.h>
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
#include "privsep.h"
#include "util.h"

#define TERMINATED(a)	strarray_terminated((a), sizeof(a))

enum conn_state {
	CONN_READING,	/* waiting for the request line */
	CONN_WAITING,	/* the parent is answering */
	CONN_WRITING	/* the answer is on its way out */
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	uint32_t		 id;
	struct bufferevent	*bev;
	struct event		*deadline;
	enum conn_state		 state;
	enum ctl_cmd		 cmd;
	json_t			*answer;	/* being assembled */
	json_t			*list;		/* where items are appended */
	size_t			 nitems;
	uid_t			 uid;
	int			 logs;		/* the parent has our request */
	size_t			 unacked;	/* output bytes not yet acked */
	char			 carry[2][4];	/* a character's first bytes */
	size_t			 ncarry[2];
};

__dead void	control_main(int, char **);
static void	control_imsg(struct imsg *);
static void	control_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	conn_read(struct bufferevent *, void *);
static void	conn_written(struct bufferevent *, void *);
static void	conn_event(struct bufferevent *, short, void *);
static void	conn_timeout(int, short, void *);
static void	conn_request(struct ctl_conn *, const char *, size_t);
static void	conn_answer(struct ctl_conn *, json_t *);
static void	conn_error(struct ctl_conn *, const char *);
static void	conn_close(struct ctl_conn *);
static struct ctl_conn *conn_find(uint32_t);
static void	conn_parent_msg(struct ctl_conn *, struct imsg *);
static int	conn_add_item(struct ctl_conn *, json_t *, json_t *);
static void	conn_logs_data(struct ctl_conn *, struct imsg *);
static void	conn_logs_end(struct ctl_conn *, struct imsg *);
static int	conn_logs_line(struct ctl_conn *, uint32_t, const char *,
		    size_t);

static struct riklet_conf	 conf;
static struct imsgev		 iev_parent;
static struct event_base	*base;
static struct ctl_listener	 listener;
static TAILQ_HEAD(, ctl_conn)	 conns = TAILQ_HEAD_INITIALIZER(conns);
static size_t			 nconns;
static uint32_t			 next_id = 1;

/* What each command asks the parent. */
static const uint32_t		 cmd_imsg[CTL_CMD_MAX] = {
	[CTL_SHOW_STATUS] = IMSG_CTL_SHOW_STATUS,
	[CTL_SHOW_PODS] = IMSG_CTL_SHOW_PODS,
	[CTL_SHOW_POD] = IMSG_CTL_SHOW_POD,
	[CTL_SHOW_METRICS] = IMSG_CTL_SHOW_METRICS,
	[CTL_LOG_VERBOSE] = IMSG_CTL_LOG_VERBOSE,
	[CTL_LOG_BRIEF] = IMSG_CTL_LOG_VERBOSE,
	[CTL_RELOAD] = IMSG_CTL_RELOAD,
	[CTL_LOGS] = IMSG_CTL_LOGS,
};

__dead void
control_main(int argc, char **argv)
{
	child_setup(PROC_CONTROL, argc, argv);
	child_read_conf(&conf);
	/* It needs no file: the socket comes as a descriptor. */
	priv_drop(&conf, PROC_CONTROL, conf.chroot, (gid_t)-1);
	sandbox_child(PROC_CONTROL);
	base = child_event_init(&iev_parent, control_imsg);
	prom_http_init(base, &iev_parent);
	event_base_dispatch(base);
	exit(0);
}

/* One message from the parent. */
static void
control_imsg(struct imsg *imsg)
{
	struct ctl_conn	*c;

	switch (imsg->hdr.type) {
	case IMSG_CONF:
		child_conf_imsg(imsg, &conf);
		break;
	case IMSG_VERBOSE:
		child_verbose_imsg(imsg);
		break;
	case IMSG_CTL_LISTEN:
		if (imsg->fd == -1 || imsg->datalen != 0)
			fatalx("%s: bad IMSG_CTL_LISTEN", __func__);
		ctl_listen(&listener, base, imsg->fd, control_accept,
		    "control socket");
		imsg->fd = -1;
		break;
	case IMSG_PROM_LISTEN:
		if (imsg->fd == -1 || imsg->datalen != 0)
			fatalx("%s: bad IMSG_PROM_LISTEN", __func__);
		prom_http_listen(imsg->fd);
		imsg->fd = -1;
		break;
	case IMSG_CTL_PROM:
	case IMSG_CTL_PROM_POD:
		prom_http_parent_msg(imsg);
		break;
	case IMSG_CTL_STATUS:
	case IMSG_CTL_CHILD:
	case IMSG_CTL_POD:
	case IMSG_CTL_CONTAINER:
	case IMSG_CTL_METRICS:
	case IMSG_CTL_ERROR:
	case IMSG_CTL_END:
	case IMSG_CTL_LOGS_DATA:
	case IMSG_CTL_LOGS_END:
		if (imsg->hdr.peerid & CTL_PEER_PROM) {
			prom_http_parent_msg(imsg);
			break;
		}
		/* The client may have gone meanwhile. */
		if ((c = conn_find(imsg->hdr.peerid)) != NULL &&
		    c->state == CONN_WAITING)
			conn_parent_msg(c, imsg);
		break;
	default:
		log_debug("%s: unexpected %s", __func__,
		    imsg_type_name(imsg->hdr.type));
		break;
	}
	if (imsg->fd != -1)
		close(imsg->fd);
}

static void
control_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	static const char	 busy[] = "{\"error\":\"too many clients\"}\n";
	struct ctl_conn		*c;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	struct timeval		 tv = { CTL_TIMEOUT_S, 0 };

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	memset(&cred, 0, sizeof(cred));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		cred.uid = (uid_t)-1;
	if (nconns >= CTL_CONNS_MAX) {
		log_warnx("refusing a client of uid %u: %d clients "
		    "already", (unsigned)cred.uid, CTL_CONNS_MAX);
		(void)send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT |
		    MSG_NOSIGNAL);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s", __func__);
		close(fd);
		return;
	}
	c->id = next_id++;
	/* Neither 0 nor a scrape's (CTL_PEER_PROM). */
	if (next_id & CTL_PEER_PROM)
		next_id = 1;
	c->uid = cred.uid;
	c->state = CONN_READING;
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(base, conn_timeout, c);
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
	bufferevent_setcb(c->bev, conn_read, conn_written, conn_event, c);
	/* Never buffer more of a request than a request may be. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_REQUEST_MAX + 2);
	bufferevent_enable(c->bev, EV_READ);
	evtimer_add(c->deadline, &tv);
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	log_debug("client %u (uid %u) connected", c->id,
	    (unsigned)c->uid);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;

	if (c->state != CONN_READING) {
		/* One request per connection: the rest is ignored. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) == NULL) {
		if (evbuffer_get_length(in) > CTL_REQUEST_MAX)
			conn_error(c, "request too long");
		return;
	}
	conn_request(c, line, len);
	free(line);
}

/* A NUL inside the line is caught by the parser as not printable. */
static void
conn_request(struct ctl_conn *c, const char *line, size_t len)
{
	struct ctl_request	 req;
	struct ctl_logs		 cl;
	const char		*errstr;
	const void		*data = NULL;
	size_t			 datalen = 0;
	int32_t			 v;
	int			 r;

	if (ctl_request_parse(line, len, &req, &errstr) == -1) {
		log_warnx("client %u (uid %u): bad request: %s",
		    c->id, (unsigned)c->uid, errstr);
		conn_error(c, errstr);
		return;
	}
	log_debug("client %u: command %d", c->id, req.cmd);
	c->cmd = req.cmd;
	/* The answer's frame, filled as the parent's messages come. */
	switch (req.cmd) {
	case CTL_SHOW_POD:
		data = req.instance;
		datalen = strlen(req.instance) + 1;
		break;
	case CTL_LOG_VERBOSE:
	case CTL_LOG_BRIEF:
		v = req.cmd == CTL_LOG_VERBOSE ? 1 : 0;
		data = &v;
		datalen = sizeof(v);
		c->answer = json_pack("{s:s, s:i}", "log",
		    v ? "verbose" : "brief", "verbose", (int)v);
		break;
	case CTL_SHOW_PODS:
	case CTL_SHOW_METRICS:
		c->answer = req.cmd == CTL_SHOW_PODS ? json_object() :
		    json_pack("{s:n}", "node");
		c->list = json_array();
		json_object_set_new(c->answer, "pods", c->list);
		break;
	case CTL_RELOAD:
		c->answer = json_pack("{s:s}", "reload", "requested");
		break;
	case CTL_LOGS:
		memset(&cl, 0, sizeof(cl));
		(void)strlcpy(cl.instance, req.instance, sizeof(cl.instance));
		(void)strlcpy(cl.container, req.container,
		    sizeof(cl.container));
		cl.tail = req.tail;
		cl.follow = req.follow;
		data = &cl;
		datalen = sizeof(cl);
		break;
	default:
		break;
	}
	r = imsgev_compose(&iev_parent, cmd_imsg[req.cmd], c->id, -1, data,
	    datalen);
	if (r == -1) {
		log_warn("client %u: to the parent", c->id);
		conn_error(c, "riklet is too busy to answer");
		return;
	}
	c->state = CONN_WAITING;
	if (req.cmd == CTL_LOGS) {
		c->logs = 1;
		/* Output may take its time, followed output forever. */
		evtimer_del(c->deadline);
	}
}

/* One message of the parent's answer to c's request. */
static void
conn_parent_msg(struct ctl_conn *c, struct imsg *imsg)
{
	struct ctl_status	 cs;
	struct ctl_child	 cc;
	struct ctl_pod		 cp;
	struct ctl_container	 ct;
	struct ctl_metrics	 cm;
	const char		*s;
	json_t			*o;

	switch (imsg->hdr.type) {
	case IMSG_CTL_STATUS:
		if (imsg->datalen != sizeof(cs))
			fatalx("%s: bad CTL_STATUS", __func__);
		memcpy(&cs, imsg->data, sizeof(cs));
		if (c->cmd != CTL_SHOW_STATUS || c->answer != NULL ||
		    !TERMINATED(cs.scheduler) || !TERMINATED(cs.hostname) ||
		    !TERMINATED(cs.agent_reason) ||
		    !TERMINATED(cs.engine_name) ||
		    !TERMINATED(cs.engine_version) ||
		    !TERMINATED(cs.engine_api_version) ||
		    !TERMINATED(cs.engine_message) ||
		    !TERMINATED(cs.gc_message) ||
		    (c->answer = ctl_json_status(&cs)) == NULL) {
			conn_error(c, "bad status from the parent");
			return;
		}
		c->list = json_object_get(c->answer, "children");
		break;
	case IMSG_CTL_CHILD:
		if (imsg->datalen != sizeof(cc))
			fatalx("%s: bad CTL_CHILD", __func__);
		memcpy(&cc, imsg->data, sizeof(cc));
		if (c->cmd != CTL_SHOW_STATUS || c->answer == NULL)
			conn_error(c, "unexpected process from the parent");
		else
			(void)conn_add_item(c, c->list, ctl_json_child(&cc));
		break;
	case IMSG_CTL_POD:
		if (imsg->datalen != sizeof(cp))
			fatalx("%s: bad CTL_POD", __func__);
		memcpy(&cp, imsg->data, sizeof(cp));
		if (!TERMINATED(cp.instance) || !TERMINATED(cp.name) ||
		    !TERMINATED(cp.reason) || !TERMINATED(cp.message) ||
		    !TERMINATED(cp.pull_image) ||
		    (c->cmd != CTL_SHOW_PODS && c->cmd != CTL_SHOW_POD) ||
		    (c->cmd == CTL_SHOW_POD && c->answer != NULL)) {
			conn_error(c, "unexpected pod from the parent");
			return;
		}
		o = ctl_json_pod(&cp);
		if (c->cmd == CTL_SHOW_PODS) {
			(void)conn_add_item(c, c->list, o);
			break;
		}
		if (o == NULL) {
			conn_error(c, "cannot encode the pod");
			return;
		}
		c->list = json_array();
		json_object_set_new(o, "containers", c->list);
		c->answer = json_pack("{s:o}", "pod", o);
		break;
	case IMSG_CTL_CONTAINER:
		if (imsg->datalen != sizeof(ct))
			fatalx("%s: bad CTL_CONTAINER", __func__);
		memcpy(&ct, imsg->data, sizeof(ct));
		if (!TERMINATED(ct.instance) || !TERMINATED(ct.name) ||
		    !TERMINATED(ct.id) || !TERMINATED(ct.image) ||
		    !TERMINATED(ct.probe_message) ||
		    ct.probe_role >= RT_PROBE_ROLES ||
		    c->cmd != CTL_SHOW_POD || c->answer == NULL)
			conn_error(c, "unexpected container from the parent");
		else
			(void)conn_add_item(c, c->list,
			    ctl_json_container(&ct));
		break;
	case IMSG_CTL_METRICS:
		if (imsg->datalen <= sizeof(cm))
			fatalx("%s: bad CTL_METRICS", __func__);
		memcpy(&cm, imsg->data, sizeof(cm));
		if (!TERMINATED(cm.instance) || c->cmd != CTL_SHOW_METRICS ||
		    (s = imsg_string(imsg, sizeof(cm))) == NULL) {
			conn_error(c, "unexpected metrics from the parent");
			return;
		}
		if (cm.instance[0] == '\0')
			json_object_set_new(c->answer, "node",
			    ctl_json_metrics(&cm, s));
		else
			(void)conn_add_item(c, c->list,
			    ctl_json_metrics(&cm, s));
		break;
	case IMSG_CTL_ERROR:
		if ((s = imsg_string(imsg, 0)) == NULL)
			fatalx("%s: bad CTL_ERROR", __func__);
		/* The parent made no request of it. */
		c->logs = 0;
		conn_error(c, s);
		break;
	case IMSG_CTL_LOGS_DATA:
		conn_logs_data(c, imsg);
		break;
	case IMSG_CTL_LOGS_END:
		conn_logs_end(c, imsg);
		break;
	case IMSG_CTL_END:
		if (c->answer == NULL) {
			conn_error(c, "incomplete answer from the parent");
			return;
		}
		o = c->answer;
		c->answer = NULL;
		conn_answer(c, o);
		break;
	}
}

/* Appends item (taking it) to list, within the bound of one answer. */
static int
conn_add_item(struct ctl_conn *c, json_t *list, json_t *item)
{
	if (item == NULL || list == NULL) {
		json_decref(item);
		conn_error(c, "cannot encode the answer");
		return -1;
	}
	if (++c->nitems > CTL_ITEMS_MAX) {
		json_decref(item);
		conn_error(c, "answer too large");
		return -1;
	}
	json_array_append_new(list, item);
	return 0;
}

/* Sends answer (and takes it), then closes once it is written. */
static void
conn_answer(struct ctl_conn *c, json_t *answer)
{
	char	*s;

	json_decref(c->answer);
	c->answer = NULL;
	c->list = NULL;
	c->state = CONN_WRITING;
	s = answer ? json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	json_decref(answer);
	if (s == NULL || evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "%s\n", s) == -1) {
		log_warnx("client %u: cannot write the answer",
		    c->id);
		free(s);
		conn_close(c);
		return;
	}
	free(s);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
conn_error(struct ctl_conn *c, const char *msg)
{
	conn_answer(c, ctl_json_error(msg));
}

/*
 * Writes a piece of output as a JSON line, keeping back the first bytes
 * of a character the next piece completes.  end: nothing is kept.
 */
static int
conn_logs_line(struct ctl_conn *c, uint32_t stream, const char *p,
    size_t len)
{
	size_t	 i = stream == LOGS_STDERR ? 1 : 0, n, cut;
	char	*buf, *line;
	json_t	*o;
	int	 r;

	n = c->ncarry[i] + len;
	if ((buf = malloc(n)) == NULL)
		return -1;
	memcpy(buf, c->carry[i], c->ncarry[i]);
	memcpy(buf + c->ncarry[i], p, len);
	cut = len > 0 ? ctl_utf8_cut(buf, n) : 0;
	memcpy(c->carry[i], buf + n - cut, cut);
	c->ncarry[i] = cut;
	if (n - cut == 0) {
		free(buf);
		return 0;
	}
	o = ctl_json_logs(stream, buf, n - cut);
	free(buf);
	line = o != NULL ? json_dumps(o, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (line == NULL)
		return -1;
	r = evbuffer_add_printf(bufferevent_get_output(c->bev), "%s\n", line);
	free(line);
	return r == -1 ? -1 : 0;
}

static void
conn_logs_data(struct ctl_conn *c, struct imsg *imsg)
{
	struct logs_data	 d;

	if (imsg->datalen <= sizeof(d) ||
	    imsg->datalen > sizeof(d) + LOGS_CHUNK_MAX)
		fatalx("%s: bad CTL_LOGS_DATA size", __func__);
	memcpy(&d, imsg->data, sizeof(d));
	if (d.stream != LOGS_STDOUT && d.stream != LOGS_STDERR)
		fatalx("%s: bad CTL_LOGS_DATA stream %u", __func__, d.stream);
	if (c->cmd != CTL_LOGS || !c->logs) {
		conn_error(c, "unexpected output from the parent");
		return;
	}
	if (conn_logs_line(c, d.stream, (const char *)imsg->data + sizeof(d),
	    imsg->datalen - sizeof(d)) == -1) {
		log_warnx("client %u: cannot encode the output", c->id);
		conn_error(c, "cannot encode the output");
		return;
	}
	c->unacked += imsg->datalen - sizeof(d);
}

static void
conn_logs_end(struct ctl_conn *c, struct imsg *imsg)
{
	struct logs_end	 e;

	if (imsg->datalen != sizeof(e))
		fatalx("%s: bad CTL_LOGS_END size", __func__);
	memcpy(&e, imsg->data, sizeof(e));
	if (!TERMINATED(e.message))
		fatalx("%s: bad CTL_LOGS_END message", __func__);
	if (c->cmd != CTL_LOGS || !c->logs) {
		conn_error(c, "unexpected end of output from the parent");
		return;
	}
	c->logs = 0;
	/* What is left of a cut character is not one: out it goes as '?'. */
	if ((c->ncarry[0] > 0 && conn_logs_line(c, LOGS_STDOUT, NULL, 0) ==
	    -1) || (c->ncarry[1] > 0 && conn_logs_line(c, LOGS_STDERR, NULL,
	    0) == -1)) {
		conn_error(c, "cannot encode the output");
		return;
	}
	log_debug("client %u: logs %s", c->id, e.ok ? "complete" :
	    e.message);
	if (e.ok)
		conn_answer(c, json_pack("{s:b}", "end", 1));
	else
		conn_error(c, e.message);
}

static void
conn_written(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct logs_ack	 a;

	/* The client has taken it all: the runtime may send more. */
	if (c->logs && c->unacked > 0) {
		a.reqid = c->id;
		a.bytes = (uint32_t)c->unacked;
		if (imsgev_compose(&iev_parent, IMSG_CTL_LOGS_ACK, c->id, -1,
		    &a, sizeof(a)) == -1)
			log_warn("client %u: ack to the parent", c->id);
		else
			c->unacked = 0;
	}
	if (c->state == CONN_WRITING &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_close(c);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn	*c = arg;

	/*
	 * A client that shut down its side after the request still reads,
	 * but logs may never end: there the client is gone.
	 */
	if ((what & BEV_EVENT_EOF) && c->state != CONN_READING &&
	    c->cmd != CTL_LOGS) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		log_debug("client %u: %s", c->id,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	conn_close(c);
}

static void
conn_timeout(int fd, short event, void *arg)
{
	struct ctl_conn	*c = arg;

	(void)fd;
	(void)event;
	log_warnx("client %u (uid %u) timed out", c->id,
	    (unsigned)c->uid);
	conn_close(c);
}

static struct ctl_conn *
conn_find(uint32_t id)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &conns, entry)
		if (c->id == id)
			return c;
	return NULL;
}

static void
conn_close(struct ctl_conn *c)
{
	log_debug("client %u gone", c->id);
	if (c->logs && imsgev_compose(&iev_parent, IMSG_CTL_LOGS_CANCEL,
	    c->id, -1, &c->id, sizeof(c->id)) == -1)
		log_warn("client %u: cancel to the parent", c->id);
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	bufferevent_free(c->bev);
	event_free(c->deadline);
	json_decref(c->answer);
	free(c);
}
