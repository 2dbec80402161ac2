/*
 * "host:port" and "[IPv6]:port": the one reading of an address with a
 * port, for the configuration, the parent's resolver, the agent's
 * sandbox and the Prometheus listener.
 */
#ifndef RIKLET_HOSTPORT_H
#define RIKLET_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>

/* hostport_parse(), with *errstr saying the same */
#define HOSTPORT_OK		0
#define HOSTPORT_SYNTAX		(-1)	/* "host:port" expected */
#define HOSTPORT_RANGE		(-2)	/* port not between 1 and 65535 */
#define HOSTPORT_LONG		(-3)	/* host too long */

int	hostport_parse(const char *, char *, size_t, uint16_t *,
	    const char **);

#endif
