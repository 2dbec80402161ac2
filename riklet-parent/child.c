/*
 * Talking to the children: what the parent sends them, whether one is
 * ready for it, and the end of one that broke the protocol.  The lowest
 * layer of the parent: it calls nothing above it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "riklet.h"

/* Is this child ready?  Until then it takes nothing but its configuration. */
int
child_ready(enum riklet_proc p)
{
	return parent->children[p].connected && parent->children[p].ready;
}

void
child_disconnect(struct child *c)
{
	if (!c->connected)
		return;
	imsgev_clear(&c->iev);
	c->connected = 0;
	c->ready = 0;
}

/* Logs and kills a child that sent something it must not. */
void
child_violation(struct child *c, const char *fmt, ...)
{
	char	 buf[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("protocol violation by %s (pid %d): %s; killing it",
	    proc_name(c->proc), (int)c->pid, buf);
	c->violations++;
	child_disconnect(c);
	if (c->pid > 0)
		(void)kill(c->pid, SIGKILL);
}

int
child_send(enum riklet_proc p, uint32_t type, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return child_sendv(p, type, &iov, len > 0 ? 1 : 0);
}

int
child_sendv(enum riklet_proc p, uint32_t type, const struct iovec *iov,
    int iovcnt)
{
	struct child	*c = &parent->children[p];

	/*
	 * Until it is ready a child reads nothing but its configuration;
	 * whatever it needs after that is sent when it says it is ready.
	 */
	if (!child_ready(p))
		return -1;
	if (imsgev_composev(&c->iev, type, 0, -1, iov, iovcnt) == -1) {
		log_warn("%s: %s to %s", __func__, imsg_type_name(type),
		    proc_name(p));
		return -1;
	}
	return 0;
}

/*
 * A copy of fd for child p, with the message type that says what it is.
 * The copy is close-on-exec until it is sent, so that no other child
 * may inherit it; imsg closes it once it is sent.
 */
int
child_send_fd(enum riklet_proc p, uint32_t type, int fd)
{
	struct child	*c = &parent->children[p];
	int		 dup;

	if (!child_ready(p))
		return -1;
	if ((dup = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("%s: dup for %s", __func__, imsg_type_name(type));
		return -1;
	}
	if (imsgev_compose(&c->iev, type, 0, dup, NULL, 0) == -1) {
		log_warn("%s: %s to %s", __func__, imsg_type_name(type),
		    proc_name(p));
		close(dup);
		return -1;
	}
	return 0;
}

/*
 * A child that is not ready yet is still reading its first configuration
 * and takes nothing else: it gets the new one when it says it is ready.
 */
void
children_send_conf(void)
{
	enum riklet_proc	 p;

	parent->conf_gen++;
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		if (parent->children[p].ready)
			child_send_conf(&parent->children[p]);
}

void
child_send_conf(struct child *c)
{
	if (c->conf_gen == parent->conf_gen)
		return;
	if (child_send(c->proc, IMSG_CONF, &parent->conf,
	    sizeof(parent->conf)) == 0)
		c->conf_gen = parent->conf_gen;
}
