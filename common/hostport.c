/*
 * hostport_parse(): "host:port" or "[host]:port".  The port is the text
 * after the last colon, decimal digits only, 1 to 65535; the host is the
 * text before it, without its brackets if it has them, never empty.
 * What the host may hold is the caller's to judge (a name, a numeric
 * address).
 */
#include <stdlib.h>
#include <string.h>

#include "hostport.h"

/*
 * HOSTPORT_OK with host and port filled; else HOSTPORT_SYNTAX, then
 * HOSTPORT_LONG (for hostlen), then HOSTPORT_RANGE (well-formed, host
 * filled, the port out of range), and *errstr says which.
 */
int
hostport_parse(const char *s, char *host, size_t hostlen, uint16_t *port,
    const char **errstr)
{
	const char	*colon, *p = s, *end;
	long long	 n;

	*errstr = "\"host:port\" expected";
	if ((colon = strrchr(s, ':')) == NULL || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return HOSTPORT_SYNTAX;
	end = colon;
	if (*s == '[') {
		if (colon - s < 3 || colon[-1] != ']')
			return HOSTPORT_SYNTAX;
		p = s + 1;
		end = colon - 1;
	}
	if (p == end || memchr(p, '[', (size_t)(end - p)) != NULL ||
	    memchr(p, ']', (size_t)(end - p)) != NULL)
		return HOSTPORT_SYNTAX;
	if ((size_t)(end - p) >= hostlen) {
		*errstr = "host too long";
		return HOSTPORT_LONG;
	}
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	n = strtonum(colon + 1, 1, 65535, errstr);
	if (*errstr != NULL) {
		*errstr = "port must be between 1 and 65535";
		return HOSTPORT_RANGE;
	}
	*port = (uint16_t)n;
	*errstr = NULL;
	return HOSTPORT_OK;
}
