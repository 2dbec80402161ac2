/*
 * Small helpers used by more than one process.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define DURATION_MAX_MS	(UINT64_C(366) * 24 * 3600 * 1000)

/*
 * Parses "500ms", "5s", "1m", "2h" (a positive whole number and a unit)
 * into milliseconds.  Zero, negative numbers, a missing or unknown unit
 * and absurd sizes are refused with a message in *errstr.
 */
int
parse_duration(const char *s, uint64_t *ms, const char **errstr)
{
	uint64_t	 n = 0, mult;
	const char	*p = s;

	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty duration";
		return -1;
	}
	if (*p == '-') {
		*errstr = "negative duration";
		return -1;
	}
	if (!isdigit((unsigned char)*p)) {
		*errstr = "duration must start with a number";
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > DURATION_MAX_MS) {
			*errstr = "duration too large";
			return -1;
		}
	}
	if (strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		mult = 3600 * 1000;
	else if (*p == '\0') {
		*errstr = "duration needs a unit (ms, s, m or h)";
		return -1;
	} else {
		*errstr = "unknown duration unit (use ms, s, m or h)";
		return -1;
	}
	if (n == 0) {
		*errstr = "duration must be greater than zero";
		return -1;
	}
	if (n > DURATION_MAX_MS / mult) {
		*errstr = "duration too large";
		return -1;
	}
	*ms = n * mult;
	return 0;
}

/* The shortest exact form that parse_duration() reads back. */
void
fmt_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms % (3600 * 1000) == 0)
		(void)snprintf(buf, len, "%" PRIu64 "h", ms / (3600 * 1000));
	else if (ms % (60 * 1000) == 0)
		(void)snprintf(buf, len, "%" PRIu64 "m", ms / (60 * 1000));
	else if (ms % 1000 == 0)
		(void)snprintf(buf, len, "%" PRIu64 "s", ms / 1000);
	else
		(void)snprintf(buf, len, "%" PRIu64 "ms", ms);
}

uint64_t
monotime_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* True when a fixed-size char array holds a NUL-terminated string. */
int
strarray_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}
