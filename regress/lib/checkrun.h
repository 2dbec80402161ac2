#ifndef RIKLET_CHECKRUN_H
#define RIKLET_CHECKRUN_H

#include <check.h>

int	check_run(Suite *);

#endif
