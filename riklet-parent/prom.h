/*
 * The Prometheus endpoint, the parent's side: the listening socket, bound
 * as root before any child starts and handed to the control child, which
 * serves it (riklet-control/control_prom.c); and the figures a scrape
 * reads that the rest of the parent does not keep.
 */
#ifndef RIKLET_PROM_H
#define RIKLET_PROM_H

#include <sys/socket.h>

#include "imsg.h"
#include "riklet_msg.h"

#define PROM_BACKLOG		16

struct child;
struct imsgev;

/* prom_listen.c */
int	prom_addr_parse(const char *, struct sockaddr_storage *, socklen_t *,
	    const char **);
void	prom_open(const char *);
void	prom_close(void);
int	prom_listen_fd(void);

/* prom_figures.c */
void	prom_agent_counters(struct child *, struct imsg *);
void	prom_pull(const struct rt_pull *);
void	prom_child_gone(enum riklet_proc);
int	prom_answer(uint32_t);
void	prom_clear(void);
int	prom_proc_read(int, uint64_t *, uint64_t *);

#endif
