/*
 * The parent's pod table and its queue to the runtime (riklet-parent/
 * pods.c, runq.c), driven through msg_dispatch() as supervise.c does,
 * with each child a socket pair whose far end the test reads: no more
 * operations with the runtime than it queues, the rest in order and never
 * failed, Busy tried again, a new runtime handed what the old one had, a
 * DESTROY of an unknown instance answered without an entry, an entry
 * freed once its pod is over and the agent has its last status.
 */
#include <sys/socket.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "checkrun.h"
#include "imsg.h"
#include "log.h"
#include "podspec.h"
#include "pods.h"
#include "report.h"
#include "msgtable.h"
#include "riklet.h"
#include "scheduler.h"

struct parent		*parent;
static struct parent	 tparent;
static int		 far_fd[PROC_MAX];
static struct imsgbuf	 far[PROC_MAX];

static void	flush_cb(int, short, void *);
static void	setup(void);
static void	teardown(void);
static void	child_msg(enum riklet_proc, uint32_t, const void *, size_t);
static void	create(const char *);
static void	result(const char *, uint32_t, int, const char *);
static size_t	drain(enum riklet_proc, uint32_t, char *, size_t);
static void	run_for_ms(long);

/* The parent's side, as its event loop would write it. */
static void
flush_cb(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;

	(void)fd;
	(void)event;
	(void)imsgbuf_write(&iev->ibuf);
	imsgev_update(iev);
}

static void
setup(void)
{
	enum riklet_proc	 p;
	struct child		*c;
	int			 sp[2];

	log_init(1, 0, LOG_DAEMON);
	log_procinit("parent");
	memset(&tparent, 0, sizeof(tparent));
	parent = &tparent;
	conf_defaults(&parent->conf);
	(void)strlcpy(parent->conf.scheduler, "127.0.0.1:9",
	    sizeof(parent->conf.scheduler));
	ck_assert_ptr_nonnull(parent->base = event_base_new());
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		c = &parent->children[p];
		c->proc = p;
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0, sp), 0);
		imsgev_init(&c->iev, parent->base, sp[0], flush_cb, c);
		c->connected = c->ready = 1;
		far_fd[p] = sp[1];
		imsgbuf_init(&far[p], sp[1]);
	}
	pods_init();
}

static void
teardown(void)
{
	enum riklet_proc	 p;

	pods_clear();
	report_clear();
	sched_clear();
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		imsgev_clear(&parent->children[p].iev);
		imsgbuf_clear(&far[p]);
		close(far_fd[p]);
	}
	event_base_free(parent->base);
}

/* A message from a child, as child_dispatch() hands it over. */
static void
child_msg(enum riklet_proc p, uint32_t type, const void *data, size_t len)
{
	struct imsg	 imsg;

	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.type = type;
	imsg.hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
	imsg.fd = -1;
	imsg.datalen = len;
	ck_assert_ptr_nonnull(imsg.data = calloc(1, len + 1));
	if (len > 0)
		memcpy(imsg.data, data, len);
	(void)msg_dispatch(&parent->children[p], &imsg);
	imsg_free(&imsg);
}

static void
create(const char *instance)
{
	struct pod_spec	 ps;
	unsigned char	*buf;
	size_t		 len;

	memset(&ps, 0, sizeof(ps));
	(void)strlcpy(ps.instance, instance, sizeof(ps.instance));
	(void)strlcpy(ps.name, "web", sizeof(ps.name));
	ps.ncontainers = 1;
	(void)strlcpy(ps.containers[0].name, "main",
	    sizeof(ps.containers[0].name));
	(void)strlcpy(ps.containers[0].image, "busybox:latest",
	    sizeof(ps.containers[0].image));
	ck_assert_int_eq(podspec_encode(&ps, &buf, &len), 0);
	child_msg(PROC_AGENT, IMSG_POD_CREATE, buf, len);
	free(buf);
}

static void
result(const char *instance, uint32_t op, int ok, const char *reason)
{
	struct rt_pod_result	 r;

	memset(&r, 0, sizeof(r));
	(void)strlcpy(r.instance, instance, sizeof(r.instance));
	r.op = op;
	r.ok = ok;
	if (!ok) {
		(void)strlcpy(r.reason, reason, sizeof(r.reason));
		(void)strlcpy(r.message, "test", sizeof(r.message));
	}
	child_msg(PROC_RUNTIME, IMSG_RT_POD_RESULT, &r, sizeof(r));
}

/*
 * Everything the parent has sent child p so far; returns how many were of
 * type and appends to out, for each, "instance " (POD_CREATE, POD_DESTROY)
 * or "instance:STATUS " (POD_STATUS).
 */
static size_t
drain(enum riklet_proc p, uint32_t type, char *out, size_t outlen)
{
	struct imsgbuf		*ibuf = &parent->children[p].iev.ibuf;
	struct pod_spec		 ps;
	struct pod_status	 st;
	struct imsg		 imsg;
	char			 err[256], word[RIK_ID_MAX + 32];
	size_t			 n = 0;
	ssize_t			 got, rd;

	for (;;) {
		/*
		 * As much as the socket takes, then read it out: a read
		 * stops at a message carrying a descriptor (IMSG_RT_PAUSE),
		 * so the socket is read until it is empty.
		 */
		ck_assert_int_ne(imsgbuf_write(ibuf), -1);
		rd = imsgbuf_read(&far[p]);
		while ((got = imsg_get(&far[p], &imsg)) > 0) {
			word[0] = '\0';
			if (imsg.hdr.type == type && type == IMSG_POD_CREATE) {
				ck_assert_int_eq(podspec_decode(imsg.data,
				    imsg.datalen, &ps, err, sizeof(err)), 0);
				(void)snprintf(word, sizeof(word), "%s ",
				    ps.instance);
				podspec_free(&ps);
			} else if (imsg.hdr.type == type &&
			    type == IMSG_POD_DESTROY)
				(void)snprintf(word, sizeof(word), "%s ",
				    (char *)imsg.data);
			else if (imsg.hdr.type == type &&
			    type == IMSG_POD_STATUS) {
				memcpy(&st, imsg.data, sizeof(st));
				if (st.transition)
					(void)snprintf(word, sizeof(word),
					    "%s:%s ", st.instance,
					    rik_status_name(st.status));
			}
			if (word[0] != '\0') {
				n++;
				if (out != NULL)
					(void)strlcat(out, word, outlen);
			}
			imsg_free(&imsg);
		}
		ck_assert_int_ne(got, -1);
		if (imsgbuf_queued(ibuf) == 0 && far[p].rlen == 0 && rd <= 0)
			return n;
	}
}

static void
run_for_ms(long ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(parent->base, &tv);
	event_base_dispatch(parent->base);
}

/*
 * 300 CREATEs: 256 go to the runtime, the others as answers come; a new
 * runtime gets again, in their order, those the old one had; nothing is
 * FAILED.
 */
START_TEST(test_window_and_restart)
{
	static char	 got[300 * 16], want[300 * 16];
	char		 id[16];
	int		 i;

	for (i = 0; i < 300; i++) {
		(void)snprintf(id, sizeof(id), "p%d", i);
		create(id);
	}
	want[0] = got[0] = '\0';
	for (i = 0; i < RUNQ_WINDOW; i++) {
		(void)snprintf(id, sizeof(id), "p%d ", i);
		(void)strlcat(want, id, sizeof(want));
	}
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_CREATE, got,
	    sizeof(got)), RUNQ_WINDOW);
	ck_assert_str_eq(got, want);

	result("p3", POD_OP_CREATE, 1, NULL);
	got[0] = '\0';
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_CREATE, got,
	    sizeof(got)), 1);
	ck_assert_str_eq(got, "p256 ");

	/* A new runtime: the 256 under way again, in order, no more. */
	msg_child_ready(&parent->children[PROC_RUNTIME]);
	want[0] = got[0] = '\0';
	for (i = 0; i <= RUNQ_WINDOW; i++) {
		if (i == 3)
			continue;
		(void)snprintf(id, sizeof(id), "p%d ", i);
		(void)strlcat(want, id, sizeof(want));
	}
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_CREATE, got,
	    sizeof(got)), RUNQ_WINDOW);
	ck_assert_str_eq(got, want);

	got[0] = '\0';
	ck_assert_uint_eq(drain(PROC_AGENT, IMSG_POD_STATUS, got,
	    sizeof(got)), 301);
	ck_assert_ptr_null(strstr(got, "FAILED"));
	ck_assert_ptr_nonnull(strstr(got, "p3:RUNNING"));
	ck_assert_uint_eq(pod_count(), 300);
}
END_TEST

/* Busy is no fault of the pod: it goes again a second later. */
START_TEST(test_busy_retried)
{
	char	 got[256] = "";

	create("a");
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_CREATE, NULL, 0), 1);
	result("a", POD_OP_CREATE, 0, "Busy");
	create("b");
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_CREATE, NULL, 0), 0);
	run_for_ms(1300);
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_CREATE, got,
	    sizeof(got)), 2);
	ck_assert_str_eq(got, "a b ");
	got[0] = '\0';
	ck_assert_uint_eq(drain(PROC_AGENT, IMSG_POD_STATUS, got,
	    sizeof(got)), 2);
	ck_assert_str_eq(got, "a:CREATING b:CREATING ");
}
END_TEST

/*
 * An unknown instance: before the engine's listing the runtime makes
 * sure and the entry goes with its answer; after it, TERMINATED at once
 * and no entry at all.
 */
START_TEST(test_unknown_destroy)
{
	char	 got[256] = "";
	char	 id[16];
	int	 i;

	child_msg(PROC_AGENT, IMSG_POD_DESTROY, "x", 2);
	ck_assert_uint_eq(pod_count(), 1);
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_DESTROY, got,
	    sizeof(got)), 1);
	ck_assert_str_eq(got, "x ");
	result("x", POD_OP_DESTROY, 1, NULL);
	ck_assert_uint_eq(pod_count(), 0);

	child_msg(PROC_RUNTIME, IMSG_RT_LIST_BEGIN, NULL, 0);
	child_msg(PROC_RUNTIME, IMSG_RT_LIST_END, NULL, 0);
	for (i = 0; i < 5000; i++) {
		(void)snprintf(id, sizeof(id), "u%d", i);
		child_msg(PROC_AGENT, IMSG_POD_DESTROY, id, strlen(id) + 1);
		ck_assert_uint_eq(pod_count(), 0);
		if (i % 500 == 0)
			(void)drain(PROC_AGENT, IMSG_POD_STATUS, NULL, 0);
	}
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_DESTROY, NULL, 0), 0);
	got[0] = '\0';
	create("c");
	ck_assert_uint_eq(drain(PROC_RUNTIME, IMSG_POD_CREATE, got,
	    sizeof(got)), 1);
	ck_assert_str_eq(got, "c ");
	ck_assert_uint_eq(pod_count(), 1);
}
END_TEST

/* An ended pod stays until the agent has its last status. */
START_TEST(test_ended_waits_for_agent)
{
	char	 got[256] = "";

	parent->children[PROC_AGENT].ready = 0;
	create("z");
	result("z", POD_OP_CREATE, 0, "ImagePullFailed");
	ck_assert_uint_eq(pod_count(), 1);
	parent->children[PROC_AGENT].ready = 1;
	msg_child_ready(&parent->children[PROC_AGENT]);
	ck_assert_uint_eq(pod_count(), 0);
	ck_assert_uint_eq(drain(PROC_AGENT, IMSG_POD_STATUS, got,
	    sizeof(got)), 2);
	ck_assert_str_eq(got, "z:CREATING z:FAILED ");
}
END_TEST

/*
 * A listing taken before a create ended does not make its pod FAILED;
 * one that lacks a container the parent had heard of does.
 */
START_TEST(test_listing_judges_known_containers)
{
	struct rt_container	 rc;
	char			 got[512] = "";

	create("a");
	create("b");
	result("a", POD_OP_CREATE, 1, NULL);
	result("b", POD_OP_CREATE, 1, NULL);
	memset(&rc, 0, sizeof(rc));
	(void)strlcpy(rc.instance, "a", sizeof(rc.instance));
	(void)strlcpy(rc.pod_name, "web", sizeof(rc.pod_name));
	(void)strlcpy(rc.name, "main", sizeof(rc.name));
	memset(rc.id, 'a', 64);
	(void)strlcpy(rc.image, "busybox:latest", sizeof(rc.image));
	rc.state = CONTAINER_RUNNING;
	rc.pid = 42;
	rc.ncontainers = 1;
	child_msg(PROC_RUNTIME, IMSG_RT_CONTAINER, &rc, sizeof(rc));
	child_msg(PROC_RUNTIME, IMSG_RT_LIST_BEGIN, NULL, 0);
	child_msg(PROC_RUNTIME, IMSG_RT_LIST_END, NULL, 0);
	ck_assert_uint_eq(drain(PROC_AGENT, IMSG_POD_STATUS, got,
	    sizeof(got)), 5);
	ck_assert_str_eq(got, "a:CREATING b:CREATING a:RUNNING b:RUNNING "
	    "a:FAILED ");
	ck_assert_uint_eq(pod_count(), 1);
	ck_assert_ptr_nonnull(pod_find("b"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("podtable");
	TCase	*tc = tcase_create("podtable");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_window_and_restart);
	tcase_add_test(tc, test_busy_retried);
	tcase_add_test(tc, test_unknown_destroy);
	tcase_add_test(tc, test_ended_waits_for_agent);
	tcase_add_test(tc, test_listing_judges_known_containers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
