/*
 * The parent's side of rikletctl: the control socket.  The parent opens
 * it as root before any child starts, but never reads from a client: the
 * unprivileged control child (riklet-control/) accepts the connections,
 * parses the untrusted requests and asks by imsg (from_control.c).  Each
 * control child gets its own copy of the listening socket; the answers
 * (ctl_show.c, ctl_logs.c, prom_figures.c) go back through ctl_reply().
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "riklet.h"

#define CONTROL_BACKLOG		16

static void	control_bind(int, const char *);

static int	 listen_fd = -1;
static char	 listen_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/*
 * Binds the control socket: 0660 and owned by root, so only root (or a
 * group the operator gives it) may connect.  A socket left by a dead
 * riklet is replaced; one a live riklet answers on is not.
 */
void
control_open(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("control socket %s: path too long", path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("control socket %s exists and is not a socket",
			    path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			fatal("socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			fatalx("control socket %s: another riklet is "
			    "listening on it", path);
		close(fd);
		log_debug("replacing the stale control socket %s", path);
	} else if (errno != ENOENT)
		fatal("lstat %s", path);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		fatal("socket");
	control_bind(fd, path);
	if (listen(fd, CONTROL_BACKLOG) == -1)
		fatal("listen %s", path);
	listen_fd = fd;
	(void)strlcpy(listen_path, path, sizeof(listen_path));
	log_debug("control socket %s", path);
}

/*
 * The socket has its mode and owner before its path exists: it is bound
 * under its own name in a directory of its own that only root may enter,
 * under a umask that leaves 0660, given to root there (a set-group-ID
 * directory would give it its group), then renamed into place, over a
 * stale one if need be.  Binding from inside that directory keeps the
 * address short and the socket's own name.
 */
static void
control_bind(int fd, const char *path)
{
	struct sockaddr_un	 sun;
	const char		*base;
	char			 tmp[PATH_MAX];
	mode_t			 old;
	int			 cwd, dfd = -1, n, rc = -1, saved;

	base = (base = strrchr(path, '/')) == NULL ? path : base + 1;
	n = snprintf(tmp, sizeof(tmp), "%.*s.riklet.XXXXXX",
	    (int)(base - path), path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		fatalx("control socket %s: path too long", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, base, sizeof(sun.sun_path));
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("control socket %s: open .", path);
	if (mkdtemp(tmp) == NULL)
		fatal("control socket %s: mkdtemp %s", path, tmp);
	if ((dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1 &&
	    fchdir(dfd) == 0) {
		old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
		rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
		(void)umask(old);
		if (fchdir(cwd) == -1)
			fatal("control socket %s: fchdir", path);
	}
	if (rc == -1 || fchownat(dfd, base, 0, 0, AT_SYMLINK_NOFOLLOW) == -1 ||
	    renameat(dfd, base, AT_FDCWD, path) == -1) {
		saved = errno;
		if (dfd != -1)
			(void)unlinkat(dfd, base, 0);
		(void)rmdir(tmp);
		errno = saved;
		fatal("control socket %s", path);
	}
	close(dfd);
	close(cwd);
	if (rmdir(tmp) == -1)
		log_warn("rmdir %s", tmp);
}

void
control_close(void)
{
	if (listen_fd != -1) {
		close(listen_fd);
		listen_fd = -1;
		if (unlink(listen_path) == -1 && errno != ENOENT)
			log_warn("unlink %s", listen_path);
	}
}

/* The listening socket, for each new control child; -1: none. */
int
ctl_listen_fd(void)
{
	return listen_fd;
}

int
ctl_reply(uint32_t peer, uint32_t type, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return ctl_replyv(peer, type, &iov, len == 0 ? 0 : 1);
}

int
ctl_replyv(uint32_t peer, uint32_t type, const struct iovec *iov, int cnt)
{
	struct child	*c = &parent->children[PROC_CONTROL];

	if (!child_ready(PROC_CONTROL))
		return -1;
	if (imsgev_composev(&c->iev, type, peer, -1, iov, cnt) == -1) {
		log_warn("%s: %s to control", __func__, imsg_type_name(type));
		return -1;
	}
	return 0;
}

void
ctl_error(uint32_t peer, const char *msg)
{
	(void)ctl_reply(peer, IMSG_CTL_ERROR, msg, strlen(msg) + 1);
}
