/*
 * What the parent does for the pods' infra containers: it finds the
 * riklet-pause program and hands the runtime an open descriptor of it
 * (the runtime, confined, opens no file), from which the runtime makes
 * the image riklet/pause:<version>.
 *
 * The program is installed with the children (libexec.c: the build tree
 * for the riklet the tests run, LIBEXECDIR for the installed one).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "infra.h"
#include "log.h"
#include "riklet.h"

static int	pause_open(char *, size_t);

/* An open descriptor of riklet-pause; -1 and why in msg if there is none. */
static int
pause_open(char *msg, size_t msglen)
{
	const char	*path = child_path("pause");
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		(void)snprintf(msg, msglen, "%.512s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return fd;
	(void)snprintf(msg, msglen, "%.512s: not a regular file", path);
	close(fd);
	return -1;
}

/*
 * The runtime is ready, or the configuration changed: give it the
 * program when the configuration names no infra image of its own.
 */
void
infra_send_pause(void)
{
	char	 msg[RIK_MESSAGE_MAX];
	int	 fd = -1;
	struct child *c = &parent->children[PROC_RUNTIME];

	msg[0] = '\0';
	if (!child_ready(PROC_RUNTIME))
		return;
	if (parent->conf.infra_image[0] == '\0' &&
	    (fd = pause_open(msg, sizeof(msg))) == -1)
		log_warnx("%s: pods cannot start unless the engine already "
		    "has riklet's infra image", msg);
	else if (fd != -1)
		log_debug("riklet-pause: %s", child_path("pause"));
	/* imsg closes fd once it is sent. */
	if (imsgev_compose(&c->iev, IMSG_RT_PAUSE, 0, fd, msg,
	    strlen(msg) + 1) == -1) {
		log_warn("%s: compose", __func__);
		if (fd != -1)
			close(fd);
	}
}
