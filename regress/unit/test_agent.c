/*
 * riklet-agent against a real gRPC scheduler: regress/peer/scheduler.py
 * (grpcio) on loopback, with the harness playing the parent.  Nothing of
 * the wire is mocked; every check reads what the peer recorded.
 */
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agent.h"
#include "checkrun.h"
#include "harness.h"
#include "peer.h"
#include "podspec.h"
#include "riklet_msg.h"
#include "util.h"

#define NODE_SAMPLE	"{\"cpu\":{\"totalCpu\":2,\"currentUsage\":1.5}}"

static void	start_registered(struct peer *, struct agent *);
static void	agent_stop(struct agent *);
static void	run(const char *, int);
static void	make_pki(const char *, const char *);
static void	send_pem(struct agent *, uint32_t, const char *, const char *);
static void	tls_case(int, int);

/* A peer, and the agent registered with it as node-a. */
static void
start_registered(struct peer *p, struct agent *a)
{
	ck_assert_int_eq(peer_start(p), 0);
	ck_assert_int_eq(agent_start(a, p, NULL), 0);
	ck_assert_int_eq(agent_node_sample(a, NODE_SAMPLE), 0);
	ck_assert_int_eq(agent_target(a, p), 0);
	ck_assert(agent_wait_state(a, AGENT_REGISTERED, 10000));
}

static void
agent_stop(struct agent *a)
{
	int	 status;

	/* Alive until told to stop: it never exits on its own. */
	ck_assert_int_eq(waitpid(a->h.pid, &status, WNOHANG), 0);
	/* And then it stops cleanly, gRPC threads and all. */
	status = harness_stop(&a->h);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "agent ended with status %#x", status);
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

	start_registered(&p, &a);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "rpc", "register",
	    "hostname", "node-a", NULL), 1);
	/* The first status: WorkerMetric RUNNING, the parent's sample. */
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "rpc", "status", NULL), 1);
	ck_assert_int_eq(peer_count(&p, "rpc", "status", "identifier",
	    "node-a", "kind", "worker", "status", "RUNNING", "metrics",
	    NODE_SAMPLE, NULL), 1);
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

	start_registered(&p, &a);
	ck_assert_int_eq(peer_command(&p, "bad1", "{not json", "CREATE"), 0);
	ck_assert_int_eq(peer_command(&p, "bad2", "{\"spec\":{\"containers\":"
	    "[{\"name\":\"c\"}]}}", "CREATE"), 0);
	ck_assert_int_eq(peer_command(&p, "bad3", "{\"spec\":{\"containers\":"
	    "[]}}", "CREATE"), 0);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "kind", "instance",
	    "instance_id", "bad1", "status", "FAILED",
	    "metrics", "~\"reason\":\"InvalidDefinition\"", NULL), 1);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "bad2",
	    "status", "FAILED", "metrics", "~image", NULL), 1);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "bad3",
	    "status", "FAILED", "metrics", "~no container", NULL), 1);
	ck_assert(agent_log_contains(&a, "instance bad2: InvalidDefinition",
	    1000));
	/* Too large for riklet, not for gRPC: refused, stream kept. */
	{
		char	*big;

		ck_assert_ptr_nonnull(big = malloc(100000));
		memset(big, ' ', 99999);
		big[99999] = '\0';
		big[0] = '{';
		big[99998] = '}';
		ck_assert_int_eq(peer_command(&p, "big", big, "CREATE"), 0);
		free(big);
	}
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "big",
	    "status", "FAILED", "metrics", "~larger than", NULL), 1);
	/* Still up, still registered: a good one goes through. */
	ck_assert_int_eq(peer_command(&p, "good", "{\"spec\":{\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"busybox\"}]}}", "CREATE"), 0);
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

	start_registered(&p, &a);
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

	start_registered(&p, &a);
	ck_assert_int_eq(peer_command(&p, "inst-1", def, "CREATE"), 0);
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

	ck_assert_int_eq(peer_command(&p, "inst-1", "", "DESTROY"), 0);
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

	start_registered(&p, &a);
	for (i = 0; i < 1000; i++) {
		(void)snprintf(m, sizeof(m), "{\"seq\":%d}", i);
		ck_assert_int_eq(agent_send_status(&a, "pod-1", i % 2 ?
		    RIK_RUNNING : RIK_CREATING, 1, m), 0);
		/* Samples in between may be coalesced, never the changes. */
		ck_assert_int_eq(agent_send_status(&a, "pod-1", RIK_RUNNING, 0,
		    "{\"sample\":1}"), 0);
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

/*
 * Registered before any node sample (riklet just started): no
 * WorkerMetric with an empty object; the first sample goes first, ahead
 * of the state changes that wait.
 */
START_TEST(test_first_sample)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	char		 path[128], *line = NULL;
	size_t		 cap = 0;
	json_t		*r;
	FILE		*f;
	int		 first = 1;

	ck_assert_int_eq(peer_start(&p), 0);
	ck_assert_int_eq(agent_start(&a, &p, NULL), 0);
	ck_assert_int_eq(agent_target(&a, &p), 0);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
	/* Longer than the heartbeat: nothing to say without a sample. */
	ck_assert_int_eq(peer_wait(&p, 6000, 1, "kind", "worker", NULL), 0);
	ck_assert_int_eq(agent_node_sample(&a, NODE_SAMPLE), 0);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "kind", "worker", NULL), 1);
	/* Nothing sent for 5 s: the heartbeat, the same sample again. */
	ck_assert_int_eq(peer_wait(&p, 8000, 2, "kind", "worker", NULL), 2);
	/* Every WorkerMetric carries a real sample. */
	(void)snprintf(path, sizeof(path), "%s/received.jsonl", p.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (getline(&line, &cap, f) != -1) {
		const char	*kind;

		ck_assert_ptr_nonnull(r = json_loads(line, 0, NULL));
		if ((kind = json_string_value(json_object_get(r, "kind"))) !=
		    NULL) {
			ck_assert_str_eq(kind, "worker");
			ck_assert_str_eq(json_string_value(json_object_get(r,
			    "metrics")), NODE_SAMPLE);
			first = 0;
		}
		json_decref(r);
	}
	free(line);
	fclose(f);
	ck_assert_int_eq(first, 0);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

/*
 * 20,000 state changes of 200 crash-looping pods while the scheduler is
 * away, more than the agent's queue holds: the agent stays up, and once
 * the scheduler is back it hears, first, the node's latest sample, then
 * each pod's changes in order, down to the last.
 */
START_TEST(test_long_outage)
{
	static const uint32_t	 cycle[3] = { RIK_CREATING, RIK_RUNNING,
				    RIK_FAILED };
	static const char *const names[3] = { "CREATING", "RUNNING",
				    "FAILED" };
	struct peer	 p = { 0 };
	struct agent	 a;
	char		 id[32], m[64], path[128], old[160], *line = NULL;
	size_t		 cap = 0;
	json_t		*r;
	FILE		*f;
	int		 last[200], i, pod, seq, nchanges = 0, nstatus = 0;
	int		 status;

	start_registered(&p, &a);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "kind", "worker", NULL), 1);
	peer_kill(&p, SIGKILL);
	ck_assert(agent_wait_state(&a, AGENT_DISCONNECTED, 5000));
	for (i = 0; i < 20000; i++) {
		pod = i % 200;
		seq = i / 200;
		(void)snprintf(id, sizeof(id), "crash-%d", pod);
		(void)snprintf(m, sizeof(m), "{\"seq\":%d}", seq);
		ck_assert_int_eq(agent_send_status(&a, id, cycle[seq % 3], 1,
		    m), 0);
		if (i % 10 == 0)
			ck_assert_int_eq(agent_send_status(&a, id,
			    cycle[seq % 3], 0, "{\"sample\":1}"), 0);
	}
	ck_assert_int_eq(agent_node_sample(&a, "{\"cpu\":{\"totalCpu\":3}}"),
	    0);
	ck_assert_int_eq(waitpid(a.h.pid, &status, WNOHANG), 0);

	/* The same scheduler back, with a fresh record. */
	(void)snprintf(path, sizeof(path), "%s/received.jsonl", p.dir);
	(void)snprintf(old, sizeof(old), "%s.old", path);
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(peer_start(&p), 0);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 15000));
	ck_assert_int_eq(peer_wait(&p, 30000, 200, "kind", "instance",
	    "metrics", "{\"seq\":99}", NULL), 200);
	/* 20,000 - 16,384, and one for the node's WorkerMetric. */
	ck_assert(agent_log_contains(&a, "3617 intermediate state changes "
	    "dropped since the last registration", 2000));

	for (i = 0; i < 200; i++)
		last[i] = -1;
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (getline(&line, &cap, f) != -1) {
		const char	*kind, *ms, *inst;

		ck_assert_ptr_nonnull(r = json_loads(line, 0, NULL));
		if ((kind = json_string_value(json_object_get(r, "kind"))) ==
		    NULL) {
			json_decref(r);
			continue;
		}
		ms = json_string_value(json_object_get(r, "metrics"));
		if (nstatus++ == 0) {
			/* First, the node, with its latest sample. */
			ck_assert_str_eq(kind, "worker");
			ck_assert_str_eq(ms, "{\"cpu\":{\"totalCpu\":3}}");
		}
		if (strcmp(kind, "instance") == 0) {
			inst = json_string_value(json_object_get(r,
			    "instance_id"));
			/* Samples went stale with the connection. */
			ck_assert_int_eq(sscanf(ms, "{\"seq\":%d}", &seq), 1);
			ck_assert_int_eq(sscanf(inst, "crash-%d", &pod), 1);
			ck_assert(pod >= 0 && pod < 200);
			ck_assert_int_gt(seq, last[pod]);
			ck_assert_str_eq(json_string_value(json_object_get(r,
			    "status")), names[seq % 3]);
			last[pod] = seq;
			nchanges++;
		}
		json_decref(r);
	}
	free(line);
	fclose(f);
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(last[i], 99);
	ck_assert_int_le(nchanges, AGENT_QUEUE_MAX);
	ck_assert_int_eq(peer_count(&p, "rpc", "register", NULL), 1);
	agent_stop(&a);
	(void)unlink(old);
	peer_done(&p);
}
END_TEST

START_TEST(test_empty_hostname)
{
	struct peer		 p = { 0 };
	struct agent		 a;
	struct riklet_conf	 c;

	ck_assert_int_eq(peer_start(&p), 0);
	harness_conf(&c);
	c.hostname[0] = '\0';
	ck_assert_int_eq(agent_start(&a, &p, &c), 0);
	ck_assert_int_eq(agent_target(&a, &p), 0);
	ck_assert_int_ge(peer_wait(&p, 10000, 1, "rpc", "refused",
	    "code", "FAILED_PRECONDITION", NULL), 1);
	ck_assert(agent_log_contains(&a,
	    "scheduler refused to register hostname \"\"", 5000));
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

	start_registered(&p, &a);
	ck_assert_int_eq(agent_send_status(&a, "pod-r", RIK_RUNNING, 1, ""), 0);
	ck_assert_int_eq(peer_wait(&p, 5000, 1, "instance_id", "pod-r",
	    "status", "RUNNING", NULL), 1);

	peer_kill(&p, SIGKILL);
	ck_assert(agent_wait_state(&a, AGENT_DISCONNECTED, 5000));
	ck_assert(agent_log_contains(&a, "retrying", 2000));
	/* Down for a few seconds: several backoff steps. */
	sleep(3);
	t0 = monotime_ms();
	ck_assert_int_eq(peer_start(&p), 0);
	ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 15000));
	/* The backoff is at most 4 s here (1, 2, then 4 s steps). */
	ck_assert_uint_le(monotime_ms() - t0, 9000);
	ck_assert_int_eq(peer_wait(&p, 5000, 2, "rpc", "register",
	    "hostname", "node-a", NULL), 2);
	/* What the parent does on AGENT_REGISTERED: every pod's state. */
	ck_assert_int_eq(agent_send_status(&a, "pod-r", RIK_RUNNING, 1, ""), 0);
	ck_assert_int_eq(peer_wait(&p, 5000, 2, "instance_id", "pod-r",
	    "status", "RUNNING", NULL), 2);
	ck_assert_int_ge(peer_count(&p, "kind", "worker", "status", "RUNNING",
	    NULL), 2);
	agent_stop(&a);
	peer_done(&p);
}
END_TEST

/* A frozen scheduler says nothing: keepalive finds it within ~20 s. */
START_TEST(test_peer_frozen)
{
	struct peer	 p = { 0 };
	struct agent	 a;
	uint64_t	 t0;

	start_registered(&p, &a);
	ck_assert_int_eq(kill(p.pid, SIGSTOP), 0);
	t0 = monotime_ms();
	ck_assert(agent_wait_state(&a, AGENT_DISCONNECTED, 30000));
	ck_assert_uint_le(monotime_ms() - t0, 25000);
	ck_assert(agent_log_contains(&a, "retrying", 2000));
	agent_stop(&a);
	peer_kill(&p, SIGKILL);
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

	ck_assert_int_eq(peer_dir(&p), 0);
	ck_assert_int_eq(agent_start(&a, &p, NULL), 0);
	ck_assert_int_eq(agent_target(&a, &p), 0);
	/* It keeps trying and asks the parent to resolve again each time. */
	deadline = monotime_ms() + 6000;
	while (monotime_ms() < deadline && resolves < 3) {
		if (harness_wait(&a.h, IMSG_SCHED_RESOLVE, &imsg, 6000) != 1)
			break;
		imsg_free(&imsg);
		resolves++;
		ck_assert_int_eq(agent_target(&a, &p), 0);
	}
	ck_assert_int_ge(resolves, 2);
	ck_assert(agent_log_contains(&a, "retrying", 1000));
	ck_assert_int_eq(peer_start(&p), 0);
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

	ck_assert_int_eq(peer_dir(&p), 0);
	make_pki(p.dir, "good");
	make_pki(p.dir, "evil");
	(void)snprintf(p.extra[p.nextra++], sizeof(p.extra[0]),
	    "--tls-cert=%s/good-srv.pem", p.dir);
	(void)snprintf(p.extra[p.nextra++], sizeof(p.extra[0]),
	    "--tls-key=%s/good-srv.key", p.dir);
	if (mutual)
		(void)snprintf(p.extra[p.nextra++], sizeof(p.extra[0]),
		    "--client-ca=%s/good-ca.pem", p.dir);
	ck_assert_int_eq(peer_start(&p), 0);
	harness_conf(&c);
	(void)strlcpy(c.hostname, "node-a", sizeof(c.hostname));
	(void)snprintf(c.scheduler, sizeof(c.scheduler), "localhost:%d",
	    p.port);
	c.tls = 1;
	ck_assert_int_eq(agent_start(&a, &p, &c), 0);
	send_pem(&a, IMSG_TLS_CA, p.dir, right_ca ? "good-ca.pem" :
	    "evil-ca.pem");
	if (mutual) {
		send_pem(&a, IMSG_TLS_CERT, p.dir, "good-cli.pem");
		send_pem(&a, IMSG_TLS_KEY, p.dir, "good-cli.key");
	}
	ck_assert_int_eq(agent_node_sample(&a, NODE_SAMPLE), 0);
	ck_assert_int_eq(agent_target(&a, &p), 0);
	if (right_ca) {
		ck_assert(agent_wait_state(&a, AGENT_REGISTERED, 10000));
		ck_assert_int_eq(peer_wait(&p, 5000, 1, "kind", "worker",
		    "status", "RUNNING", NULL), 1);
	} else {
		ck_assert(!agent_wait_state(&a, AGENT_REGISTERED, 4000));
		ck_assert(agent_log_contains(&a, "TLS handshake failed", 2000));
		ck_assert(agent_log_contains(&a, "certificate verify failed",
		    2000));
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
	start_registered(&p, &a);
	/* No state change at all for 10 minutes. */
	ck_assert_int_eq(harness_wait(&a.h, IMSG_AGENT_STATE, &imsg,
	    10 * 60 * 1000), 0);
	ck_assert_int_eq(peer_count(&p, "rpc", "register", NULL), 1);
	ck_assert(!agent_log_contains(&a, "too_many_pings", 100));
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

	tcase_set_timeout(tc, 60);
	ADD(tc, register);
	ADD(tc, invalid_definition);
	ADD(tc, unknown_action);
	ADD(tc, create_destroy);
	ADD(tc, thousand_in_order);
	ADD(tc, first_sample);
	ADD(tc, long_outage);
	ADD(tc, empty_hostname);
	ADD(tc, peer_restart);
	ADD(tc, peer_frozen);
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
	return check_run(s);
}
