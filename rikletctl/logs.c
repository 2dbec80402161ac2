/*
 * rikletctl logs: unlike the other commands the answer is a stream, a
 * JSON line per piece of a container's output and a last line that says
 * it is whole ({"end":true}) or why it broke off ({"error":...}).  stdout
 * output goes to our stdout, stderr output to our stderr; with -j the
 * lines are printed as they come.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rikletctl.h"

#define LOGS_LINE_MAX	(256 * 1024)	/* 16 KiB of output, escaped */
#define LOGS_TIMEOUT_MS	15000		/* silence without -f */

static int	logs_line(const char *, size_t, int);

/*
 * Checks "logs ID [container] [-n lines] [-f]" as riklet will, so a
 * mistake is reported here with the usage.  Returns 0 or -1.
 */
int
logs_args(int argc, char **argv, int *follow)
{
	const char	*e;
	int		 i, tail = 0;

	*follow = 0;
	if (argc < 2 || strcmp(argv[0], "logs") != 0 || argv[1][0] == '-')
		return -1;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && !*follow)
			*follow = 1;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc && !tail) {
			(void)strtonum(argv[++i], 0, 10000, &e);
			if (e != NULL)
				errx(1, "-n %s: lines must be 0 to 10000",
				    argv[i]);
			tail = 1;
		} else if (i != 2 || argv[i][0] == '-')
			return -1;
	}
	return 0;
}

/* One line of the answer: 1 when it was the last. */
static int
logs_line(const char *line, size_t len, int json)
{
	json_t		*o, *d;
	json_error_t	 jerr;
	const char	*s, *e;
	FILE		*f;

	if ((o = json_loadb(line, len, 0, &jerr)) == NULL ||
	    !json_is_object(o))
		errx(1, "unreadable answer: %s", jerr.text);
	if (json) {
		if (fwrite(line, 1, len, stdout) != len || putchar('\n') == EOF)
			err(1, "stdout");
	}
	if ((e = json_string_value(json_object_get(o, "error"))) != NULL)
		errx(1, "%s", e);
	if (json_is_true(json_object_get(o, "end"))) {
		json_decref(o);
		return 1;
	}
	s = json_string_value(json_object_get(o, "stream"));
	d = json_object_get(o, "data");
	if (s == NULL || !json_is_string(d))
		errx(1, "unreadable answer: no stream or data");
	if (!json) {
		f = strcmp(s, "stderr") == 0 ? stderr : stdout;
		if (fwrite(json_string_value(d), 1, json_string_length(d), f) !=
		    json_string_length(d))
			err(1, "%s", f == stderr ? "stderr" : "stdout");
	}
	json_decref(o);
	return 0;
}

/* Reads the answer line by line until its last line or riklet's close. */
void
logs_stream(int fd, const char *sock, int json, int follow)
{
	struct pollfd	 pfd;
	char		*buf, *nl;
	size_t		 len = 0, off;
	ssize_t		 n;
	int		 r;

	if ((buf = malloc(LOGS_LINE_MAX)) == NULL)
		err(1, NULL);
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, follow ? -1 : LOGS_TIMEOUT_MS)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (r == 0)
			errx(1, "%s: no output from riklet within %d s", sock,
			    LOGS_TIMEOUT_MS / 1000);
		if ((n = read(fd, buf + len, LOGS_LINE_MAX - len)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "read");
		}
		if (n == 0)
			errx(1, "%s: riklet closed the connection before the "
			    "end of the output", sock);
		len += (size_t)n;
		for (off = 0; (nl = memchr(buf + off, '\n', len - off)) !=
		    NULL; off = (size_t)(nl - buf) + 1) {
			if (logs_line(buf + off, (size_t)(nl - (buf + off)),
			    json)) {
				free(buf);
				return;
			}
		}
		memmove(buf, buf + off, len - off);
		len -= off;
		if (len == LOGS_LINE_MAX)
			errx(1, "%s: answer line longer than %d bytes", sock,
			    LOGS_LINE_MAX);
		if (fflush(stdout) == EOF || fflush(stderr) == EOF)
			err(1, "output");
	}
}
