#ifndef RIKLET_UTIL_H
#define RIKLET_UTIL_H

#include <stddef.h>
#include <stdint.h>

int	parse_duration(const char *, uint64_t *, const char **);
void	fmt_duration(uint64_t, char *, size_t);
uint64_t monotime_ms(void);
int	strarray_terminated(const char *, size_t);

#endif
