/*
 * sandbox_child(): for each child's policy, a forked process drops to the
 * unprivileged user exactly as the child does, confines itself, then
 * tries one thing.  What it needs works, what it must not do kills it
 * with SIGSYS or fails with the errno the policy chose.  Needs root.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/landlock.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "checkrun.h"
#include "log.h"
#include "privsep.h"
#include "sandbox.h"

#define UNUSED		__attribute__((__unused__))
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define KILLED		(-1)	/* expected: killed by SIGSYS */
#define LANDLOCKED	(-2)	/* expected: EACCES with Landlock, else 0 */
#define LANDLOCKED_NET	(-3)	/* the same, with Landlock's network rules */

static Suite	*sandbox_suite(void);
static int	 try_open(const char *, int, int);
static int	 try_socket(const char *, int, int);
static int	 try_connect(const char *, int, int);
static int	 try_exec(const char *, int, int);
static int	 try_fork(const char *, int, int);
static int	 try_thread(const char *, int, int);
static int	 try_sleep(const char *, int, int);
static int	 refused(enum riklet_proc, uint16_t);

static const struct {
	const char	*what;
	int		(*try)(const char *, int, int);
	const char	*path;
	int		 a, b;		/* open flags; socket domain, type */
	int		 expect[PROC_MAX];	/* 0, an errno, or the above */
} cases[] = {
	/* expect[]: parent (unused), agent, metrics, runtime, control */
	{ "read /proc", try_open, "/proc/self/stat", O_RDONLY, 0,
	    { 0, ENOENT, 0, ENOENT, ENOENT } },
	{ "read /etc", try_open, "/etc/passwd", O_RDONLY, 0,
	    { 0, ENOENT, LANDLOCKED, ENOENT, ENOENT } },
	{ "urandom", try_open, "/dev/urandom", O_RDONLY, 0,
	    { 0, ENOENT, 0, ENOENT, ENOENT } },
	{ "open to write", try_open, "/proc/self/comm", O_WRONLY, 0,
	    { 0, ENOENT, KILLED, ENOENT, ENOENT } },
	{ "IP socket", try_socket, NULL, AF_INET, SOCK_STREAM,
	    { 0, 0, KILLED, KILLED, KILLED } },
	{ "IPv6 socket", try_socket, NULL, AF_INET6, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, { 0, 0, KILLED, KILLED, KILLED } },
	{ "UDP socket", try_socket, NULL, AF_INET, SOCK_DGRAM,
	    { 0, KILLED, KILLED, KILLED, KILLED } },
	{ "TCP to its port", try_connect, NULL, 0, 0,
	    { 0, 0, KILLED, KILLED, KILLED } },
	{ "TCP to another port", try_connect, NULL, 1, 0,
	    { 0, LANDLOCKED_NET, KILLED, KILLED, KILLED } },
	{ "unix stream", try_socket, NULL, AF_UNIX, SOCK_STREAM,
	    { 0, KILLED, KILLED, 0, KILLED } },
	{ "unix dgram", try_socket, NULL, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC,
	    { 0, EACCES, EACCES, 0, EACCES } },
	{ "netlink", try_socket, NULL, AF_NETLINK, SOCK_RAW,
	    { 0, KILLED, KILLED, KILLED, KILLED } },
	{ "exec", try_exec, NULL, 0, 0,
	    { 0, KILLED, KILLED, KILLED, KILLED } },
	{ "fork", try_fork, NULL, 0, 0,
	    { 0, KILLED, KILLED, KILLED, KILLED } },
	{ "thread", try_thread, NULL, 0, 0,
	    { 0, 0, KILLED, KILLED, KILLED } },
	{ "stop/cont", try_sleep, NULL, 0, 0,
	    { 0, 0, 0, 0, 0 } },
};

static int
result(int r)
{
	return r == -1 ? errno : 0;
}

static int
try_open(const char *path, int flags, UNUSED int b)
{
	int	 fd;
	char	 buf[64];

	if ((fd = open(path, flags)) == -1)
		return errno;
	if ((flags & O_ACCMODE) == O_RDONLY && read(fd, buf, sizeof(buf)) < 0)
		return errno;
	close(fd);
	return 0;
}

static int
try_socket(UNUSED const char *p, int domain, int type)
{
	int	 s;

	if ((s = socket(domain, type, 0)) == -1)
		return errno;
	close(s);
	return 0;
}

/* Two loopback listeners: the agent's scheduler port, and another. */
static uint16_t	 ports[2];

static void
listen_two(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len;
	int			 i, s;

	for (i = 0; i < 2; i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(sin);
		ck_assert_int_ne(s = socket(AF_INET, SOCK_STREAM, 0), -1);
		ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, len), 0);
		ck_assert_int_eq(listen(s, 4), 0);
		ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin,
		    &len), 0);
		ports[i] = ntohs(sin.sin_port);
	}
}

static int
try_connect(UNUSED const char *p, int which, UNUSED int b)
{
	struct sockaddr_in	 sin;
	int			 s, r;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return errno;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(ports[which]);
	r = result(connect(s, (struct sockaddr *)&sin, sizeof(sin)));
	close(s);
	return r;
}

static int
try_exec(UNUSED const char *p, UNUSED int a, UNUSED int b)
{
	char	*argv[] = { (char *)(uintptr_t)"true", NULL };

	return result(execv("/bin/true", argv));
}

static int
try_fork(UNUSED const char *p, UNUSED int a, UNUSED int b)
{
	pid_t	 pid;

	if ((pid = fork()) == -1)
		return errno;
	if (pid == 0)
		_exit(0);
	return result(waitpid(pid, NULL, 0) == pid ? 0 : -1);
}

static int
thread_main(void *arg)
{
	return *(int *)arg;
}

/* C11 threads: pthread.h would find riklet-parent/sched.h first. */
static int
try_thread(UNUSED const char *p, UNUSED int a, UNUSED int b)
{
	thrd_t	 t;
	int	 arg = 42, ret;

	if (thrd_create(&t, thread_main, &arg) != thrd_success)
		return errno ? errno : EAGAIN;
	if (thrd_join(t, &ret) != thrd_success)
		return EINVAL;
	return ret == 42 ? 0 : EINVAL;
}

/* The test stops and continues us in here: restart_syscall. */
static int
try_sleep(UNUSED const char *p, UNUSED int a, UNUSED int b)
{
	struct timespec	 ts = { 0, 600 * 1000 * 1000 }, left;

	while (nanosleep(&ts, &left) == -1) {
		if (errno != EINTR)
			return errno;
		ts = left;
	}
	return 0;
}

static int
landlock_abi(void)
{
	long	 abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

static int
running_under_valgrind(void)
{
	const char	*p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* Runs try in a confined child of proc; returns its wait status. */
static int
confined(enum riklet_proc proc, size_t c, int expect)
{
	struct riklet_conf	 conf;
	struct timespec		 ts = { 0, 200 * 1000 * 1000 };
	pid_t			 pid;
	int			 status, r;

	conf_defaults(&conf);
	if ((pid = fork()) == -1)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		priv_drop(&conf, proc, NULL, (gid_t)-1);
		if (proc == PROC_AGENT)
			sandbox_child_connect(proc, ports[0]);
		else
			sandbox_child(proc);
		r = cases[c].try(cases[c].path, cases[c].a, cases[c].b);
		/* _exit: no atexit handler, LeakSanitizer's neither. */
		_exit(r == expect ? 0 : 100 + (r & 0x3f));
	}
	if (cases[c].try == try_sleep) {
		nanosleep(&ts, NULL);
		kill(pid, SIGSTOP);
		nanosleep(&ts, NULL);
		kill(pid, SIGCONT);
	}
	if (waitpid(pid, &status, 0) != pid)
		ck_abort_msg("waitpid: %s", strerror(errno));
	return status;
}

START_TEST(test_policy)
{
	enum riklet_proc	 proc = PROC_AGENT + _i / NELEM(cases);
	size_t			 c = _i % NELEM(cases);
	int			 expect = cases[c].expect[proc], status;

	if (expect == LANDLOCKED)
		expect = landlock_abi() >= 1 ? EACCES : 0;
	if (expect == LANDLOCKED_NET)
		expect = landlock_abi() >= 4 ? EACCES : 0;
	listen_two();
	status = confined(proc, c, expect == KILLED ? 0 : expect);
	if (expect == KILLED)
		ck_assert_msg(WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGSYS,
		    "%s: %s should be killed by SIGSYS (status %#x)",
		    proc_name(proc), cases[c].what, status);
	else
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "%s: %s should give %s (status %#x: %s)",
		    proc_name(proc), cases[c].what,
		    expect ? strerror(expect) : "success", status,
		    WIFEXITED(status) && WEXITSTATUS(status) >= 100 ?
		    strerror(WEXITSTATUS(status) - 100) : "killed");
}
END_TEST

/* Whether sandbox_child_connect(proc, port) is fatal (exit 1). */
static int
refused(enum riklet_proc proc, uint16_t port)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == 0) {
		sandbox_child_connect(proc, port);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

START_TEST(test_no_policy)
{
	ck_assert_msg(refused(PROC_PARENT, 0),
	    "the parent has no sandbox policy: must be fatal");
}
END_TEST

/* The agent's port is part of its policy; no other child has one. */
START_TEST(test_port_required)
{
	ck_assert_msg(refused(PROC_AGENT, 0),
	    "the agent without a port: must be fatal");
	ck_assert_msg(refused(PROC_METRICS, 80),
	    "metrics with a port: must be fatal");
}
END_TEST

static Suite *
sandbox_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("sandbox");
	tc = tcase_create("policies");
	tcase_set_timeout(tc, 30);
	/* A child drops privilege from root; valgrind cannot be filtered. */
	if (geteuid() != 0)
		check_skip("test_policy", "every policy case needs root");
	else if (running_under_valgrind())
		check_skip("test_policy", "a seccomp filter cannot be loaded "
		    "under valgrind");
	else
		tcase_add_loop_test(tc, test_policy, 0,
		    (int)(NELEM(cases) * (PROC_MAX - PROC_AGENT)));
	tcase_add_test(tc, test_no_policy);
	tcase_add_test(tc, test_port_required);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_init(1, 0, LOG_DAEMON);
	return check_run(sandbox_suite());
}
