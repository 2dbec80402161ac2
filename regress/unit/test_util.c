/*
 * parse_duration() and fmt_duration(): what is accepted, what is refused
 * and with which message, and that every formatted value parses back.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "checkrun.h"
#include "util.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define UNTOUCHED	UINT64_C(0xdeadbeef)

static Suite	*util_suite(void);

static const struct {
	const char	*text;
	uint64_t	 ms;
} good[] = {
	{ "500ms",	500 },
	{ "1ms",	1 },
	{ "1s",		1000 },
	{ "5s",		5000 },
	{ "05s",	5000 },
	{ "1m",		60 * 1000 },
	{ "2h",		2 * 3600 * 1000 },
	{ "1500ms",	1500 },
	{ "8784h",	UINT64_C(8784) * 3600 * 1000 },	/* 366 days */
};

static const struct {
	const char	*text;
	const char	*errstr;
} bad[] = {
	{ "",		"empty duration" },
	{ "0s",		"duration must be greater than zero" },
	{ "0ms",	"duration must be greater than zero" },
	{ "-5s",	"negative duration" },
	{ "5",		"duration needs a unit (ms, s, m or h)" },
	{ "5x",		"unknown duration unit (use ms, s, m or h)" },
	{ "5S",		"unknown duration unit (use ms, s, m or h)" },
	{ "5 s",	"unknown duration unit (use ms, s, m or h)" },
	{ "5sec",	"unknown duration unit (use ms, s, m or h)" },
	{ "1.5s",	"unknown duration unit (use ms, s, m or h)" },
	{ "s",		"duration must start with a number" },
	{ " 5s",	"duration must start with a number" },
	{ "+5s",	"duration must start with a number" },
	{ "8785h",	"duration too large" },
	{ "99999999999999999999999s", "duration too large" },
	{ "18446744073709551617ms", "duration too large" },
};

static const struct {
	uint64_t	 ms;
	const char	*text;
} shortest[] = {
	{ 1,			"1ms" },
	{ 999,			"999ms" },
	{ 1000,			"1s" },
	{ 1500,			"1500ms" },
	{ 90 * 1000,		"90s" },
	{ 60 * 1000,		"1m" },
	{ 120 * 60 * 1000,	"2h" },
	{ 3600 * 1000,		"1h" },
	{ 61 * 60 * 1000,	"61m" },
};

START_TEST(test_parse_good)
{
	uint64_t	 ms = UNTOUCHED;
	const char	*errstr = "not reset";

	ck_assert_msg(parse_duration(good[_i].text, &ms, &errstr) == 0,
	    "\"%s\": %s", good[_i].text, errstr);
	ck_assert_ptr_null(errstr);
	ck_assert_uint_eq(ms, good[_i].ms);
}
END_TEST

START_TEST(test_parse_bad)
{
	uint64_t	 ms = UNTOUCHED;
	const char	*errstr = NULL;

	ck_assert_msg(parse_duration(bad[_i].text, &ms, &errstr) == -1,
	    "\"%s\" accepted", bad[_i].text);
	ck_assert_ptr_nonnull(errstr);
	ck_assert_str_eq(errstr, bad[_i].errstr);
	ck_assert_uint_eq(ms, UNTOUCHED);
}
END_TEST

START_TEST(test_parse_null)
{
	uint64_t	 ms = UNTOUCHED;
	const char	*errstr = NULL;

	ck_assert_int_eq(parse_duration(NULL, &ms, &errstr), -1);
	ck_assert_str_eq(errstr, "empty duration");
	ck_assert_uint_eq(ms, UNTOUCHED);
}
END_TEST

START_TEST(test_fmt_shortest)
{
	char	 buf[32];

	fmt_duration(shortest[_i].ms, buf, sizeof(buf));
	ck_assert_str_eq(buf, shortest[_i].text);
}
END_TEST

/* fmt_duration() then parse_duration() gives the value back. */
START_TEST(test_round_trip)
{
	static const uint64_t	 units[] = { 1, 1000, 60 * 1000, 3600 * 1000 };
	uint64_t		 n, ms, back;
	const char		*errstr;
	char			 buf[32];
	size_t			 u;

	for (u = 0; u < NELEM(units); u++)
		for (n = 1; n <= 5000; n += 7) {
			ms = n * units[u] + (n % 3 == 0 ? 1 : 0);
			fmt_duration(ms, buf, sizeof(buf));
			ck_assert_msg(parse_duration(buf, &back, &errstr) == 0,
			    "%s: %s", buf, errstr);
			ck_assert_uint_eq(back, ms);
		}
	ms = UINT64_C(8784) * 3600 * 1000;
	fmt_duration(ms, buf, sizeof(buf));
	ck_assert_int_eq(parse_duration(buf, &back, &errstr), 0);
	ck_assert_uint_eq(back, ms);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("util");
	tc = tcase_create("duration");
	tcase_add_loop_test(tc, test_parse_good, 0, (int)NELEM(good));
	tcase_add_loop_test(tc, test_parse_bad, 0, (int)NELEM(bad));
	tcase_add_test(tc, test_parse_null);
	tcase_add_loop_test(tc, test_fmt_shortest, 0, (int)NELEM(shortest));
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(util_suite());
}
