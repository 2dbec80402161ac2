/*
 * The parent: owner of the configuration, the children and the pod table.
 */
#ifndef RIKLET_PARENT_H
#define RIKLET_PARENT_H

#include <sys/types.h>

#include <event2/event.h>

#include "imsgev.h"
#include "riklet_conf.h"
#include "riklet_msg.h"

struct child {
	enum riklet_proc	 proc;
	pid_t			 pid;
	struct imsgev		 iev;
	int			 connected;	/* iev is live */
	int			 ready;		/* sent IMSG_CHILD_READY */
	unsigned int		 restarts;
	unsigned int		 violations;	/* child_violation() */
	int			 restart_now;	/* ended by child_restart() */
	unsigned int		 conf_gen;	/* configuration it has */
	uint64_t		 started_ms;
	uint64_t		 backoff_ms;
	struct event		*restart_ev;
};

struct parent {
	struct event_base	*base;
	struct riklet_conf	 conf;
	const char		*conffile;
	int			 foreground;
	int			 verbose;
	uint64_t		 resolution_override_ms;	/* 0: none */
	uint64_t		 started_ms;
	int			 stopping;
	unsigned int		 conf_gen;	/* bumped by each reload */
	struct child		 children[PROC_MAX];
};

extern struct parent	*parent;

/* supervise.c */
const char	*child_path(const char *);
int	 children_check_paths(void);

/* enginesock.c */
int	 engine_socket_check(const char *);
void	 children_start(void);
void	 children_stop(void);
void	 children_reap(void);
void	 child_restart(enum riklet_proc, const char *);
int	 child_send(enum riklet_proc, uint32_t, const void *, size_t);
int	 child_sendv(enum riklet_proc, uint32_t, const struct iovec *, int);
int	 child_may_send(enum riklet_proc, uint32_t);
void	 child_violation(struct child *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	 children_send_conf(void);
void	 child_send_conf(struct child *);

/* dispatch.c: what the parent does with a valid message from a child */
void	 parent_child_ready(struct child *);
void	 parent_child_gone(struct child *);
void	 parent_dispatch(struct child *, struct imsg *);

#endif
