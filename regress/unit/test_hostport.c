/*
 * hostport_parse() (common/hostport.c), the one reader of "host:port":
 * names, IPv4, [IPv6], and what is refused with which answer; and the
 * one backoff (common/backoff.c): doubling, its cap, its reset.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "backoff.h"
#include "checkrun.h"
#include "hostport.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static Suite	*hostport_suite(void);

static const struct {
	const char	*in;
	int		 r;
	const char	*host;
	uint16_t	 port;
} cases[] = {
	{ "sched.example:4995",	HOSTPORT_OK,	"sched.example", 4995 },
	{ "127.0.0.1:1",	HOSTPORT_OK,	"127.0.0.1",	1 },
	{ "[::1]:65535",	HOSTPORT_OK,	"::1",		65535 },
	{ "[fe80::1%eth0]:80",	HOSTPORT_OK,	"fe80::1%eth0",	80 },
	/* The last colon is the port's: the caller judges the host. */
	{ "::1:80",		HOSTPORT_OK,	"::1",		80 },
	{ "[::1]:0",		HOSTPORT_RANGE,	"::1",		0 },
	{ "host:65536",		HOSTPORT_RANGE,	"host",		0 },
	{ "host:99999999999999999999", HOSTPORT_RANGE, "host",	0 },
	{ "host",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "host:",		HOSTPORT_SYNTAX, NULL,		0 },
	{ ":80",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "host:http",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "host:-1",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "host:+1",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "host:80 ",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "[::1]",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "[::1:80",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "::1]:80",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "[]:80",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "[::1]x:80",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "[[::1]]:80",		HOSTPORT_SYNTAX, NULL,		0 },
	{ "",			HOSTPORT_SYNTAX, NULL,		0 },
	{ "a-name-longer-than-sixteen:80", HOSTPORT_LONG, NULL,	0 },
};

START_TEST(test_parse)
{
	char		 host[17];
	const char	*errstr = NULL;
	uint16_t	 port = 0;
	int		 r;

	r = hostport_parse(cases[_i].in, host, sizeof(host), &port, &errstr);
	ck_assert_msg(r == cases[_i].r, "%s: %d, not %d", cases[_i].in, r,
	    cases[_i].r);
	if (r == HOSTPORT_OK) {
		ck_assert_ptr_null(errstr);
		ck_assert_uint_eq(port, cases[_i].port);
	} else
		ck_assert_str_eq(errstr, r == HOSTPORT_SYNTAX ?
		    "\"host:port\" expected" : r == HOSTPORT_RANGE ?
		    "port must be between 1 and 65535" : "host too long");
	if (cases[_i].host != NULL)
		ck_assert_str_eq(host, cases[_i].host);
}
END_TEST

START_TEST(test_backoff)
{
	static const uint64_t	 seq[] = { 250, 500, 1000, 2000, 4000,
				    8000, 16000, 30000, 30000 };
	struct backoff		 b;
	size_t			 i;

	backoff_init(&b, 250, 30000);
	for (i = 0; i < NELEM(seq); i++) {
		ck_assert_uint_eq(backoff_peek(&b), seq[i]);
		ck_assert_uint_eq(backoff_next(&b), seq[i]);
	}
	backoff_reset(&b);
	ck_assert_uint_eq(backoff_next(&b), 250);
	/* A cap that is no power of two of the first: reached, kept. */
	backoff_init(&b, 10000, 300000);
	for (i = 0; i < 6; i++)
		(void)backoff_next(&b);
	ck_assert_uint_eq(backoff_next(&b), 300000);
	/* No overflow at the top. */
	backoff_init(&b, 1, UINT64_MAX);
	for (i = 0; i < 70; i++)
		(void)backoff_next(&b);
	ck_assert_uint_eq(backoff_next(&b), UINT64_MAX);
}
END_TEST

static Suite *
hostport_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("hostport");
	tc = tcase_create("hostport");
	tcase_add_loop_test(tc, test_parse, 0, NELEM(cases));
	tcase_add_test(tc, test_backoff);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(hostport_suite());
}
