/*
 * The runtime's side of rikletctl logs against a real engine: the
 * private dockerd of regress/engine.sh and its riklet/busybox image.  The
 * harness plays the parent: it creates a pod whose container writes
 * known lines to stdout and stderr (one longer than a message), asks for
 * its logs whole, by tail and followed, withholds acknowledgements to
 * see the transfer pause, and checks the bounds on requests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "harness.h"
#include "podspec.h"
#include "runtime.h"
#include "util.h"

#define IMAGE		"riklet/busybox:latest"
#define WAIT_MS		30000
#define LONG_LEN	20000	/* a line longer than LOGS_CHUNK_MAX */
#define BIG_LEN		(1024 * 1024)

/* What one request brought. */
struct got {
	char		*out[3];
	size_t		 len[3];
	size_t		 msgs;
	int		 ended;
	struct logs_end	 end;
};

static char		 sock[1024];
static char		 node[64];
static struct harness	 h;
static char		 cid[RIK_CONTAINER_ID_MAX];
static uint32_t		 next_reqid = 1;

static void
engine_sh(const char *what)
{
	char		 cmd[2048], line[1200];
	const char	*dir = getenv("RIKLET_ENGINE_DIR");
	FILE		*f;

	(void)snprintf(cmd, sizeof(cmd), "RIKLET_ENGINE_DIR=%s sh "
	    "%s/engine.sh %s", dir != NULL && *dir != '\0' ? dir :
	    "/tmp/rikeng", getenv("REGRESS_DIR"), what);
	ck_assert_msg((f = popen(cmd, "r")) != NULL, "popen %s", cmd);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "DOCKER_SOCK=", 12) == 0) {
			line[strcspn(line, "\n")] = '\0';
			(void)strlcpy(sock, line + 12, sizeof(sock));
		}
	ck_assert_msg(pclose(f) == 0, "%s failed", cmd);
}

/* The next message of one of the types, others dropped; 0 on timeout. */
static int
next_msg(struct imsg *imsg, uint32_t t1, uint32_t t2, int ms)
{
	uint64_t	 end = monotime_ms() + (uint64_t)ms;
	int		 r;

	for (;;) {
		if (monotime_ms() >= end)
			return 0;
		r = harness_recv(&h, imsg, (int)(end - monotime_ms()));
		if (r == 0)
			return 0;
		ck_assert_msg(r == 1, "runtime gone (%d)", r);
		if (imsg->hdr.type == t1 || imsg->hdr.type == t2)
			return 1;
		imsg_free(imsg);
	}
}

static void
runtime_start(void)
{
	struct riklet_conf	 conf;
	struct imsg		 imsg;
	struct rt_engine	 e;

	harness_conf(&conf);
	(void)strlcpy(conf.docker_socket, sock, sizeof(conf.docker_socket));
	(void)strlcpy(conf.hostname, node, sizeof(conf.hostname));
	conf.stop_grace_ms = 1000;
	ck_assert(harness_start(&h, "runtime", &conf) == 0);
	ck_assert(next_msg(&imsg, IMSG_RT_ENGINE, IMSG_RT_ENGINE, WAIT_MS));
	memcpy(&e, imsg.data, sizeof(e));
	imsg_free(&imsg);
	ck_assert_msg(e.up, "engine down: %s", e.message);
	ck_assert(next_msg(&imsg, IMSG_RT_LIST_END, IMSG_RT_LIST_END,
	    WAIT_MS));
	imsg_free(&imsg);
}

/*
 * A one-container pod running sh; cid is its container once it is in
 * state (running, or exited when the script is done).
 */
static void
pod_run(const char *instance, const char *script, uint32_t state)
{
	struct pod_spec		 ps;
	struct pod_container	*c;
	struct rt_container	 rc;
	struct imsg		 imsg;
	unsigned char		*buf;
	size_t			 len;

	memset(&ps, 0, sizeof(ps));
	(void)snprintf(ps.instance, sizeof(ps.instance), "%s-%s", instance,
	    node);
	(void)strlcpy(ps.name, "pod", sizeof(ps.name));
	ps.definition = strdup("{\"kind\":\"pods\"}");
	c = &ps.containers[ps.ncontainers++];
	(void)strlcpy(c->name, "app", sizeof(c->name));
	(void)strlcpy(c->image, IMAGE, sizeof(c->image));
	c->command[c->ncommand++] = strdup("sh");
	c->command[c->ncommand++] = strdup("-c");
	c->args[c->nargs++] = strdup(script);
	ck_assert(podspec_encode(&ps, &buf, &len) == 0);
	ck_assert(harness_send(&h, IMSG_POD_CREATE, buf, len) == 0);
	free(buf);
	for (;;) {
		ck_assert_msg(next_msg(&imsg, IMSG_RT_CONTAINER,
		    IMSG_RT_CONTAINER, WAIT_MS), "no container in state %u",
		    state);
		ck_assert_uint_eq(imsg.datalen, sizeof(rc));
		memcpy(&rc, imsg.data, sizeof(rc));
		imsg_free(&imsg);
		/* The pod's infra container runs first: wait for app. */
		if (strcmp(rc.instance, ps.instance) == 0 &&
		    strcmp(rc.name, "app") == 0 && rc.state == state)
			break;
	}
	(void)strlcpy(cid, rc.id, sizeof(cid));
	podspec_free(&ps);
}

static uint32_t
send_logs(const char *id, int32_t tail, int follow)
{
	struct rt_logs	 rl;

	memset(&rl, 0, sizeof(rl));
	rl.reqid = next_reqid++;
	(void)strlcpy(rl.id, id, sizeof(rl.id));
	rl.tail = tail;
	rl.follow = (uint32_t)follow;
	ck_assert(harness_send(&h, IMSG_RT_LOGS, &rl, sizeof(rl)) == 0);
	return rl.reqid;
}

static void
send_ack(uint32_t reqid, size_t bytes)
{
	struct logs_ack	 a;

	a.reqid = reqid;
	a.bytes = (uint32_t)bytes;
	ck_assert(harness_send(&h, IMSG_RT_LOGS_ACK, &a, sizeof(a)) == 0);
}

/*
 * Gathers reqid's messages until its end, or until nothing came for
 * quiet ms.  ack: acknowledge each message as a client would.
 */
static void
collect(uint32_t reqid, struct got *g, int ack, int quiet)
{
	struct imsg		 imsg;
	struct logs_data	 d;
	size_t			 n;

	while (!g->ended && next_msg(&imsg, IMSG_RT_LOGS_DATA,
	    IMSG_RT_LOGS_END, quiet)) {
		if (imsg.hdr.type == IMSG_RT_LOGS_END) {
			ck_assert_uint_eq(imsg.datalen, sizeof(g->end));
			memcpy(&g->end, imsg.data, sizeof(g->end));
			imsg_free(&imsg);
			if (g->end.reqid == reqid)
				g->ended = 1;
			continue;
		}
		ck_assert_uint_gt(imsg.datalen, sizeof(d));
		ck_assert_uint_le(imsg.datalen, sizeof(d) + LOGS_CHUNK_MAX);
		memcpy(&d, imsg.data, sizeof(d));
		if (d.reqid != reqid) {
			imsg_free(&imsg);
			continue;
		}
		ck_assert(d.stream == LOGS_STDOUT || d.stream == LOGS_STDERR);
		n = imsg.datalen - sizeof(d);
		g->out[d.stream] = realloc(g->out[d.stream],
		    g->len[d.stream] + n + 1);
		ck_assert_ptr_nonnull(g->out[d.stream]);
		memcpy(g->out[d.stream] + g->len[d.stream],
		    (char *)imsg.data + sizeof(d), n);
		g->len[d.stream] += n;
		g->out[d.stream][g->len[d.stream]] = '\0';
		g->msgs++;
		imsg_free(&imsg);
		if (ack)
			send_ack(reqid, n);
	}
}

static void
got_free(struct got *g)
{
	free(g->out[1]);
	free(g->out[2]);
	memset(g, 0, sizeof(*g));
}

/*
 * The script of the known lines.  The engine copies stdout and stderr
 * apart, so their order in its log is the order of arrival: the pauses
 * make it certain.
 */
static const char script[] =
    "echo out 1; echo err 1 >&2; sleep 1; head -c 20000 /dev/zero | tr '\\0' x; "
    "echo; echo out 2; sleep 2; echo late >&2";

static char *
expected_stdout(void)
{
	char	*s = malloc(LONG_LEN + 32);

	ck_assert_ptr_nonnull(s);
	(void)strlcpy(s, "out 1\n", LONG_LEN + 32);
	memset(s + 6, 'x', LONG_LEN);
	(void)strlcpy(s + 6 + LONG_LEN, "\nout 2\n", 32);
	return s;
}

START_TEST(test_whole)
{
	struct got	 g;
	char		*want = expected_stdout();

	memset(&g, 0, sizeof(g));
	pod_run("whole", script, CONTAINER_EXITED);
	collect(send_logs(cid, LOGS_TAIL_ALL, 0), &g, 1, WAIT_MS);
	ck_assert_msg(g.ended && g.end.ok, "end: %s", g.end.message);
	ck_assert_uint_eq(g.len[LOGS_STDOUT], strlen(want));
	ck_assert(memcmp(g.out[LOGS_STDOUT], want, strlen(want)) == 0);
	ck_assert_str_eq(g.out[LOGS_STDERR], "err 1\nlate\n");
	/* The long line came in more than one message. */
	ck_assert_uint_ge(g.msgs, 4);
	free(want);
	got_free(&g);

	/* The last two lines, one of each stream. */
	collect(send_logs(cid, 2, 0), &g, 1, WAIT_MS);
	ck_assert(g.ended && g.end.ok);
	ck_assert_msg(g.out[LOGS_STDOUT] != NULL, "stdout none, stderr %zu "
	    "bytes: %.40s", g.len[2], g.out[2]);
	ck_assert_str_eq(g.out[LOGS_STDOUT], "out 2\n");
	ck_assert_str_eq(g.out[LOGS_STDERR], "late\n");
	got_free(&g);

	collect(send_logs(cid, 0, 0), &g, 1, WAIT_MS);
	ck_assert(g.ended && g.end.ok);
	ck_assert_uint_eq(g.len[1] + g.len[2], 0);
	got_free(&g);
}
END_TEST

/* Followed: what was there, then what comes, then the end at the exit. */
START_TEST(test_follow)
{
	struct got	 g;
	uint32_t	 reqid;
	uint64_t	 t0;

	memset(&g, 0, sizeof(g));
	pod_run("follow", "echo first; sleep 3; echo second >&2; sleep 1",
	    CONTAINER_RUNNING);
	t0 = monotime_ms();
	reqid = send_logs(cid, LOGS_TAIL_ALL, 1);
	collect(reqid, &g, 1, 1500);
	ck_assert_msg(!g.ended, "ended early: %s", g.end.message);
	ck_assert_str_eq(g.out[LOGS_STDOUT], "first\n");
	ck_assert_ptr_null(g.out[LOGS_STDERR]);
	collect(reqid, &g, 1, WAIT_MS);
	ck_assert_msg(g.ended && g.end.ok, "end: %s", g.end.message);
	ck_assert_str_eq(g.out[LOGS_STDERR], "second\n");
	ck_assert_uint_ge(monotime_ms() - t0, 2000);
	got_free(&g);
}
END_TEST

/* Unacknowledged, the output stops near LOGS_UNACKED_MAX; then resumes. */
START_TEST(test_window)
{
	struct got	 g;
	uint32_t	 reqid;
	size_t		 i, total;

	memset(&g, 0, sizeof(g));
	pod_run("window", "head -c 1048576 /dev/zero | tr '\\0' y",
	    CONTAINER_EXITED);
	reqid = send_logs(cid, LOGS_TAIL_ALL, 0);
	collect(reqid, &g, 0, 1500);
	ck_assert(!g.ended);
	ck_assert_uint_ge(g.len[1], LOGS_UNACKED_MAX);
	ck_assert_msg(g.len[1] <= LOGS_UNACKED_MAX + 2 * LOGS_CHUNK_MAX,
	    "%zu bytes unacknowledged", g.len[1]);
	total = g.len[1];
	send_ack(reqid, total);
	collect(reqid, &g, 1, WAIT_MS);
	ck_assert_msg(g.ended && g.end.ok, "end: %s", g.end.message);
	ck_assert_uint_eq(g.len[1], BIG_LEN);
	for (i = 0; i < BIG_LEN; i++)
		if (g.out[1][i] != 'y')
			ck_abort_msg("byte %zu is %d", i, g.out[1][i]);
	got_free(&g);
}
END_TEST

START_TEST(test_no_container)
{
	struct got	 g;
	char		 id[65];

	memset(&g, 0, sizeof(g));
	memset(id, 'f', 64);
	id[64] = '\0';
	collect(send_logs(id, 10, 1), &g, 1, WAIT_MS);
	ck_assert(g.ended && !g.end.ok);
	ck_assert_msg(strstr(g.end.message, "no container") != NULL, "%s",
	    g.end.message);
	got_free(&g);
}
END_TEST

/* At most LOGS_REQUESTS_MAX at once; a cancelled one frees its place. */
START_TEST(test_bounds)
{
	struct got	 g;
	uint32_t	 first, reqid = 0;
	int		 i;

	memset(&g, 0, sizeof(g));
	pod_run("bounds", "echo up; sleep 300", CONTAINER_RUNNING);
	first = next_reqid;
	for (i = 0; i < LOGS_REQUESTS_MAX; i++)
		reqid = send_logs(cid, 0, 1);
	reqid = send_logs(cid, 0, 1);
	collect(reqid, &g, 1, WAIT_MS);
	ck_assert(g.ended && !g.end.ok);
	ck_assert_str_eq(g.end.message, "too many log requests at once");
	got_free(&g);

	ck_assert(harness_send(&h, IMSG_RT_LOGS_CANCEL, &first,
	    sizeof(first)) == 0);
	reqid = send_logs(cid, 1, 1);
	collect(reqid, &g, 1, 1500);
	ck_assert_msg(!g.ended, "refused: %s", g.end.message);
	ck_assert_str_eq(g.out[LOGS_STDOUT], "up\n");
	got_free(&g);
}
END_TEST

/* Whatever a test left on our node goes, even when it failed. */
static void
cleanup(void)
{
	char	 cmd[4096];

	(void)snprintf(cmd, sizeof(cmd), "for id in $(curl -s -G "
	    "--unix-socket %s --data-urlencode 'all=1' --data-urlencode "
	    "'filters={\"label\":[\"riklet.node=%s\"]}' "
	    "http://docker/v1.41/containers/json | grep -o '\"Id\":\"[0-9a-f]*' "
	    "| cut -d'\"' -f4); do curl -s -X DELETE --unix-socket %s "
	    "\"http://docker/v1.41/containers/$id?force=1\"; done", sock, node,
	    sock);
	(void)system(cmd);
}

static void
suite_setup(void)
{
	ck_assert_msg(getenv("REGRESS_DIR") != NULL,
	    "REGRESS_DIR must be set");
	engine_sh("start");
	engine_sh("image");
	(void)snprintf(node, sizeof(node), "logs-%d", (int)getpid());
}

static void
setup(void)
{
	runtime_start();
}

static void
teardown(void)
{
	harness_stop(&h);
	cleanup();
}

static Suite *
logs_engine_suite(void)
{
	Suite	*s = suite_create("logs_engine");
	TCase	*tc = tcase_create("engine");

	tcase_add_unchecked_fixture(tc, suite_setup, cleanup);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_follow);
	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_no_container);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(logs_engine_suite());
}
