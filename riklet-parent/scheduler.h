#ifndef RIKLET_SCHED_H
#define RIKLET_SCHED_H

#include <stddef.h>

int	sched_split(const char *, char *, size_t, char *, size_t);
void	sched_resolve(void);
void	sched_agent_ready(void);
void	sched_clear(void);

#endif
