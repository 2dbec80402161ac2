/*
 * The agent's test fixture: see peer.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "peer.h"
#include "riklet_msg.h"
#include "util.h"

static int	free_port(void);
static int	record_matches(json_t *, va_list);
static int	peer_vcount(struct peer *, long *, va_list);

/* A loopback port nobody listens on right now. */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 s, port = -1;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(s);
	return port;
}

/* Picks the peer's port and directory unless already set. */
int
peer_dir(struct peer *p)
{
	if (p->port == 0 && (p->port = free_port()) == -1)
		return -1;
	if (p->dir[0] == '\0') {
		if (test_tmpname(p->dir, sizeof(p->dir), "rikpeer") == -1 ||
		    mkdtemp(p->dir) == NULL)
			return -1;
	}
	return 0;
}

/* Starts scheduler.py and waits until it listens. */
int
peer_start(struct peer *p)
{
	char		 script[1024], port[16], ready[128];
	const char	*rd = getenv("REGRESS_DIR");
	char		*argv[12 + PEER_EXTRA_MAX];
	int		 argc = 0, i;
	struct stat	 st;

	if (peer_dir(p) == -1)
		return -1;
	(void)snprintf(ready, sizeof(ready), "%s/ready", p->dir);
	(void)unlink(ready);
	(void)snprintf(script, sizeof(script), "%s/peer/scheduler.py",
	    rd ? rd : "regress");
	(void)snprintf(port, sizeof(port), "%d", p->port);
	argv[argc++] = (char *)(uintptr_t)"/usr/bin/python3";
	argv[argc++] = script;
	argv[argc++] = (char *)(uintptr_t)"--port";
	argv[argc++] = port;
	argv[argc++] = (char *)(uintptr_t)"--dir";
	argv[argc++] = p->dir;
	argv[argc++] = (char *)(uintptr_t)"--lifetime";
	argv[argc++] = (char *)(uintptr_t)(getenv("RIKLET_SLOW") ? "900" :
	    "120");
	for (i = 0; i < p->nextra && i < PEER_EXTRA_MAX; i++)
		argv[argc++] = p->extra[i];
	argv[argc] = NULL;
	if ((p->pid = fork()) == -1)
		return -1;
	if (p->pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 200 && stat(ready, &st) == -1; i++)
		usleep(50000);
	return i < 200 ? 0 : -1;
}

void
peer_kill(struct peer *p, int sig)
{
	if (p->pid > 0) {
		(void)kill(p->pid, sig);
		(void)waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
}

/* For a test that passed: its files are of no use unless RIKLET_KEEP. */
void
peer_done(struct peer *p)
{
	char	 cmd[128];

	peer_kill(p, SIGTERM);
	if (getenv("RIKLET_KEEP") != NULL)
		return;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", p->dir);
	(void)system(cmd);
}

/* Each pair is a key and the string it must hold; "~x": contains x. */
static int
record_matches(json_t *r, va_list ap)
{
	const char	*k, *want, *have;

	while ((k = va_arg(ap, const char *)) != NULL) {
		want = va_arg(ap, const char *);
		if ((have = json_string_value(json_object_get(r, k))) == NULL)
			return 0;
		if (want[0] == '~' ? strstr(have, want + 1) == NULL :
		    strcmp(have, want) != 0)
			return 0;
	}
	return 1;
}

/*
 * Counts the matching records from byte *off on and moves *off past the
 * last complete line, so that a wait reads each record once.
 */
static int
peer_vcount(struct peer *p, long *off, va_list ap)
{
	char		 path[128], *line = NULL;
	size_t		 cap = 0;
	ssize_t		 len;
	FILE		*f;
	json_t		*r;
	int		 n = 0;
	va_list		 aq;

	(void)snprintf(path, sizeof(path), "%s/received.jsonl", p->dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fseek(f, *off, SEEK_SET) == -1) {
		fclose(f);
		return 0;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		if (line[len - 1] != '\n')
			break;		/* a line being written */
		*off += len;
		if ((r = json_loads(line, 0, NULL)) == NULL)
			continue;
		va_copy(aq, ap);
		n += record_matches(r, aq);
		va_end(aq);
		json_decref(r);
	}
	free(line);
	fclose(f);
	return n;
}

/* How many received records match the key/value pairs (NULL ends). */
int
peer_count(struct peer *p, ...)
{
	va_list	 ap;
	long	 off = 0;
	int	 n;

	va_start(ap, p);
	n = peer_vcount(p, &off, ap);
	va_end(ap);
	return n;
}

/* Waits until count records match; returns how many did. */
int
peer_wait(struct peer *p, int timeout_ms, int count, ...)
{
	uint64_t	 deadline = monotime_ms() + (uint64_t)timeout_ms;
	va_list		 ap;
	long		 off = 0;
	int		 n = 0;

	for (;;) {
		va_start(ap, count);
		n += peer_vcount(p, &off, ap);
		va_end(ap);
		if (n >= count || monotime_ms() >= deadline)
			return n;
		usleep(50000);
	}
}

/* Has the peer send an InstanceScheduling to every worker. */
int
peer_command(struct peer *p, const char *instance, const char *definition,
    const char *action)
{
	char	 path[128], *s;
	json_t	*o;
	FILE	*f;
	int	 rv = -1;

	(void)snprintf(path, sizeof(path), "%s/commands.jsonl", p->dir);
	if ((o = json_pack("{s:s, s:s, s:s}", "instance_id", instance,
	    "definition", definition, "action", action)) == NULL)
		return -1;
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL &&
	    (f = fopen(path, "a")) != NULL) {
		fprintf(f, "%s\n", s);
		rv = fclose(f) == 0 ? 0 : -1;
	}
	free(s);
	json_decref(o);
	return rv;
}

/*
 * Starts the agent (hostname node-a unless conf says otherwise) with its
 * stderr in the peer's directory, and waits until it is ready.
 */
int
agent_start(struct agent *a, struct peer *p, struct riklet_conf *conf)
{
	struct riklet_conf	 c;
	struct imsg		 imsg;
	const char		*asan;
	char			 opts[256];
	int			 fd, saved, rv;

	if (conf == NULL) {
		harness_conf(&c);
		(void)strlcpy(c.hostname, "node-a", sizeof(c.hostname));
		conf = &c;
	}
	if (strcmp(conf->scheduler, "127.0.0.1:4995") == 0)
		(void)snprintf(conf->scheduler, sizeof(conf->scheduler),
		    "127.0.0.1:%d", p->port);
	(void)snprintf(a->log, sizeof(a->log), "%s/agent.log", p->dir);
	/*
	 * Under AddressSanitizer: LeakSanitizer needs /proc, which the
	 * chrooted agent has not, and would end it with an error at exit.
	 */
	asan = getenv("ASAN_OPTIONS");
	if (asan == NULL || strstr(asan, "detect_leaks") == NULL) {
		(void)snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0",
		    asan != NULL ? asan : "",
		    asan != NULL && *asan != '\0' ? ":" : "");
		(void)setenv("ASAN_OPTIONS", opts, 1);
	}
	if ((fd = open(a->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1)
		return -1;
	saved = dup(2);
	dup2(fd, 2);
	rv = harness_start(&a->h, "agent", conf);
	dup2(saved, 2);
	close(saved);
	close(fd);
	if (rv == -1)
		return -1;
	/* Like the parent: TLS material and target once it is ready. */
	if (harness_wait(&a->h, IMSG_CHILD_READY, &imsg, 10000) != 1)
		return -1;
	imsg_free(&imsg);
	return 0;
}

/* What the parent sends a new agent first: its latest node sample. */
int
agent_node_sample(struct agent *a, const char *json)
{
	return harness_send(&a->h, IMSG_NODE_METRICS, json, strlen(json) + 1);
}

/* What the parent does after resolving the scheduler. */
int
agent_target(struct agent *a, struct peer *p)
{
	char	 t[64];

	(void)snprintf(t, sizeof(t), "ipv4:127.0.0.1:%d", p->port);
	return harness_send(&a->h, IMSG_SCHED_TARGET, t, strlen(t) + 1);
}

/* 1 when the agent reports the state within the time, else 0. */
int
agent_wait_state(struct agent *a, uint32_t want, int timeout_ms)
{
	uint64_t		 deadline;
	struct agent_state	 as;
	struct imsg		 imsg;
	int			 left, ok;

	deadline = monotime_ms() + (uint64_t)timeout_ms;
	while ((left = (int)(deadline - monotime_ms())) > 0) {
		if (harness_wait(&a->h, IMSG_AGENT_STATE, &imsg, left) != 1)
			return 0;
		ok = imsg.datalen == sizeof(as);
		if (ok)
			memcpy(&as, imsg.data, sizeof(as));
		imsg_free(&imsg);
		if (!ok || memchr(as.reason, '\0', sizeof(as.reason)) == NULL)
			return 0;
		if (as.state == want)
			return 1;
	}
	return 0;
}

int
agent_log_contains(struct agent *a, const char *s, int timeout_ms)
{
	uint64_t	 deadline = monotime_ms() + (uint64_t)timeout_ms;
	char		 buf[65536];
	ssize_t		 n;
	int		 fd;

	do {
		if ((fd = open(a->log, O_RDONLY)) != -1) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = '\0';
				if (strstr(buf, s) != NULL)
					return 1;
			}
		}
		usleep(50000);
	} while (monotime_ms() < deadline);
	return 0;
}

/* IMSG_POD_STATUS, as the parent sends it. */
int
agent_send_status(struct agent *a, const char *instance, uint32_t status,
    uint32_t transition, const char *metrics)
{
	unsigned char		 buf[sizeof(struct pod_status) + 256];
	struct pod_status	 ps;
	size_t			 mlen = strlen(metrics) + 1;

	if (mlen > 256)
		return -1;
	memset(&ps, 0, sizeof(ps));
	(void)strlcpy(ps.instance, instance, sizeof(ps.instance));
	ps.status = status;
	ps.transition = transition;
	memcpy(buf, &ps, sizeof(ps));
	memcpy(buf + sizeof(ps), metrics, mlen);
	return harness_send(&a->h, IMSG_POD_STATUS, buf, sizeof(ps) + mlen);
}

/* The agent's resident set, from /proc; -1 if unknown. */
long
agent_rss_kb(struct agent *a)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)a->h.pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* A process's user+system CPU time in ms, from /proc; -1 if unknown. */
long
cpu_ms(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long		 ut, st;
	long			 hz = sysconf(_SC_CLK_TCK);
	FILE			*f;
	size_t			 n;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name in parentheses: fields 3 on; 14, 15. */
	if ((p = strrchr(buf, ')')) == NULL || hz <= 0 ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (long)((ut + st) * 1000 / (unsigned long)hz);
}
