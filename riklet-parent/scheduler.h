#ifndef RIKLET_SCHED_H
#define RIKLET_SCHED_H

#include <stddef.h>

void	sched_resolve(void);
void	sched_agent_ready(void);
void	sched_clear(void);

#endif
