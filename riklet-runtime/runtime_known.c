/*
 * The containers the runtime knows to be riklet's, by id: learned from
 * every inspect, listing and labelled event, forgotten at their destroy
 * and at the end of a listing that did not see them.  An engine event is
 * riklet's when its labels say so or when its id is known here: Docker
 * puts a container's labels on each of its events, Podman does not
 * always, so the events stream is not filtered by label and the runtime
 * decides (runtime_events.c).  What is kept is what the labels say, so
 * an event of a container gone before its inspect is still reported
 * whole.  At most LIST_CONTAINERS_MAX, the parent's table full.
 */
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runtime.h"

#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

struct known {
	RB_ENTRY(known)		 entry;
	char			 id[RIK_CONTAINER_ID_MAX];
	char			 instance[RIK_ID_MAX];
	char			 pod_name[RIK_NAME_MAX];
	char			 name[RIK_NAME_MAX];
	uint32_t		 restart_policy;
	uint32_t		 index;
	uint32_t		 ncontainers;
	uint32_t		 role;
	uint32_t		 gen;		/* the last listing that saw it */
};

static int	 known_cmp(const struct known *, const struct known *);

RB_HEAD(known_tree, known);
RB_PROTOTYPE_STATIC(known_tree, known, entry, known_cmp)

static struct known_tree	 known = RB_INITIALIZER(&known);
static size_t			 nknown;
static uint32_t			 known_gen;
static int			 known_full_said;

static int
known_cmp(const struct known *a, const struct known *b)
{
	return strcmp(a->id, b->id);
}

RB_GENERATE_STATIC(known_tree, known, entry, known_cmp)

static struct known *
known_get(const char *id)
{
	struct known	 key;

	if (strlcpy(key.id, id, sizeof(key.id)) >= sizeof(key.id))
		return NULL;
	return RB_FIND(known_tree, &known, &key);
}

/* c's labels are riklet's: keep them under its id. */
void
known_add(const struct rt_container *c)
{
	struct known	*k;

	if ((k = known_get(c->id)) == NULL) {
		if (nknown >= LIST_CONTAINERS_MAX) {
			if (!known_full_said)
				log_warnx("%zu containers known, no more "
				    "kept: events without labels of others "
				    "are dropped", nknown);
			known_full_said = 1;
			return;
		}
		if ((k = calloc(1, sizeof(*k))) == NULL)
			fatal("%s", __func__);
		(void)strlcpy(k->id, c->id, sizeof(k->id));
		RB_INSERT(known_tree, &known, k);
		nknown++;
	}
	(void)strlcpy(k->instance, c->instance, sizeof(k->instance));
	(void)strlcpy(k->pod_name, c->pod_name, sizeof(k->pod_name));
	(void)strlcpy(k->name, c->name, sizeof(k->name));
	k->restart_policy = c->restart_policy;
	k->index = c->index;
	k->ncontainers = c->ncontainers;
	k->role = c->role;
	k->gen = known_gen;
}

/* Fills c's labels and id from what is known of id; -1 if nothing. */
int
known_find(const char *id, struct rt_container *c)
{
	struct known	*k;

	if ((k = known_get(id)) == NULL)
		return -1;
	(void)strlcpy(c->id, k->id, sizeof(c->id));
	(void)strlcpy(c->instance, k->instance, sizeof(c->instance));
	(void)strlcpy(c->pod_name, k->pod_name, sizeof(c->pod_name));
	(void)strlcpy(c->name, k->name, sizeof(c->name));
	c->restart_policy = k->restart_policy;
	c->index = k->index;
	c->ncontainers = k->ncontainers;
	c->role = k->role;
	return 0;
}

void
known_forget(const char *id)
{
	struct known	*k;

	if ((k = known_get(id)) == NULL)
		return;
	RB_REMOVE(known_tree, &known, k);
	free(k);
	nknown--;
	known_full_said = 0;
}

/* A listing begins: what it does not see is forgotten at its end. */
void
known_listing(void)
{
	known_gen++;
}

/* The listing is whole: the containers it did not see are gone. */
void
known_sweep(void)
{
	struct known	*k, *next;

	RB_FOREACH_SAFE(k, known_tree, &known, next)
		if (k->gen != known_gen)
			known_forget(k->id);
}
