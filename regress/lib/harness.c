/*
 * Plays the parent for one child process in a test.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "privsep.h"
#include "util.h"

/* The binary under test: $RIKLET, else build/riklet. */
const char *
harness_riklet(void)
{
	const char	*p = getenv("RIKLET");

	return p != NULL && *p != '\0' ? p : "build/riklet";
}

static void	harness_send_pause(struct harness *);

static char	chroot_dir[256];
static pid_t	chroot_owner;

static void
chroot_remove(void)
{
	if (chroot_owner == getpid())
		(void)rmdir(chroot_dir);
}

/*
 * The children's chroot: an empty directory this process makes and
 * removes, never one the machine may lack (Debian has no /var/empty).
 * A forked test that calls harness_conf() makes its own.
 */
static const char *
harness_chroot(void)
{
	if (chroot_owner == getpid())
		return chroot_dir;
	if (test_tmpname(chroot_dir, sizeof(chroot_dir), "riklet-chroot") ==
	    -1 || mkdtemp(chroot_dir) == NULL || chmod(chroot_dir, 0755) == -1) {
		perror("harness: chroot directory");
		exit(1);
	}
	if (chroot_owner == 0)
		(void)atexit(chroot_remove);
	chroot_owner = getpid();
	return chroot_dir;
}

/* The role's executable beside the riklet under test. */
int
harness_role_path(const char *role, char *buf, size_t size)
{
	const char	*r = harness_riklet(), *slash = strrchr(r, '/');
	int		 n;

	n = snprintf(buf, size, "%.*sriklet-%s",
	    slash ? (int)(slash - r + 1) : 0, r, role);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * A mkdtemp() template for PREFIX under $TMPDIR (the runner's scratch
 * directory, removed after each program whatever happens), else /tmp.
 */
int
test_tmpname(char *buf, size_t size, const char *prefix)
{
	const char	*t = getenv("TMPDIR");
	int		 n;

	if (t == NULL || *t != '/')
		t = "/tmp";
	n = snprintf(buf, size, "%s/%s.XXXXXX", t, prefix);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Defaults suited to a test run; the caller adjusts what it needs. */
void
harness_conf(struct riklet_conf *conf)
{
	conf_defaults(conf);
	(void)strlcpy(conf->hostname, "harness", sizeof(conf->hostname));
	(void)strlcpy(conf->chroot, harness_chroot(), sizeof(conf->chroot));
}

int
harness_start(struct harness *h, const char *role,
    const struct riklet_conf *conf)
{
	int	 sp[2];
	char	*verbose = getenv("HARNESS_VERBOSE");
	char	 path[1024];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	if (harness_role_path(role, path, sizeof(path)) == -1)
		return -1;
	switch (h->pid = fork()) {
	case -1:
		return -1;
	case 0:
		if (dup2(sp[1], PARENT_FD) == -1)
			_exit(127);
		if (verbose != NULL)
			execl(path, "riklet", "-d", "-v", (char *)NULL);
		else
			execl(path, "riklet", "-d", (char *)NULL);
		_exit(127);
	}
	close(sp[1]);
	imsgbuf_init(&h->ibuf, sp[0]);
	h->runtime = strcmp(role, "runtime") == 0;
	return harness_send(h, IMSG_CONF, conf, sizeof(*conf));
}

/*
 * As the parent does when the runtime is ready: riklet-pause, the one
 * next to the riklet under test, as an open file.
 */
static void
harness_send_pause(struct harness *h)
{
	char		 path[1024];
	const char	*why = "";
	int		 fd;

	(void)snprintf(path, sizeof(path), "%s", harness_riklet());
	if (strrchr(path, '/') != NULL)
		*strrchr(path, '/') = '\0';
	else
		(void)strlcpy(path, ".", sizeof(path));
	(void)strlcat(path, "/riklet-pause", sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		perror(path);
		why = "the harness found no riklet-pause";
	}
	if (imsg_compose(&h->ibuf, IMSG_RT_PAUSE, 0, 0, fd, why,
	    strlen(why) + 1) == -1 ||
	    imsgbuf_flush(&h->ibuf) == -1)
		perror("harness: IMSG_RT_PAUSE");
}

int
harness_send(struct harness *h, uint32_t type, const void *data, size_t len)
{
	if (imsg_compose(&h->ibuf, type, 0, 0, -1, data, len) == -1)
		return -1;
	return imsgbuf_flush(&h->ibuf);
}

/* 1: a message in imsg, 0: timed out, -1: the child is gone. */
int
harness_recv(struct harness *h, struct imsg *imsg, int timeout_ms)
{
	struct pollfd	 pfd;
	uint64_t	 deadline = monotime_ms() + (uint64_t)timeout_ms;
	ssize_t		 n;
	int		 left;

	for (;;) {
		if ((n = imsg_get(&h->ibuf, imsg)) == -1)
			return -1;
		if (n > 0) {
			if (h->runtime && imsg->hdr.type == IMSG_CHILD_READY)
				harness_send_pause(h);
			return 1;
		}
		left = (int)(deadline - monotime_ms());
		if (monotime_ms() >= deadline)
			return 0;
		pfd.fd = h->ibuf.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		if ((n = imsgbuf_read(&h->ibuf)) == 0)
			return -1;
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

/* Waits for a message of the given type, dropping others. */
int
harness_wait(struct harness *h, uint32_t type, struct imsg *imsg,
    int timeout_ms)
{
	uint64_t	 deadline = monotime_ms() + (uint64_t)timeout_ms;
	int		 r;

	for (;;) {
		int left = (int)(deadline - monotime_ms());

		if (left <= 0)
			return 0;
		if ((r = harness_recv(h, imsg, left)) != 1)
			return r;
		if (imsg->hdr.type == type)
			return 1;
		imsg_free(imsg);
	}
}

/* TERM, then KILL; returns the child's wait status. */
int
harness_stop(struct harness *h)
{
	int	 status = 0, i;

	if (h->pid <= 0)
		return 0;
	(void)kill(h->pid, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(h->pid, &status, WNOHANG) == h->pid)
			break;
		usleep(10000);
	}
	if (i == 200) {
		(void)kill(h->pid, SIGKILL);
		(void)waitpid(h->pid, &status, 0);
	}
	imsgbuf_clear(&h->ibuf);
	close(h->ibuf.fd);
	h->pid = 0;
	return status;
}
