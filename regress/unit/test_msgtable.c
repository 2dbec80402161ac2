/*
 * The parent's message tables (riklet-parent/msgtable.h), walked by
 * msg_dispatch() as supervise.c does: every row of every child's table
 * refuses each wrong size, as a protocol violation; every type that is
 * not in a child's table is one too; each row has a handler, no type
 * appears twice, and every type a child sends is in some table.
 *
 * With -l it prints, for t_msgtable.sh, one line per row and one per
 * child for a type it may not send: the child, the type's number and
 * name, and a size its rule refuses.
 */
#include <sys/socket.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "checkrun.h"
#include "log.h"
#include "msgtable.h"
#include "pods.h"
#include "prom.h"
#include "report.h"
#include "riklet.h"
#include "scheduler.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct parent		*parent;
static struct parent	 test_parent;
static int		 far_end[PROC_MAX];

static Suite	*msgtable_suite(void);

/* Sizes the row's rule refuses, at most four; the first is the smallest. */
static size_t
wrong_sizes(const struct msg_rule *r, size_t *out)
{
	size_t	 n = 0;

	switch (r->size) {
	case MSG_SIZE_EMPTY:
		out[n++] = 1;
		out[n++] = 64;
		break;
	case MSG_SIZE_EXACT:
		out[n++] = r->min - 1;
		out[n++] = r->min + 1;
		if (r->min > 1)
			out[n++] = 0;
		break;
	case MSG_SIZE_STRING:
		out[n++] = r->min;	/* no string at all */
		out[n++] = r->max + 1;
		break;
	case MSG_SIZE_RANGE:
		if (r->min > 0)
			out[n++] = r->min - 1;
		out[n++] = r->max + 1;
		break;
	}
	return n;
}

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
	int			 sp[2];

	memset(&test_parent, 0, sizeof(test_parent));
	parent = &test_parent;
	conf_defaults(&parent->conf);
	ck_assert_ptr_nonnull(parent->base = event_base_new());
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		c = &parent->children[p];
		c->proc = p;
		/* Never a real pid: child_violation() must not kill(0). */
		c->pid = 0;
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0, sp), 0);
		imsgev_init(&c->iev, parent->base, sp[0], ignore, c);
		far_end[p] = sp[1];
		c->connected = c->ready = 1;
	}
	pods_init();
}

static void
parent_down(void)
{
	enum riklet_proc	 p;

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		if (parent->children[p].connected)
			imsgev_clear(&parent->children[p].iev);
		close(far_end[p]);
	}
	prom_clear();
	pods_clear();
	report_clear();
	sched_clear();
	event_base_free(parent->base);
}

/*
 * One message of len bytes, each fill, from a connected child: whether
 * it was a violation (counted, and the child cut off).
 */
static int
violates_data(enum riklet_proc p, uint32_t type, const void *data,
    size_t len)
{
	struct child	*c = &parent->children[p];
	struct imsg	 imsg;
	unsigned int	 before = c->violations;
	int		 r, sp[2];

	/* A new child after a violation, as supervise.c would start. */
	if (!c->connected) {
		close(far_end[p]);
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0, sp), 0);
		imsgev_init(&c->iev, parent->base, sp[0], ignore, c);
		far_end[p] = sp[1];
		c->connected = c->ready = 1;
	}
	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.type = type;
	imsg.hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
	imsg.fd = -1;
	imsg.datalen = len;
	ck_assert_ptr_nonnull(imsg.data = calloc(1, len + 1));
	memcpy(imsg.data, data, len);
	r = msg_dispatch(c, &imsg);
	imsg_free(&imsg);
	ck_assert_int_eq(r == -1, c->violations == before + 1);
	ck_assert_int_eq(r == -1, !c->connected);
	return r == -1;
}

static int
violates(enum riklet_proc p, uint32_t type, size_t len, int fill)
{
	char	*data;
	int	 r;

	ck_assert_ptr_nonnull(data = malloc(len + 1));
	memset(data, fill, len);
	r = violates_data(p, type, data, len);
	free(data);
	return r;
}

START_TEST(test_wrong_sizes)
{
	const struct msg_table	*t;
	const struct msg_rule	*r;
	enum riklet_proc	 p;
	size_t			 i, k, n, sizes[4], rows = 0;

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		t = msg_table(p);
		ck_assert_int_eq(t->proc, p);
		for (i = 0; i < t->nrules; i++) {
			r = &t->rules[i];
			n = wrong_sizes(r, sizes);
			for (k = 0; k < n; k++)
				ck_assert_msg(violates(p, r->type, sizes[k], 0),
				    "%s from %s: %zu bytes taken",
				    imsg_type_name(r->type), proc_name(p),
				    sizes[k]);
			rows++;
		}
	}
	ck_assert_uint_ge(rows, 29);
}
END_TEST

/* A string the size allows, without its NUL: refused too. */
START_TEST(test_unterminated)
{
	const struct msg_table	*t;
	const struct msg_rule	*r;
	enum riklet_proc	 p;
	size_t			 i, strings = 0;

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		t = msg_table(p);
		for (i = 0; i < t->nrules; i++) {
			r = &t->rules[i];
			if (r->size != MSG_SIZE_STRING)
				continue;
			ck_assert(violates(p, r->type, r->min + 2, 'a'));
			strings++;
		}
	}
	ck_assert_uint_ge(strings, 3);
}
END_TEST

/*
 * A tick's pod samples: taken whole, refused when a record is cut short,
 * its JSON or instance unterminated, or its JSON too long.
 */
START_TEST(test_pod_samples)
{
	struct met_pod_sample	 ps;
	char			*buf;
	size_t			 len = 0;

	ck_assert_ptr_nonnull(buf = calloc(1, RIK_SAMPLES_MAX + 1));
	memset(&ps, 0, sizeof(ps));
	(void)strlcpy(ps.instance, "pod-1", sizeof(ps.instance));
	memcpy(buf, &ps, sizeof(ps));
	memcpy(buf + sizeof(ps), "{}", 3);
	len = sizeof(ps) + 3;
	(void)strlcpy(ps.instance, "pod-2", sizeof(ps.instance));
	memcpy(buf + len, &ps, sizeof(ps));
	memcpy(buf + len + sizeof(ps), "{\"cpu\":{}}", 11);
	len += sizeof(ps) + 11;
	ck_assert(!violates_data(PROC_METRICS, IMSG_MET_POD_SAMPLES, buf,
	    len));
	/* The second record's JSON without its NUL, then cut short. */
	ck_assert(violates_data(PROC_METRICS, IMSG_MET_POD_SAMPLES, buf,
	    len - 1));
	ck_assert(violates_data(PROC_METRICS, IMSG_MET_POD_SAMPLES, buf,
	    sizeof(ps) + 3 + sizeof(ps)));
	ck_assert(violates_data(PROC_METRICS, IMSG_MET_POD_SAMPLES, buf,
	    sizeof(ps) + 3 + 10));
	/* An instance without its NUL. */
	memset(buf + sizeof(ps) + 3, 'a', sizeof(ps.instance));
	ck_assert(violates_data(PROC_METRICS, IMSG_MET_POD_SAMPLES, buf,
	    len));
	/* A JSON document of RIK_METRICS_MAX bytes and its NUL: too long. */
	memset(buf + sizeof(ps), 'a', RIK_METRICS_MAX);
	buf[sizeof(ps) + RIK_METRICS_MAX] = '\0';
	ck_assert(violates_data(PROC_METRICS, IMSG_MET_POD_SAMPLES, buf,
	    sizeof(ps) + RIK_METRICS_MAX + 1));
	buf[sizeof(ps) + RIK_METRICS_MAX - 1] = '\0';
	ck_assert(!violates_data(PROC_METRICS, IMSG_MET_POD_SAMPLES, buf,
	    sizeof(ps) + RIK_METRICS_MAX));
	free(buf);
}
END_TEST

START_TEST(test_unlisted)
{
	enum riklet_proc	 p;
	uint32_t		 type;
	size_t			 refused, listed;

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		refused = listed = 0;
		for (type = 0; type < IMSG_MAX + 4; type++) {
			if (msg_rule(p, type) != NULL) {
				listed++;
				continue;
			}
			ck_assert_msg(violates(p, type, 0, 0),
			    "%s may send %s", proc_name(p),
			    imsg_type_name(type));
			refused++;
		}
		ck_assert_uint_gt(listed, 1);
		ck_assert_uint_gt(refused, IMSG_MAX / 2);
		/* The parent's own messages never come back. */
		ck_assert_ptr_null(msg_rule(p, IMSG_CONF));
		ck_assert_ptr_null(msg_rule(p, IMSG_NONE));
	}
}
END_TEST

START_TEST(test_rows)
{
	const struct msg_table	*t;
	const struct msg_rule	*r;
	enum riklet_proc	 p;
	size_t			 i, k;

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		t = msg_table(p);
		ck_assert_ptr_nonnull(msg_rule(p, IMSG_CHILD_READY));
		for (i = 0; i < t->nrules; i++) {
			r = &t->rules[i];
			ck_assert_uint_lt(r->type, IMSG_MAX);
			ck_assert_msg(r->handle != NULL, "%s: no handler",
			    imsg_type_name(r->type));
			ck_assert_uint_le(r->min, r->max);
			for (k = i + 1; k < t->nrules; k++)
				ck_assert_uint_ne(r->type, t->rules[k].type);
		}
	}
	/* Right sizes pass the size rule. */
	r = msg_rule(PROC_RUNTIME, IMSG_RT_CONTAINER);
	{
		struct imsg	 imsg;

		memset(&imsg, 0, sizeof(imsg));
		imsg.datalen = sizeof(struct rt_container);
		ck_assert(msg_size_ok(r, &imsg));
		imsg.datalen++;
		ck_assert(!msg_size_ok(r, &imsg));
	}
}
END_TEST

/* For t_msgtable.sh: "child type name size", refused each. */
static void
list(void)
{
	const struct msg_table	*t;
	const struct msg_rule	*r;
	enum riklet_proc	 p;
	uint32_t		 type;
	size_t			 i, sizes[4];

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		t = msg_table(p);
		for (i = 0; i < t->nrules; i++) {
			r = &t->rules[i];
			(void)wrong_sizes(r, sizes);
			printf("%s %u %s %zu\n", proc_name(p), r->type,
			    imsg_type_name(r->type), sizes[0]);
		}
		/* The first type it may not send, past IMSG_NONE. */
		for (type = 1; msg_rule(p, type) != NULL; type++)
			;
		printf("%s %u %s 0\n", proc_name(p), type,
		    imsg_type_name(type));
	}
}

static Suite *
msgtable_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("msgtable");
	tc = tcase_create("tables");
	tcase_add_checked_fixture(tc, parent_up, parent_down);
	tcase_add_test(tc, test_wrong_sizes);
	tcase_add_test(tc, test_unterminated);
	tcase_add_test(tc, test_pod_samples);
	tcase_add_test(tc, test_unlisted);
	tcase_add_test(tc, test_rows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char *argv[])
{
	log_init(1, 0, LOG_DAEMON);
	log_procinit("parent");
	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		list();
		return 0;
	}
	return check_run(msgtable_suite());
}
