/*
 * The parent's side of the control socket: it owns the listening socket
 * and the data, the control child (riklet-control/) parses the requests.
 */
#ifndef RIKLET_PARENT_CONTROL_H
#define RIKLET_PARENT_CONTROL_H

#include "imsg.h"
#include "riklet_msg.h"

struct child;

void	control_open(const char *);
void	control_close(void);
void	control_child_ready(void);
void	control_dispatch(struct child *, struct imsg *);
void	control_logs_runtime(struct child *, struct imsg *);
void	control_child_gone(enum riklet_proc);
int	control_answer(uint32_t, uint32_t, const void *, size_t);

/* What rikletctl shows that the pod table does not keep. */
void	control_agent_state(const struct agent_state *);
void	control_engine(const struct rt_engine *);
void	control_node_metrics(const char *);
void	control_pod_metrics(const char *, const char *);
void	control_pull(const struct rt_pull *);

#endif
