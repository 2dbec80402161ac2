/*
 * riklet-pause (riklet-pause/pause.c), the infra container's process:
 * it is static, it ends with status 0 on SIGTERM and on SIGINT and not
 * on other harmless signals, it reaps a child that ends, and it refuses
 * an unknown subcommand.  The binary is the one next to $RIKLET.
 */
#include <sys/stat.h>
#include <sys/wait.h>

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
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(pause_suite());
}
