/*
 * Child start-up and the privilege drop, in the order OpenSSH and the
 * OpenBSD daemons use: look up the user, chroot, set the title, drop
 * groups and ids, prove the drop cannot be undone, then no new privileges.
 */
#include <sys/prctl.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "privsep.h"

static void	child_from_parent(struct imsgev *, short,
		    void (*)(struct imsg *));

/*
 * main() of a role executable, "riklet-ROLE [-dv]": the parent starts it
 * with its socketpair on PARENT_FD; -d keeps the log on stderr.
 */
int
role_exec_main(int argc, char *argv[], void (*role_main)(int, char **))
{
	int	 ch, foreground = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "dv")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			fprintf(stderr, "usage: %s [-dv] (started by riklet)\n",
			    argv[0]);
			return 1;
		}
	}
	if (optind != argc || fcntl(PARENT_FD, F_GETFD) == -1) {
		fprintf(stderr, "%s: riklet starts this program; it is not "
		    "to be run by hand\n", argv[0]);
		return 1;
	}
	log_init(foreground, verbose, LOG_DAEMON);
	role_main(argc, argv);
	return 1;
}

/* Names the process for ps(1) and for the log. */
void
child_setup(enum riklet_proc proc, int argc, char **argv)
{
	const char	*name = proc_name(proc);
	char		 comm[16];

	log_procinit(name);
	setproctitle_init(argc, argv, environ);
	setproctitle("%s", name);
	(void)snprintf(comm, sizeof(comm), "riklet-%s", name);
	(void)prctl(PR_SET_NAME, comm, 0, 0, 0);
	/* Die with the parent, whatever killed it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() == 1)
		fatalx("parent is gone");
	(void)signal(SIGPIPE, SIG_IGN);
}

int
conf_from_imsg(const void *data, size_t len, struct riklet_conf *conf)
{
	if (len != sizeof(*conf))
		return -1;
	memcpy(conf, data, sizeof(*conf));
	return conf_check_strings(conf);
}

/*
 * The first message from the parent is always the configuration.  It is
 * read before the privilege drop because it names the user to drop to.
 */
void
child_read_conf(struct riklet_conf *conf)
{
	struct imsgbuf	*ibuf;
	struct imsg	 imsg;
	struct pollfd	 pfd;
	ssize_t		 n;

	if ((ibuf = malloc(sizeof(*ibuf))) == NULL)
		fatal("%s", __func__);
	imsgbuf_init(ibuf, PARENT_FD);
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatal("%s: imsg_get", __func__);
		if (n > 0)
			break;
		pfd.fd = PARENT_FD;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10000) == 0)
			fatalx("%s: no configuration from the parent",
			    __func__);
		if ((n = imsgbuf_read(ibuf)) == 0)
			fatalx("%s: parent closed the connection", __func__);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			fatal("%s: read", __func__);
	}
	if (imsg.hdr.type != IMSG_CONF ||
	    conf_from_imsg(imsg.data, imsg.datalen, conf) == -1)
		fatalx("%s: bad configuration message (type %s, %zu bytes)",
		    __func__, imsg_type_name(imsg.hdr.type), imsg.datalen);
	if (ibuf->rlen != 0)
		fatalx("%s: unexpected data after the configuration",
		    __func__);
	imsg_free(&imsg);
	imsgbuf_clear(ibuf);
	free(ibuf);
}

/*
 * Drops root for the configured user.  chrootdir, when not NULL, becomes
 * the root directory; keep_gid, when not (gid_t)-1, is kept as the only
 * supplementary group (the runtime's access to the engine socket).
 */
void
priv_drop(const struct riklet_conf *conf, enum riklet_proc proc,
    const char *chrootdir, gid_t keep_gid)
{
	struct passwd	*pw;
	gid_t		 groups[1];
	size_t		 ngroups = 0;

	if (geteuid() != 0)
		fatalx("%s must start as root", proc_name(proc));
	errno = 0;
	if ((pw = getpwnam(conf->user)) == NULL) {
		if (errno != 0)
			fatal("getpwnam(\"%s\")", conf->user);
		fatalx("unknown user \"%s\": create it (see riklet(8))",
		    conf->user);
	}
	if (pw->pw_uid == 0)
		fatalx("user \"%s\" must not be root", conf->user);
	if (chrootdir != NULL) {
		if (chroot(chrootdir) == -1)
			fatal("chroot %s", chrootdir);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	if (keep_gid != (gid_t)-1 && keep_gid != pw->pw_gid)
		groups[ngroups++] = keep_gid;
	if (setgroups(ngroups, groups) == -1)
		fatal("setgroups");
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1)
		fatal("setresgid");
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("setresuid");
	/* Prove it: root must be out of reach now. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setegid(0) != -1)
		fatalx("%s: privilege drop could be undone", __func__);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
	log_debug("dropped privileges to %s (uid %u)%s%s", conf->user,
	    (unsigned)pw->pw_uid, chrootdir ? ", chroot " : "",
	    chrootdir ? chrootdir : "");
}

static void
child_sig(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	log_debug("received signal %d, exiting", sig);
	exit(0);
}

/*
 * The event loop every child runs: a connection to the parent on
 * PARENT_FD, TERM and INT end the process, and the parent is told we are
 * ready.  The dispatch callback exits when imsgev_io() says the parent is
 * gone.
 */
static void	(*parent_handler)(struct imsg *);

static void
child_parent_cb(int fd, short event, void *arg)
{
	(void)fd;
	child_from_parent(arg, event, parent_handler);
}

struct event_base *
child_event_init(struct imsgev *iev, void (*handle)(struct imsg *))
{
	struct event_base	*base;
	struct event		*ev;
	static const int	 sigs[] = { SIGTERM, SIGINT };
	size_t			 i;

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if ((ev = evsignal_new(base, sigs[i], child_sig, NULL)) ==
		    NULL || evsignal_add(ev, NULL) == -1)
			fatalx("evsignal");
	}
	if (fcntl(PARENT_FD, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	parent_handler = handle;
	imsgev_init(iev, base, PARENT_FD, child_parent_cb, iev);
	if (imsgev_compose(iev, IMSG_CHILD_READY, 0, -1, NULL, 0) == -1)
		fatal("%s: compose", __func__);
	return base;
}

/* The messages every child takes from the parent, checked the same way. */
void
child_conf_imsg(const struct imsg *imsg, struct riklet_conf *conf)
{
	if (conf_from_imsg(imsg->data, imsg->datalen, conf) == -1)
		fatalx("bad IMSG_CONF from the parent");
	log_debug("configuration updated");
}

void
child_verbose_imsg(const struct imsg *imsg)
{
	int	 verbose;

	if (imsg->datalen != sizeof(verbose))
		fatalx("bad IMSG_VERBOSE from the parent");
	memcpy(&verbose, imsg->data, sizeof(verbose));
	log_setverbose(verbose);
}

/*
 * Every child's dispatch of what its parent sends: the I/O, then each
 * whole message, in order, to handle().  The parent's EOF ends the child.
 */
static void
child_from_parent(struct imsgev *iev, short event,
    void (*handle)(struct imsg *))
{
	struct imsg	 imsg;
	ssize_t		 n;

	if (imsgev_io(iev, event) == -1)
		fatalx("parent is gone");
	for (;;) {
		if ((n = imsg_get(&iev->ibuf, &imsg)) == -1)
			fatal("%s: imsg_get", __func__);
		if (n == 0)
			break;
		handle(&imsg);
		imsg_free(&imsg);
	}
	imsgev_update(iev);
}
