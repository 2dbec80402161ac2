/*
 * What the agent needs to reach the scheduler that it cannot get itself
 * in its empty chroot: the scheduler's addresses (resolved here, without
 * blocking, with libevent's resolver) and the TLS files' contents.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/dns.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostport.h"
#include "log.h"
#include "riklet.h"
#include "scheduler.h"

#define TLS_FILE_MAX	(60 * 1024)	/* fits one message */
#define TARGET_MAX	1024

static struct evdns_base	*dnsbase;
static int			 resolving;

static void	resolved_cb(int, struct evutil_addrinfo *, void *);
static int	send_file(uint32_t, const char *);
static void	send_host_address(const struct sockaddr *, socklen_t);

void
sched_resolve(void)
{
	struct evutil_addrinfo	 hints;
	char			 host[CONF_HOST_MAX], port[8];
	const char		*errstr;
	uint16_t		 portnum;

	if (resolving)
		return;
	if (hostport_parse(parent->conf.scheduler, host, sizeof(host),
	    &portnum, &errstr) != HOSTPORT_OK) {
		log_warnx("scheduler %s: %s", parent->conf.scheduler, errstr);
		return;
	}
	(void)snprintf(port, sizeof(port), "%u", portnum);
	if (dnsbase == NULL && (dnsbase = evdns_base_new(parent->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL) {
		/* No resolv.conf: names from /etc/hosts only. */
		if ((dnsbase = evdns_base_new(parent->base, 0)) == NULL)
			fatalx("evdns_base_new");
		(void)evdns_base_load_hosts(dnsbase, NULL);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
	resolving = 1;
	(void)evdns_getaddrinfo(dnsbase, host, port, &hints, resolved_cb,
	    NULL);
}

static void
resolved_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct evutil_addrinfo	*ai;
	char			 target[TARGET_MAX], addr[INET6_ADDRSTRLEN];
	size_t			 len = 0;
	int			 n;

	(void)arg;
	resolving = 0;
	if (result != 0) {
		log_warnx("cannot resolve scheduler %s: %s",
		    parent->conf.scheduler, evutil_gai_strerror(result));
		return;
	}
	target[0] = '\0';
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			struct sockaddr_in *sin = (void *)ai->ai_addr;

			inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
			n = snprintf(target + len, sizeof(target) - len,
			    "%s%s:%u", len ? "," : "ipv4:", addr,
			    ntohs(sin->sin_port));
		} else if (ai->ai_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (void *)ai->ai_addr;

			inet_ntop(AF_INET6, &sin6->sin6_addr, addr,
			    sizeof(addr));
			n = snprintf(target + len, sizeof(target) - len,
			    "%s[%s]:%u", len ? "," : "ipv6:", addr,
			    ntohs(sin6->sin6_port));
		} else
			continue;
		if (n < 0 || (size_t)n >= sizeof(target) - len) {
			target[len] = '\0';
			break;
		}
		len += (size_t)n;
		/* gRPC wants one address family per target URI. */
		if (ai->ai_next != NULL && ai->ai_next->ai_family !=
		    res->ai_family)
			break;
	}
	if (len != 0 && parent->conf.host_address[0] == '\0')
		send_host_address(res->ai_addr, (socklen_t)res->ai_addrlen);
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (len == 0) {
		log_warnx("scheduler %s: no usable address",
		    parent->conf.scheduler);
		return;
	}
	log_debug("scheduler %s is %s", parent->conf.scheduler, target);
	(void)child_send(PROC_AGENT, IMSG_SCHED_TARGET, target, len + 1);
}

/*
 * host_address: the source address of a connection to the scheduler, as
 * the kernel's routes choose it.  Connecting a datagram socket sends
 * nothing; the agent, which may open TCP sockets only, is told the
 * result.  "host address" in riklet.conf overrides it (the agent has it
 * in its configuration).
 */
static void
send_host_address(const struct sockaddr *to, socklen_t tolen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 addr[INET6_ADDRSTRLEN];
	const void		*a;
	int			 s;

	if ((s = socket(to->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", __func__);
		return;
	}
	if (connect(s, to, tolen) == -1 ||
	    getsockname(s, (struct sockaddr *)&ss, &sslen) == -1) {
		log_warn("no route to the scheduler %s", parent->conf.scheduler);
		close(s);
		return;
	}
	close(s);
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	else
		return;
	if (inet_ntop(ss.ss_family, a, addr, sizeof(addr)) == NULL)
		return;
	log_debug("this node is %s towards the scheduler", addr);
	(void)child_send(PROC_AGENT, IMSG_SCHED_HOSTADDR, addr,
	    strlen(addr) + 1);
}

static int
send_file(uint32_t type, const char *path)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	int		 fd, rv = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("tls: %s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > TLS_FILE_MAX) {
		log_warnx("tls: %s: not a regular file of at most %d bytes",
		    path, TLS_FILE_MAX);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("%s", __func__);
	if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size)
		log_warnx("tls: %s: short read", path);
	else if (memchr(buf, '\0', (size_t)n) != NULL)
		log_warnx("tls: %s: not a PEM file", path);
	else {
		buf[n] = '\0';
		rv = child_send(PROC_AGENT, type, buf, (size_t)n + 1);
	}
	explicit_bzero(buf, (size_t)st.st_size + 1);
	free(buf);
	close(fd);
	return rv;
}

/* A new agent: TLS material first, then where to connect. */
void
sched_agent_ready(void)
{
	const struct riklet_conf *c = &parent->conf;

	if (c->tls) {
		if (c->tls_ca[0] != '\0')
			(void)send_file(IMSG_TLS_CA, c->tls_ca);
		if (c->tls_cert[0] != '\0')
			(void)send_file(IMSG_TLS_CERT, c->tls_cert);
		if (c->tls_key[0] != '\0')
			(void)send_file(IMSG_TLS_KEY, c->tls_key);
	}
	sched_resolve();
}

void
sched_clear(void)
{
	if (dnsbase != NULL)
		evdns_base_free(dnsbase, 0);
	dnsbase = NULL;
}
