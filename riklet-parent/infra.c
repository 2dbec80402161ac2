/*
 * What the parent does for the pods' infra containers: it finds the
 * riklet-pause program and hands the runtime an open descriptor of it
 * (the runtime, confined, opens no file), from which the runtime makes
 * the image riklet/pause:<version>.
 *
 * The program is looked for next to the riklet executable (a build
 * tree), then in ../libexec/riklet/ from it (an installed riklet: SBINDIR
 * and LIBEXECDIR under one prefix).
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

static int	pause_open(char *, size_t, char *, size_t);

static const char *const pause_places[] = {
	"riklet-pause",
	"../libexec/riklet/riklet-pause",
};

/*
 * An open descriptor of riklet-pause and its path; -1 and why in msg if
 * there is none.
 */
static int
pause_open(char *path, size_t len, char *msg, size_t msglen)
{
	const char	*slash = parent->self != NULL ?
			    strrchr(parent->self, '/') : NULL;
	struct stat	 st;
	size_t		 i;
	int		 fd = -1;

	(void)snprintf(msg, msglen, "riklet-pause: neither next to %.256s "
	    "nor in ../libexec/riklet from it",
	    parent->self != NULL ? parent->self : "riklet");
	for (i = 0; i < sizeof(pause_places) / sizeof(pause_places[0]); i++) {
		if (slash == NULL || (size_t)snprintf(path, len, "%.*s/%s",
		    (int)(slash - parent->self), parent->self,
		    pause_places[i]) >= len)
			continue;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
		    -1) {
			if (errno != ENOENT)
				(void)snprintf(msg, msglen, "riklet-pause: "
				    "%.512s: %s", path, strerror(errno));
			continue;
		}
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			return fd;
		(void)snprintf(msg, msglen, "riklet-pause: %.512s: not a "
		    "regular file", path);
		close(fd);
	}
	return -1;
}

/*
 * The runtime is ready, or the configuration changed: give it the
 * program when the configuration names no infra image of its own.
 */
void
infra_send_pause(void)
{
	char	 path[1024], msg[RIK_MESSAGE_MAX];
	int	 fd = -1;
	struct child *c = &parent->children[PROC_RUNTIME];

	msg[0] = '\0';
	if (!c->connected || !c->ready)
		return;
	if (parent->conf.infra_image[0] == '\0' &&
	    (fd = pause_open(path, sizeof(path), msg, sizeof(msg))) == -1)
		log_warnx("%s: pods cannot start unless the engine already "
		    "has riklet's infra image", msg);
	else if (fd != -1)
		log_debug("riklet-pause: %s", path);
	/* imsg closes fd once it is sent. */
	if (imsgev_compose(&c->iev, IMSG_RT_PAUSE, 0, fd, msg,
	    strlen(msg) + 1) == -1) {
		log_warn("%s: compose", __func__);
		if (fd != -1)
			close(fd);
	}
}
