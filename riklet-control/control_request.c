/*
 * The request line a client sends, parsed by the unprivileged control
 * process: untrusted bytes, so nothing but a short line of printable
 * ASCII words from a fixed grammar is accepted.
 */
#include <string.h>

#include "control_proc.h"
#include "podspec.h"

#define WORDS_MAX	4

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
};

static size_t	split(char *, char **, size_t);

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
