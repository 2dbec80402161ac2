/*
 * riklet-pause: the one process of a pod's infra container.  It holds
 * the pod's network and IPC namespaces for the other containers, reaps
 * what ends up as its child (it runs as the container's PID 1) and
 * exits 0 on SIGTERM or SIGINT, which PID 1 does not do by default.
 *
 * It is built static, linked with nothing of riklet's, and imported into
 * the engine as the image riklet/pause:<version> with this file as
 * /pause.  With an argument it runs a subcommand instead: "probe http
 * PORT PATH [SECONDS]" and "probe tcp PORT [SECONDS]" are the httpGet
 * and tcpSocket probes, exec'd by the runtime through the engine in the
 * infra container, so in the pod's network namespace: a connect to
 * 127.0.0.1:PORT and, for http, a GET of PATH whose status must be 200
 * to 399.  Exit 0 on success; otherwise 1 and one line saying why on
 * standard output.  The whole probe is bounded by SECONDS (default 1).
 * Plain sockets: the image has no libc and the program stays small.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef RIKLET_VERSION
#error "RIKLET_VERSION: the Makefile gives it, from the file VERSION"
#endif


struct subcommand {
	const char	*name;
	int		(*run)(int, char **);
};

static int	pause_main(void);
static int	cmd_version(int, char **);
static int	cmd_probe(int, char **);
static int	probe_number(const char *, long, long, long *);
static long	probe_left_ms(const struct timespec *);
static int	probe_wait(int, short, const struct timespec *);
static int	probe_connect(long, const struct timespec *, long);
static int	probe_http(int, long, const char *, const struct timespec *,
		    long);
static int	probe_fail(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
static int	usage(void);

#define PROBE_SECONDS_MAX	3600
#define PROBE_REQUEST_MAX	512

static const struct subcommand subcommands[] = {
	{ "version",	cmd_version },
	{ "probe",	cmd_probe },
};

int
main(int argc, char *argv[])
{
	size_t	 i;

	if (argc < 2)
		return pause_main();
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	return usage();
}

/*
 * The signals are blocked and taken one by one with sigwaitinfo(), so
 * there is no handler to race with: a SIGCHLD reaps every child that has
 * ended, a SIGTERM or SIGINT ends the pod's namespace holder.
 */
static int
pause_main(void)
{
	sigset_t	 set;
	siginfo_t	 si;
	int		 sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		perror("riklet-pause: sigprocmask");
		return 1;
	}
	for (;;) {
		if ((sig = sigwaitinfo(&set, &si)) == -1) {
			if (errno == EINTR)
				continue;
			perror("riklet-pause: sigwaitinfo");
			return 1;
		}
		if (sig != SIGCHLD)
			return 0;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

static int
cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage();
	printf("riklet-pause %s\n", RIKLET_VERSION);
	return 0;
}

static int
probe_fail(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 1;
}

static int
probe_number(const char *s, long min, long max, long *out)
{
	char	*end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *out >= min &&
	    *out <= max ? 0 : -1;
}

/* Milliseconds to the deadline, 0 once it has passed. */
static long
probe_left_ms(const struct timespec *deadline)
{
	struct timespec	 now;
	long		 ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* 1 when fd is ready for events, 0 at the deadline, -1 on an error. */
static int
probe_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd	 pfd = { fd, events, 0 };
	long		 ms;
	int		 n;

	for (;;) {
		if ((ms = probe_left_ms(deadline)) == 0)
			return 0;
		if ((n = poll(&pfd, 1, (int)ms)) == -1 && errno == EINTR)
			continue;
		return n;
	}
}

/* A connected socket to 127.0.0.1:port, or -1 and the reason said. */
static int
probe_connect(long port, const struct timespec *deadline, long secs)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(int);
	int			 s, err = 0, n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		probe_fail("socket: %s", strerror(errno));
		return -1;
	}
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		if ((n = probe_wait(s, POLLOUT, deadline)) == 0) {
			close(s);
			probe_fail("connect to port %ld: timed out after %ld s",
			    port, secs);
			return -1;
		}
		if (n == -1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err,
		    &len) == -1)
			err = errno;
		if (err != 0)
			goto fail;
	}
	return s;
 fail:
	close(s);
	probe_fail("connect to port %ld: %s", port, strerror(err));
	return -1;
}

/* GET path; the status line's code must be 200 to 399. */
static int
probe_http(int s, long port, const char *path,
    const struct timespec *deadline, long secs)
{
	char	 req[PROBE_REQUEST_MAX], buf[64];
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 code, w;

	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: "
	    "localhost:%ld\r\nUser-Agent: riklet-probe\r\nConnection: "
	    "close\r\n\r\n", path, port);
	if (n < 0 || (size_t)n >= sizeof(req))
		return probe_fail("path too long");
	len = (size_t)n;
	while (off < len) {
		if ((w = probe_wait(s, POLLOUT, deadline)) <= 0)
			goto timeout;
		if ((n = write(s, req + off, len - off)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return probe_fail("HTTP request: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	/* "HTTP/1.x NNN" is all we read. */
	off = 0;
	while (off < 12) {
		if ((w = probe_wait(s, POLLIN, deadline)) <= 0)
			goto timeout;
		if ((n = read(s, buf + off, sizeof(buf) - 1 - off)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return probe_fail("HTTP response: %s",
			    strerror(errno));
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	if (off < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9')
		return probe_fail("not an HTTP response");
	code = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (code < 200 || code > 399)
		return probe_fail("HTTP %d", code);
	return 0;
 timeout:
	return probe_fail("HTTP %s: timed out after %ld s", path, secs);
}

/* probe http PORT PATH [SECONDS] | probe tcp PORT [SECONDS] */
static int
cmd_probe(int argc, char **argv)
{
	struct timespec	 deadline;
	long		 port, secs = 1;
	int		 http, s, rv = 0;

	if (argc < 3)
		return usage();
	http = strcmp(argv[1], "http") == 0;
	if ((!http && strcmp(argv[1], "tcp") != 0) ||
	    argc > (http ? 5 : 4) || (http && argc < 4) ||
	    probe_number(argv[2], 1, 65535, &port) == -1 ||
	    (http && argv[3][0] != '/') ||
	    (argc == (http ? 5 : 4) && probe_number(argv[argc - 1], 1,
	    PROBE_SECONDS_MAX, &secs) == -1))
		return usage();
	(void)clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += secs;
	if ((s = probe_connect(port, &deadline, secs)) == -1)
		return 1;
	if (http)
		rv = probe_http(s, port, argv[3], &deadline, secs);
	close(s);
	return rv;
}

static int
usage(void)
{
	fprintf(stderr, "usage: riklet-pause [version]\n"
	    "       riklet-pause probe http port path [seconds]\n"
	    "       riklet-pause probe tcp port [seconds]\n");
	return 2;
}
