/*
 * A listener on a socket the parent passed: the control socket, and the
 * Prometheus endpoint's.  The parent may pass another in its place.
 */
#include <event2/listener.h>

#include "control_proc.h"
#include "log.h"

static void	listen_error(struct evconnlistener *, void *);
static void	listen_resume(int, short, void *);

void
ctl_listen(struct ctl_listener *cl, struct event_base *base, int fd,
    evconnlistener_cb accept_cb, const char *what)
{
	if (cl->resume == NULL &&
	    (cl->resume = evtimer_new(base, listen_resume, cl)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	if (cl->l != NULL)
		evconnlistener_free(cl->l);
	cl->what = what;
	cl->l = evconnlistener_new(base, accept_cb, cl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (cl->l == NULL)
		fatalx("%s: evconnlistener_new", __func__);
	evconnlistener_set_error_cb(cl->l, listen_error);
	log_debug("listening on the %s", what);
}

/* Out of descriptors and the like: a second's pause, not a busy loop. */
static void
listen_error(struct evconnlistener *l, void *arg)
{
	struct ctl_listener	*cl = arg;
	struct timeval		 tv = { 1, 0 };

	log_warn("%s: accept", cl->what);
	evconnlistener_disable(l);
	evtimer_add(cl->resume, &tv);
}

static void
listen_resume(int fd, short event, void *arg)
{
	struct ctl_listener	*cl = arg;

	(void)fd;
	(void)event;
	if (cl->l != NULL)
		evconnlistener_enable(cl->l);
}
