/*
 * The listening socket of the Prometheus endpoint ("metrics listen" in
 * riklet.conf).  The parent binds it as root, before any child starts,
 * and gives each control child a copy; it never accepts on it itself,
 * and no other process ever holds it (close-on-exec until it is sent).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostport.h"
#include "log.h"
#include "prom.h"

static int	 listen_fd = -1;

/*
 * "address:port" with a numeric address, IPv4 or [IPv6]: the parent
 * resolves no name for a socket it binds.  Returns 0 and fills ss, or -1
 * with *errstr saying why, for riklet.conf's file:line errors.
 */
int
prom_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **errstr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN];
	uint16_t		 port;

	switch (hostport_parse(s, host, sizeof(host), &port, errstr)) {
	case HOSTPORT_OK:
		break;
	case HOSTPORT_SYNTAX:
		*errstr = "\"address:port\" expected";
		return -1;
	case HOSTPORT_RANGE:
		return -1;
	default:
		*errstr = "the address must be a numeric IPv4 or [IPv6] address";
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	if (*s != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	} else if (*s == '[' &&
	    inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	} else {
		*errstr = "the address must be a numeric IPv4 or [IPv6] address";
		return -1;
	}
	*errstr = NULL;
	return 0;
}

/* parse.y checked addr: what is left to fail is the system's. */
void
prom_open(const char *addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*errstr;
	int			 fd, on = 1;

	if (addr[0] == '\0')
		return;
	if (prom_addr_parse(addr, &ss, &len, &errstr) == -1)
		fatalx("metrics listen %s: %s", addr, errstr);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		fatal("metrics listen %s: socket", addr);
	/* A riklet restarted at once finds its port in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fatal("metrics listen %s: SO_REUSEADDR", addr);
	if (bind(fd, (struct sockaddr *)&ss, len) == -1)
		fatal("metrics listen %s: bind", addr);
	if (listen(fd, PROM_BACKLOG) == -1)
		fatal("metrics listen %s: listen", addr);
	listen_fd = fd;
	log_info("metrics: Prometheus endpoint on http://%s/metrics", addr);
}

void
prom_close(void)
{
	if (listen_fd != -1)
		close(listen_fd);
	listen_fd = -1;
}

/* The socket, for each new control child; -1: none. */
int
prom_listen_fd(void)
{
	return listen_fd;
}
