/*
 * An image pull's progress, from the engine's stream of JSON lines (one
 * per layer event): the layers' bytes summed, an error kept, and when to
 * say so.  The parent hears at most every PULL_REPORT_MS, for rikletctl;
 * the log at most every PULL_LOG_MS, so a slow pull of a large image is
 * visible without flooding it.  No I/O here: the caller gives the time.
 *
 * The sizes are the registry's word, passed on by the engine: any
 * int64_t that is not negative.  The sums saturate at INT64_MAX, so
 * what goes to the parent is never negative, which it would take for a
 * protocol violation (and kill us, and the pull would start over).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "runtime.h"

static int64_t	pull_add(int64_t, int64_t);

/* a + b for two sizes that are not negative, at most INT64_MAX. */
static int64_t
pull_add(int64_t a, int64_t b)
{
	int64_t	 sum;

	if (__builtin_add_overflow(a, b, &sum))
		return INT64_MAX;
	return sum;
}

void
pull_init(struct pull_progress *pp, uint64_t now_ms)
{
	memset(pp, 0, sizeof(*pp));
	pp->start_ms = now_ms;
	pp->logged_ms = now_ms;	/* the start is logged by the caller */
}

/*
 * Takes one line of the stream.  Returns what is due: PULL_REPORT to
 * tell the parent, PULL_LOG to log; 0 for nothing (or a line that says
 * nothing about bytes).
 */
int
pull_line(struct pull_progress *pp, const char *line, size_t len,
    uint64_t now_ms)
{
	struct docker_pull	 p;
	struct pull_layer	*l = NULL;
	size_t			 i;
	int			 due = 0;

	if (docker_parse_pull(line, len, &p) == -1)
		return 0;
	if (p.error[0] != '\0') {
		(void)strlcpy(pp->error, p.error, sizeof(pp->error));
		return 0;
	}
	if (p.layer[0] == '\0' || (p.total == 0 && !p.done))
		return 0;
	for (i = 0; i < pp->nlayers && l == NULL; i++)
		if (strcmp(pp->layers[i].id, p.layer) == 0)
			l = &pp->layers[i];
	if (l == NULL) {
		if (pp->nlayers >= PULL_LAYERS_MAX)
			return 0;
		l = &pp->layers[pp->nlayers++];
		(void)strlcpy(l->id, p.layer, sizeof(l->id));
	}
	if (p.total > 0)
		l->total = p.total;
	l->current = p.done ? l->total : p.current;
	pp->done = pp->total = 0;
	for (i = 0; i < pp->nlayers; i++) {
		pp->done = pull_add(pp->done, pp->layers[i].current);
		pp->total = pull_add(pp->total, pp->layers[i].total);
	}
	/* The first figures at once: rikletctl shows the pull has begun. */
	if (!pp->reported || now_ms - pp->reported_ms >= PULL_REPORT_MS) {
		pp->reported = 1;
		pp->reported_ms = now_ms;
		due |= PULL_REPORT;
	}
	if (now_ms - pp->logged_ms >= PULL_LOG_MS) {
		pp->logged_ms = now_ms;
		due |= PULL_LOG;
	}
	return due;
}

/*
 * Why a pull failed, from the engine's status and message, so that the
 * operator can tell a registry that cannot be reached (PULL_UNREACHABLE)
 * from an image it does not have (PULL_NOT_FOUND) and from one it
 * refused, for credentials or anything else ("ImagePullFailed").
 */
const char *
pull_reason(long status, const char *msg)
{
	if (pull_unreachable(msg))
		return PULL_UNREACHABLE;
	/* Not found to whoever has no right to see it: credentials. */
	if (strcasestr(msg, "unauthorized") != NULL ||
	    strcasestr(msg, "denied") != NULL ||
	    strcasestr(msg, "authentication required") != NULL ||
	    strcasestr(msg, "no basic auth credentials") != NULL)
		return "ImagePullFailed";
	if (status == 404 || strcasestr(msg, "manifest unknown") != NULL ||
	    strcasestr(msg, "not found") != NULL)
		return PULL_NOT_FOUND;
	return "ImagePullFailed";
}

/* The engine could not reach the registry (its Go net errors). */
int
pull_unreachable(const char *msg)
{
	static const char	*const net[] = {
		"connection refused", "no such host", "i/o timeout",
		"network is unreachable", "no route to host",
		"connection reset by peer", "TLS handshake timeout",
		"Client.Timeout exceeded", "server misbehaving",
	};
	size_t			 i;

	for (i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (strcasestr(msg, net[i]) != NULL)
			return 1;
	return 0;
}
