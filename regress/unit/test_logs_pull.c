/*
 * An image pull's progress as the runtime reads it from the engine: the
 * layers summed, errors kept, and the rate of what is said about it (the
 * parent every second, the log every five seconds), with made-up times.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "checkrun.h"
#include "runtime.h"

static int
feed(struct pull_progress *pp, uint64_t now, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static int
feed(struct pull_progress *pp, uint64_t now, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return pull_line(pp, line, strlen(line), now);
}

#define DL	"{\"status\":\"Downloading\",\"progressDetail\":" \
		"{\"current\":%d,\"total\":%d},\"id\":\"%s\"}"
#define DONE	"{\"status\":\"Pull complete\",\"progressDetail\":{}," \
		"\"id\":\"%s\"}"

START_TEST(test_sum)
{
	struct pull_progress	 pp;

	pull_init(&pp, 10000);
	/* The first figures go to the parent at once, the log waits. */
	ck_assert_int_eq(feed(&pp, 10000, DL, 100, 1000, "aaa"), PULL_REPORT);
	ck_assert_int_eq(feed(&pp, 10100, DL, 50, 500, "bbb"), 0);
	ck_assert_int_eq(pp.done, 150);
	ck_assert_int_eq(pp.total, 1500);
	ck_assert_int_eq(feed(&pp, 10200, DONE, "aaa"), 0);
	ck_assert_int_eq(pp.done, 1050);
	ck_assert_int_eq(pp.total, 1500);
	/* Lines without bytes change nothing. */
	ck_assert_int_eq(feed(&pp, 20000, "{\"status\":\"Pulling fs layer\","
	    "\"progressDetail\":{},\"id\":\"ccc\"}"), 0);
	ck_assert_int_eq(feed(&pp, 20000, "{\"status\":\"Digest: x\"}"), 0);
	ck_assert_int_eq(feed(&pp, 20000, "not json"), 0);
	ck_assert_int_eq(pp.done, 1050);
	ck_assert_uint_eq(pp.nlayers, 2);
	ck_assert_int_eq(feed(&pp, 20000, DONE, "bbb"),
	    PULL_REPORT | PULL_LOG);
	ck_assert_int_eq(pp.done, 1500);
	ck_assert_str_eq(pp.error, "");
	ck_assert_int_eq(feed(&pp, 20001, "{\"error\":\"manifest unknown\"}"),
	    0);
	ck_assert_str_eq(pp.error, "manifest unknown");
}
END_TEST

/* A line every 2 ms for 60 s: a report a second, a log line every 5 s. */
START_TEST(test_rate)
{
	struct pull_progress	 pp;
	uint64_t		 t, last_log = 0, last_report = 0;
	int			 due, logs = 0, reports = 0;

	pull_init(&pp, 5000);
	for (t = 5000; t < 65000; t += 2) {
		due = feed(&pp, t, DL, (int)(t - 5000), 60000, "aaa");
		if (due & PULL_REPORT) {
			ck_assert(reports == 0 || t - last_report >= 1000);
			last_report = t;
			reports++;
		}
		if (due & PULL_LOG) {
			ck_assert_uint_ge(t - (logs ? last_log : 5000), 5000);
			last_log = t;
			logs++;
		}
	}
	ck_assert_int_eq(reports, 60);
	ck_assert_int_eq(logs, 11);
	ck_assert_int_eq(pp.done, 59998);
}
END_TEST

/* More layers than kept: the rest are left out, nothing overflows. */
START_TEST(test_layers_bound)
{
	struct pull_progress	 pp;
	char			 id[16];
	int			 i;

	pull_init(&pp, 0);
	for (i = 0; i < PULL_LAYERS_MAX + 10; i++) {
		(void)snprintf(id, sizeof(id), "l%d", i);
		(void)feed(&pp, 0, DL, 1, 10, id);
	}
	ck_assert_uint_eq(pp.nlayers, PULL_LAYERS_MAX);
	ck_assert_int_eq(pp.done, PULL_LAYERS_MAX);
	ck_assert_int_eq(pp.total, 10 * PULL_LAYERS_MAX);
}
END_TEST

#define DL64	"{\"status\":\"Downloading\",\"progressDetail\":" \
		"{\"current\":%lld,\"total\":%lld},\"id\":\"%s\"}"

/*
 * The sizes are a registry's: any int64_t.  Their sums saturate at
 * INT64_MAX, so the figures never go negative, whatever the order.
 */
START_TEST(test_overflow)
{
	struct pull_progress	 pp;
	char			 id[16];
	int			 i;

	pull_init(&pp, 0);
	for (i = 0; i < 3; i++) {
		(void)snprintf(id, sizeof(id), "big%d", i);
		(void)feed(&pp, 0, DL64, (long long)INT64_MAX - 1,
		    (long long)INT64_MAX, id);
		ck_assert_int_ge(pp.done, 0);
		ck_assert_int_ge(pp.total, 0);
	}
	ck_assert_int_eq(pp.done, INT64_MAX);
	ck_assert_int_eq(pp.total, INT64_MAX);
	/* A layer complete counts its total; still saturated. */
	(void)feed(&pp, 0, DONE, "big0");
	ck_assert_int_eq(pp.done, INT64_MAX);
	/* Each layer near the top: every partial sum overflows. */
	pull_init(&pp, 0);
	for (i = 0; i < PULL_LAYERS_MAX; i++) {
		(void)snprintf(id, sizeof(id), "l%d", i);
		(void)feed(&pp, 0, DL64, (long long)1 << 62,
		    (long long)(INT64_MAX / 2 + 1), id);
		ck_assert_int_ge(pp.done, 0);
		ck_assert_int_ge(pp.total, 0);
		if (i >= 1)
			ck_assert_int_eq(pp.total, INT64_MAX);
		if (i >= 2)
			ck_assert_int_eq(pp.done, INT64_MAX);
	}
	/* Past int64_t, negative or not integers: no figures at all. */
	pull_init(&pp, 0);
	(void)feed(&pp, 0, DL, 5, 10, "a");
	ck_assert_int_eq(feed(&pp, 0, "{\"status\":\"Downloading\","
	    "\"progressDetail\":{\"current\":9223372036854775808,"
	    "\"total\":18446744073709551616},\"id\":\"a\"}"), 0);
	(void)feed(&pp, 0, DL64, -5LL, -10LL, "a");
	(void)feed(&pp, 0, "{\"status\":\"Downloading\",\"progressDetail\":"
	    "{\"current\":1e300,\"total\":-1e300},\"id\":\"b\"}");
	ck_assert_int_ge(pp.done, 0);
	ck_assert_int_eq(pp.total, 10);
}
END_TEST

static Suite *
pull_suite(void)
{
	Suite	*s = suite_create("logs_pull");
	TCase	*tc = tcase_create("progress");

	tcase_add_test(tc, test_sum);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_layers_bound);
	tcase_add_test(tc, test_overflow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(pull_suite());
}
