/*
 * One struct imsgev per peer: an imsgbuf driven by a libevent event that
 * always waits for EV_READ and for EV_WRITE while the queue is not empty.
 */
#ifndef RIKLET_IMSGEV_H
#define RIKLET_IMSGEV_H

#include <event2/event.h>

#include "imsg.h"

struct imsgev {
	struct imsgbuf		 ibuf;
	struct event_base	*base;
	struct event		*ev;
	void			(*handler)(int, short, void *);
	void			*data;
	short			 events;
};

void	imsgev_init(struct imsgev *, struct event_base *, int,
	    void (*)(int, short, void *), void *);
void	imsgev_update(struct imsgev *);
int	imsgev_compose(struct imsgev *, uint32_t, uint32_t, int,
	    const void *, size_t);
int	imsgev_composev(struct imsgev *, uint32_t, uint32_t, int,
	    const struct iovec *, int);
int	imsgev_io(struct imsgev *, short);
void	imsgev_clear(struct imsgev *);

#endif
