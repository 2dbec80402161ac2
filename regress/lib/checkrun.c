/*
 * The end of every Check test program: run the suite, exit 0 only if
 * every test passed.
 */
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
