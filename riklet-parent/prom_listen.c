/*
 * The listening socket of the Prometheus endpoint ("metrics listen" in
 * riklet.conf).  The parent binds it as root, before any child starts,
 * and gives each control child a copy; it never accepts on it itself,
 * and no other process ever holds it (close-on-exec until it is sent).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsgev.h"
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
	const char		*colon, *p = s, *end;
	char			 host[INET6_ADDRSTRLEN];
	long long		 port;

	*errstr = "\"address:port\" expected";
	if ((colon = strrchr(s, ':')) == NULL || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	end = colon;
	if (*s == '[') {
		if (colon - s < 3 || colon[-1] != ']')
			return -1;
		p = s + 1;
		end = colon - 1;
	}
	if (p == end)
		return -1;
	if ((size_t)(end - p) >= sizeof(host)) {
		*errstr = "the address must be a numeric IPv4 or [IPv6] address";
		return -1;
	}
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	port = strtonum(colon + 1, 1, 65535, errstr);
	if (*errstr != NULL) {
		*errstr = "port must be between 1 and 65535";
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	if (*s != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
	} else if (*s == '[' &&
	    inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
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

/* Each new control child (iev) gets its own copy of the socket. */
void
prom_child_ready(struct imsgev *iev)
{
	int	 fd;

	if (listen_fd == -1)
		return;
	if ((fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("%s: dup", __func__);
		return;
	}
	/* imsg closes fd once it is sent. */
	if (imsgev_compose(iev, IMSG_PROM_LISTEN, 0, fd, NULL, 0) == -1) {
		log_warn("%s: compose", __func__);
		close(fd);
	}
}
