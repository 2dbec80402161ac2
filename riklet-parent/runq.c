/*
 * The parent's side of the runtime's operation queue.  The runtime takes
 * RUNQ_WINDOW pod operations at once and answers Busy beyond; sending it
 * no more than that keeps a burst of CREATEs, or their resending to a
 * new runtime, from turning into failed pods.  Each pod has one entry per
 * kind, in its struct, so what waits is bounded by the pod table and
 * costs no allocation.  Operations leave in the order they came; those a
 * dead runtime had go first to the next one, in their order again.
 */
#include <string.h>

#include "log.h"
#include "pods.h"
#include "riklet.h"
#include "runq.h"

TAILQ_HEAD(runq_list, runq_op);

static struct runq_list	 waiting = TAILQ_HEAD_INITIALIZER(waiting);
static struct runq_list	 sent = TAILQ_HEAD_INITIALIZER(sent);
static size_t		 nsent;
static struct event	*busy_ev;

static void	runq_busy_cb(int, short, void *);
static int	runq_send(struct runq_op *);

void
runq_init(struct event_base *base)
{
	if ((busy_ev = evtimer_new(base, runq_busy_cb, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}

/* The pods are freed first: both lists are empty by then. */
void
runq_clear(void)
{
	if (busy_ev != NULL)
		event_free(busy_ev);
	busy_ev = NULL;
	nsent = 0;
}

/*
 * Queues an operation.  A destroy takes the place of its pod's create or
 * whole-pod restart that never reached the runtime: the destroy finds by
 * label whatever an earlier runtime made of it.
 */
void
runq_add(struct runq_op *op)
{
	struct runq_op	*other;
	uint32_t	 k;

	if (op->state != RUNQ_IDLE)
		return;
	if (op->kind == POD_OP_DESTROY)
		for (k = 0; k < POD_OP_MAX; k++) {
			other = &op->pod->rq[k];
			if (k != POD_OP_DESTROY &&
			    other->state == RUNQ_WAITING)
				runq_remove(other);
		}
	op->state = RUNQ_WAITING;
	TAILQ_INSERT_TAIL(&waiting, op, entry);
	runq_drain();
}

/* Forgets an operation, wherever it is. */
void
runq_remove(struct runq_op *op)
{
	switch (op->state) {
	case RUNQ_WAITING:
		TAILQ_REMOVE(&waiting, op, entry);
		break;
	case RUNQ_SENT:
		TAILQ_REMOVE(&sent, op, entry);
		nsent--;
		break;
	}
	op->state = RUNQ_IDLE;
}

/*
 * The runtime answered.  Returns 0 for an answer to nothing it was
 * sent, which the caller ignores.
 */
int
runq_done(struct runq_op *op)
{
	if (op->state != RUNQ_SENT)
		return 0;
	runq_remove(op);
	return 1;
}

/* The runtime was busy after all: the operation is next, a bit later. */
void
runq_retry(struct runq_op *op)
{
	struct timeval	 tv;

	runq_remove(op);
	op->state = RUNQ_WAITING;
	TAILQ_INSERT_HEAD(&waiting, op, entry);
	if (busy_ev != NULL && !evtimer_pending(busy_ev, NULL)) {
		tv.tv_sec = RUNQ_BUSY_RETRY_MS / 1000;
		tv.tv_usec = (RUNQ_BUSY_RETRY_MS % 1000) * 1000;
		evtimer_add(busy_ev, &tv);
	}
}

/*
 * A new runtime knows nothing of what the old one was sent: that goes
 * again, ahead of what waits, in the order it went the first time.  A
 * create or a whole-pod restart whose pod is being destroyed is not worth
 * sending.
 */
void
runq_restart(void)
{
	struct runq_op	*op;

	while ((op = TAILQ_LAST(&sent, runq_list)) != NULL) {
		runq_remove(op);
		if (op->kind != POD_OP_DESTROY &&
		    op->pod->rq[POD_OP_DESTROY].state != RUNQ_IDLE)
			continue;
		op->state = RUNQ_WAITING;
		TAILQ_INSERT_HEAD(&waiting, op, entry);
	}
	runq_drain();
}

/* Sends what waits, in order, while the runtime has room. */
void
runq_drain(void)
{
	struct runq_op	*op;

	if (busy_ev != NULL && evtimer_pending(busy_ev, NULL))
		return;
	while (nsent < RUNQ_WINDOW && (op = TAILQ_FIRST(&waiting)) != NULL) {
		if (runq_send(op) == -1)
			return;		/* no runtime: its READY drains */
		TAILQ_REMOVE(&waiting, op, entry);
		op->state = RUNQ_SENT;
		TAILQ_INSERT_TAIL(&sent, op, entry);
		nsent++;
	}
}

static int
runq_send(struct runq_op *op)
{
	struct pod	*p = op->pod;

	switch (op->kind) {
	case POD_OP_CREATE:
		return child_send(PROC_RUNTIME, IMSG_POD_CREATE, p->spec,
		    p->speclen);
	case POD_OP_RESTART:
		return child_send(PROC_RUNTIME, IMSG_POD_RESTART, p->instance,
		    strlen(p->instance) + 1);
	}
	return child_send(PROC_RUNTIME, IMSG_POD_DESTROY, p->instance,
	    strlen(p->instance) + 1);
}

static void
runq_busy_cb(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	runq_drain();
}
