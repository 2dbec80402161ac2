/*
 * The parent's children: start each by fork and re-exec, watch them,
 * restart the dead ones with backoff, and check every message they send
 * against the set of types that child may send.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"
#include "riklet.h"
#include "util.h"

#define BACKOFF_FIRST_MS	250
#define BACKOFF_MAX_MS		30000
#define BACKOFF_RESET_MS	60000	/* a child that ran this long is healthy */
#define STOP_WAIT_MS		1500

#define TYPEBIT(t)		(UINT64_C(1) << (t))

_Static_assert(IMSG_MAX <= 64, "allowed-type masks hold 64 types");

/* What each child may send; anything else is a protocol violation. */
static const uint64_t allowed_types[PROC_MAX] = {
	[PROC_AGENT] = TYPEBIT(IMSG_CHILD_READY) |
	    TYPEBIT(IMSG_SCHED_RESOLVE) | TYPEBIT(IMSG_AGENT_STATE) |
	    TYPEBIT(IMSG_AGENT_COUNTERS) | TYPEBIT(IMSG_POD_CREATE) |
	    TYPEBIT(IMSG_POD_DESTROY),
	[PROC_METRICS] = TYPEBIT(IMSG_CHILD_READY) |
	    TYPEBIT(IMSG_MET_NODE) | TYPEBIT(IMSG_MET_POD_SAMPLE),
	[PROC_RUNTIME] = TYPEBIT(IMSG_CHILD_READY) |
	    TYPEBIT(IMSG_RT_ENGINE) | TYPEBIT(IMSG_RT_CONTAINER) |
	    TYPEBIT(IMSG_RT_POD_RESULT) | TYPEBIT(IMSG_RT_LIST_BEGIN) |
	    TYPEBIT(IMSG_RT_LIST_END) | TYPEBIT(IMSG_RT_PULL) |
	    TYPEBIT(IMSG_RT_PROBE) | TYPEBIT(IMSG_RT_LOGS_DATA) | TYPEBIT(IMSG_RT_LOGS_END),
	[PROC_CONTROL] = TYPEBIT(IMSG_CHILD_READY) |
	    TYPEBIT(IMSG_CTL_SHOW_STATUS) | TYPEBIT(IMSG_CTL_SHOW_PODS) |
	    TYPEBIT(IMSG_CTL_SHOW_POD) | TYPEBIT(IMSG_CTL_SHOW_METRICS) |
	    TYPEBIT(IMSG_CTL_LOG_VERBOSE) | TYPEBIT(IMSG_CTL_RELOAD) |
	    TYPEBIT(IMSG_CTL_LOGS) | TYPEBIT(IMSG_CTL_LOGS_ACK) |
	    TYPEBIT(IMSG_CTL_LOGS_CANCEL) | TYPEBIT(IMSG_CTL_SHOW_PROM),
};

static void	child_start(struct child *);
static void	child_dispatch(int, short, void *);
static void	child_disconnect(struct child *);
static void	child_restart_cb(int, short, void *);
static void	child_schedule_restart(struct child *);

void
children_start(void)
{
	enum riklet_proc	 p;
	struct child		*c;

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		c = &parent->children[p];
		c->proc = p;
		c->backoff_ms = 0;
		if ((c->restart_ev = evtimer_new(parent->base,
		    child_restart_cb, c)) == NULL)
			fatalx("%s: evtimer_new", __func__);
		child_start(c);
	}
}

static void
child_start(struct child *c)
{
	const char	*name = proc_name(c->proc);
	char		*argv[16];
	int		 sp[2], argc = 0, i;
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	switch (pid = fork()) {
	case -1:
		log_warn("fork %s", name);
		close(sp[0]);
		close(sp[1]);
		child_schedule_restart(c);
		return;
	case 0:
		break;
	default:
		close(sp[1]);
		if (fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1)
			fatal("fcntl");
		c->pid = pid;
		c->ready = 0;
		c->started_ms = monotime_ms();
		imsgev_init(&c->iev, parent->base, sp[0], child_dispatch, c);
		c->connected = 1;
		if (imsgev_compose(&c->iev, IMSG_CONF, 0, -1, &parent->conf,
		    sizeof(parent->conf)) == -1)
			fatal("%s: compose", __func__);
		c->conf_gen = parent->conf_gen;
		log_debug("started %s (pid %d)", name, (int)pid);
		return;
	}

	/* The child: its end of the socketpair on PARENT_FD, then exec. */
	if (sp[1] == PARENT_FD) {
		if (fcntl(sp[1], F_SETFD, 0) == -1)
			_exit(127);
	} else if (dup2(sp[1], PARENT_FD) == -1)
		_exit(127);
	{
		sigset_t	 set;

		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
	}
	/* "riklet" keeps the children's titles "riklet: NAME". */
	argv[argc++] = (char *)(uintptr_t)"riklet";
	if (parent->foreground)
		argv[argc++] = (char *)(uintptr_t)"-d";
	for (i = 0; i < parent->verbose && i < 4; i++)
		argv[argc++] = (char *)(uintptr_t)"-v";
	argv[argc] = NULL;
	execv(child_path(name), argv);
	fprintf(stderr, "riklet: exec %s: %s\n", child_path(name),
	    strerror(errno));
	_exit(127);
}

static void
child_disconnect(struct child *c)
{
	if (!c->connected)
		return;
	imsgev_clear(&c->iev);
	c->connected = 0;
	c->ready = 0;
}

/* Whether p may send messages of this type (fuzz_dispatch.c asks too). */
int
child_may_send(enum riklet_proc p, uint32_t type)
{
	return p < PROC_MAX && type < IMSG_MAX &&
	    (allowed_types[p] & TYPEBIT(type)) != 0;
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

static void
child_dispatch(int fd, short event, void *arg)
{
	struct child	*c = ((struct imsgev *)arg)->data;
	struct imsg	 imsg;
	ssize_t		 n;

	(void)fd;
	if (imsgev_io(&c->iev, event) == -1) {
		log_debug("%s (pid %d) closed its connection",
		    proc_name(c->proc), (int)c->pid);
		child_disconnect(c);
		return;
	}
	while (c->connected) {
		if ((n = imsg_get(&c->iev.ibuf, &imsg)) == -1) {
			child_violation(c, "malformed message header");
			return;
		}
		if (n == 0)
			break;
		if (!child_may_send(c->proc, imsg.hdr.type))
			child_violation(c, "message type %u (%s) not allowed",
			    imsg.hdr.type, imsg_type_name(imsg.hdr.type));
		else if (imsg.fd != -1)
			child_violation(c, "unexpected descriptor with %s",
			    imsg_type_name(imsg.hdr.type));
		else if (imsg.hdr.pid != (uint32_t)c->pid)
			child_violation(c, "message claims pid %u",
			    imsg.hdr.pid);
		else if (imsg.hdr.type == IMSG_CHILD_READY) {
			if (imsg.datalen != 0)
				child_violation(c, "CHILD_READY: bad size");
			else if (!c->ready) {
				c->ready = 1;
				log_info("%s ready (pid %d)",
				    proc_name(c->proc), (int)c->pid);
				child_send_conf(c);
				parent_child_ready(c);
			}
		} else
			parent_dispatch(c, &imsg);
		if (imsg.fd != -1)
			close(imsg.fd);
		imsg_free(&imsg);
	}
	if (c->connected)
		imsgev_update(&c->iev);
}

/* Called from the SIGCHLD handler: log every dead child, restart it. */
void
children_reap(void)
{
	struct child	*c;
	enum riklet_proc p;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		c = NULL;
		for (p = PROC_AGENT; p < PROC_MAX; p++)
			if (parent->children[p].pid == pid)
				c = &parent->children[p];
		if (c == NULL)
			continue;
		if (c->restart_now)
			log_debug("%s (pid %d) ended for a restart",
			    proc_name(c->proc), (int)pid);
		else if (WIFSIGNALED(status))
			log_warnx("%s (pid %d) killed by signal %d (%s)",
			    proc_name(c->proc), (int)pid, WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
		else if (WEXITSTATUS(status) != 0 || !parent->stopping)
			log_warnx("%s (pid %d) exited with status %d",
			    proc_name(c->proc), (int)pid, WEXITSTATUS(status));
		c->pid = 0;
		child_disconnect(c);
		if (!parent->stopping) {
			parent_child_gone(c);
			if (c->restart_now) {
				c->restart_now = 0;
				c->restarts++;
				child_start(c);
			} else
				child_schedule_restart(c);
		}
	}
}

/*
 * Ends a child to start it again at once, for a configuration it cannot
 * take in place (the agent's sandbox holds the scheduler's port).  A
 * child that is not running starts with the new one anyway.
 */
void
child_restart(enum riklet_proc p, const char *why)
{
	struct child	*c = &parent->children[p];

	if (c->pid <= 0 || c->restart_now)
		return;
	log_info("restarting %s (pid %d): %s", proc_name(p), (int)c->pid,
	    why);
	c->restart_now = 1;
	(void)kill(c->pid, SIGTERM);
}

static void
child_schedule_restart(struct child *c)
{
	struct timeval	 tv;

	if (monotime_ms() - c->started_ms >= BACKOFF_RESET_MS)
		c->backoff_ms = 0;
	c->backoff_ms = c->backoff_ms == 0 ? BACKOFF_FIRST_MS :
	    c->backoff_ms * 2;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	log_info("restarting %s in %llu ms", proc_name(c->proc),
	    (unsigned long long)c->backoff_ms);
	tv.tv_sec = (time_t)(c->backoff_ms / 1000);
	tv.tv_usec = (suseconds_t)(c->backoff_ms % 1000) * 1000;
	evtimer_add(c->restart_ev, &tv);
}

static void
child_restart_cb(int fd, short event, void *arg)
{
	struct child	*c = arg;

	(void)fd;
	(void)event;
	if (parent->stopping || c->pid != 0)
		return;
	c->restarts++;
	child_start(c);
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
	if (!c->connected || !c->ready)
		return -1;
	if (imsgev_composev(&c->iev, type, 0, -1, iov, iovcnt) == -1) {
		log_warn("%s: %s to %s", __func__, imsg_type_name(type),
		    proc_name(p));
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

/* TERM to every child, then KILL to whatever is left after a moment. */
void
children_stop(void)
{
	enum riklet_proc	 p;
	uint64_t		 deadline;
	int			 alive;
	struct timespec		 ts = { 0, 10 * 1000 * 1000 };

	parent->stopping = 1;
	/* The sockets stay open until the children are gone: a child that
	 * saw EOF first would log the parent's death as an error. */
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		if (parent->children[p].pid > 0)
			(void)kill(parent->children[p].pid, SIGTERM);
	deadline = monotime_ms() + STOP_WAIT_MS;
	for (;;) {
		children_reap();
		alive = 0;
		for (p = PROC_AGENT; p < PROC_MAX; p++)
			if (parent->children[p].pid > 0)
				alive = 1;
		if (!alive)
			break;
		if (monotime_ms() >= deadline) {
			for (p = PROC_AGENT; p < PROC_MAX; p++)
				if (parent->children[p].pid > 0) {
					log_warnx("%s (pid %d) did not stop; "
					    "killing it", proc_name(p),
					    (int)parent->children[p].pid);
					(void)kill(parent->children[p].pid,
					    SIGKILL);
				}
			deadline = monotime_ms() + STOP_WAIT_MS;
		}
		nanosleep(&ts, NULL);
	}
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		child_disconnect(&parent->children[p]);
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		if (parent->children[p].restart_ev != NULL) {
			event_free(parent->children[p].restart_ev);
			parent->children[p].restart_ev = NULL;
		}
}
