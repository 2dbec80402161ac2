/*
 * The Prometheus endpoint: "metrics listen" addresses; the HTTP request
 * reader and the text exposition the control process makes; the
 * parent's figures (agents' counters added up, restarts, pulls, /proc)
 * driven through msg_dispatch() as the children would send them; and
 * the control process itself, the harness playing the parent and TCP
 * sockets playing scrapers.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "control_prom.h"
#include "harness.h"
#include "pods.h"
#include "prom.h"
#include "report.h"
#include "msgtable.h"
#include "riklet.h"
#include "util.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct parent		*parent;

static Suite	*prom_suite(void);
static char	*text_of(struct prom_text *);
static void	 has_line(const char *, const char *);
static void	 answer_parts(struct ctl_status *, struct ctl_child *,
		    struct ctl_prom *, struct ctl_prom_pod *);
static struct prom_text *full_text(void);

/* --- "metrics listen" ------------------------------------------------ */

static const struct {
	const char	*addr;
	const char	*errstr;	/* NULL: good */
	int		 family;
} addrs[] = {
	{ "127.0.0.1:9464",	NULL,	AF_INET },
	{ "0.0.0.0:1",		NULL,	AF_INET },
	{ "[::1]:9464",		NULL,	AF_INET6 },
	{ "[::]:65535",		NULL,	AF_INET6 },
	{ "127.0.0.1",		"\"address:port\" expected", 0 },
	{ "127.0.0.1:",		"\"address:port\" expected", 0 },
	{ ":9464",		"\"address:port\" expected", 0 },
	{ "[]:9464",		"\"address:port\" expected", 0 },
	{ "127.0.0.1:http",	"\"address:port\" expected", 0 },
	{ "127.0.0.1:-1",	"\"address:port\" expected", 0 },
	{ "127.0.0.1:0",	"port must be between 1 and 65535", 0 },
	{ "127.0.0.1:65536",	"port must be between 1 and 65535", 0 },
	{ "localhost:9464",
	    "the address must be a numeric IPv4 or [IPv6] address", 0 },
	{ "::1:9464",
	    "the address must be a numeric IPv4 or [IPv6] address", 0 },
	{ "[127.0.0.1]:9464",
	    "the address must be a numeric IPv4 or [IPv6] address", 0 },
	{ "1.2.3.4.5:9464",
	    "the address must be a numeric IPv4 or [IPv6] address", 0 },
};

START_TEST(test_addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;
	int			 r;

	r = prom_addr_parse(addrs[_i].addr, &ss, &len, &errstr);
	if (addrs[_i].errstr == NULL) {
		ck_assert_msg(r == 0, "%s: %s", addrs[_i].addr, errstr);
		ck_assert_int_eq(ss.ss_family, addrs[_i].family);
		ck_assert_int_eq(len, addrs[_i].family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	} else {
		ck_assert_msg(r == -1, "%s accepted", addrs[_i].addr);
		ck_assert_str_eq(errstr, addrs[_i].errstr);
	}
}
END_TEST

/* --- the HTTP request ------------------------------------------------ */

static const struct {
	const char	*req;
	enum prom_req	 want;
} reqs[] = {
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",	PROM_REQ_METRICS },
	{ "GET /metrics HTTP/1.0\r\n\r\n",		PROM_REQ_METRICS },
	{ "GET /metrics?x=1 HTTP/1.1\r\n\r\n",		PROM_REQ_METRICS },
	{ "GET /metrics HTTP/1.1\n\n",			PROM_REQ_METRICS },
	{ "GET /metrics HTTP/1.1\r\nAccept: text/plain;version=0.0.4\r\n"
	    "User-Agent: Prometheus/2.42\r\n\r\n",	PROM_REQ_METRICS },
	{ "GET / HTTP/1.1\r\n\r\n",			PROM_REQ_NOT_FOUND },
	{ "GET /metrics/ HTTP/1.1\r\n\r\n",		PROM_REQ_NOT_FOUND },
	{ "GET /metricsx HTTP/1.1\r\n\r\n",		PROM_REQ_NOT_FOUND },
	{ "HEAD /metrics HTTP/1.1\r\n\r\n",		PROM_REQ_NOT_FOUND },
	{ "POST /metrics HTTP/1.1\r\n\r\n",		PROM_REQ_NOT_FOUND },
	{ "get /metrics HTTP/1.1\r\n\r\n",		PROM_REQ_NOT_FOUND },
	{ "GET /metrics HTTP/2.0\r\n\r\n",		PROM_REQ_BAD },
	{ "GET /metrics\r\n\r\n",			PROM_REQ_BAD },
	{ "GET  /metrics HTTP/1.1\r\n\r\n",		PROM_REQ_BAD },
	{ "GET /metrics HTTP/1.1 x\r\n\r\n",		PROM_REQ_BAD },
	{ "GET /met\trics HTTP/1.1\r\n\r\n",		PROM_REQ_BAD },
	{ "GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n",	PROM_REQ_BAD },
	{ "\r\n\r\n",					PROM_REQ_BAD },
	{ "garbage\r\n\r\n",				PROM_REQ_BAD },
	{ "",						PROM_REQ_INCOMPLETE },
	{ "GET /metrics HTTP/1.1\r\n",			PROM_REQ_INCOMPLETE },
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r",	PROM_REQ_INCOMPLETE },
};

START_TEST(test_request)
{
	ck_assert_msg(prom_http_request(reqs[_i].req, strlen(reqs[_i].req)) ==
	    reqs[_i].want, "request %d", _i);
}
END_TEST

/* The end of the headers within 8 KiB, and one byte past it. */
START_TEST(test_request_size)
{
	static const char	 line[] = "GET /metrics HTTP/1.1\r\nX: ";
	char			*buf;
	size_t			 n;

	buf = malloc(PROM_REQUEST_MAX + 64);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, line, sizeof(line) - 1);
	n = PROM_REQUEST_MAX - 4;
	memset(buf + sizeof(line) - 1, 'a', n - (sizeof(line) - 1));
	memcpy(buf + n, "\r\n\r\n", 4);
	ck_assert_int_eq(prom_http_request(buf, PROM_REQUEST_MAX),
	    PROM_REQ_METRICS);
	buf[n] = 'a';
	ck_assert_int_eq(prom_http_request(buf, PROM_REQUEST_MAX),
	    PROM_REQ_INCOMPLETE);
	ck_assert_int_eq(prom_http_request(buf, PROM_REQUEST_MAX + 1),
	    PROM_REQ_TOO_LARGE);
	/* The end comes, but after the limit. */
	memset(buf + n, 'a', 8);
	memcpy(buf + PROM_REQUEST_MAX - 2, "\r\n\r\n", 4);
	ck_assert_int_eq(prom_http_request(buf, PROM_REQUEST_MAX + 2),
	    PROM_REQ_TOO_LARGE);
	free(buf);
}
END_TEST

/* --- the text --------------------------------------------------------- */

static char *
text_of(struct prom_text *t)
{
	struct evbuffer	*out;
	size_t		 len;
	char		*s;

	out = evbuffer_new();
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(prom_text_end(t, out), 0);
	len = evbuffer_get_length(out);
	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(evbuffer_remove(out, s, len), (int)len);
	s[len] = '\0';
	evbuffer_free(out);
	return s;
}

/* line is in text, whole. */
static void
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p += n;
	}
	ck_abort_msg("no line \"%s\" in:\n%s", line, text);
}

static void
answer_parts(struct ctl_status *cs, struct ctl_child *cc,
    struct ctl_prom *cp, struct ctl_prom_pod *pp)
{
	enum riklet_proc	 p;

	memset(cs, 0, sizeof(*cs));
	cs->agent_state = AGENT_REGISTERED;
	cs->nchildren = PROC_MAX - PROC_AGENT;
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		memset(&cc[p], 0, sizeof(cc[p]));
		cc[p].proc = p;
		cc[p].pid = 100 + (int)p;
		cc[p].restarts = p == PROC_RUNTIME ? 2 : 0;
	}
	memset(cp, 0, sizeof(*cp));
	cp->registrations = 3;
	cp->reconnects = 7;
	cp->statuses_sent = 1234;
	cp->queued_agent = 5;
	cp->queued_parent = 1;
	cp->pulls = 2;
	cp->pull_bytes = 4096;
	cp->pull_ms = 1500;
	for (p = PROC_PARENT; p < PROC_MAX; p++) {
		cp->pid[p] = p == PROC_METRICS ? 0 : 100 + (int)p;
		cp->rss_bytes[p] = 1048576 * (1 + (uint64_t)p);
		cp->cpu_ms[p] = 2005;
	}
	cp->violations[PROC_CONTROL] = 1;
	memset(pp, 0, sizeof(*pp));
	(void)strlcpy(pp->instance, "web-1", sizeof(pp->instance));
	pp->status = RIK_RUNNING;
	pp->ncontainers = 2;
	(void)strlcpy(pp->containers[0].name, "web",
	    sizeof(pp->containers[0].name));
	pp->containers[0].restarts = 4;
	(void)strlcpy(pp->containers[1].name, "side",
	    sizeof(pp->containers[1].name));
}

static const char node_json[] = "{\"cpu\":{\"totalCpu\":4,"
    "\"currentUsage\":12.5},\"memory\":{\"totalMemory\":8000,"
    "\"freeMemory\":3000,\"freeMemoryAmount\":37.5},\"disks\":["
    "{\"diskName\":\"/dev/sda1\",\"total\":100,\"used\":40,"
    "\"available\":50},"
    "{\"diskName\":\"a\\\"b\\\\c\\nd\",\"total\":1,\"used\":0,"
    "\"available\":1},"
    "{\"diskName\":\"/dev/sda1\",\"total\":9,\"used\":9,\"available\":9}]}";
static const char pod_json[] = "{\"cpu\":{\"totalCpu\":0.5,"
    "\"currentUsage\":40},\"memory\":{\"totalMemory\":1000,"
    "\"freeMemory\":250,\"freeMemoryAmount\":25}}";

/* The text of answer_parts() and the two documents above. */
static struct prom_text *
full_text(void)
{
	struct ctl_status	 cs;
	struct ctl_child	 cc[PROC_MAX];
	struct ctl_prom		 cp;
	struct ctl_prom_pod	 pp;
	struct ctl_metrics	 cm;
	struct prom_text	*t;
	enum riklet_proc	 p;

	answer_parts(&cs, cc, &cp, &pp);
	ck_assert_ptr_nonnull(t = prom_text_new());
	ck_assert_int_eq(prom_text_status(t, &cs), 0);
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		ck_assert_int_eq(prom_text_child(t, &cc[p]), 0);
	ck_assert_int_eq(prom_text_figures(t, &cp), 0);
	ck_assert_int_eq(prom_text_pod(t, &pp), 0);
	memset(&cm, 0, sizeof(cm));
	ck_assert_int_eq(prom_text_metrics(t, &cm, node_json), 0);
	(void)strlcpy(cm.instance, "web-1", sizeof(cm.instance));
	ck_assert_int_eq(prom_text_metrics(t, &cm, pod_json), 0);
	/* A document that is not JSON is left out, not an error. */
	(void)strlcpy(cm.instance, "other", sizeof(cm.instance));
	ck_assert_int_eq(prom_text_metrics(t, &cm, "{not json"), 0);
	return t;
}

START_TEST(test_text)
{
	static const char *const lines[] = {
		"# TYPE riklet_build_info gauge",
		"riklet_scheduler_connected 1",
		"# TYPE riklet_scheduler_registrations_total counter",
		"riklet_scheduler_registrations_total 3",
		"riklet_scheduler_reconnects_total 7",
		"riklet_statuses_sent_total 1234",
		"riklet_statuses_queued{queue=\"agent\"} 5",
		"riklet_statuses_queued{queue=\"parent\"} 1",
		"riklet_imsg_violations_total{process=\"control\"} 1",
		"riklet_imsg_violations_total{process=\"agent\"} 0",
		"riklet_child_restarts_total{process=\"runtime\"} 2",
		"riklet_process_resident_memory_bytes{process=\"parent\"} "
		    "1048576",
		"riklet_process_resident_memory_bytes{process=\"control\"} "
		    "5242880",
		"riklet_process_cpu_seconds_total{process=\"agent\"} 2.005",
		"riklet_node_cpus 4",
		"riklet_node_cpu_usage_ratio 0.125",
		"riklet_node_memory_total_bytes 8000",
		"riklet_node_memory_free_bytes 3000",
		"riklet_node_disk_total_bytes{disk=\"/dev/sda1\"} 100",
		"riklet_node_disk_used_bytes{disk=\"/dev/sda1\"} 40",
		"riklet_node_disk_available_bytes{disk=\"/dev/sda1\"} 50",
		"riklet_node_disk_total_bytes{disk=\"a\\\"b\\\\c\\nd\"} 1",
		"riklet_pod_state{instance=\"web-1\",state=\"running\"} 1",
		"riklet_pod_state{instance=\"web-1\",state=\"failed\"} 0",
		"riklet_pod_state{instance=\"web-1\",state=\"unknown\"} 0",
		"riklet_container_restarts_total{instance=\"web-1\","
		    "container=\"web\"} 4",
		"riklet_container_restarts_total{instance=\"web-1\","
		    "container=\"side\"} 0",
		"riklet_pod_cpus{instance=\"web-1\"} 0.5",
		"riklet_pod_cpu_usage_ratio{instance=\"web-1\"} 0.4",
		"riklet_pod_memory_usage_bytes{instance=\"web-1\"} 750",
		"riklet_pod_memory_limit_bytes{instance=\"web-1\"} 1000",
		"riklet_image_pulls_total 2",
		"riklet_image_pull_bytes_total 4096",
		"riklet_image_pull_seconds_total 1.500",
	};
	struct prom_text	*t;
	char			*s;
	size_t			 i;

	t = full_text();
	s = text_of(t);
	for (i = 0; i < NELEM(lines); i++)
		has_line(s, lines[i]);
	/* Families stand together, each under one HELP and one TYPE. */
	ck_assert_ptr_eq(strstr(s, "# HELP riklet_build_info "), s);
	ck_assert_ptr_null(strstr(strstr(s, "# TYPE riklet_pod_state") + 1,
	    "# TYPE riklet_pod_state"));
	ck_assert_ptr_null(strstr(s, "riklet_node_disk_total_bytes{disk="
	    "\"/dev/sda1\"} 9"));
	/* A process between two lives has no figures. */
	ck_assert_ptr_null(strstr(s, "{process=\"metrics\"} 4194304"));
	ck_assert_ptr_null(strstr(s, "instance=\"other\""));
	ck_assert_int_eq(s[strlen(s) - 1], '\n');
	free(s);
	prom_text_free(t);
}
END_TEST

/* Pieces that do not fit what was asked are refused. */
START_TEST(test_text_order)
{
	struct ctl_status	 cs;
	struct ctl_child	 cc[PROC_MAX];
	struct ctl_prom		 cp;
	struct ctl_prom_pod	 pp;
	struct ctl_metrics	 cm;
	struct prom_text	*t;
	struct evbuffer		*out;

	answer_parts(&cs, cc, &cp, &pp);
	memset(&cm, 0, sizeof(cm));
	ck_assert_ptr_nonnull(t = prom_text_new());
	ck_assert_ptr_nonnull(out = evbuffer_new());
	ck_assert_int_eq(prom_text_figures(t, &cp), -1);
	ck_assert_int_eq(prom_text_pod(t, &pp), -1);
	ck_assert_int_eq(prom_text_metrics(t, &cm, node_json), -1);
	ck_assert_int_eq(prom_text_end(t, out), -1);
	ck_assert_int_eq(prom_text_status(t, &cs), 0);
	ck_assert_int_eq(prom_text_status(t, &cs), -1);
	/* The children it announced, and no more. */
	ck_assert_int_eq(prom_text_figures(t, &cp), -1);
	ck_assert_int_eq(prom_text_child(t, &cc[PROC_AGENT]), 0);
	ck_assert_int_eq(prom_text_child(t, &cc[PROC_METRICS]), 0);
	ck_assert_int_eq(prom_text_child(t, &cc[PROC_RUNTIME]), 0);
	cc[PROC_CONTROL].proc = PROC_MAX;
	ck_assert_int_eq(prom_text_child(t, &cc[PROC_CONTROL]), -1);
	cc[PROC_CONTROL].proc = PROC_CONTROL;
	ck_assert_int_eq(prom_text_child(t, &cc[PROC_CONTROL]), 0);
	ck_assert_int_eq(prom_text_child(t, &cc[PROC_CONTROL]), -1);
	ck_assert_int_eq(prom_text_figures(t, &cp), 0);
	pp.status = RIK_STATUS_MAX;
	ck_assert_int_eq(prom_text_pod(t, &pp), -1);
	pp.status = RIK_RUNNING;
	pp.ncontainers = RIK_CONTAINERS_MAX + 1;
	ck_assert_int_eq(prom_text_pod(t, &pp), -1);
	pp.ncontainers = 1;
	memset(pp.instance, 'x', sizeof(pp.instance));
	ck_assert_int_eq(prom_text_pod(t, &pp), -1);
	ck_assert_int_eq(prom_text_metrics(t, &cm, node_json), 0);
	ck_assert_int_eq(prom_text_metrics(t, &cm, node_json), -1);
	ck_assert_int_eq(prom_text_end(t, out), 0);
	evbuffer_free(out);
	prom_text_free(t);
}
END_TEST

/* --- the parent's figures -------------------------------------------- */

static struct parent	 test_parent;
static int		 ctl_sp[2] = { -1, -1 };
static struct imsgbuf	 ctl_rd;

static void
ignore(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
}

static void
parent_up(void)
{
	enum riklet_proc	 p;
	struct child		*c;

	memset(&test_parent, 0, sizeof(test_parent));
	parent = &test_parent;
	conf_defaults(&parent->conf);
	ck_assert_ptr_nonnull(parent->base = event_base_new());
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		parent->children[p].proc = p;
		/* Never a real pid: child_violation() must not kill(0). */
		parent->children[p].pid = 0;
	}
	pods_init();
	/* The control child, as a socket the test reads. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, ctl_sp), 0);
	c = &parent->children[PROC_CONTROL];
	imsgev_init(&c->iev, parent->base, ctl_sp[0], ignore, c);
	c->connected = c->ready = 1;
	imsgbuf_init(&ctl_rd, ctl_sp[1]);
}

static void
parent_down(void)
{
	struct child	*c = &parent->children[PROC_CONTROL];

	imsgev_clear(&c->iev);
	imsgbuf_clear(&ctl_rd);
	close(ctl_sp[1]);
	prom_clear();
	pods_clear();
	report_clear();
	event_base_free(parent->base);
}

/* One message from child proc, as supervise.c passes it on. */
static void
deliver(enum riklet_proc proc, uint32_t type, uint32_t peer,
    const void *data, size_t len)
{
	struct child	*c = &parent->children[proc];
	struct imsg	 imsg;

	ck_assert_ptr_nonnull(msg_rule(proc, type));
	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.type = type;
	imsg.hdr.peerid = peer;
	imsg.hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
	imsg.fd = -1;
	imsg.datalen = len;
	ck_assert_ptr_nonnull(imsg.data = calloc(1, len + 1));
	if (len > 0)
		memcpy(imsg.data, data, len);
	(void)msg_dispatch(c, &imsg);
	imsg_free(&imsg);
}

static void
container(const char *instance, const char *name, uint32_t state,
    uint32_t index, uint32_t n)
{
	struct rt_container	 rc;

	memset(&rc, 0, sizeof(rc));
	(void)strlcpy(rc.instance, instance, sizeof(rc.instance));
	(void)strlcpy(rc.pod_name, "web", sizeof(rc.pod_name));
	(void)strlcpy(rc.name, name, sizeof(rc.name));
	(void)snprintf(rc.id, sizeof(rc.id), "%064x", index + 1);
	(void)strlcpy(rc.image, "busybox", sizeof(rc.image));
	rc.state = state;
	rc.exit_code = state == CONTAINER_EXITED ? 1 : 0;
	rc.pid = state == CONTAINER_RUNNING ? 4242 : 0;
	rc.index = index;
	rc.ncontainers = n;
	deliver(PROC_RUNTIME, IMSG_RT_CONTAINER, 0, &rc, sizeof(rc));
}

static void
counters(uint64_t reg, uint64_t rec, uint64_t sent, uint64_t queued)
{
	struct agent_counters	 ac;

	memset(&ac, 0, sizeof(ac));
	ac.registrations = reg;
	ac.reconnects = rec;
	ac.statuses_sent = sent;
	ac.statuses_queued = queued;
	deliver(PROC_AGENT, IMSG_AGENT_COUNTERS, 0, &ac, sizeof(ac));
}

static void
pull(uint64_t done, uint64_t ms, uint32_t finished)
{
	struct rt_pull	 pl;

	memset(&pl, 0, sizeof(pl));
	(void)strlcpy(pl.instance, "p1", sizeof(pl.instance));
	(void)strlcpy(pl.image, "busybox", sizeof(pl.image));
	pl.done = (int64_t)done;
	pl.total = (int64_t)done;
	pl.elapsed_ms = ms;
	pl.finished = finished;
	deliver(PROC_RUNTIME, IMSG_RT_PULL, 0, &pl, sizeof(pl));
}

/*
 * A scrape as the control child asks it: the answer, read back from the
 * socket, made into text by the control child's own functions.
 */
static char *
scrape(struct ctl_prom *cpout)
{
	struct prom_text	*t;
	struct imsg		 imsg;
	struct child		*c = &parent->children[PROC_CONTROL];
	const char		*s;
	char			*text;
	ssize_t			 n;
	int			 end = 0;

	deliver(PROC_CONTROL, IMSG_CTL_SHOW_PROM, CTL_PEER_PROM | 7, NULL, 0);
	ck_assert_int_eq(imsgbuf_flush(&c->iev.ibuf), 0);
	ck_assert_ptr_nonnull(t = prom_text_new());
	while (!end) {
		ck_assert_int_gt(imsgbuf_read(&ctl_rd), 0);
		while ((n = imsg_get(&ctl_rd, &imsg)) > 0) {
			ck_assert_int_eq(imsg.hdr.peerid, CTL_PEER_PROM | 7);
			switch (imsg.hdr.type) {
			case IMSG_CTL_STATUS:
				ck_assert_int_eq(prom_text_status(t,
				    imsg.data), 0);
				break;
			case IMSG_CTL_CHILD:
				ck_assert_int_eq(prom_text_child(t,
				    imsg.data), 0);
				break;
			case IMSG_CTL_PROM:
				ck_assert_int_eq(imsg.datalen, sizeof(*cpout));
				memcpy(cpout, imsg.data, sizeof(*cpout));
				ck_assert_int_eq(prom_text_figures(t,
				    imsg.data), 0);
				break;
			case IMSG_CTL_PROM_POD:
				ck_assert_int_eq(prom_text_pod(t, imsg.data),
				    0);
				break;
			case IMSG_CTL_METRICS:
				s = imsg_string(&imsg,
				    sizeof(struct ctl_metrics));
				ck_assert_ptr_nonnull(s);
				ck_assert_int_eq(prom_text_metrics(t,
				    imsg.data, s), 0);
				break;
			case IMSG_CTL_END:
				end = 1;
				break;
			default:
				ck_abort_msg("unexpected %s",
				    imsg_type_name(imsg.hdr.type));
			}
			imsg_free(&imsg);
		}
		ck_assert_int_ne(n, -1);
	}
	text = text_of(t);
	prom_text_free(t);
	return text;
}

/* A child of the parent's, as a socket nobody reads. */
static void
connect_child(enum riklet_proc p, int sp[2])
{
	struct child	*c = &parent->children[p];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	imsgev_init(&c->iev, parent->base, sp[0], ignore, c);
	c->connected = c->ready = 1;
}

static void
disconnect_child(enum riklet_proc p, int sp[2])
{
	struct child	*c = &parent->children[p];

	imsgev_clear(&c->iev);	/* closes sp[0] */
	c->connected = c->ready = 0;
	close(sp[1]);
}

START_TEST(test_parent_figures)
{
	int		 rt_sp[2], ag_sp[2];
	struct ctl_prom	 cp;
	uint64_t	 rss, cpu;
	char		*s;

	/* An adopted pod whose container crashes and runs again, twice. */
	deliver(PROC_RUNTIME, IMSG_RT_LIST_BEGIN, 0, NULL, 0);
	container("p1", "web", CONTAINER_RUNNING, 0, 2);
	container("p1", "side", CONTAINER_RUNNING, 1, 2);
	deliver(PROC_RUNTIME, IMSG_RT_LIST_END, 0, NULL, 0);
	container("p1", "web", CONTAINER_EXITED, 0, 2);
	container("p1", "web", CONTAINER_RUNNING, 0, 2);
	container("p1", "web", CONTAINER_EXITED, 0, 2);
	container("p1", "web", CONTAINER_EXITED, 0, 2);
	container("p1", "web", CONTAINER_RUNNING, 0, 2);
	/* Running again without an exit is no restart. */
	container("p1", "side", CONTAINER_RUNNING, 1, 2);
	/* Of a pod that is not there: nothing. */
	container("nope", "web", CONTAINER_EXITED, 0, 1);

	/* Two agents: the first one's counters stay counted. */
	counters(1, 2, 10, 3);
	counters(1, 4, 12, 0);
	msg_child_gone(&parent->children[PROC_AGENT]);
	counters(1, 0, 5, 2);
	/* Going back is a lie: the agent is killed, nothing taken. */
	counters(1, 0, 4, 2);
	ck_assert_uint_eq(parent->children[PROC_AGENT].violations, 1);
	counters(1, 0, 6, RIK_AGENT_QUEUE_MAX + 1);
	ck_assert_uint_eq(parent->children[PROC_AGENT].violations, 2);

	pull(1000, 2500, 0);
	pull(3000, 2600, 1);
	pull(500, 400, 1);

	s = scrape(&cp);
	has_line(s, "riklet_container_restarts_total{instance=\"p1\","
	    "container=\"web\"} 2");
	has_line(s, "riklet_container_restarts_total{instance=\"p1\","
	    "container=\"side\"} 0");
	ck_assert_ptr_null(strstr(s, "instance=\"nope\""));
	/* Its restart policy is Never: it stays FAILED. */
	has_line(s, "riklet_pod_state{instance=\"p1\",state=\"failed\"} 1");
	has_line(s, "riklet_scheduler_registrations_total 2");
	has_line(s, "riklet_scheduler_reconnects_total 4");
	has_line(s, "riklet_statuses_sent_total 17");
	has_line(s, "riklet_statuses_queued{queue=\"agent\"} 2");
	has_line(s, "riklet_imsg_violations_total{process=\"agent\"} 2");
	has_line(s, "riklet_imsg_violations_total{process=\"runtime\"} 0");
	has_line(s, "riklet_image_pulls_total 2");
	has_line(s, "riklet_image_pull_bytes_total 3500");
	has_line(s, "riklet_image_pull_seconds_total 3.000");
	ck_assert_uint_eq(cp.queued_parent, report_queued());
	ck_assert_uint_gt(cp.queued_parent, 0);
	/* The parent is this process; the children are not running. */
	ck_assert_int_eq(cp.pid[PROC_PARENT], getpid());
	ck_assert_int_eq(cp.pid[PROC_AGENT], 0);
	ck_assert_int_eq(prom_proc_read(getpid(), &rss, &cpu), 0);
	ck_assert_uint_gt(cp.rss_bytes[PROC_PARENT], 0);
	ck_assert_uint_le(cp.rss_bytes[PROC_PARENT], rss * 2);
	ck_assert_uint_le(cp.cpu_ms[PROC_PARENT], cpu);
	ck_assert_ptr_nonnull(strstr(s,
	    "riklet_process_resident_memory_bytes{process=\"parent\"} "));
	ck_assert_ptr_null(strstr(s, "{process=\"agent\"} 0.000"));
	free(s);

	/*
	 * A pod made again under the same id starts from 0.  The runtime
	 * must be there to be asked: a result nobody asked for is ignored.
	 */
	connect_child(PROC_RUNTIME, rt_sp);
	deliver(PROC_AGENT, IMSG_POD_DESTROY, 0, "p1", 3);
	container("p1", "web", CONTAINER_REMOVED, 0, 2);
	container("p1", "side", CONTAINER_REMOVED, 1, 2);
	{
		struct rt_pod_result	 r;

		memset(&r, 0, sizeof(r));
		(void)strlcpy(r.instance, "p1", sizeof(r.instance));
		r.op = POD_OP_DESTROY;
		r.ok = 1;
		deliver(PROC_RUNTIME, IMSG_RT_POD_RESULT, 0, &r, sizeof(r));
	}
	/* Gone from the engine, it stays until an agent has its TERMINATED. */
	ck_assert_ptr_nonnull(pod_find("p1"));
	connect_child(PROC_AGENT, ag_sp);
	msg_child_ready(&parent->children[PROC_AGENT]);
	ck_assert_ptr_null(pod_find("p1"));
	disconnect_child(PROC_AGENT, ag_sp);
	disconnect_child(PROC_RUNTIME, rt_sp);
	s = scrape(&cp);
	ck_assert_ptr_null(strstr(s, "instance=\"p1\""));
	free(s);
}
END_TEST

START_TEST(test_proc_read)
{
	char		 buf[256];
	uint64_t	 rss, cpu;
	unsigned long	 size, resident;
	FILE		*f;

	ck_assert_int_eq(prom_proc_read(getpid(), &rss, &cpu), 0);
	ck_assert_ptr_nonnull(f = fopen("/proc/self/statm", "r"));
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_int_eq(sscanf(buf, "%lu %lu", &size, &resident), 2);
	/* Within a few pages of what the process has now. */
	ck_assert_uint_le(rss, (resident + 64) * (uint64_t)getpagesize());
	ck_assert_uint_ge(rss + 64 * (uint64_t)getpagesize(),
	    resident * (uint64_t)getpagesize());
	ck_assert_int_eq(prom_proc_read(0, &rss, &cpu), -1);
	ck_assert_int_eq(prom_proc_read(-1, &rss, &cpu), -1);
}
END_TEST

/* --- the process, between a fake parent and TCP scrapers ------------- */

static struct harness	 h;
static char		 dir[64];
static int		 child_ok;
static uint16_t		 port;

static int
can_run_child(void)
{
	return geteuid() == 0 && getpwnam(RIKLET_USER) != NULL;
}

static void
child_up(void)
{
	struct riklet_conf	 conf;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct imsg		 imsg;
	int			 fd;

	if (!(child_ok = can_run_child()))
		return;
	(void)strlcpy(dir, "/tmp/riklet-prom.XXXXXX", sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, PROM_BACKLOG), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);

	harness_conf(&conf);
	(void)strlcpy(conf.chroot, dir, sizeof(conf.chroot));
	ck_assert_int_eq(harness_start(&h, "control", &conf), 0);
	ck_assert_int_eq(harness_wait(&h, IMSG_CHILD_READY, &imsg, 5000), 1);
	imsg_free(&imsg);
	/* As the parent does: the listening socket, by descriptor. */
	ck_assert_int_eq(imsg_compose(&h.ibuf, IMSG_PROM_LISTEN, 0, 0, fd,
	    NULL, 0), 0);
	ck_assert_int_eq(imsgbuf_flush(&h.ibuf), 0);
}

static void
child_down(void)
{
	if (!child_ok)
		return;
	(void)harness_stop(&h);
	(void)rmdir(dir);
}

/* Connects to the endpoint and sends req (NULL: nothing yet). */
static int
scraper(const char *req)
{
	struct sockaddr_in	 sin;
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	if (req != NULL)
		ck_assert_int_eq(write(fd, req, strlen(req)),
		    (ssize_t)strlen(req));
	return fd;
}

/* Everything until the server closes; NULL when it reset instead. */
static char *
response(int fd, size_t *lenp)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	size_t		 len = 0, size = 65536;
	ssize_t		 n;
	char		*buf;

	ck_assert_ptr_nonnull(buf = malloc(size));
	for (;;) {
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		if (len + 1 == size)
			ck_assert_ptr_nonnull(buf = realloc(buf, size *= 2));
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == ECONNRESET && len == 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static uint32_t
expect_scrape(void)
{
	struct imsg	 imsg;
	uint32_t	 peer;

	ck_assert_int_eq(harness_wait(&h, IMSG_CTL_SHOW_PROM, &imsg, 5000),
	    1);
	ck_assert_int_eq(imsg.datalen, 0);
	peer = imsg.hdr.peerid;
	imsg_free(&imsg);
	ck_assert(peer & CTL_PEER_PROM);
	return peer;
}

static void
reply(uint32_t peer, uint32_t type, const void *data, size_t len)
{
	ck_assert_int_eq(imsg_compose(&h.ibuf, type, peer, 0, -1, data, len),
	    0);
	ck_assert_int_eq(imsgbuf_flush(&h.ibuf), 0);
}

static void
reply_metrics(uint32_t peer, const char *instance, const char *json)
{
	struct ctl_metrics	 cm;
	char			 buf[sizeof(cm) + 1024];

	memset(&cm, 0, sizeof(cm));
	(void)strlcpy(cm.instance, instance, sizeof(cm.instance));
	memcpy(buf, &cm, sizeof(cm));
	ck_assert_uint_lt(strlen(json), 1024);
	memcpy(buf + sizeof(cm), json, strlen(json) + 1);
	reply(peer, IMSG_CTL_METRICS, buf, sizeof(cm) + strlen(json) + 1);
}

/* The whole answer of answer_parts(), as the parent sends it. */
static void
reply_all(uint32_t peer)
{
	struct ctl_status	 cs;
	struct ctl_child	 cc[PROC_MAX];
	struct ctl_prom		 cp;
	struct ctl_prom_pod	 pp;
	enum riklet_proc	 p;

	answer_parts(&cs, cc, &cp, &pp);
	reply(peer, IMSG_CTL_STATUS, &cs, sizeof(cs));
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		reply(peer, IMSG_CTL_CHILD, &cc[p], sizeof(cc[p]));
	reply(peer, IMSG_CTL_PROM, &cp, sizeof(cp));
	reply(peer, IMSG_CTL_PROM_POD, &pp, sizeof(pp));
	reply_metrics(peer, "", node_json);
	reply_metrics(peer, "web-1", pod_json);
	reply_metrics(peer, "other", "{not json");
	reply(peer, IMSG_CTL_END, NULL, 0);
}

/* A 200 whose body is full_text()'s, to the byte. */
static void
check_ok(char *r, size_t len)
{
	struct prom_text	*t;
	char			*want, *body, head[256];

	ck_assert_ptr_nonnull(r);
	t = full_text();
	want = text_of(t);
	prom_text_free(t);
	(void)snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", strlen(want));
	ck_assert_msg(strncmp(r, head, strlen(head)) == 0, "head: %s", r);
	body = r + strlen(head);
	ck_assert_uint_eq(len - strlen(head), strlen(want));
	ck_assert_str_eq(body, want);
	free(want);
	free(r);
}

START_TEST(test_child_scrape)
{
	struct imsg	 imsg;
	uint32_t	 peer;
	size_t		 len;
	char		*r;
	int		 fd, fd2;

	if (!child_ok)
		return;
	fd = scraper("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	peer = expect_scrape();
	/* A second scraper meanwhile: the same answer, no second ask. */
	fd2 = scraper("GET /metrics HTTP/1.0\r\n\r\n");
	ck_assert_int_eq(harness_recv(&h, &imsg, 300), 0);
	/* An answer of another generation is dropped. */
	reply((peer - 1) | CTL_PEER_PROM, IMSG_CTL_END, NULL, 0);
	reply_all(peer);
	r = response(fd, &len);
	check_ok(r, len);
	r = response(fd2, &len);
	check_ok(r, len);

	/* The next scrape asks again, with a new generation. */
	fd = scraper("GET /metrics?x HTTP/1.1\r\n\r\n");
	ck_assert_uint_ne(expect_scrape(), peer);
}
END_TEST

START_TEST(test_child_refusals)
{
	uint32_t	 peer;
	char		*r, big[PROM_REQUEST_MAX + 512];
	int		 fd, fds[PROM_CONNS_MAX], i;
	struct imsg	 imsg;

	if (!child_ok)
		return;
	r = response(scraper("GET / HTTP/1.1\r\n\r\n"), NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24) == 0,
	    "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nnot found\n"));
	free(r);
	r = response(scraper("HELLO\r\n\r\n"), NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strncmp(r, "HTTP/1.1 400 Bad Request\r\n", 26) == 0,
	    "%s", r);
	free(r);
	ck_assert_int_eq(harness_recv(&h, &imsg, 100), 0);

	/* Headers that never end within 8 KiB: closed, nothing said. */
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	memset(big + 26, 'a', sizeof(big) - 27);
	big[sizeof(big) - 1] = '\0';
	r = response(scraper(big), NULL);
	ck_assert(r == NULL || r[0] == '\0');
	free(r);

	/* The 17th connection is closed at once; the 16 wait. */
	for (i = 0; i < PROM_CONNS_MAX; i++)
		fds[i] = scraper(NULL);
	usleep(100000);
	r = response(scraper("GET /metrics HTTP/1.1\r\n\r\n"), NULL);
	ck_assert(r == NULL || r[0] == '\0');
	free(r);
	ck_assert_int_eq(harness_recv(&h, &imsg, 100), 0);
	for (i = 0; i < PROM_CONNS_MAX; i++)
		close(fds[i]);
	usleep(100000);

	/* A broken answer from the parent: a 503 for that scrape. */
	fd = scraper("GET /metrics HTTP/1.1\r\n\r\n");
	peer = expect_scrape();
	reply(peer, IMSG_CTL_END, NULL, 0);
	r = response(fd, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strncmp(r, "HTTP/1.1 503 Service Unavailable\r\n",
	    34) == 0, "%s", r);
	free(r);
	/* And the process serves the next one. */
	fd = scraper("GET /metrics HTTP/1.1\r\n\r\n");
	reply_all(expect_scrape());
	r = response(fd, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	free(r);
}
END_TEST

static Suite *
prom_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("prom");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_addr, 0, (int)NELEM(addrs));
	tcase_add_loop_test(tc, test_request, 0, (int)NELEM(reqs));
	tcase_add_test(tc, test_request_size);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_text_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("parent");
	tcase_add_checked_fixture(tc, parent_up, parent_down);
	tcase_add_test(tc, test_parent_figures);
	tcase_add_test(tc, test_proc_read);
	suite_add_tcase(s, tc);
	/* Needs root and the _riklet user, as riklet does. */
	tc = tcase_create("process");
	tcase_add_checked_fixture(tc, child_up, child_down);
	tcase_add_test(tc, test_child_scrape);
	tcase_add_test(tc, test_child_refusals);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (!can_run_child())
		fprintf(stderr, "test_prom: not root or no %s user: the "
		    "process tests are skipped\n", RIKLET_USER);
	return check_run(prom_suite());
}
