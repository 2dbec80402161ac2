/*
 * What each child may send the parent: one table per child, one row per
 * message type, in the manner of OpenSSH's monitor.c.  A row holds the
 * type, its size rule, an optional validator of its contents and its
 * handler; msg_dispatch() looks the type up, checks the size, runs the
 * validator and calls the handler.  A type that is not in the child's
 * table, a size that breaks the rule and contents the validator refuses
 * are protocol violations: the child is killed and started again.
 *
 * A new type is one line in the table of the child that sends it
 * (from_agent.c, from_metrics.c, from_runtime.c, from_control.c):
 *	MSG_EMPTY(type, handler)		no data
 *	MSG_STRUCT(type, struct x, valid, handler)
 *						exactly a struct x
 *	MSG_STRING(type, max, valid, handler)	a string, its NUL included,
 *						of at most max bytes
 *	MSG_STRUCT_STRING(type, struct x, max, valid, handler)
 *						a struct x, then a string
 *	MSG_RANGE(type, min, max, valid, handler)
 *						min to max bytes
 * valid may be NULL; the handler gets the message as it came, its size
 * and contents checked.  test_msgtable and t_msgtable.sh read the
 * tables: a new row is tested as it is added.
 */
#ifndef RIKLET_MSGTABLE_H
#define RIKLET_MSGTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "imsg.h"
#include "riklet_msg.h"

struct child;

enum msg_size {
	MSG_SIZE_EMPTY,		/* no data */
	MSG_SIZE_EXACT,		/* exactly min bytes (a struct) */
	MSG_SIZE_STRING,	/* min bytes, then a NUL-terminated string;
				   max bytes in all */
	MSG_SIZE_RANGE		/* min to max bytes */
};

struct msg_rule {
	uint32_t	 type;
	enum msg_size	 size;
	size_t		 min;
	size_t		 max;
	/* The contents, once the size is right: 0 is bad (NULL: none). */
	int		(*valid)(const void *, size_t);
	/* Its effect, given a message that passed both. */
	void		(*handle)(struct child *, struct imsg *);
};

struct msg_table {
	enum riklet_proc	 proc;
	const struct msg_rule	*rules;
	size_t			 nrules;
	void			(*ready)(struct child *);	/* is ready */
	void			(*gone)(struct child *);	/* died */
};

/* The rows, one per type. */
#define MSG_EMPTY(t, h)		{ (t), MSG_SIZE_EMPTY, 0, 0, NULL, (h) }
#define MSG_STRUCT(t, s, v, h)	{ (t), MSG_SIZE_EXACT, sizeof(s), \
				    sizeof(s), (v), (h) }
/* A NUL-terminated string of at most max bytes, alone or after a struct. */
#define MSG_STRING(t, max, v, h) \
				{ (t), MSG_SIZE_STRING, 0, (max), (v), (h) }
#define MSG_STRUCT_STRING(t, s, max, v, h) \
				{ (t), MSG_SIZE_STRING, sizeof(s), \
				    sizeof(s) + (max), (v), (h) }
#define MSG_RANGE(t, lo, hi, v, h) \
				{ (t), MSG_SIZE_RANGE, (lo), (hi), (v), (h) }
/* Every child's first row: it says when it is ready. */
#define MSG_READY		MSG_EMPTY(IMSG_CHILD_READY, msg_ready)

#define MSG_TABLE(name, p, rows, r, g) \
	const struct msg_table name = { (p), (rows), \
	    sizeof(rows) / sizeof((rows)[0]), (r), (g) }

extern const struct msg_table	 from_agent, from_metrics, from_runtime,
				 from_control;

/* msgtable.c: the walk */
const struct msg_table	*msg_table(enum riklet_proc);
const struct msg_rule	*msg_rule(enum riklet_proc, uint32_t);
int	 msg_size_ok(const struct msg_rule *, const struct imsg *);
int	 msg_dispatch(struct child *, struct imsg *);
void	 msg_ready(struct child *, struct imsg *);
void	 msg_child_ready(struct child *);
void	 msg_child_gone(struct child *);
int	 msg_valid_instance(const void *, size_t);

#endif
