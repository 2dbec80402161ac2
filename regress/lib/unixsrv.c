/*
 * A server on a unix socket for tests that stand in for the engine.
 * Each connection gets a process running serve(fd), which exits when it
 * is done.  The socket is open to every user, since the child under
 * test drops root before it connects.  The server and its connections
 * die with the process that started them, even one that failed half-way
 * (a Check test that fails runs no teardown).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unixsrv.h"

/* The server's pid (its process group), -1 on failure. */
pid_t
unixsrv_start(const char *path, void (*serve)(int))
{
	struct sockaddr_un	 sun;
	pid_t			 pid;
	int			 s, c;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -1;
	(void)unlink(path);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(s, 64) == -1 ||
	    (pid = fork()) == -1) {
		close(s);
		return -1;
	}
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)setpgid(0, 0);
		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			if ((c = accept(s, NULL, NULL)) == -1)
				continue;
			if (fork() == 0) {
				(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
				close(s);
				serve(c);
				_exit(0);
			}
			close(c);
		}
	}
	(void)setpgid(pid, pid);
	close(s);
	return pid;
}

/* The server and every connection it has, and the socket. */
void
unixsrv_stop(pid_t pid, const char *path)
{
	if (pid > 0) {
		(void)kill(-pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	(void)unlink(path);
}

void
unixsrv_write(int fd, const void *p, size_t n)
{
	const char	*b = p;
	ssize_t		 w;

	while (n > 0 && (w = write(fd, b, n)) > 0) {
		b += w;
		n -= (size_t)w;
	}
}
