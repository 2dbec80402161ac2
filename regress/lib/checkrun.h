#ifndef RIKLET_CHECKRUN_H
#define RIKLET_CHECKRUN_H

#include <check.h>

int	check_run(Suite *);
void	check_skip(const char *, const char *);

#endif
