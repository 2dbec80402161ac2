/*
 * rikletctl: shows what a riklet is doing and changes a few things live,
 * through riklet's control socket.  One request line out, one JSON line
 * back; -j prints that JSON, otherwise it becomes tables.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "riklet_conf.h"
#include "rikletctl.h"

#define ANSWER_MAX	(32 * 1024 * 1024)
#define TIMEOUT_MS	15000
#define REQUEST_MAX	512

struct command {
	const char	*words[2];
	int		 args;		/* words after the fixed ones */
	void		(*show)(json_t *);
};

static const struct command commands[] = {
	{ { "show", "status" }, 0, show_status },
	{ { "show", "pods" }, 0, show_pods },
	{ { "show", "pod" }, 1, show_pod },
	{ { "show", "metrics" }, 0, show_metrics },
	{ { "log", "verbose" }, 0, show_done },
	{ { "log", "brief" }, 0, show_done },
	{ { "reload", NULL }, 0, show_done },
};

static __dead void	 usage(void);
static const struct command *lookup(int, char **);
static int		 ctl_connect(const char *);
static void		 ctl_write(int, const char *, size_t);
static char		*ctl_read(int, size_t *);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: rikletctl [-j] [-s socket] command "
	    "[argument]\n"
	    "commands: show status | show pods | show pod id | "
	    "show metrics |\n"
	    "          log verbose | log brief | reload |\n"
	    "          logs id [container] [-n lines] [-f]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	const struct command	*cmd;
	const char		*sock = RIKLET_CONTROL_SOCKET, *e;
	char			 req[REQUEST_MAX + 2], *answer;
	size_t			 len, alen;
	json_t			*a;
	json_error_t		 jerr;
	int			 ch, fd, json = 0, i, logs = 0, follow = 0;

	/* '+': the options after a command are the command's. */
	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	cmd = lookup(argc, argv);
	if (cmd == NULL && argc > 0 && strcmp(argv[0], "logs") == 0) {
		if (logs_args(argc, argv, &follow) == -1)
			usage();
		logs = 1;
	} else if (cmd == NULL)
		usage();

	for (len = 0, i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL)
			errx(1, "newline in \"%s\"", argv[i]);
		len += strlen(argv[i]) + 1;
	}
	if (len > REQUEST_MAX)
		errx(1, "command too long");
	req[0] = '\0';
	for (i = 0; i < argc; i++) {
		(void)strlcat(req, argv[i], sizeof(req));
		(void)strlcat(req, i + 1 < argc ? " " : "\n", sizeof(req));
	}

	fd = ctl_connect(sock);
	ctl_write(fd, req, strlen(req));
	if (logs) {
		logs_stream(fd, sock, json, follow);
		close(fd);
		if (fflush(stdout) == EOF || ferror(stdout))
			err(1, "stdout");
		return 0;
	}
	answer = ctl_read(fd, &alen);
	close(fd);
	if (alen == 0)
		errx(1, "%s: riklet closed the connection without an answer",
		    sock);
	if ((a = json_loadb(answer, alen, 0, &jerr)) == NULL ||
	    !json_is_object(a))
		errx(1, "%s: unreadable answer: %s", sock, jerr.text);
	free(answer);
	if ((e = json_string_value(json_object_get(a, "error"))) != NULL) {
		if (json)
			json_dumpf(a, stdout, JSON_INDENT(2) |
			    JSON_PRESERVE_ORDER);
		if (json)
			putchar('\n');
		errx(1, "%s", e);
	}
	if (json) {
		json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else
		cmd->show(a);
	json_decref(a);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return 0;
}

static const struct command *
lookup(int argc, char **argv)
{
	size_t	 i;
	int	 nfixed;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		nfixed = commands[i].words[1] ? 2 : 1;
		if (argc != nfixed + commands[i].args)
			continue;
		if (strcmp(argv[0], commands[i].words[0]) != 0 ||
		    (nfixed == 2 && strcmp(argv[1], commands[i].words[1]) != 0))
			continue;
		return &commands[i];
	}
	return NULL;
}

/* Says plainly why riklet cannot be reached. */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	const char		*hint = "";
	int			 fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: socket path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	saved = errno;
	switch (saved) {
	case ENOENT:
		hint = " (is riklet running? see -s and \"control socket\" "
		    "in riklet.conf)";
		break;
	case ECONNREFUSED:
		hint = " (riklet is not running; the socket is stale)";
		break;
	case EACCES:
	case EPERM:
		hint = " (only root, or the socket's group, may use it)";
		break;
	}
	errx(1, "%s: %s%s", path, strerror(saved), hint);
}

static void
ctl_write(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "send");
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Everything until riklet closes the connection, within bounds. */
static char *
ctl_read(int fd, size_t *lenp)
{
	struct pollfd	 pfd;
	char		*buf = NULL, *nbuf;
	size_t		 len = 0, size = 0;
	ssize_t		 n;
	int		 r;

	for (;;) {
		if (size - len < 4096) {
			size = size ? size * 2 : 65536;
			if (size > ANSWER_MAX + 1)
				errx(1, "answer larger than %d bytes",
				    ANSWER_MAX);
			if ((nbuf = realloc(buf, size)) == NULL)
				err(1, NULL);
			buf = nbuf;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, TIMEOUT_MS)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (r == 0)
			errx(1, "no answer from riklet within %d s",
			    TIMEOUT_MS / 1000);
		if ((n = read(fd, buf + len, size - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "read");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return buf;
}
