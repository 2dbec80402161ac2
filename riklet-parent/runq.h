/*
 * Pod operations on their way to the runtime.  The runtime holds at most
 * RUNQ_WINDOW of them at once; the others wait here, in the order they
 * came, so that a burst is delayed, never refused.
 */
#ifndef RIKLET_RUNQ_H
#define RIKLET_RUNQ_H

#include <sys/queue.h>

#include <stdint.h>

#include <event2/event.h>

/* What the runtime queues before it answers Busy (its OPS_MAX). */
#define RUNQ_WINDOW		256
#define RUNQ_BUSY_RETRY_MS	1000

enum runq_state {
	RUNQ_IDLE,
	RUNQ_WAITING,		/* here, not sent yet */
	RUNQ_SENT		/* with the runtime, no answer yet */
};

struct pod;

/* One per pod and kind (enum pod_op), inside struct pod. */
struct runq_op {
	TAILQ_ENTRY(runq_op)	 entry;
	struct pod		*pod;
	uint32_t		 kind;		/* enum pod_op */
	int			 state;		/* enum runq_state */
};

void	runq_init(struct event_base *);
void	runq_clear(void);
void	runq_add(struct runq_op *);
void	runq_remove(struct runq_op *);
int	runq_done(struct runq_op *);
void	runq_retry(struct runq_op *);
void	runq_restart(void);
void	runq_drain(void);

#endif
