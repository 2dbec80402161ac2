#ifndef RIKLET_PATH_H
#define RIKLET_PATH_H

#include <stddef.h>

#define PATH_NORMAL_MAX		4096

int	path_normalise(const char *, char *, size_t, const char **);
int	path_is_normal(const char *);
int	path_within(const char *, const char *);

#endif
