/*
 * What every child does between exec and its event loop: take the
 * configuration from the parent, then give up root for good.
 */
#ifndef RIKLET_PRIVSEP_H
#define RIKLET_PRIVSEP_H

#include <sys/types.h>

#include "riklet_conf.h"
#include "riklet_msg.h"
#include "sandbox.h"

#define PARENT_FD	3	/* the child's end of its socketpair */

int	role_exec_main(int, char **, void (*)(int, char **));
void	child_setup(enum riklet_proc, int, char **);
void	child_read_conf(struct riklet_conf *);
void	priv_drop(const struct riklet_conf *, enum riklet_proc, const char *,
	    gid_t);
int	conf_from_imsg(const void *, size_t, struct riklet_conf *);

struct imsgev;
struct imsg;
void	child_conf_imsg(const struct imsg *, struct riklet_conf *);
void	child_verbose_imsg(const struct imsg *);
struct event_base *child_event_init(struct imsgev *,
	    void (*)(struct imsg *));
#endif
