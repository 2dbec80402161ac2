/*
 * The control process: its request parser (every command, every refusal
 * with its message, every single byte), the JSON it makes of the
 * parent's answers, and the process itself driven from both ends, the
 * harness playing the parent and a socket playing rikletctl.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "control_proc.h"
#include "harness.h"
#include "privsep.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static Suite	*control_suite(void);
static json_t	*ask(const char *);
static int	 client(const char *);
static json_t	*answer(int);
static void	 check_str(json_t *, const char *, const char *);
static int	 can_run_child(void);
static void	 child_up(void);
static void	 child_down(void);
static uint32_t	 expect(uint32_t);
static void	 reply(uint32_t, uint32_t, const void *, size_t);

static const struct {
	const char	*line;
	enum ctl_cmd	 cmd;
	const char	*instance;
} good[] = {
	{ "show status",	CTL_SHOW_STATUS,	"" },
	{ "show pods",		CTL_SHOW_PODS,		"" },
	{ "show pod web-0",	CTL_SHOW_POD,		"web-0" },
	{ "show pod a.b_c-9",	CTL_SHOW_POD,		"a.b_c-9" },
	{ "show metrics",	CTL_SHOW_METRICS,	"" },
	{ "log verbose",	CTL_LOG_VERBOSE,	"" },
	{ "log brief",		CTL_LOG_BRIEF,		"" },
	{ "reload",		CTL_RELOAD,		"" },
	{ "  show   pods  ",	CTL_SHOW_PODS,		"" },
};

static const struct {
	const char	*line;
	const char	*errstr;
} bad[] = {
	{ "",			"empty request" },
	{ "   ",		"empty request" },
	{ "show",		"unknown command" },
	{ "show pod",		"show pod needs one instance id" },
	{ "show pod a b",	"show pod needs one instance id" },
	{ "show pod ../x",	"invalid instance id" },
	{ "show pod -x",	"invalid instance id" },
	{ "show pod a/b",	"invalid instance id" },
	{ "show pods x",	"unexpected argument" },
	{ "show Pods",		"unknown command" },
	{ "reload now",		"unexpected argument" },
	{ "log",		"unknown command" },
	{ "log loud",		"unknown command" },
	{ "a b c d e",		"unknown command" },
	{ "show\tpods",		"request is not printable text" },
	{ "show pods\r",	"request is not printable text" },
	{ "show p\xc3\xb6" "ds",	"request is not printable text" },
};

START_TEST(test_parse_good)
{
	struct ctl_request	 req;
	const char		*errstr = NULL;

	ck_assert_msg(ctl_request_parse(good[_i].line, strlen(good[_i].line),
	    &req, &errstr) == 0, "%s: %s", good[_i].line, errstr);
	ck_assert_int_eq(req.cmd, good[_i].cmd);
	ck_assert_str_eq(req.instance, good[_i].instance);
}
END_TEST

START_TEST(test_parse_bad)
{
	struct ctl_request	 req;
	const char		*errstr = NULL;

	ck_assert_int_eq(ctl_request_parse(bad[_i].line, strlen(bad[_i].line),
	    &req, &errstr), -1);
	ck_assert_str_eq(errstr, bad[_i].errstr);
}
END_TEST

/* The length is the caller's: a NUL inside is not the end. */
START_TEST(test_parse_nul)
{
	struct ctl_request	 req;
	const char		*errstr;
	static const char	 line[] = "show pods\0 extra";

	ck_assert_int_eq(ctl_request_parse(line, sizeof(line) - 1, &req,
	    &errstr), -1);
	ck_assert_str_eq(errstr, "request is not printable text");
}
END_TEST

START_TEST(test_parse_length)
{
	struct ctl_request	 req;
	const char		*errstr;
	char			 line[CTL_REQUEST_MAX + 2];
	char			 id[RIK_ID_MAX + 8];

	memset(line, 'a', sizeof(line));
	ck_assert_int_eq(ctl_request_parse(line, CTL_REQUEST_MAX + 1, &req,
	    &errstr), -1);
	ck_assert_str_eq(errstr, "request too long");
	/* An id longer than an instance id may be. */
	memset(id, 'a', sizeof(id));
	id[sizeof(id) - 1] = '\0';
	(void)snprintf(line, sizeof(line), "show pod %s", id);
	ck_assert_int_eq(ctl_request_parse(line, strlen(line), &req,
	    &errstr), -1);
	ck_assert_str_eq(errstr, "invalid instance id");
}
END_TEST

/* Every byte alone and after a command: parsed or refused, never more. */
START_TEST(test_parse_every_byte)
{
	struct ctl_request	 req;
	const char		*errstr;
	char			 line[32];
	int			 b, r;

	for (b = 0; b < 256; b++) {
		line[0] = (char)b;
		r = ctl_request_parse(line, 1, &req, &errstr);
		ck_assert_int_eq(r, -1);
		(void)snprintf(line, sizeof(line), "show pod x%c", b);
		r = ctl_request_parse(line, strlen("show pod x") + 1, &req,
		    &errstr);
		if (r == 0)
			ck_assert_msg(strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. ",
			    b) != NULL && b != 0, "byte %d accepted", b);
	}
}
END_TEST

/* Text from the engine may be anything; the JSON must stay valid. */
START_TEST(test_json_not_utf8)
{
	struct ctl_status	 cs;
	json_t			*o;
	char			*s;

	memset(&cs, 0, sizeof(cs));
	(void)strlcpy(cs.scheduler, "sched:4995", sizeof(cs.scheduler));
	(void)strlcpy(cs.hostname, "n1", sizeof(cs.hostname));
	(void)strlcpy(cs.agent_reason, "bad \xff\xfe bytes\x1b[2J",
	    sizeof(cs.agent_reason));
	cs.agent_state = AGENT_CONNECTING;
	cs.agent_since_ms = 1500;
	cs.engine_known = 1;
	cs.engine_up = 0;
	(void)strlcpy(cs.engine_message, "\xc3", sizeof(cs.engine_message));
	o = ctl_json_status(&cs);
	ck_assert_ptr_nonnull(o);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "{\"scheduler\":{\"address\":\"sched:4995\","
	    "\"state\":\"connecting\",\"since_ms\":1500,\"backoff_ms\":0,"
	    "\"reason\":\"bad ?? bytes?[2J\"},\"hostname\":\"n1\","
	    "\"uptime_ms\":0,\"engine\":{\"state\":\"down\",\"name\":\"\",\"version\":\"\","
	    "\"api_version\":\"\",\"message\":\"?\"},\"pods\":0,"
	    "\"log\":\"brief\",\"verbose\":0,\"children\":[],"
	    "\"image_gc\":null}");
	free(s);
	json_decref(o);
}
END_TEST

START_TEST(test_json_pod)
{
	struct ctl_pod		 cp;
	struct ctl_container	 cc;
	struct ctl_metrics	 cm;
	json_t			*o, *pr;
	char			*s;

	memset(&cp, 0, sizeof(cp));
	(void)strlcpy(cp.instance, "p1", sizeof(cp.instance));
	(void)strlcpy(cp.name, "web", sizeof(cp.name));
	cp.status = RIK_FAILED;
	cp.restart_policy = RESTART_ON_FAILURE;
	cp.ncontainers = 2;
	cp.nrunning = 1;
	cp.restarts = 3;
	cp.exit_code = 137;
	cp.age_ms = 61000;
	(void)strlcpy(cp.reason, "OOMKilled", sizeof(cp.reason));
	o = ctl_json_pod(&cp);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	ck_assert_str_eq(s, "{\"instance\":\"p1\",\"name\":\"web\","
	    "\"status\":\"FAILED\",\"restart_policy\":\"OnFailure\","
	    "\"ncontainers\":2,\"running\":1,\"restarts\":3,\"age_ms\":61000,"
	    "\"reason\":\"OOMKilled\",\"message\":\"\",\"exit_code\":137}");
	free(s);
	json_decref(o);

	/* While its image is pulled. */
	(void)strlcpy(cp.pull_image, "nginx:1.25", sizeof(cp.pull_image));
	cp.pull_done = 1024;
	cp.pull_total = 4096;
	o = ctl_json_pod(&cp);
	s = json_dumps(json_object_get(o, "pull"), JSON_COMPACT |
	    JSON_PRESERVE_ORDER);
	ck_assert_str_eq(s, "{\"image\":\"nginx:1.25\",\"done\":1024,"
	    "\"total\":4096}");
	free(s);
	json_decref(o);

	memset(&cc, 0, sizeof(cc));
	(void)strlcpy(cc.name, "web", sizeof(cc.name));
	(void)strlcpy(cc.id, "abc", sizeof(cc.id));
	(void)strlcpy(cc.image, "nginx:1.25", sizeof(cc.image));
	cc.state = CONTAINER_STATE_MAX;
	o = ctl_json_container(&cc);
	ck_assert_str_eq(json_string_value(json_object_get(o, "state")),
	    "none");
	ck_assert_ptr_null(json_object_get(o, "exit_code"));
	json_decref(o);
	cc.state = CONTAINER_EXITED;
	cc.exit_code = 2;
	o = ctl_json_container(&cc);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "exit_code")),
	    2);
	ck_assert(json_is_false(json_object_get(o, "oom_killed")));
	ck_assert_ptr_null(json_object_get(o, "probe"));
	json_decref(o);
	/* A container whose probe has spoken, its message made text. */
	cc.probe_known = 1;
	cc.probe_role = RT_PROBE_STARTUP;
	cc.probe_failures = 3;
	cc.unhealthy = 1;
	(void)strlcpy(cc.probe_message, "startup probe failed 3 times: \x01",
	    sizeof(cc.probe_message));
	o = ctl_json_container(&cc);
	pr = json_object_get(o, "probe");
	ck_assert_str_eq(json_string_value(json_object_get(pr, "probe")),
	    "startupProbe");
	ck_assert_str_eq(json_string_value(json_object_get(pr, "last")),
	    "failure");
	ck_assert_int_eq(json_integer_value(json_object_get(pr, "failures")),
	    3);
	ck_assert(json_is_true(json_object_get(pr, "unhealthy")));
	ck_assert_ptr_nonnull(json_string_value(json_object_get(pr,
	    "message")));
	json_decref(o);

	/* A metrics document that is not JSON shows as null. */
	memset(&cm, 0, sizeof(cm));
	cm.age_ms = 5;
	o = ctl_json_metrics(&cm, "{not json");
	ck_assert(json_is_null(json_object_get(o, "metrics")));
	ck_assert_ptr_null(json_object_get(o, "instance"));
	json_decref(o);
	(void)strlcpy(cm.instance, "p1", sizeof(cm.instance));
	o = ctl_json_metrics(&cm, "{\"cpu\":{\"totalCpu\":2}}");
	ck_assert_str_eq(json_string_value(json_object_get(o, "instance")),
	    "p1");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(o, "metrics"), "cpu"), "totalCpu")), 2);
	json_decref(o);
}
END_TEST

/* --- the process, between a fake parent and a fake rikletctl --- */

static struct harness	 h;
static char		 dir[64];
static char		 sockpath[128];

static int
can_run_child(void)
{
	return geteuid() == 0 && getpwnam(RIKLET_USER) != NULL;
}

static void
child_up(void)
{
	struct riklet_conf	 conf;
	struct sockaddr_un	 sun;
	struct imsg		 imsg;
	int			 fd;

	(void)strlcpy(dir, "/tmp/riklet-ctl.XXXXXX", sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	(void)snprintf(sockpath, sizeof(sockpath), "%s/ctl.sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);

	harness_conf(&conf);
	(void)strlcpy(conf.chroot, dir, sizeof(conf.chroot));
	ck_assert_int_eq(harness_start(&h, "control", &conf), 0);
	ck_assert_int_eq(harness_wait(&h, IMSG_CHILD_READY, &imsg, 5000), 1);
	imsg_free(&imsg);
	/* As the parent does: the listening socket, by descriptor. */
	ck_assert_int_eq(imsg_compose(&h.ibuf, IMSG_CTL_LISTEN, 0, 0, fd,
	    NULL, 0), 0);
	ck_assert_int_eq(imsgbuf_flush(&h.ibuf), 0);
}

static void
child_down(void)
{
	(void)harness_stop(&h);
	(void)unlink(sockpath);
	(void)rmdir(dir);
}

/* The request the child forwards; returns its connection number. */
static uint32_t
expect(uint32_t type)
{
	struct imsg	 imsg;
	uint32_t	 peer;

	ck_assert_int_eq(harness_wait(&h, type, &imsg, 5000), 1);
	peer = imsg.hdr.peerid;
	imsg_free(&imsg);
	return peer;
}

static void
reply(uint32_t peer, uint32_t type, const void *data, size_t len)
{
	ck_assert_int_eq(imsg_compose(&h.ibuf, type, peer, 0, -1, data, len),
	    0);
	ck_assert_int_eq(imsgbuf_flush(&h.ibuf), 0);
}

/* Connects, sends req; the answer is read later by answer(). */
static int
client(const char *req)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* One line of JSON, then EOF. */
static json_t *
answer(int fd)
{
	char		 buf[65536];
	size_t		 len = 0;
	ssize_t		 n;
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	json_t		*j;

	for (;;) {
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	ck_assert_msg(len > 0 && buf[len - 1] == '\n' &&
	    memchr(buf, '\n', len) == buf + len - 1, "answer: %s", buf);
	j = json_loads(buf, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", buf);
	return j;
}

/* j's member key is the string want; j is done with. */
static void
check_str(json_t *j, const char *key, const char *want)
{
	ck_assert_ptr_nonnull(json_string_value(json_object_get(j, key)));
	ck_assert_str_eq(json_string_value(json_object_get(j, key)), want);
	json_decref(j);
}

static json_t *
ask(const char *req)
{
	return answer(client(req));
}

START_TEST(test_child_pods)
{
	struct ctl_pod		 cp;
	struct ctl_container	 cc;
	json_t			*j, *p;
	uint32_t		 peer;
	int			 fd;

	memset(&cp, 0, sizeof(cp));
	(void)strlcpy(cp.instance, "p1", sizeof(cp.instance));
	(void)strlcpy(cp.name, "web", sizeof(cp.name));
	cp.status = RIK_RUNNING;
	cp.ncontainers = 1;
	cp.nrunning = 1;

	fd = client("show pods\n");
	peer = expect(IMSG_CTL_SHOW_PODS);
	/* An answer for a client that is not there is dropped. */
	reply(peer + 1000, IMSG_CTL_POD, &cp, sizeof(cp));
	reply(peer + 1000, IMSG_CTL_END, NULL, 0);
	reply(peer, IMSG_CTL_POD, &cp, sizeof(cp));
	reply(peer, IMSG_CTL_END, NULL, 0);
	j = answer(fd);
	ck_assert_int_eq(json_array_size(json_object_get(j, "pods")), 1);
	p = json_array_get(json_object_get(j, "pods"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "instance")),
	    "p1");
	ck_assert_str_eq(json_string_value(json_object_get(p, "status")),
	    "RUNNING");
	json_decref(j);

	fd = client("show pod p1\n");
	peer = expect(IMSG_CTL_SHOW_POD);
	memset(&cc, 0, sizeof(cc));
	(void)strlcpy(cc.instance, "p1", sizeof(cc.instance));
	(void)strlcpy(cc.name, "web", sizeof(cc.name));
	(void)strlcpy(cc.id, "0123456789abcdef", sizeof(cc.id));
	cc.state = CONTAINER_RUNNING;
	cc.pid = 42;
	reply(peer, IMSG_CTL_POD, &cp, sizeof(cp));
	reply(peer, IMSG_CTL_CONTAINER, &cc, sizeof(cc));
	reply(peer, IMSG_CTL_END, NULL, 0);
	j = answer(fd);
	p = json_object_get(j, "pod");
	ck_assert_str_eq(json_string_value(json_object_get(p, "name")), "web");
	p = json_array_get(json_object_get(p, "containers"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "id")),
	    "0123456789abcdef");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "pid")), 42);
	json_decref(j);

	/* The parent's refusal, word for word. */
	fd = client("show pod p2\n");
	peer = expect(IMSG_CTL_SHOW_POD);
	reply(peer, IMSG_CTL_ERROR, "no pod p2", sizeof("no pod p2"));
	j = answer(fd);
	check_str(j, "error", "no pod p2");
}
END_TEST

/* Answers that do not fit the question are an error for that client only. */
START_TEST(test_child_wrong_answer)
{
	struct ctl_status	 cs;
	json_t			*j;
	uint32_t		 peer;
	int			 fd;

	memset(&cs, 0, sizeof(cs));
	fd = client("show pods\n");
	peer = expect(IMSG_CTL_SHOW_PODS);
	reply(peer, IMSG_CTL_STATUS, &cs, sizeof(cs));
	j = answer(fd);
	check_str(j, "error", "bad status from the parent");
	/* The rest of that answer arrives for nobody. */
	reply(peer, IMSG_CTL_END, NULL, 0);

	fd = client("show status\n");
	peer = expect(IMSG_CTL_SHOW_STATUS);
	reply(peer, IMSG_CTL_END, NULL, 0);
	j = answer(fd);
	check_str(j, "error", "incomplete answer from the parent");

	/* A client gone before its answer; the next is served. */
	fd = client("show status\n");
	peer = expect(IMSG_CTL_SHOW_STATUS);
	close(fd);
	usleep(100000);
	reply(peer, IMSG_CTL_STATUS, &cs, sizeof(cs));
	reply(peer, IMSG_CTL_END, NULL, 0);
	fd = client("log verbose\n");
	peer = expect(IMSG_CTL_LOG_VERBOSE);
	reply(peer, IMSG_CTL_END, NULL, 0);
	j = answer(fd);
	check_str(j, "log", "verbose");
	j = ask("bogus\n");
	check_str(j, "error", "unknown command");
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("control");
	tc = tcase_create("request");
	tcase_add_loop_test(tc, test_parse_good, 0, (int)NELEM(good));
	tcase_add_loop_test(tc, test_parse_bad, 0, (int)NELEM(bad));
	tcase_add_test(tc, test_parse_nul);
	tcase_add_test(tc, test_parse_length);
	tcase_add_test(tc, test_parse_every_byte);
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	tcase_add_test(tc, test_json_not_utf8);
	tcase_add_test(tc, test_json_pod);
	suite_add_tcase(s, tc);
	/* Needs root and the _riklet user, as riklet does. */
	if (!can_run_child()) {
		check_skip("test_child_pods", "needs root and the "
		    RIKLET_USER " user");
		check_skip("test_child_wrong_answer", "needs root and the "
		    RIKLET_USER " user");
		return s;
	}
	tc = tcase_create("process");
	tcase_add_checked_fixture(tc, child_up, child_down);
	tcase_add_test(tc, test_child_pods);
	tcase_add_test(tc, test_child_wrong_answer);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(control_suite());
}
