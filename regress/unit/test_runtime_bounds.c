/*
 * The runtime child against a fake engine whose numbers and sizes no
 * real engine would send: a pull whose layers add up past INT64_MAX, a
 * listing of 300 containers with 32 KiB definitions (past the old 8 MiB
 * cap), an inspect that goes unanswered mid-listing, creates that end
 * (or are destroyed while queued) while a listing is under way, a
 * container's logs refused with an empty message or framed with a
 * length of 4 GiB.  Every message the runtime sends goes through the
 * parent's own checks (msg_dispatch(): the runtime's table in
 * from_runtime.c, its validators, then the real pod table)
 * and none may be a protocol violation: the parent would kill the
 * runtime, and the same engine answer would kill the next one.
 *
 * The fake engine is a small HTTP server on a unix socket, a process per
 * connection; the test plays the parent with the harness.
 */
#include <sys/stat.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "checkrun.h"
#include "harness.h"
#include "log.h"
#include "podspec.h"
#include "pods.h"
#include "report.h"
#include "msgtable.h"
#include "riklet.h"
#include "runtime.h"
#include "scheduler.h"
#include "unixsrv.h"
#include "util.h"

#define NODE		"fake-node"
#define WAIT_MS		60000

struct parent		*parent;
static struct parent	 test_parent;

/* What the fake engine does; set before it starts. */
static struct {
	size_t		 ncontainers;	/* in a listing of the node */
	size_t		 definition;	/* bytes of each one's label */
	long		 fail_index;	/* its inspect unanswered once */
	int		 inspect_ms;	/* each inspect's delay */
	int		 creates;	/* 1: create and start succeed */
	int		 create_ms;	/* each create's delay */
	uint32_t	 parallel;	/* the runtime's create-parallel */
} fake;

/* In a directory main() makes and removes, pass or fail. */
static char		 dir[64];
static char		 sock[108];
static char		 failflag[128];
static pid_t		 server;
static struct harness	 h;

/* What the runtime said, counted as the parent took it. */
static struct {
	size_t		 begins, ends, containers, pulls, results;
	size_t		 containers_since_begin;
	struct rt_pull	 last_pull;
	int64_t		 max_done, max_total;
	struct rt_pod_result result;
	size_t		 result_after_ends;	/* ends seen before it */
	struct rt_pod_result all[8];
	size_t		 early_results;	/* before an END */
} seen;

static void
write_str(int fd, const char *s)
{
	unixsrv_write(fd, s, strlen(s));
}

static void
answer(int fd, const char *status, const char *body)
{
	char	 hdr[256];

	(void)snprintf(hdr, sizeof(hdr), "HTTP/1.1 %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close"
	    "\r\n\r\n", status, strlen(body));
	write_str(fd, hdr);
	write_str(fd, body);
}

/* A body of unknown length: the connection's end ends it. */
static void
answer_stream(int fd)
{
	write_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Connection: close\r\n\r\n");
}

static void
write_definition(int fd)
{
	char	 pad[4096];
	size_t	 n;

	memset(pad, 'x', sizeof(pad));
	write_str(fd, "{\\\"name\\\":\\\"big\\\",\\\"pad\\\":\\\"");
	for (n = fake.definition; n > 0; ) {
		size_t k = n < sizeof(pad) ? n : sizeof(pad);

		unixsrv_write(fd, pad, k);
		n -= k;
	}
	write_str(fd, "\\\"}");
}

static void
write_labels(int fd, size_t i)
{
	char	 s[512];

	(void)snprintf(s, sizeof(s), "{\"riklet.managed\":\"true\","
	    "\"riklet.node\":\"" NODE "\",\"riklet.instance\":\"big-%zu\","
	    "\"riklet.container\":\"main\",\"riklet.pod\":\"big\","
	    "\"riklet.restart\":\"Never\",\"riklet.index\":\"0\","
	    "\"riklet.count\":\"1\",\"riklet.definition\":\"", i);
	write_str(fd, s);
	write_definition(fd);
	write_str(fd, "\"}");
}

static void
serve_list(int fd, const char *req)
{
	char	 s[256];
	size_t	 i;

	answer_stream(fd);
	/* One instance's listing (a failed create's clean-up): none. */
	if (strstr(req, "riklet.instance") != NULL) {
		write_str(fd, "[]");
		return;
	}
	write_str(fd, "[");
	for (i = 0; i < fake.ncontainers; i++) {
		(void)snprintf(s, sizeof(s), "%s{\"Id\":\"%064zx\",\"Names\":"
		    "[\"/rik-big-%zu-main\"],\"Labels\":", i ? "," : "", i, i);
		write_str(fd, s);
		write_labels(fd, i);
		write_str(fd, ",\"State\":\"running\"}");
	}
	write_str(fd, "]");
}

static void
serve_inspect(int fd, const char *id)
{
	char		 s[512];
	unsigned long	 i = strtoul(id, NULL, 16);

	if (fake.inspect_ms > 0)
		usleep((useconds_t)fake.inspect_ms * 1000);
	if ((long)i == fake.fail_index && unlink(failflag) == 0)
		return;		/* no answer at all */
	answer_stream(fd);
	(void)snprintf(s, sizeof(s), "{\"Id\":\"%064lx\",\"Config\":{"
	    "\"Image\":\"riklet/big:1\",\"Labels\":", i);
	write_str(fd, s);
	write_labels(fd, i);
	write_str(fd, "},\"State\":{\"Status\":\"running\",\"Pid\":4242,"
	    "\"ExitCode\":0,\"OOMKilled\":false},\"HostConfig\":{"
	    "\"Memory\":9223372036854775807,\"NanoCpus\":9223372036854775807}"
	    "}");
}

/* Layers whose sizes add up past INT64_MAX, in two bursts a second apart. */
static void
serve_pull(int fd)
{
	char	 s[256];
	int	 i;

	answer_stream(fd);
	for (i = 0; i < 3; i++) {
		(void)snprintf(s, sizeof(s), "{\"status\":\"Downloading\","
		    "\"progressDetail\":{\"current\":9223372036854775806,"
		    "\"total\":9223372036854775807},\"id\":\"layer%d\"}\r\n",
		    i);
		write_str(fd, s);
	}
	usleep(1100 * 1000);
	write_str(fd, "{\"status\":\"Downloading\",\"progressDetail\":{"
	    "\"current\":9223372036854775807,\"total\":9223372036854775807},"
	    "\"id\":\"layer3\"}\r\n{\"status\":\"Pull complete\","
	    "\"progressDetail\":{},\"id\":\"layer0\"}\r\n");
}

/* Container aaaa...: refused, saying nothing; bbbb...: a 4 GiB frame. */
static void
serve_logs(int fd, const char *id)
{
	static const char	 frame[] = { 1, 0, 0, 0, (char)0xff,
				    (char)0xff, (char)0xff, (char)0xff, 'x' };

	if (*id == 'a') {
		answer(fd, "500 Internal Server Error",
		    "{\"message\":\"\"}");
		return;
	}
	write_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/vnd.docker.multiplexed-stream\r\n"
	    "Connection: close\r\n\r\n");
	unixsrv_write(fd, frame, sizeof(frame));
}

static void
serve(int fd)
{
	char	 req[8192], *end, *cl;
	size_t	 len = 0, want = 0;
	ssize_t	 n;

	for (;;) {
		if (len == sizeof(req) - 1)
			_exit(1);
		if ((n = read(fd, req + len, sizeof(req) - 1 - len)) <= 0)
			_exit(0);
		len += (size_t)n;
		req[len] = '\0';
		if ((end = strstr(req, "\r\n\r\n")) == NULL)
			continue;
		if (want == 0 && (cl = strcasestr(req, "Content-Length:")) !=
		    NULL && cl < end)
			want = (size_t)(end + 4 - req) + strtoul(cl + 15,
			    NULL, 10);
		if (len >= want)
			break;
	}
	if (strncmp(req, "GET /v1.41/version ", 19) == 0)
		answer(fd, "200 OK", "{\"Version\":\"99.0-fake\","
		    "\"ApiVersion\":\"1.41\"}");
	else if (strncmp(req, "GET /v1.41/info ", 16) == 0)
		answer(fd, "200 OK", "{\"CgroupDriver\":\"cgroupfs\"}");
	else if (strncmp(req, "GET /v1.41/events", 17) == 0) {
		answer_stream(fd);
		for (;;)
			pause();
	} else if (strncmp(req, "GET /v1.41/containers/json", 26) == 0)
		serve_list(fd, req);
	else if (strncmp(req, "GET /v1.41/containers/", 22) == 0 &&
	    strstr(req, "/logs?") != NULL)
		serve_logs(fd, req + 22);
	else if (strncmp(req, "GET /v1.41/containers/", 22) == 0)
		serve_inspect(fd, req + 22);
	else if (strncmp(req, "GET /v1.41/volumes", 18) == 0)
		answer(fd, "200 OK", "{\"Volumes\":[]}");
	else if (strncmp(req, "GET /v1.41/images/", 18) == 0) {
		/* riklet's infra image is there: pods start with it. */
		if (fake.creates || strncmp(req + 18, "riklet%2Fpause", 14) ==
		    0)
			answer(fd, "200 OK", "{\"Id\":\"sha256:0\"}");
		else
			answer(fd, "404 Not Found", "{\"message\":\"no such "
			    "image\"}");
	} else if (strncmp(req, "POST /v1.41/images/create", 25) == 0)
		serve_pull(fd);
	else if (strncmp(req, "POST /v1.41/containers/create", 29) == 0) {
		usleep((useconds_t)fake.create_ms * 1000);
		/* A pod's infra container is made, whatever comes after. */
		if (fake.creates || strstr(req, "-pod ") != NULL ||
		    strstr(req, "-pod&") != NULL)
			answer(fd, "201 Created", "{\"Id\":\"" "ffffffff"
			    "ffffffffffffffffffffffffffffffffffffffffffffffffff"
			    "ffffff\",\"Warnings\":[]}");
		else
			answer(fd, "500 Internal Server Error", "{\"message\":"
			    "\"the fake engine makes no containers\"}");
	} else if (strncmp(req, "POST /v1.41/containers/", 23) == 0)
		answer(fd, "204 No Content", "");
	else
		answer(fd, "404 Not Found", "{\"message\":\"not here\"}");
	_exit(0);
}

static void
fake_start(void)
{
	(void)snprintf(sock, sizeof(sock), "%s/engine.sock", dir);
	(void)snprintf(failflag, sizeof(failflag), "%s/fail", dir);
	ck_assert((server = unixsrv_start(sock, serve)) > 0);
}

/* The parent's state, as fuzz_dispatch.c makes it. */
static void
parent_init(void)
{
	enum riklet_proc	 p;

	log_init(1, 0, LOG_DAEMON);
	log_procinit("parent");
	parent = &test_parent;
	memset(parent, 0, sizeof(*parent));
	conf_defaults(&parent->conf);
	(void)strlcpy(parent->conf.hostname, NODE,
	    sizeof(parent->conf.hostname));
	ck_assert_ptr_nonnull(parent->base = event_base_new());
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		parent->children[p].proc = p;
		/* Never a real pid: child_violation() must not kill. */
		parent->children[p].pid = 0;
		parent->children[p].iev.ibuf.fd = -1;
	}
	pods_init();
}

static void
setup(void)
{
	struct riklet_conf	 conf;

	memset(&seen, 0, sizeof(seen));
	fake_start();
	parent_init();
	harness_conf(&conf);
	(void)strlcpy(conf.docker_socket, sock, sizeof(conf.docker_socket));
	(void)strlcpy(conf.hostname, NODE, sizeof(conf.hostname));
	if (fake.parallel > 0)
		conf.create_parallel = fake.parallel;
	ck_assert(harness_start(&h, "runtime", &conf) == 0);
}

static void
teardown(void)
{
	harness_stop(&h);
	unixsrv_stop(server, sock);
	(void)unlink(failflag);
	pods_clear();
	report_clear();
	sched_clear();
}

/*
 * One message from the runtime, as the parent takes it: the type must
 * be the runtime's, and the message must leave it connected.
 */
static void
parent_takes(struct imsg *imsg)
{
	struct child	*c = &parent->children[PROC_RUNTIME];

	ck_assert_msg(msg_rule(PROC_RUNTIME, imsg->hdr.type) != NULL,
	    "the runtime may not send %s", imsg_type_name(imsg->hdr.type));
	if (imsg->hdr.type == IMSG_CHILD_READY) {
		ck_assert_uint_eq(imsg->datalen, 0);
		return;
	}
	c->connected = 1;
	(void)msg_dispatch(c, imsg);
	ck_assert_msg(c->connected, "protocol violation: %s",
	    imsg_type_name(imsg->hdr.type));
	switch (imsg->hdr.type) {
	case IMSG_RT_LIST_BEGIN:
		seen.begins++;
		seen.containers_since_begin = 0;
		break;
	case IMSG_RT_LIST_END:
		seen.ends++;
		break;
	case IMSG_RT_CONTAINER:
		seen.containers++;
		seen.containers_since_begin++;
		break;
	case IMSG_RT_PULL:
		memcpy(&seen.last_pull, imsg->data, sizeof(seen.last_pull));
		seen.pulls++;
		if (seen.last_pull.done > seen.max_done)
			seen.max_done = seen.last_pull.done;
		if (seen.last_pull.total > seen.max_total)
			seen.max_total = seen.last_pull.total;
		break;
	case IMSG_RT_POD_RESULT:
		memcpy(&seen.result, imsg->data, sizeof(seen.result));
		seen.results++;
		seen.result_after_ends = seen.ends;
		if (seen.results <= sizeof(seen.all) / sizeof(seen.all[0]))
			seen.all[seen.results - 1] = seen.result;
		if (seen.ends == 0)
			seen.early_results++;
		break;
	}
}

/* Takes messages until type has come n times in all. */
static void
take_until(uint32_t type, size_t n)
{
	struct imsg	 imsg;
	uint64_t	 end = monotime_ms() + WAIT_MS;
	size_t		 got = 0;

	while (got < n) {
		ck_assert_msg(monotime_ms() < end, "no %s after %d ms",
		    imsg_type_name(type), WAIT_MS);
		if (harness_recv(&h, &imsg, (int)(end - monotime_ms())) != 1)
			continue;
		parent_takes(&imsg);
		if (imsg.hdr.type == type)
			got++;
		imsg_free(&imsg);
	}
}

static void
send_create(const char *instance, const char *image)
{
	struct pod_spec		 ps;
	struct pod_container	*c;
	unsigned char		*buf;
	size_t			 len;

	memset(&ps, 0, sizeof(ps));
	(void)strlcpy(ps.instance, instance, sizeof(ps.instance));
	(void)strlcpy(ps.name, "pod", sizeof(ps.name));
	ck_assert_ptr_nonnull(ps.definition = strdup("{\"kind\":\"pods\"}"));
	c = &ps.containers[ps.ncontainers++];
	(void)strlcpy(c->name, "main", sizeof(c->name));
	(void)strlcpy(c->image, image, sizeof(c->image));
	ck_assert(podspec_encode(&ps, &buf, &len) == 0);
	ck_assert(harness_send(&h, IMSG_POD_CREATE, buf, len) == 0);
	free(buf);
	podspec_free(&ps);
}

/* Sizes past INT64_MAX: the figures saturate, the parent takes them. */
START_TEST(test_pull_overflow)
{
	take_until(IMSG_RT_LIST_END, 1);
	send_create("huge-1", "registry.example/huge:1");
	take_until(IMSG_RT_POD_RESULT, 1);
	ck_assert_str_eq(seen.result.instance, "huge-1");
	ck_assert_int_eq(seen.result.ok, 0);
	ck_assert_str_eq(seen.result.reason, "CreateFailed");
	/* The first figures, the sums a second later, the end. */
	ck_assert_uint_ge(seen.pulls, 3);
	ck_assert_int_eq(seen.max_total, INT64_MAX);
	ck_assert_int_eq(seen.max_done, INT64_MAX);
	ck_assert_int_eq(seen.last_pull.finished, 1);
	ck_assert_int_eq(seen.last_pull.total, INT64_MAX);
	ck_assert_int_eq(kill(h.pid, 0), 0);
}
END_TEST

/*
 * 300 pods with 32 KiB definitions: a listing of about 10 MB, every
 * container reported and adopted into the parent's table.
 */
START_TEST(test_big_listing)
{
	struct pod	*p;
	char		 id[32];
	size_t		 i;

	take_until(IMSG_RT_LIST_END, 1);
	ck_assert_uint_eq(seen.begins, 1);
	ck_assert_uint_eq(seen.containers, fake.ncontainers);
	for (i = 0; i < fake.ncontainers; i++) {
		(void)snprintf(id, sizeof(id), "big-%zu", i);
		ck_assert_msg((p = pod_find(id)) != NULL, "%s not adopted",
		    id);
		ck_assert_int_eq(p->status, RIK_RUNNING);
	}
}
END_TEST

/*
 * An inspect the engine leaves unanswered: the parent never hears an
 * END for the part it had; the listing starts over and ends whole.
 */
START_TEST(test_listing_retry)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(failflag, "w"));
	fclose(f);
	take_until(IMSG_RT_LIST_END, 1);
	ck_assert_int_eq(access(failflag, F_OK), -1);
	ck_assert_uint_eq(seen.begins, 2);
	ck_assert_uint_eq(seen.containers_since_begin, fake.ncontainers);
	/* Some of the first try were told before it failed, not all. */
	ck_assert_uint_lt(seen.containers, 2 * fake.ncontainers);
}
END_TEST

/*
 * A create that ends while a listing is under way (the create takes
 * 300 ms, the listing's inspects 1.2 s) answers after the listing's END.
 */
START_TEST(test_result_waits)
{
	take_until(IMSG_RT_ENGINE, 1);
	send_create("quick-1", "riklet/busybox:latest");
	take_until(IMSG_RT_POD_RESULT, 1);
	ck_assert_str_eq(seen.result.instance, "quick-1");
	ck_assert_msg(seen.result.ok, "%s: %s", seen.result.reason,
	    seen.result.message);
	ck_assert_uint_eq(seen.begins, 1);
	ck_assert_uint_eq(seen.result_after_ends, 1);
	ck_assert_uint_eq(seen.containers, fake.ncontainers);
}
END_TEST

/* Failures told by the engine in its own words: never without words. */
START_TEST(test_logs_failures)
{
	struct rt_logs	 rl;
	struct logs_end	 e;
	struct imsg	 imsg;
	const char	*ids = "ab";
	size_t		 i;

	take_until(IMSG_RT_LIST_END, 1);
	for (i = 0; i < 2; i++) {
		memset(&rl, 0, sizeof(rl));
		rl.reqid = (uint32_t)i + 1;
		memset(rl.id, ids[i], 64);
		rl.tail = LOGS_TAIL_ALL;
		ck_assert(harness_send(&h, IMSG_RT_LOGS, &rl, sizeof(rl)) ==
		    0);
		ck_assert_int_eq(harness_wait(&h, IMSG_RT_LOGS_END, &imsg,
		    WAIT_MS), 1);
		parent_takes(&imsg);
		ck_assert_uint_eq(imsg.datalen, sizeof(e));
		memcpy(&e, imsg.data, sizeof(e));
		imsg_free(&imsg);
		ck_assert_uint_eq(e.reqid, rl.reqid);
		ck_assert_uint_eq(e.ok, 0);
		ck_assert(e.message[0] != '\0');
	}
	ck_assert_int_eq(kill(h.pid, 0), 0);
}
END_TEST

/*
 * One create at a time, a slow listing: q1 creating, q2 waiting for its
 * turn when it is destroyed.  q2's create ends there, before it began,
 * and its result waits with q1's for the END; q2 must not begin after.
 */
START_TEST(test_queued_cancel)
{
	struct imsg	 imsg;
	uint64_t	 end;
	size_t		 i, q1_create = 0, q2_create = 0, q2_destroy = 0;
	const char	*q2 = "q2";

	take_until(IMSG_RT_LIST_BEGIN, 1);
	send_create("q1", "riklet/busybox:latest");
	send_create("q2", "riklet/busybox:latest");
	ck_assert(harness_send(&h, IMSG_POD_DESTROY, q2, strlen(q2) + 1) ==
	    0);
	take_until(IMSG_RT_POD_RESULT, 3);
	/* Time for a create that should not be. */
	end = monotime_ms() + 1500;
	while (monotime_ms() < end)
		if (harness_recv(&h, &imsg, (int)(end - monotime_ms())) == 1) {
			parent_takes(&imsg);
			imsg_free(&imsg);
		}
	ck_assert_uint_eq(seen.results, 3);
	ck_assert_uint_eq(seen.early_results, 0);
	for (i = 0; i < seen.results; i++) {
		struct rt_pod_result *r = &seen.all[i];

		if (strcmp(r->instance, "q1") == 0 && r->op == POD_OP_CREATE) {
			ck_assert_msg(r->ok, "q1: %s", r->message);
			q1_create++;
		} else if (strcmp(r->instance, "q2") == 0 &&
		    r->op == POD_OP_CREATE) {
			ck_assert_str_eq(r->reason, "Cancelled");
			/* Not "destroyed while it was created": never begun. */
			ck_assert_str_eq(r->message, "destroyed before it was "
			    "created");
			q2_create++;
		} else if (strcmp(r->instance, "q2") == 0) {
			ck_assert(r->ok);
			q2_destroy++;
		}
	}
	ck_assert_uint_eq(q1_create, 1);
	ck_assert_uint_eq(q2_create, 1);
	ck_assert_uint_eq(q2_destroy, 1);
}
END_TEST

static void
setup_one_at_a_time(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.ncontainers = 10;
	fake.definition = 1024;
	fake.fail_index = -1;
	fake.inspect_ms = 400;
	fake.creates = 1;
	fake.create_ms = 300;
	fake.parallel = 1;
	setup();
}

static void
setup_pull(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.fail_index = -1;
	setup();
}

static void
setup_big(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.ncontainers = 300;
	fake.definition = RIK_DEFINITION_MAX;
	fake.fail_index = -1;
	setup();
}

static void
setup_retry(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.ncontainers = 20;
	fake.definition = 1024;
	fake.fail_index = 7;
	setup();
}

static void
setup_slow(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.ncontainers = 10;
	fake.definition = 1024;
	fake.fail_index = -1;
	fake.inspect_ms = 400;
	fake.creates = 1;
	fake.create_ms = 300;
	setup();
}

static void
add(Suite *s, const char *name, void (*fixture)(void), const TTest *test)
{
	TCase	*tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fixture, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

int
main(void)
{
	Suite	*s = suite_create("runtime_bounds");
	int	 rv;

	(void)strlcpy(dir, "/tmp/rkfake.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) == -1) {
		perror(dir);
		return 1;
	}
	add(s, "pull", setup_pull, test_pull_overflow);
	add(s, "logs", setup_pull, test_logs_failures);
	add(s, "big", setup_big, test_big_listing);
	add(s, "retry", setup_retry, test_listing_retry);
	add(s, "wait", setup_slow, test_result_waits);
	add(s, "queued", setup_one_at_a_time, test_queued_cancel);
	rv = check_run(s);
	(void)snprintf(sock, sizeof(sock), "%s/engine.sock", dir);
	(void)snprintf(failflag, sizeof(failflag), "%s/fail", dir);
	(void)unlink(sock);
	(void)unlink(failflag);
	(void)rmdir(dir);
	return rv;
}
