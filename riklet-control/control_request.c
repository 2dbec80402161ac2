/*
 * The request line a client sends, parsed by the unprivileged control
 * process: untrusted bytes, so nothing but a short line of printable
 * ASCII words from a fixed grammar is accepted.
 */
#include <stdlib.h>
#include <string.h>

#include "control_proc.h"
#include "podspec.h"

#define WORDS_MAX	6	/* logs ID container -n lines -f */

static const struct {
	const char	*words[3];
	enum ctl_cmd	 cmd;
} commands[] = {
	{ { "show", "status", NULL }, CTL_SHOW_STATUS },
	{ { "show", "pods", NULL }, CTL_SHOW_PODS },
	{ { "show", "pod", NULL }, CTL_SHOW_POD },
	{ { "show", "metrics", NULL }, CTL_SHOW_METRICS },
	{ { "log", "verbose", NULL }, CTL_LOG_VERBOSE },
	{ { "log", "brief", NULL }, CTL_LOG_BRIEF },
	{ { "reload", NULL, NULL }, CTL_RELOAD },
	{ { "logs", NULL, NULL }, CTL_LOGS },
};

static size_t	split(char *, char **, size_t);
static int	parse_logs(char **, size_t, struct ctl_request *,
		    const char **);

/* Splits at spaces in place; returns WORDS_MAX + 1 when there are more. */
static size_t
split(char *s, char **words, size_t max)
{
	size_t	 n = 0;

	for (;;) {
		while (*s == ' ')
			*s++ = '\0';
		if (*s == '\0')
			return n;
		if (n == max)
			return max + 1;
		words[n++] = s;
		while (*s != ' ' && *s != '\0')
			s++;
	}
}

/*
 * line is len bytes, without its newline.  Returns 0 and fills req, or
 * -1 with *errstr saying what is wrong, fit to send back to the client.
 */
int
ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
    const char **errstr)
{
	char	 buf[CTL_REQUEST_MAX + 1], *words[WORDS_MAX];
	size_t	 i, j, n, nfixed;

	memset(req, 0, sizeof(*req));
	if (len > CTL_REQUEST_MAX) {
		*errstr = "request too long";
		return -1;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 ||
		    (unsigned char)line[i] > 0x7e) {
			*errstr = "request is not printable text";
			return -1;
		}
	memcpy(buf, line, len);
	buf[len] = '\0';
	if ((n = split(buf, words, WORDS_MAX)) == 0) {
		*errstr = "empty request";
		return -1;
	}
	if (n > WORDS_MAX) {
		*errstr = "unknown command";
		return -1;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		for (nfixed = 0; nfixed < 3 && commands[i].words[nfixed];
		    nfixed++)
			;
		if (n < nfixed)
			continue;
		for (j = 0; j < nfixed; j++)
			if (strcmp(words[j], commands[i].words[j]) != 0)
				break;
		if (j < nfixed)
			continue;
		req->cmd = commands[i].cmd;
		if (req->cmd == CTL_LOGS)
			return parse_logs(words + nfixed, n - nfixed, req,
			    errstr);
		if (req->cmd != CTL_SHOW_POD) {
			if (n != nfixed) {
				*errstr = "unexpected argument";
				return -1;
			}
			return 0;
		}
		if (n != nfixed + 1) {
			*errstr = "show pod needs one instance id";
			return -1;
		}
		if (!podspec_valid_id(words[nfixed])) {
			*errstr = "invalid instance id";
			return -1;
		}
		(void)strlcpy(req->instance, words[nfixed],
		    sizeof(req->instance));
		return 0;
	}
	*errstr = "unknown command";
	return -1;
}

/* "logs ID [container] [-n lines] [-f]", the options in any order. */
static int
parse_logs(char **w, size_t n, struct ctl_request *req, const char **errstr)
{
	const char	*e;
	size_t		 i;
	long long	 tail;

	req->tail = LOGS_TAIL_ALL;
	if (n == 0 || !podspec_valid_id(w[0])) {
		*errstr = n == 0 ? "logs needs an instance id" :
		    "invalid instance id";
		return -1;
	}
	(void)strlcpy(req->instance, w[0], sizeof(req->instance));
	for (i = 1; i < n; i++) {
		if (strcmp(w[i], "-f") == 0 && !req->follow)
			req->follow = 1;
		else if (strcmp(w[i], "-n") == 0 && i + 1 < n &&
		    req->tail == LOGS_TAIL_ALL) {
			tail = strtonum(w[++i], 0, LOGS_TAIL_MAX, &e);
			if (e != NULL) {
				*errstr = "logs -n: lines must be 0 to 10000";
				return -1;
			}
			req->tail = (int32_t)tail;
		} else if (w[i][0] != '-' && req->container[0] == '\0' &&
		    i == 1) {
			if (!podspec_valid_name(w[i])) {
				*errstr = "invalid container name";
				return -1;
			}
			(void)strlcpy(req->container, w[i],
			    sizeof(req->container));
		} else {
			*errstr = "usage: logs id [container] [-n lines] [-f]";
			return -1;
		}
	}
	return 0;
}
