/*
 * riklet-pause (riklet-pause/pause.c), the infra container's process:
 * it is static, it ends with status 0 on SIGTERM and on SIGINT and not
 * on other harmless signals, it reaps a child that ends, and it refuses
 * an unknown subcommand.  Its probe subcommand: tcp succeeds on a port
 * that accepts, http on a status of 200 to 399; anything else fails with
 * one line saying why, within its timeout.  The binary is the one next
 * to $RIKLET.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkrun.h"
#include "harness.h"

static const char *pause_path(void);
static pid_t	 spawn(char *const [], pid_t *);
static int	 wait_exit(pid_t, int);
static char	 proc_state(pid_t);
static void	 sleep_ms(long);
static Suite	*pause_suite(void);
static int	 listener(int *);
static pid_t	 http_server(int, const char *);
static int	 probe(const char *, int, const char *, const char *, char *,
		    size_t);

static const char *
pause_path(void)
{
	static char	 path[PATH_MAX];
	char		 self[PATH_MAX];

	(void)strlcpy(self, harness_riklet(), sizeof(self));
	(void)snprintf(path, sizeof(path), "%s/riklet-pause", dirname(self));
	return path;
}

/*
 * Runs riklet-pause with argv.  With kidp, the process first forks a
 * child that ends after 200 ms, so the pause has it as its own; its pid
 * goes to *kidp.
 */
static pid_t
spawn(char *const argv[], pid_t *kidp)
{
	pid_t	 pid, kid;
	char	 buf[32];
	int	 p[2], zombie = kidp != NULL;

	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (zombie) {
			if ((kid = fork()) == 0) {
				sleep_ms(200);
				_exit(3);
			}
			(void)snprintf(buf, sizeof(buf), "%d\n", (int)kid);
			(void)!write(p[1], buf, strlen(buf));
		}
		close(p[1]);
		execv(pause_path(), argv);
		_exit(127);
	}
	close(p[1]);
	if (zombie) {
		ssize_t n = read(p[0], buf, sizeof(buf) - 1);

		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		*kidp = (pid_t)strtol(buf, NULL, 10);
		ck_assert_int_gt(*kidp, 0);
	}
	close(p[0]);
	return pid;
}

/* The exit status, or -1 if it did not exit within ms. */
static int
wait_exit(pid_t pid, int ms)
{
	int	 status, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status);
		sleep_ms(10);
	}
	return -1;
}

/* The state letter of /proc/pid/stat, or 0 if the process is gone. */
static char
proc_state(pid_t pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Linked static: it must run in an image that holds nothing else. */
START_TEST(test_static)
{
	char	 buf[4096];
	ssize_t	 n;
	int	 fd;

	ck_assert_int_ne(fd = open(pause_path(), O_RDONLY), -1);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_int_gt(n, 64);
	ck_assert(memcmp(buf, "\177ELF", 4) == 0);
	/* No PT_INTERP: no dynamic loader named anywhere in the headers. */
	ck_assert_ptr_null(memmem(buf, (size_t)n, "ld-linux", 8));
	ck_assert_ptr_null(memmem(buf, (size_t)n, "ld-musl", 7));
}
END_TEST

START_TEST(test_signals)
{
	static const int	 sigs[] = { SIGTERM, SIGINT };
	char			*argv[] = { "riklet-pause", NULL };
	pid_t			 pid;

	pid = spawn(argv, NULL);
	sleep_ms(100);
	/* A SIGCHLD with no child to reap does not end it. */
	ck_assert_int_eq(kill(pid, SIGCHLD), 0);
	ck_assert_int_eq(wait_exit(pid, 200), -1);
	ck_assert_int_eq(kill(pid, sigs[_i]), 0);
	ck_assert_int_eq(wait_exit(pid, 2000), 0);
}
END_TEST

START_TEST(test_reaps)
{
	char	*argv[] = { "riklet-pause", NULL };
	pid_t	 kid, pid;
	char	 st;
	int	 i;

	pid = spawn(argv, &kid);
	for (i = 0; i < 300 && (st = proc_state(kid)) != 0; i++) {
		ck_assert_msg(st != 'Z' || i < 100,
		    "child %d left a zombie for 1 s", (int)kid);
		sleep_ms(10);
	}
	ck_assert_msg(proc_state(kid) == 0, "child %d was never reaped",
	    (int)kid);
	/* Reaping did not end it; SIGTERM does. */
	ck_assert_int_eq(wait_exit(pid, 100), -1);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(wait_exit(pid, 2000), 0);
}
END_TEST

START_TEST(test_subcommands)
{
	char	*version[] = { "riklet-pause", "version", NULL };
	char	*bad[] = { "riklet-pause", "nonsense", NULL };
	char	*extra[] = { "riklet-pause", "version", "x", NULL };

	ck_assert_int_eq(wait_exit(spawn(version, NULL), 2000), 0);
	ck_assert_int_eq(wait_exit(spawn(bad, NULL), 2000), 2);
	ck_assert_int_eq(wait_exit(spawn(extra, NULL), 2000), 2);
}
END_TEST

/* A TCP socket listening on 127.0.0.1, its port in *port. */
static int
listener(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 s;

	ck_assert_int_ne(s = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(s, 8), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return s;
}

/* A child that answers one request on s with status, then exits. */
static pid_t
http_server(int s, const char *status)
{
	char	 buf[1024], resp[128];
	pid_t	 pid;
	int	 c;

	if ((pid = fork()) != 0) {
		ck_assert_int_ne(pid, -1);
		return pid;
	}
	if ((c = accept(s, NULL, NULL)) == -1)
		_exit(1);
	(void)!read(c, buf, sizeof(buf));
	(void)snprintf(resp, sizeof(resp), "HTTP/1.1 %s\r\nContent-Length: "
	    "0\r\n\r\n", status);
	(void)!write(c, resp, strlen(resp));
	close(c);
	_exit(0);
}

/* riklet-pause probe KIND PORT [PATH] [SECS]: its status, its output. */
static int
probe(const char *kind, int port, const char *path, const char *secs,
    char *out, size_t len)
{
	char	 ports[16];
	char	*argv[8];
	pid_t	 pid;
	ssize_t	 n;
	size_t	 off = 0;
	int	 p[2], i = 0, rv;

	(void)snprintf(ports, sizeof(ports), "%d", port);
	argv[i++] = "riklet-pause";
	argv[i++] = "probe";
	argv[i++] = (char *)(uintptr_t)kind;
	argv[i++] = ports;
	if (path != NULL)
		argv[i++] = (char *)(uintptr_t)path;
	if (secs != NULL)
		argv[i++] = (char *)(uintptr_t)secs;
	argv[i] = NULL;
	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(pause_path(), argv);
		_exit(127);
	}
	close(p[1]);
	while (off < len - 1 && (n = read(p[0], out + off,
	    len - 1 - off)) > 0)
		off += (size_t)n;
	out[off] = '\0';
	close(p[0]);
	rv = wait_exit(pid, 5000);
	return rv;
}

START_TEST(test_probe_tcp)
{
	char	 out[256];
	int	 s, port;

	s = listener(&port);
	ck_assert_int_eq(probe("tcp", port, NULL, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	close(s);
	/* Nothing listens now. */
	ck_assert_int_eq(probe("tcp", port, NULL, "2", out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "Connection refused"));
	ck_assert_ptr_nonnull(strchr(out, '\n'));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(test_probe_http)
{
	static const struct {
		const char	*status;
		int		 rv;
		const char	*says;
	} cases[] = {
		{ "200 OK", 0, "" },
		{ "204 No Content", 0, "" },
		{ "399 Whatever", 0, "" },
		{ "301 Moved", 0, "" },
		{ "404 Not Found", 1, "HTTP 404\n" },
		{ "500 Oops", 1, "HTTP 500\n" },
		{ "199 Early", 1, "HTTP 199\n" },
	};
	char	 out[256];
	size_t	 i;
	pid_t	 srv;
	int	 s, port;

	s = listener(&port);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		srv = http_server(s, cases[i].status);
		ck_assert_int_eq(probe("http", port, "/healthz", NULL, out,
		    sizeof(out)), cases[i].rv);
		ck_assert_str_eq(out, cases[i].says);
		ck_assert_int_eq(wait_exit(srv, 2000), 0);
	}
	/* Not HTTP at all. */
	srv = http_server(s, "\r\n");
	ck_assert_int_eq(probe("http", port, "/", NULL, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "not an HTTP response\n");
	ck_assert_int_eq(wait_exit(srv, 2000), 0);
	close(s);
}
END_TEST

/* A port that accepts and never answers: failed at the timeout. */
START_TEST(test_probe_timeout)
{
	struct timespec	 t0, t1;
	char		 out[256];
	long		 ms;
	int		 s, port;

	s = listener(&port);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(probe("http", port, "/h", "1", out, sizeof(out)), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_str_eq(out, "HTTP /h: timed out after 1 s\n");
	ck_assert_int_ge(ms, 900);
	ck_assert_int_lt(ms, 3000);
	close(s);
}
END_TEST

START_TEST(test_probe_usage)
{
	char	 out[256];

	ck_assert_int_eq(probe("udp", 80, NULL, NULL, out, sizeof(out)), 2);
	ck_assert_int_eq(probe("tcp", 0, NULL, NULL, out, sizeof(out)), 2);
	ck_assert_int_eq(probe("tcp", 65536, NULL, NULL, out, sizeof(out)), 2);
	ck_assert_int_eq(probe("http", 80, NULL, NULL, out, sizeof(out)), 2);
	ck_assert_int_eq(probe("http", 80, "nopath", NULL, out, sizeof(out)),
	    2);
	ck_assert_int_eq(probe("http", 80, "/", "0", out, sizeof(out)), 2);
	ck_assert_int_eq(probe("tcp", 80, NULL, "x", out, sizeof(out)), 2);
}
END_TEST

static Suite *
pause_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("pause");
	tc = tcase_create("pause");
	tcase_add_test(tc, test_static);
	tcase_add_loop_test(tc, test_signals, 0, 2);
	tcase_add_test(tc, test_reaps);
	tcase_add_test(tc, test_subcommands);
	tcase_add_test(tc, test_probe_tcp);
	tcase_add_test(tc, test_probe_http);
	tcase_add_test(tc, test_probe_timeout);
	tcase_add_test(tc, test_probe_usage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(pause_suite());
}
