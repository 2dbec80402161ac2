/*
 * The end of every Check test program: run the suite, exit 0 only if
 * every test passed.  A test that cannot run here is not added to the
 * suite but named by check_skip(), so that make check counts it.
 */
#include <errno.h>
#include <stdio.h>

#include <check.h>

#include "checkrun.h"

int
check_run(Suite *s)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* "SKIP program/test: why" on stdout, the line make check counts. */
void
check_skip(const char *test, const char *why)
{
	printf("SKIP %s/%s: %s\n", program_invocation_short_name, test, why);
	fflush(stdout);
}
