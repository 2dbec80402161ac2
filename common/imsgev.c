/*
 * libevent glue for the imsg framing.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"

void
imsgev_init(struct imsgev *iev, struct event_base *base, int fd,
    void (*handler)(int, short, void *), void *data)
{
	imsgbuf_init(&iev->ibuf, fd);
	iev->base = base;
	iev->handler = handler;
	iev->data = data;
	iev->events = 0;
	if ((iev->ev = event_new(base, fd, 0, handler, iev)) == NULL)
		fatalx("%s: event_new", __func__);
	imsgev_update(iev);
}

void
imsgev_update(struct imsgev *iev)
{
	short	 events = EV_READ;

	if (iev->ev == NULL)
		return;
	if (imsgbuf_queued(&iev->ibuf) > 0)
		events |= EV_WRITE;
	if (events == iev->events && event_pending(iev->ev, EV_READ, NULL))
		return;
	event_del(iev->ev);
	event_assign(iev->ev, iev->base, iev->ibuf.fd, events, iev->handler,
	    iev);
	iev->events = events;
	event_add(iev->ev, NULL);
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	if (imsg_compose(&iev->ibuf, type, peerid, 0, fd, data, len) == -1)
		return -1;
	imsgev_update(iev);
	return 0;
}

int
imsgev_composev(struct imsgev *iev, uint32_t type, uint32_t peerid, int fd,
    const struct iovec *iov, int iovcnt)
{
	if (imsg_composev(&iev->ibuf, type, peerid, 0, fd, iov, iovcnt) == -1)
		return -1;
	imsgev_update(iev);
	return 0;
}

/*
 * Does the reading and writing an event asks for.  Returns -1 when the
 * peer is gone or the stream is broken, 0 otherwise; the caller then
 * takes the buffered messages with imsg_get() and calls imsgev_update().
 */
int
imsgev_io(struct imsgev *iev, short event)
{
	ssize_t	 n;

	if (event & EV_READ) {
		n = imsgbuf_read(&iev->ibuf);
		if (n == 0)
			return -1;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
			log_warn("%s: read", __func__);
			return -1;
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			if (errno != EPIPE)
				log_warn("%s: write", __func__);
			return -1;
		}
	}
	return 0;
}

void
imsgev_clear(struct imsgev *iev)
{
	if (iev->ev != NULL) {
		event_del(iev->ev);
		event_free(iev->ev);
		iev->ev = NULL;
	}
	imsgbuf_clear(&iev->ibuf);
	if (iev->ibuf.fd != -1)
		close(iev->ibuf.fd);
	iev->ibuf.fd = -1;
}
