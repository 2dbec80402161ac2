/*
 * The engine socket at start.  The runtime, unprivileged, reaches the
 * engine through the socket's group only (riklet-runtime/runtime.c):
 * a socket whose group is root, or that its group may not read and
 * write, would leave it unable to connect, so riklet refuses to start
 * and says what to change.  riklet does not connect for the runtime
 * (riklet(8) says why).  A socket not there yet is the engine starting
 * after riklet: the runtime keeps the group docker and waits for it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>

#include "log.h"
#include "riklet.h"

int
engine_socket_check(const char *path)
{
	struct stat	 st;
	const char	*why = NULL;

	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warnx("engine socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode))
		why = "is not a socket";
	else if (st.st_gid == 0)
		why = "belongs to the group root";
	else if ((st.st_mode & (S_IRGRP | S_IWGRP)) != (S_IRGRP | S_IWGRP))
		why = "is not readable and writable by its group";
	if (why == NULL)
		return 0;
	log_warnx("engine socket %s %s (mode %04o): riklet's runtime, "
	    "unprivileged, reaches the engine through the socket's group; "
	    "give it a group of its own and mode 0660 (chgrp docker %s; "
	    "chmod 0660 %s, or for podman.socket SocketGroup=docker and "
	    "SocketMode=0660)", path, why, (unsigned)(st.st_mode & 07777),
	    path, path);
	return -1;
}
