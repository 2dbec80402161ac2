/*
 * The parent's side of rikletctl and of the Prometheus scrapes: the
 * control socket (ctl_socket.c), the "show" answers (ctl_show.c) and the
 * logs relay (ctl_logs.c).  The requests come in through from_control.c.
 */
#ifndef RIKLET_PARENT_CTL_H
#define RIKLET_PARENT_CTL_H

#include <sys/uio.h>

#include "imsg.h"
#include "riklet_msg.h"

struct child;

/* ctl_socket.c */
void	control_open(const char *);
void	control_close(void);
int	ctl_listen_fd(void);
int	ctl_reply(uint32_t, uint32_t, const void *, size_t);
int	ctl_replyv(uint32_t, uint32_t, const struct iovec *, int);
void	ctl_error(uint32_t, const char *);

/* ctl_show.c: handlers of from_control.c's rows */
void	ctl_show_status(struct child *, struct imsg *);
void	ctl_show_pods(struct child *, struct imsg *);
void	ctl_show_pod(struct child *, struct imsg *);
void	ctl_show_metrics(struct child *, struct imsg *);
void	ctl_show_prom(struct child *, struct imsg *);
void	ctl_reload(struct child *, struct imsg *);
void	ctl_log_verbose(struct child *, struct imsg *);

/* ctl_logs.c: handlers of from_control.c's and from_runtime.c's rows */
void	ctl_logs_request(struct child *, struct imsg *);
void	ctl_logs_ack(struct child *, struct imsg *);
void	ctl_logs_cancel(struct child *, struct imsg *);
void	ctl_logs_data(struct child *, struct imsg *);
void	ctl_logs_end(struct child *, struct imsg *);
void	ctl_logs_gone(enum riklet_proc);

#endif
