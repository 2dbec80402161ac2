/*
 * The statuses waiting for the scheduler, in the order they must go out.
 *
 * A state change is never overtaken, and a pod's changes go out in the
 * order they were made.  A metrics sample only matters until a newer one
 * of the same pod (or of the node, "") exists: a new sample replaces the
 * unsent one and goes to the tail, so it never overtakes a change queued
 * before it.  Changes outlive a lost connection and go out, in order,
 * once registered again; samples do not (they are stale by then).
 *
 * The queue is bounded and never refuses a state change: the scheduler
 * may be away for hours while pods crash and restart.  When it is full,
 * room is made by dropping, in this order, the oldest sample, then the
 * oldest change that a newer change of the same pod has superseded; so
 * every pod's latest state stays, and only intermediate states are lost.
 * A sample never displaces a change, except the node's WorkerMetric, by
 * which RIK marks a worker Ready.  Only when every entry is the latest
 * state of a distinct pod (more pods than the bound: the parent holds
 * fewer) does the oldest of them go.  After each registration the parent
 * sends every pod's state again anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "log.h"

/* What is queued for one pod ("" is the node). */
struct queue_pod {
	RB_ENTRY(queue_pod)	 entry;
	char			 instance[RIK_ID_MAX];
	struct status_entry	*sample;	/* its unsent sample */
	struct status_entry	*change;	/* its latest unsent change */
	size_t			 nentries;	/* entries pointing here */
};

TAILQ_HEAD(status_queue, status_entry);

static int	pod_cmp(struct queue_pod *, struct queue_pod *);
static struct queue_pod *pod_find(const char *);
static struct queue_pod *pod_get(const char *);
static void	pod_unref(struct queue_pod *);
static void	supersede(struct status_entry *);
static int	make_room(uint32_t, uint32_t);
static void	overflow(const char *, const struct status_entry *);

RB_HEAD(pod_tree, queue_pod);
RB_PROTOTYPE_STATIC(pod_tree, queue_pod, entry, pod_cmp)

static struct status_queue	 queue = TAILQ_HEAD_INITIALIZER(queue);
/* What may go when the queue is full, oldest first (linked by spare). */
static struct status_queue	 samples = TAILQ_HEAD_INITIALIZER(samples);
static struct status_queue	 superseded =
				    TAILQ_HEAD_INITIALIZER(superseded);
static struct pod_tree		 pods = RB_INITIALIZER(&pods);
static size_t			 queued;
static size_t			 dropped;	/* changes, since last asked */
static int			 overflow_logged;

static int
pod_cmp(struct queue_pod *a, struct queue_pod *b)
{
	return strcmp(a->instance, b->instance);
}

RB_GENERATE_STATIC(pod_tree, queue_pod, entry, pod_cmp)

static struct queue_pod *
pod_find(const char *instance)
{
	struct queue_pod	 key;

	(void)strlcpy(key.instance, instance, sizeof(key.instance));
	return RB_FIND(pod_tree, &pods, &key);
}

static struct queue_pod *
pod_get(const char *instance)
{
	struct queue_pod	*p;

	if ((p = pod_find(instance)) != NULL)
		return p;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s", __func__);
	(void)strlcpy(p->instance, instance, sizeof(p->instance));
	RB_INSERT(pod_tree, &pods, p);
	return p;
}

static void
pod_unref(struct queue_pod *p)
{
	if (--p->nentries > 0)
		return;
	RB_REMOVE(pod_tree, &pods, p);
	free(p);
}

/* e, its pod's latest change until now, is an intermediate state. */
static void
supersede(struct status_entry *e)
{
	e->pod->change = NULL;
	TAILQ_INSERT_TAIL(&superseded, e, spare);
}

static void
overflow(const char *what, const struct status_entry *e)
{
	if (overflow_logged)
		return;
	overflow_logged = 1;
	log_warnx("status queue full (%d): dropping %s (first: %s of %s)",
	    AGENT_QUEUE_MAX, what, rik_status_name(e->status),
	    e->instance[0] ? e->instance : "the node");
}

/*
 * Frees one entry for a new one of this kind.  Returns -1 when the new
 * one is the one to go: a pod's sample in a queue full of changes.
 */
static int
make_room(uint32_t kind, uint32_t transition)
{
	struct status_entry	*e;

	if ((e = TAILQ_FIRST(&samples)) != NULL) {
		queue_remove(e);
		return 0;
	}
	if (!transition && kind != STATUS_WORKER)
		return -1;
	if ((e = TAILQ_FIRST(&superseded)) != NULL)
		overflow("intermediate state changes, keeping each pod's "
		    "latest", e);
	else if (!transition)
		return -1;
	else if ((e = TAILQ_FIRST(&queue)) != NULL)
		overflow("the oldest pods' latest states: more pods than the "
		    "queue holds", e);
	else
		return -1;
	dropped++;
	queue_remove(e);
	return 0;
}

/*
 * Queues one status: kind STATUS_WORKER has no instance (NULL).  Returns
 * -1 when nothing was queued: an instance id that does not fit, or a
 * sample for which a full queue of state changes has no room.
 */
int
queue_push(uint32_t kind, const char *instance, uint32_t status,
    uint32_t transition, const char *metrics)
{
	struct status_entry	*e;
	struct queue_pod	*p;
	size_t			 mlen = strlen(metrics);

	if (instance == NULL)
		instance = "";
	if (strlen(instance) >= RIK_ID_MAX)
		return -1;
	if ((p = pod_find(instance)) != NULL) {
		/* Either may free p. */
		if (!transition && p->sample != NULL)
			queue_remove(p->sample);
		else if (transition && p->change != NULL)
			supersede(p->change);
	}
	while (queued >= AGENT_QUEUE_MAX)
		if (make_room(kind, transition) == -1)
			return -1;
	if ((e = calloc(1, sizeof(*e) + mlen + 1)) == NULL)
		fatal("%s", __func__);
	e->kind = kind;
	e->status = status;
	e->transition = transition;
	(void)strlcpy(e->instance, instance, sizeof(e->instance));
	memcpy(e->metrics, metrics, mlen + 1);
	e->pod = p = pod_get(instance);
	p->nentries++;
	if (transition)
		p->change = e;
	else {
		p->sample = e;
		TAILQ_INSERT_TAIL(&samples, e, spare);
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
	struct queue_pod	*p = e->pod;

	TAILQ_REMOVE(&queue, e, entry);
	if (!e->transition) {
		TAILQ_REMOVE(&samples, e, spare);
		p->sample = NULL;
	} else if (p->change == e)
		p->change = NULL;
	else
		TAILQ_REMOVE(&superseded, e, spare);
	pod_unref(p);
	free(e);
	if (--queued == 0)
		overflow_logged = 0;
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
	struct status_entry	*e;

	while ((e = TAILQ_FIRST(&samples)) != NULL)
		queue_remove(e);
}

void
queue_clear(void)
{
	struct status_entry	*e;

	while ((e = TAILQ_FIRST(&queue)) != NULL)
		queue_remove(e);
	dropped = 0;
}

size_t
queue_length(void)
{
	return queued;
}

/* How many state changes were dropped since the last call. */
size_t
queue_dropped(void)
{
	size_t	 n = dropped;

	dropped = 0;
	return n;
}
