/*
 * One backoff for every retry in riklet (backoff.h): the parent's
 * restarts of its children and of failed pods, the agent's reconnection
 * to the scheduler, the runtime's probes of the engine.
 */
#include "backoff.h"

void
backoff_init(struct backoff *b, uint64_t first_ms, uint64_t max_ms)
{
	b->first_ms = first_ms;
	b->max_ms = max_ms < first_ms ? first_ms : max_ms;
	b->next_ms = first_ms;
}

void
backoff_reset(struct backoff *b)
{
	b->next_ms = b->first_ms;
}

/* The delay the next backoff_next() gives. */
uint64_t
backoff_peek(const struct backoff *b)
{
	return b->next_ms;
}

/* The delay to wait now; the one after it is twice as long, or max_ms. */
uint64_t
backoff_next(struct backoff *b)
{
	uint64_t	 ms = b->next_ms;

	b->next_ms = ms > b->max_ms / 2 ? b->max_ms : ms * 2;
	return ms;
}
