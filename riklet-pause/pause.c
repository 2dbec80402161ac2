/*
 * riklet-pause: the one process of a pod's infra container.  It holds
 * the pod's network and IPC namespaces for the other containers, reaps
 * what ends up as its child (it runs as the container's PID 1) and
 * exits 0 on SIGTERM or SIGINT, which PID 1 does not do by default.
 *
 * It is built static, linked with nothing of riklet's, and imported into
 * the engine as the image riklet/pause:<version> with this file as
 * /pause.  With an argument it runs a subcommand instead (issue 14 adds
 * probes that run in the pod's network namespace).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
static int	usage(void);

static const struct subcommand subcommands[] = {
	{ "version",	cmd_version },
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
usage(void)
{
	fprintf(stderr, "usage: riklet-pause [version]\n");
	return 2;
}
