/*
 * The parent: owner of the configuration, the children and the pod table.
 */
#ifndef RIKLET_PARENT_H
#define RIKLET_PARENT_H

#include <sys/types.h>

#include <event2/event.h>

#include "backoff.h"
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
	struct backoff		 backoff;	/* of its restarts */
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

/* libexec.c */
const char	*child_path(const char *);
int	 children_check_paths(void);

/* enginesock.c */
int	 engine_socket_check(const char *);

/* supervise.c */
void	 children_start(void);
void	 children_stop(void);
void	 children_reap(void);
void	 child_restart(enum riklet_proc, const char *);

/* child.c */
int	 child_ready(enum riklet_proc);
int	 child_send(enum riklet_proc, uint32_t, const void *, size_t);
int	 child_sendv(enum riklet_proc, uint32_t, const struct iovec *, int);
int	 child_send_fd(enum riklet_proc, uint32_t, int);
void	 child_violation(struct child *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	 child_disconnect(struct child *);
void	 children_send_conf(void);
void	 child_send_conf(struct child *);

#endif
