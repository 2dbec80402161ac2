/*
 * bench/status: statuses per second through parent -> agent -> gRPC ->
 * scheduler on loopback, and the agent's resident memory while connected.
 * The harness plays the parent and sends ROUNDS bursts of N pod state
 * changes (never coalesced, so N messages on the wire) as fast as the
 * socket takes them, each burst once the peer (scheduler.py, grpcio) has
 * recorded the last of the one before.  N stays below the agent's queue
 * bound (AGENT_QUEUE_MAX), past which intermediate changes are dropped.
 * The peer is Python: on a small machine its own speed bounds the rate,
 * so riklet's CPU per status is printed next to it: the agent's (from
 * /proc) and the parent's side, which the harness plays: this thread's
 * CPU while it composes and writes the messages, the waits for the peer
 * left out.  Their sum is what a status costs riklet on any machine.
 *
 *   make bench            (or: build/bench/status [N [ROUNDS]])
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "peer.h"
#include "riklet_msg.h"
#include "util.h"

#define DEFAULT_N	10000
#define DEFAULT_ROUNDS	5

static void	die(const char *);
static uint64_t	thread_us(void);

static void
die(const char *why)
{
	fprintf(stderr, "bench/status: %s\n", why);
	exit(1);
}

static uint64_t
thread_us(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	struct peer	 p;
	struct agent	 a;
	char		 m[64], last[64];
	uint64_t	 t0, t1, s0, send_us = 0;
	long		 rss_idle, rss_busy, cpu0, cpu1, pcpu0, pcpu1;
	int		 n = argc > 1 ? atoi(argv[1]) : DEFAULT_N;
	int		 rounds = argc > 2 ? atoi(argv[2]) : DEFAULT_ROUNDS;
	int		 i, r, seq = 0, got;

	if (n <= 0 || n >= AGENT_QUEUE_MAX || rounds <= 0)
		die("usage: status [count [rounds]]");
	memset(&p, 0, sizeof(p));
	if (peer_start(&p) == -1)
		die("the scheduler peer did not start");
	if (agent_start(&a, &p, NULL) == -1 ||
	    agent_node_sample(&a, "{\"cpu\":{\"totalCpu\":1}}") == -1 ||
	    agent_target(&a, &p) == -1)
		die("cannot start the agent");
	if (!agent_wait_state(&a, AGENT_REGISTERED, 10000))
		die("the agent did not register");
	if (peer_wait(&p, 5000, 1, "kind", "worker", NULL) < 1)
		die("no WorkerMetric");
	rss_idle = agent_rss_kb(&a);

	cpu0 = cpu_ms(a.h.pid);
	pcpu0 = cpu_ms(p.pid);
	t0 = monotime_ms();
	for (r = 0; r < rounds; r++) {
		s0 = thread_us();
		for (i = 0; i < n; i++, seq++) {
			(void)snprintf(m, sizeof(m), "{\"seq\":%d}", seq);
			if (agent_send_status(&a, "bench-pod", seq % 2 ?
			    RIK_RUNNING : RIK_CREATING, 1, m) == -1)
				die("the agent is gone");
		}
		send_us += thread_us() - s0;
		(void)snprintf(last, sizeof(last), "{\"seq\":%d}", seq - 1);
		if (peer_wait(&p, 120000, 1, "metrics", last, NULL) < 1)
			die("the last status never arrived");
	}
	t1 = monotime_ms();
	cpu1 = cpu_ms(a.h.pid);
	pcpu1 = cpu_ms(p.pid);
	rss_busy = agent_rss_kb(&a);
	got = peer_count(&p, "instance_id", "bench-pod", NULL);
	printf("statuses: %d sent, %d received in %llu ms: %.0f/s\n", seq,
	    got, (unsigned long long)(t1 - t0),
	    t1 > t0 ? seq * 1000.0 / (double)(t1 - t0) : 0.0);
	printf("riklet CPU per status: %.1f us (agent %.1f us, %ld ms for the "
	    "run; parent's side %.1f us, %llu ms)\n",
	    (cpu1 - cpu0) * 1000.0 / seq + (double)send_us / seq,
	    (cpu1 - cpu0) * 1000.0 / seq, cpu1 - cpu0,
	    (double)send_us / seq, (unsigned long long)send_us / 1000);
	printf("peer CPU: %ld ms for the run (%.0f%% of a core)\n",
	    pcpu1 - pcpu0,
	    t1 > t0 ? (pcpu1 - pcpu0) * 100.0 / (double)(t1 - t0) : 0.0);
	printf("agent RSS: %ld kB registered and idle, %ld kB after the "
	    "burst\n", rss_idle, rss_busy);
	harness_stop(&a.h);
	peer_done(&p);
	return got == seq ? 0 : 1;
}
