/*
 * The one walk over the children's tables (msgtable.h): every message a
 * child sends comes through msg_dispatch(), and nothing reaches a
 * handler that its row does not allow.
 */
#include <string.h>

#include "log.h"
#include "msgtable.h"
#include "podspec.h"
#include "riklet.h"

static const struct msg_table *const tables[PROC_MAX] = {
	[PROC_AGENT] = &from_agent,
	[PROC_METRICS] = &from_metrics,
	[PROC_RUNTIME] = &from_runtime,
	[PROC_CONTROL] = &from_control,
};

const struct msg_table *
msg_table(enum riklet_proc p)
{
	if ((unsigned int)p >= PROC_MAX || tables[p] == NULL)
		fatalx("%s: no table for process %d", __func__, (int)p);
	return tables[p];
}

/* The row of that type in p's table; NULL: p may not send it. */
const struct msg_rule *
msg_rule(enum riklet_proc p, uint32_t type)
{
	const struct msg_table	*t = msg_table(p);
	size_t			 i;

	for (i = 0; i < t->nrules; i++)
		if (t->rules[i].type == type)
			return &t->rules[i];
	return NULL;
}

int
msg_size_ok(const struct msg_rule *r, const struct imsg *imsg)
{
	size_t	 len = imsg->datalen;

	switch (r->size) {
	case MSG_SIZE_EMPTY:
		return len == 0;
	case MSG_SIZE_EXACT:
		return len == r->min;
	case MSG_SIZE_STRING:
		return len > r->min && len <= r->max &&
		    imsg_string(imsg, r->min) != NULL;
	case MSG_SIZE_RANGE:
		return len >= r->min && len <= r->max;
	}
	return 0;
}

/*
 * Looks the type up in the child's table, checks its size and contents,
 * then hands it to the row's handler.  -1: a violation, the child is
 * being killed.
 */
int
msg_dispatch(struct child *c, struct imsg *imsg)
{
	const struct msg_rule	*r;
	const char		*name = imsg_type_name(imsg->hdr.type);

	if ((r = msg_rule(c->proc, imsg->hdr.type)) == NULL) {
		child_violation(c, "message type %u (%s) not allowed",
		    imsg->hdr.type, name);
		return -1;
	}
	if (!msg_size_ok(r, imsg)) {
		child_violation(c, "%s: bad size (%zu bytes)", name,
		    imsg->datalen);
		return -1;
	}
	if (r->valid != NULL && !r->valid(imsg->data, imsg->datalen)) {
		child_violation(c, "%s: bad contents", name);
		return -1;
	}
	r->handle(c, imsg);
	return 0;
}

/* IMSG_CHILD_READY, every child's first row: once, then it is ignored. */
void
msg_ready(struct child *c, struct imsg *imsg)
{
	(void)imsg;
	if (c->ready)
		return;
	c->ready = 1;
	log_info("%s ready (pid %d)", proc_name(c->proc), (int)c->pid);
	child_send_conf(c);
	msg_child_ready(c);
}

/* A child (re)started: send it whatever state it needs. */
void
msg_child_ready(struct child *c)
{
	const struct msg_table	*t = msg_table(c->proc);

	if (t->ready != NULL)
		t->ready(c);
}

/* A child died. */
void
msg_child_gone(struct child *c)
{
	const struct msg_table	*t = msg_table(c->proc);

	if (t->gone != NULL)
		t->gone(c);
}

/* A validator for rows whose data is an instance id alone. */
int
msg_valid_instance(const void *data, size_t len)
{
	(void)len;
	return podspec_valid_id(data);
}
