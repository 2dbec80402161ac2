/*
 * riklet-agent against a real gRPC scheduler: regress/peer/scheduler.py
 * (grpcio) on loopback, with the harness playing the parent.  Nothing of
 * the wire is mocked; every check reads what the peer recorded.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "podspec.h"
#include "riklet_msg.h"
#include "util.h"

struct peer {
	pid_t		 pid;
	int		 port;
	char		 dir[64];
	char		 extra[4][256];
	int		 nextra;
};

struct agent {
	struct harness	 h;
	char		 log[96];
};

static int	free_port(void);
static void	peer_start(struct peer *);
static void	peer_kill(struct peer *, int);
static void	peer_done(struct peer *);
static int	record_matches(json_t *, va_list);
static int	peer_vcount(struct peer *, va_list);
static int	peer_count(struct peer *, ...);
static int	peer_wait(struct peer *, int, int, ...);
static void	peer_command(struct peer *, const char *, const char *,
		    const char *);
static void	agent_start(struct agent *, struct peer *,
		    struct riklet_conf *);
static void	agent_target(struct agent *, struct peer *);
static int	agent_wait_state(struct agent *, uint32_t, int);
static int	log_contains(struct agent *, const char *, int);
static void	send_status(struct agent *, const char *, uint32_t, uint32_t,
		    const char *);
static void	agent_stop(struct agent *);
static void	run(const char *, int);
static void	make_pki(const char *, const char *);
static void	send_pem(struct agent *, uint32_t, const char *, const char *);
static void	tls_case(int, int);

/* A port nobody listens on right now. */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 s, port;

	ck_assert_int_ne(s = socket(AF_INET, SOCK_STREAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(s);
	return port;
}

static void
peer_start(struct peer *p)
{
	char		 script[1024], port[16], ready[128];
	const char	*rd = getenv("REGRESS_DIR");
	char		*argv[24];
	int		 argc = 0, i;
	struct stat	 st;

	if (p->port == 0)
		p->port = free_port();
	if (p->dir[0] == '\0') {
		(void)strlcpy(p->dir, "/tmp/rikpeer.XXXXXX", sizeof(p->dir));
		ck_assert_ptr_nonnull(mkdtemp(p->dir));
	}
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
	for (i = 0; i < p->nextra; i++)
		argv[argc++] = p->extra[i];
	argv[argc] = NULL;
	ck_assert_int_ne(p->pid = fork(), -1);
	if (p->pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 200 && stat(ready, &st) == -1; i++)
		usleep(50000);
	ck_assert_msg(i < 200, "the scheduler peer did not start");
}

static void
peer_kill(struct peer *p, int sig)
{
	if (p->pid > 0) {
		(void)kill(p->pid, sig);
		(void)waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
}

/* A test that got here passed: its files are of no more use. */
static void
peer_done(struct peer *p)
{
	char	 cmd[128];

	peer_kill(p, SIGTERM);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", p->dir);
	run(cmd, 0);
}

/* Each vararg pair is key, expected string value; a "~" prefix: substring. */
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

static int
peer_vcount(struct peer *p, va_list ap)
{
	char		 path[128], *line = NULL;
	size_t		 cap = 0;
	FILE		*f;
	json_t		*r;
	int		 n = 0;
	va_list		 aq;

	(void)snprintf(path, sizeof(path), "%s/received.jsonl", p->dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (getline(&line, &cap, f) != -1) {
		if ((r = json_loads(line, 0, NULL)) == NULL)
			continue;	/* a line being written */
		va_copy(aq, ap);
		n += record_matches(r, aq);
		va_end(aq);
		json_decref(r);
	}
	free(line);
	fclose(f);
	return n;
}

static int
peer_count(struct peer *p, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, p);
	n = peer_vcount(p, ap);
	va_end(ap);
	return n;
}

/* Waits until at least count records match; returns how many did. */
static int
peer_wait(struct peer *p, int timeout_ms, int count, ...)
{
	uint64_t	 deadline = monotime_ms() + (uint64_t)timeout_ms;
	va_list		 ap;
	int		 n;

	for (;;) {
		va_start(ap, count);
		n = peer_vcount(p, ap);
		va_end(ap);
		if (n >= count || monotime_ms() >= deadline)
			return n;
		usleep(50000);
	}
}

static void
peer_command(struct peer *p, const char *instance, const char *definition,
    const char *action)
{
	char	 path[128], *s;
	json_t	*o;
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/commands.jsonl", p->dir);
	o = json_pack("{s:s, s:s, s:s}", "instance_id", instance,
	    "definition", definition, "action", action);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(s = json_dumps(o, JSON_COMPACT));
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fprintf(f, "%s\n", s);
	fclose(f);
	free(s);
	json_decref(o);
}

/* Starts the agent with its stderr in a file the test can read. */
static void
agent_start(struct agent *a, struct peer *p, struct riklet_conf *conf)
{
	struct riklet_conf	 c;
	struct imsg		 imsg;
	int			 fd, saved;

	if (conf == NULL) {
		harness_conf(&c);
		(void)strlcpy(c.hostname, "node-a", sizeof(c.hostname));
		conf = &c;
	}
	if (conf->scheduler[0] == '\0' || strcmp(conf->scheduler,
	    "127.0.0.1:4995") == 0)
		(void)snprintf(conf->scheduler, sizeof(conf->scheduler),
		    "127.0.0.1:%d", p->port);
	(void)snprintf(a->log, sizeof(a->log), "%s/agent.log", p->dir);
	ck_assert_int_ne(fd = open(a->log, O_WRONLY | O_CREAT | O_APPEND,
	    0644), -1);
	saved = dup(2);
	dup2(fd, 2);
	ck_assert_int_eq(harness_start(&a->h, "agent", conf), 0);
	dup2(saved, 2);
	close(saved);
	close(fd);
	/* Like the parent: TLS material and target once it is ready. */
	ck_assert_int_eq(harness_wait(&a->h, IMSG_CHILD_READY, &imsg, 10000),
	    1);
	imsg_free(&imsg);
}

/* What the parent does after resolving the scheduler. */
static void
agent_target(struct agent *a, struct peer *p)
{
	char	 t[64];

	(void)snprintf(t, sizeof(t), "ipv4:127.0.0.1:%d", p->port);
	ck_assert_int_eq(harness_send(&a->h, IMSG_SCHED_TARGET, t,
	    strlen(t) + 1), 0);
}

static int
agent_wait_state(struct agent *a, uint32_t want, int timeout_ms)
{
	uint64_t		 deadline = monotime_ms() + (uint64_t)timeout_ms;
	struct agent_state	 as;
	struct imsg		 imsg;
	int			 left;

	while ((left = (int)(deadline - monotime_ms())) > 0) {
		if (harness_wait(&a->h, IMSG_AGENT_STATE, &imsg, left) != 1)
			return 0;
		ck_assert_uint_eq(imsg.datalen, sizeof(as));
		memcpy(&as, imsg.data, sizeof(as));
		imsg_free(&imsg);
		ck_assert(memchr(as.reason, '\0', sizeof(as.reason)) != NULL);
		if (as.state == want)
			return 1;
	}
	return 0;
}

static int
log_contains(struct agent *a, const char *s, int timeout_ms)
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

static void
send_status(struct agent *a, const char *instance, uint32_t status,
    uint32_t transition, const char *metrics)
{
	unsigned char		 buf[sizeof(struct pod_status) + 256];
	struct pod_status	 ps;
	size_t			 mlen = strlen(metrics) + 1;

	ck_assert(mlen <= 256);
	memset(&ps, 0, sizeof(ps));
	(void)strlcpy(ps.instance, instance, sizeof(ps.instance));
	ps.status = status;
	ps.transition = transition;
	memcpy(buf, &ps, sizeof(ps));
	memcpy(buf + sizeof(ps), metrics, mlen);
	ck_assert_int_eq(harness_send(&a->h, IMSG_POD_STATUS, buf,
	    sizeof(ps) + mlen), 0);
}

static void
agent_stop(struct agent *a)
{
	int	 status;

	/* Alive until told to stop: it never exits on its own. */
	ck_assert_int_eq(waitpid(a->h.pid, &status, WNOHANG), 0);
	harness_stop(&a->h);
}

static void
run(const char *cmd, int must)
{
	int	 rc = system(cmd);

	if (must)
		ck_assert_msg(rc == 0, "%s: exit %d", cmd, rc);
}

START_TEST(test_register)
{
	struct peer	 p = { 0 };
	struct agent	 a;

	peer_start(&p);
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "rpc", "register",
	    "hostname", "node-a", NULL), 1);
	/* The first status is the WorkerMetric RUNNING, with "{}". */
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "rpc", "status",
	    "identifier", "node-a", "kind", "worker", "status", "RUNNING",
	    "metrics", "{}", NULL), 1);
	/* Node metrics from the parent go out as WorkerMetric RUNNING. */
	ck_assert_int_eq(harness_send(&a.h, IMSG_NODE_METRICS,
	    "{\"cpu\":{\"totalCpu\":2}}", 23), 0);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "kind", "worker",
	    "status", "RUNNING", "metrics", "{\"cpu\":{\"totalCpu\":2}}",
	    NULL), 1);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

START_TEST(test_invalid_definition)
{
	struct peer	 p = { 0 };
	struct agent	 a;

	peer_start(&p);
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	peer_command(&p, "bad1", "{not json", "CREATE");
	peer_command(&p, "bad2", "{\"spec\":{\"containers\":[{\"name\":"
	    "\"c\"}]}}", "CREATE");
	peer_command(&p, "bad3", "{\"spec\":{\"containers\":[]}}", "CREATE");
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "kind", "instance",
	    "instance_id", "bad1", "status", "FAILED",
	    "metrics", "~\"reason\":\"InvalidDefinition\"", NULL), 1);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "bad2",
	    "status", "FAILED", "metrics", "~image", NULL), 1);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "bad3",
	    "status", "FAILED", "metrics", "~no container", NULL), 1);
	ck_assert(log_contains(&a, "instance bad2: InvalidDefinition", 1000));
	/* Still up, still registered: a good one goes through. */
	peer_command(&p, "good", "{\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"busybox\"}]}}", "CREATE");
	{
		struct imsg	 imsg;

		ck_assert_int_eq(harness_wait(&a.h, IMSG_POD_CREATE, &imsg,
		    5000), 1);
		imsg_free(&imsg);
	}
	ck_assert_int_eq(peer_count(&p, "rpc", "register", NULL), 1);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

START_TEST(test_unknown_action)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	char		 path[128];
	FILE		*f;

	peer_start(&p);
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	(void)snprintf(path, sizeof(path), "%s/commands.jsonl", p.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fprintf(f, "{\"instance_id\":\"x1\",\"definition\":\"{}\","
	    "\"action\":7}\n");
	fprintf(f, "{\"instance_id\":\"../etc\",\"definition\":\"{}\","
	    "\"action\":\"DESTROY\"}\n");
	fclose(f);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "x1",
	    "status", "FAILED", "metrics", "~UnknownAction", NULL), 1);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "../etc",
	    "status", "FAILED", "metrics", "~InvalidInstanceId", NULL), 1);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

START_TEST(test_create_destroy)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	struct imsg	 imsg;
	struct pod_spec	 ps;
	char		 err[256];
	const char	*def = "{\"api_version\":\"v0\",\"kind\":\"pods\","
	    "\"name\":\"web\",\"replicas\":1,\"spec\":{\"restartPolicy\":"
	    "\"OnFailure\",\"containers\":[{\"name\":\"web\",\"image\":"
	    "\"nginx:1.25\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}],"
	    "\"ports\":{\"port\":80,\"target_port\":8080,\"protocol\":\"TCP\","
	    "\"type\":\"NodePort\"},\"command\":[\"/bin/sh\"],\"args\":"
	    "[\"-c\",\"sleep 1\"],\"resources\":{\"limits\":{\"cpu\":"
	    "\"500m\",\"memory\":\"128Mi\"}}}]}}";

	peer_start(&p);
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	peer_command(&p, "inst-1", def, "CREATE");
	ck_assert_int_eq(harness_wait(&a.h, IMSG_POD_CREATE, &imsg, 5000), 1);
	ck_assert_int_eq(podspec_decode(imsg.data, imsg.datalen, &ps, err,
	    sizeof(err)), 0);
	imsg_free(&imsg);
	ck_assert_str_eq(ps.instance, "inst-1");
	ck_assert_str_eq(ps.name, "web");
	ck_assert_uint_eq(ps.restart_policy, RESTART_ON_FAILURE);
	ck_assert_str_eq(ps.definition, def);
	ck_assert_uint_eq(ps.ncontainers, 1);
	ck_assert_str_eq(ps.containers[0].image, "nginx:1.25");
	ck_assert_uint_eq(ps.containers[0].nenv, 1);
	ck_assert_str_eq(ps.containers[0].env[0], "A=1");
	ck_assert_uint_eq(ps.containers[0].nports, 1);
	ck_assert_uint_eq(ps.containers[0].ports[0].port, 80);
	ck_assert_uint_eq(ps.containers[0].ports[0].target_port, 8080);
	ck_assert_uint_eq(ps.containers[0].ncommand, 1);
	ck_assert_uint_eq(ps.containers[0].nargs, 2);
	ck_assert_int_eq(ps.containers[0].nano_cpus, 500000000);
	ck_assert_int_eq(ps.containers[0].memory_limit, 128 << 20);
	podspec_free(&ps);

	peer_command(&p, "inst-1", "", "DESTROY");
	ck_assert_int_eq(harness_wait(&a.h, IMSG_POD_DESTROY, &imsg, 5000),
	    1);
	ck_assert_ptr_nonnull(imsg_string(&imsg, 0));
	ck_assert_str_eq(imsg_string(&imsg, 0), "inst-1");
	imsg_free(&imsg);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

/* 1,000 state changes of one pod: all of them, in order. */
START_TEST(test_thousand_in_order)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	char		 m[64], path[128], *line = NULL;
	size_t		 cap = 0;
	json_t		*r;
	FILE		*f;
	int		 i, seq = 0;

	peer_start(&p);
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	for (i = 0; i < 1000; i++) {
		(void)snprintf(m, sizeof(m), "{\"seq\":%d}", i);
		send_status(&a, "pod-1", i % 2 ? RIK_RUNNING : RIK_CREATING, 1,
		    m);
		/* Samples in between may be coalesced, never the changes. */
		send_status(&a, "pod-1", RIK_RUNNING, 0, "{\"sample\":1}");
	}
	ck_assert_int_eq(peer_wait(&p, 20000, 1000, "instance_id", "pod-1",
	    "metrics", "~seq", NULL), 1000);
	(void)snprintf(path, sizeof(path), "%s/received.jsonl", p.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (getline(&line, &cap, f) != -1) {
		const char	*ms;

		ck_assert_ptr_nonnull(r = json_loads(line, 0, NULL));
		ms = json_string_value(json_object_get(r, "metrics"));
		if (ms != NULL && strncmp(ms, "{\"seq\":", 7) == 0) {
			ck_assert_int_eq(atoi(ms + 7), seq);
			ck_assert_str_eq(json_string_value(json_object_get(r,
			    "status")), seq % 2 ? "RUNNING" : "CREATING");
			seq++;
		}
		json_decref(r);
	}
	free(line);
	fclose(f);
	ck_assert_int_eq(seq, 1000);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

START_TEST(test_empty_hostname)
{
	struct peer		 p = { 0 };
	struct agent		 a;
	struct riklet_conf	 c;

	peer_start(&p);
	harness_conf(&c);
	c.hostname[0] = '\0';
	agent_start(&a, &p, &c);
	agent_target(&a, &p);
	ck_assert_int_ge(peer_wait(&p, 10000, 1, "rpc", "refused",
	    "code", "FAILED_PRECONDITION", NULL), 1);
	ck_assert(log_contains(&a, "scheduler refused to register hostname "
	    "\"\"", 5000));
	ck_assert(!agent_wait_state(&a, AGENT_REGISTERED, 1500));
	ck_assert_int_eq(peer_count(&p, "rpc", "register", NULL), 0);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

START_TEST(test_peer_restart)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	uint64_t	 t0;

	peer_start(&p);
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	send_status(&a, "pod-r", RIK_RUNNING, 1, "");
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "pod-r",
	    "status", "RUNNING", NULL), 1);

	peer_kill(&p, SIGKILL);
	ck_assert(agent_wait_state(&a, AGENT_DISCONNECTED, 5000));
	ck_assert(log_contains(&a, "retrying", 2000));
	/* Down for a few seconds: several backoff steps. */
	sleep(3);
	t0 = monotime_ms();
	peer_start(&p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 15000));
	/* The backoff is at most 4 s here (1, 2, then 4 s steps). */
	ck_assert_uint_le(monotime_ms() - t0, 9000);
	ck_assert_int_eq(peer_wait(&p, 5000, 2, "rpc", "register",
	    "hostname", "node-a", NULL), 2);
	/* What the parent does on AGENT_REGISTERED: every pod's state. */
	send_status(&a, "pod-r", RIK_RUNNING, 1, "");
	ck_assert_int_eq(peer_wait(&p, 5000, 2, "instance_id", "pod-r",
	    "status", "RUNNING", NULL), 2);
	ck_assert_int_ge(peer_count(&p, "kind", "worker", "status", "RUNNING",
	    NULL), 2);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

START_TEST(test_peer_down_at_start)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	struct imsg	 imsg;
	int		 resolves = 0;
	uint64_t	 deadline;

	p.port = free_port();
	(void)strlcpy(p.dir, "/tmp/rikpeer.XXXXXX", sizeof(p.dir));
	ck_assert_ptr_nonnull(mkdtemp(p.dir));
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	/* It keeps trying and asks the parent to resolve again each time. */
	deadline = monotime_ms() + 6000;
	while (monotime_ms() < deadline && resolves < 3) {
		if (harness_wait(&a.h, IMSG_SCHED_RESOLVE, &imsg, 6000) != 1)
			break;
		imsg_free(&imsg);
		resolves++;
		agent_target(&a, &p);
	}
	ck_assert_int_ge(resolves, 2);
	ck_assert(log_contains(&a, "retrying", 1000));
	peer_start(&p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 20000));
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "rpc", "register", NULL), 1);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

/* A CA, a server certificate for 127.0.0.1 and localhost, a client one. */
static void
make_pki(const char *d, const char *name)
{
	char	 cmd[2048];

	(void)snprintf(cmd, sizeof(cmd),
	    "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
	    "-subj /CN=%s-ca -keyout %s-ca.key -out %s-ca.pem 2>/dev/null && "
	    "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost "
	    "-keyout %s-srv.key -out %s-srv.csr 2>/dev/null && "
	    "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext && "
	    "openssl x509 -req -in %s-srv.csr -CA %s-ca.pem -CAkey %s-ca.key "
	    "-CAcreateserial -days 1 -extfile ext -out %s-srv.pem "
	    "2>/dev/null && "
	    "openssl req -newkey rsa:2048 -nodes -subj /CN=node-a "
	    "-keyout %s-cli.key -out %s-cli.csr 2>/dev/null && "
	    "openssl x509 -req -in %s-cli.csr -CA %s-ca.pem -CAkey %s-ca.key "
	    "-CAcreateserial -days 1 -out %s-cli.pem 2>/dev/null",
	    d, name, name, name, name, name, name, name, name, name, name,
	    name, name, name, name, name);
	run(cmd, 1);
}

static void
send_pem(struct agent *a, uint32_t type, const char *d, const char *file)
{
	char	 path[256], buf[16384];
	ssize_t	 n;
	int	 fd;

	(void)snprintf(path, sizeof(path), "%s/%s", d, file);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_gt(n = read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	buf[n] = '\0';
	ck_assert_int_eq(harness_send(&a->h, type, buf, (size_t)n + 1), 0);
}

static void
tls_case(int right_ca, int mutual)
{
	struct peer		 p = { 0 };
	struct agent		 a;
	struct riklet_conf	 c;

	(void)strlcpy(p.dir, "/tmp/rikpeer.XXXXXX", sizeof(p.dir));
	ck_assert_ptr_nonnull(mkdtemp(p.dir));
	make_pki(p.dir, "good");
	make_pki(p.dir, "evil");
	(void)snprintf(p.extra[p.nextra++], sizeof(p.extra[0]),
	    "--tls-cert=%s/good-srv.pem", p.dir);
	(void)snprintf(p.extra[p.nextra++], sizeof(p.extra[0]),
	    "--tls-key=%s/good-srv.key", p.dir);
	if (mutual)
		(void)snprintf(p.extra[p.nextra++], sizeof(p.extra[0]),
		    "--client-ca=%s/good-ca.pem", p.dir);
	peer_start(&p);
	harness_conf(&c);
	(void)strlcpy(c.hostname, "node-a", sizeof(c.hostname));
	(void)snprintf(c.scheduler, sizeof(c.scheduler), "localhost:%d",
	    p.port);
	c.tls = 1;
	agent_start(&a, &p, &c);
	send_pem(&a, IMSG_TLS_CA, p.dir, right_ca ? "good-ca.pem" :
	    "evil-ca.pem");
	if (mutual) {
		send_pem(&a, IMSG_TLS_CERT, p.dir, "good-cli.pem");
		send_pem(&a, IMSG_TLS_KEY, p.dir, "good-cli.key");
	}
	agent_target(&a, &p);
	if (right_ca) {
		ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
		ck_assert_int_eq(peer_wait(&p, 5000, 1, "kind", "worker",
		    "status", "RUNNING", NULL), 1);
	} else {
		ck_assert(!agent_wait_state(&a, AGENT_REGISTERED, 4000));
		ck_assert(log_contains(&a, "TLS handshake failed", 2000));
		ck_assert(log_contains(&a, "certificate verify failed", 2000));
		ck_assert_int_eq(peer_count(&p, "rpc", "register", NULL), 0);
	}
	agent_stop(&a);
	peer_done(&p);
}

START_TEST(test_tls)
{
	tls_case(1, 0);
}
END_TEST

START_TEST(test_tls_wrong_ca)
{
	tls_case(0, 0);
}
END_TEST

START_TEST(test_mtls)
{
	tls_case(1, 1);
}
END_TEST

/*
 * Against gRPC's default ping policy, 10 minutes registered on one
 * stream: no GOAWAY loop.  Slow; runs with RIKLET_SLOW=1.
 */
START_TEST(test_ping_policy)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	struct imsg	 imsg;

	(void)strlcpy(p.extra[p.nextra++], "--strict-pings",
	    sizeof(p.extra[0]));
	peer_start(&p);
	agent_start(&a, &p, NULL);
	agent_target(&a, &p);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	/* No state change at all for 10 minutes. */
	ck_assert_int_eq(harness_wait(&a.h, IMSG_AGENT_STATE, &imsg,
	    10 * 60 * 1000), 0);
	ck_assert_int_eq(peer_count(&p, "rpc", "register", NULL), 1);
	ck_assert(!log_contains(&a, "too_many_pings", 100));
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

/* AGENT_TEST=name runs that test alone. */
#define ADD(tc, t) do {							\
	const char *only_ = getenv("AGENT_TEST");			\
									\
	if (only_ == NULL || strcmp(only_, #t) == 0)			\
		tcase_add_test(tc, test_##t);				\
} while (0)

int
main(void)
{
	Suite		*s = suite_create("agent");
	TCase		*tc = tcase_create("peer");
	SRunner		*sr;
	int		 failed;

	tcase_set_timeout(tc, 60);
	ADD(tc, register);
	ADD(tc, invalid_definition);
	ADD(tc, unknown_action);
	ADD(tc, create_destroy);
	ADD(tc, thousand_in_order);
	ADD(tc, empty_hostname);
	ADD(tc, peer_restart);
	ADD(tc, peer_down_at_start);
	ADD(tc, tls);
	ADD(tc, tls_wrong_ca);
	ADD(tc, mtls);
	suite_add_tcase(s, tc);
	if (getenv("RIKLET_SLOW") != NULL) {
		TCase *slow = tcase_create("slow");

		tcase_set_timeout(slow, 11 * 60);
		tcase_add_test(slow, test_ping_policy);
		suite_add_tcase(s, slow);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
