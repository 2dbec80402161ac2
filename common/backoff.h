/*
 * The one backoff: a delay that starts at first_ms and doubles up to
 * max_ms each time it is taken, until it is reset.  Each caller keeps
 * its own constants and decides when to reset.
 */
#ifndef RIKLET_BACKOFF_H
#define RIKLET_BACKOFF_H

#include <stdint.h>

struct backoff {
	uint64_t	 first_ms;
	uint64_t	 max_ms;
	uint64_t	 next_ms;	/* the delay backoff_next() gives */
};

void	 backoff_init(struct backoff *, uint64_t, uint64_t);
void	 backoff_reset(struct backoff *);
uint64_t backoff_peek(const struct backoff *);
uint64_t backoff_next(struct backoff *);

#endif
