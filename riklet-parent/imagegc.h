/*
 * Image garbage collection, the parent's half (imagegc.c).
 */
#ifndef RIKLET_IMAGEGC_H
#define RIKLET_IMAGEGC_H

#include <stdint.h>

#include "riklet_msg.h"

int	imagegc_need(uint64_t, uint64_t, uint32_t, uint32_t, uint32_t *,
	    int64_t *);
void	imagegc_kick(int);
void	imagegc_engine(const struct rt_engine *);
void	imagegc_runtime_gone(void);
void	imagegc_result(const struct rt_gc_result *);
void	imagegc_status(struct ctl_status *);
void	imagegc_clear(void);

#endif
