/*
 * The statuses waiting for the scheduler, in the order they must go out.
 * A state change is never dropped nor overtaken.  A metrics sample only
 * matters until a newer one of the same pod (or of the node) exists, so a
 * new sample replaces the unsent one and goes to the tail: it never
 * overtakes a state change queued before it.  State changes outlive a
 * lost connection and go out, in order, once registered again; samples
 * do not (they are stale by then).  The queue is bounded; when it is full
 * the connection is given up (the scheduler is not reading), and after
 * the next registration the parent sends every pod's state again, so
 * nothing is lost but intermediate states.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "log.h"

static int	sample_cmp(struct pod_sample *, struct pod_sample *);

RB_HEAD(sample_tree, pod_sample);
RB_PROTOTYPE_STATIC(sample_tree, pod_sample, entry, sample_cmp)

static TAILQ_HEAD(status_queue, status_entry) queue =
    TAILQ_HEAD_INITIALIZER(queue);
static struct sample_tree		 samples = RB_INITIALIZER(&samples);
static size_t				 queued;

static int
sample_cmp(struct pod_sample *a, struct pod_sample *b)
{
	return strcmp(a->instance, b->instance);
}

RB_GENERATE_STATIC(sample_tree, pod_sample, entry, sample_cmp)

/*
 * Queues one status: kind STATUS_WORKER has no instance (NULL).  Returns
 * -1 when the queue is full or memory is short; nothing was queued then.
 */
int
queue_push(uint32_t kind, const char *instance, uint32_t status,
    uint32_t transition, const char *metrics)
{
	struct status_entry	*e;
	struct pod_sample	 key, *ps = NULL;
	size_t			 mlen = strlen(metrics);

	if (instance == NULL)
		instance = "";
	if (strlcpy(key.instance, instance, sizeof(key.instance)) >=
	    sizeof(key.instance))
		return -1;
	if (!transition) {
		if ((ps = RB_FIND(sample_tree, &samples, &key)) != NULL &&
		    ps->pending != NULL) {
			queue_remove(ps->pending);
			ps = NULL;
		}
	}
	if (queued >= AGENT_QUEUE_MAX)
		return -1;
	if ((e = calloc(1, sizeof(*e) + mlen + 1)) == NULL)
		return -1;
	e->kind = kind;
	e->status = status;
	e->transition = transition;
	(void)strlcpy(e->instance, instance, sizeof(e->instance));
	memcpy(e->metrics, metrics, mlen + 1);
	if (!transition) {
		if (ps == NULL &&
		    (ps = RB_FIND(sample_tree, &samples, &key)) == NULL) {
			if ((ps = calloc(1, sizeof(*ps))) == NULL) {
				free(e);
				return -1;
			}
			(void)strlcpy(ps->instance, instance,
			    sizeof(ps->instance));
			RB_INSERT(sample_tree, &samples, ps);
		}
		ps->pending = e;
		e->sample = ps;
	}
	TAILQ_INSERT_TAIL(&queue, e, entry);
	queued++;
	return 0;
}

struct status_entry *
queue_first(void)
{
	return TAILQ_FIRST(&queue);
}

/* Takes e out of the queue and frees it. */
void
queue_remove(struct status_entry *e)
{
	struct pod_sample	*ps;

	TAILQ_REMOVE(&queue, e, entry);
	queued--;
	if ((ps = e->sample) != NULL) {
		RB_REMOVE(sample_tree, &samples, ps);
		free(ps);
	}
	free(e);
}

/* Puts the newest entry first: what a new registration must say first. */
void
queue_last_to_head(void)
{
	struct status_entry	*e;

	if ((e = TAILQ_LAST(&queue, status_queue)) == NULL)
		return;
	TAILQ_REMOVE(&queue, e, entry);
	TAILQ_INSERT_HEAD(&queue, e, entry);
}

/* A connection is gone: samples are stale, state changes still due. */
void
queue_drop_samples(void)
{
	struct status_entry	*e, *next;

	TAILQ_FOREACH_SAFE(e, &queue, entry, next)
		if (!e->transition)
			queue_remove(e);
}

void
queue_clear(void)
{
	struct status_entry	*e;

	while ((e = TAILQ_FIRST(&queue)) != NULL)
		queue_remove(e);
}

size_t
queue_length(void)
{
	return queued;
}
