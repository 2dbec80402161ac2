/*
 * The agent's status queue (riklet-agent/agent_queue.c): state changes
 * keep their order; a metrics sample replaces the unsent one of the same
 * pod and never overtakes a change; it is bounded, and when full drops
 * samples first, then superseded changes, never a pod's latest state.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkrun.h"
#include "agent.h"

static void	expect(uint32_t, const char *, uint32_t, const char *);

/* Takes the head of the queue and checks it. */
static void
expect(uint32_t kind, const char *instance, uint32_t status,
    const char *metrics)
{
	struct status_entry	*e = queue_first();

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->kind, kind);
	ck_assert_str_eq(e->instance, instance);
	ck_assert_uint_eq(e->status, status);
	ck_assert_str_eq(e->metrics, metrics);
	queue_remove(e);
}

/* A lost connection drops samples, keeps changes; a new registration's
 * WorkerMetric goes before them. */
START_TEST(test_disconnect_keeps_changes)
{
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_DESTROYING, 1,
	    ""), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_DESTROYING, 0,
	    "s"), 0);
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{}"), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_TERMINATED, 1,
	    ""), 0);
	queue_drop_samples();
	ck_assert_uint_eq(queue_length(), 2);
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{\"n\":1}"), 0);
	queue_last_to_head();
	expect(STATUS_WORKER, "", RIK_RUNNING, "{\"n\":1}");
	expect(STATUS_INSTANCE, "a", RIK_DESTROYING, "");
	expect(STATUS_INSTANCE, "a", RIK_TERMINATED, "");
	ck_assert_ptr_null(queue_first());
}
END_TEST

START_TEST(test_order_and_coalescing)
{
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{}"), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_CREATING, 1,
	    "c1"), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_RUNNING, 0,
	    "s1"), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "b", RIK_RUNNING, 0,
	    "b1"), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_RUNNING, 1,
	    "c2"), 0);
	/* Newer samples of a and b and of the node: old ones go. */
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_RUNNING, 0,
	    "s2"), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "b", RIK_RUNNING, 0,
	    "b2"), 0);
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{\"n\":2}"), 0);
	ck_assert_uint_eq(queue_length(), 5);
	expect(STATUS_INSTANCE, "a", RIK_CREATING, "c1");
	expect(STATUS_INSTANCE, "a", RIK_RUNNING, "c2");
	expect(STATUS_INSTANCE, "a", RIK_RUNNING, "s2");
	expect(STATUS_INSTANCE, "b", RIK_RUNNING, "b2");
	expect(STATUS_WORKER, "", RIK_RUNNING, "{\"n\":2}");
	ck_assert_ptr_null(queue_first());
	/* Once sent, a sample is no longer replaced: a new one queues. */
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_RUNNING, 0,
	    "s3"), 0);
	expect(STATUS_INSTANCE, "a", RIK_RUNNING, "s3");
	ck_assert_uint_eq(queue_length(), 0);
}
END_TEST

/* Full of changes: a new one drops the oldest superseded, never a latest. */
START_TEST(test_bound)
{
	char	 id[32];
	int	 i;

	for (i = 0; i < AGENT_QUEUE_MAX; i++) {
		(void)snprintf(id, sizeof(id), "p%d", i % 100);
		ck_assert_int_eq(queue_push(STATUS_INSTANCE, id, RIK_RUNNING,
		    1, "old"), 0);
	}
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "x", RIK_FAILED, 1, "x"),
	    0);
	ck_assert_uint_eq(queue_length(), AGENT_QUEUE_MAX);
	ck_assert_uint_eq(queue_dropped(), 1);
	ck_assert_uint_eq(queue_dropped(), 0);
	/* p0's first change went; its second is the head now. */
	ck_assert_str_eq(queue_first()->instance, "p1");
	/* A pod's sample does not displace a change; the node's does. */
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "p5", RIK_RUNNING, 0,
	    "s"), -1);
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{\"n\":1}"), 0);
	ck_assert_uint_eq(queue_length(), AGENT_QUEUE_MAX);
	ck_assert_uint_eq(queue_dropped(), 1);
	/* ...and a newer node sample replaces it, whatever the room. */
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{\"n\":2}"), 0);
	ck_assert_uint_eq(queue_dropped(), 0);
	queue_clear();
	ck_assert_uint_eq(queue_length(), 0);
	ck_assert_ptr_null(queue_first());
	/* Samples stay coalesced however many arrive. */
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(queue_push(STATUS_INSTANCE, "a", RIK_RUNNING,
		    0, "s"), 0);
	ck_assert_uint_eq(queue_length(), 1);
	queue_clear();
	/* An instance id that does not fit is refused. */
	{
		char	 big[RIK_ID_MAX + 8];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(queue_push(STATUS_INSTANCE, big, RIK_RUNNING,
		    1, ""), -1);
	}
}
END_TEST

/* Samples go before any change when room is needed. */
START_TEST(test_samples_first)
{
	char	 id[32];
	int	 i;

	for (i = 0; i < AGENT_QUEUE_MAX - 2; i++) {
		(void)snprintf(id, sizeof(id), "p%d", i % 10);
		ck_assert_int_eq(queue_push(STATUS_INSTANCE, id, RIK_RUNNING,
		    1, ""), 0);
	}
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "p1", RIK_RUNNING, 0,
	    "s1"), 0);
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{}"), 0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "p2", RIK_FAILED, 1, ""),
	    0);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "p3", RIK_FAILED, 1, ""),
	    0);
	ck_assert_uint_eq(queue_dropped(), 0);
	ck_assert_uint_eq(queue_length(), AGENT_QUEUE_MAX);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "p4", RIK_FAILED, 1, ""),
	    0);
	ck_assert_uint_eq(queue_dropped(), 1);
	while (queue_first() != NULL) {
		ck_assert_uint_eq(queue_first()->transition, 1);
		queue_remove(queue_first());
	}
}
END_TEST

/*
 * 20,000 changes of 200 pods (a crash loop while the scheduler is away),
 * samples among them: bounded, each pod's changes in order, and each
 * pod's last state kept.
 */
START_TEST(test_long_outage)
{
	struct status_entry	*e;
	char			 id[32], m[32];
	int			 last[200], i, n, pod, seq, nsent = 0;

	for (i = 0; i < 20000; i++) {
		pod = i % 200;
		(void)snprintf(id, sizeof(id), "pod-%d", pod);
		(void)snprintf(m, sizeof(m), "%d", i / 200);
		ck_assert_int_eq(queue_push(STATUS_INSTANCE, id, i % 3 ?
		    RIK_FAILED : RIK_RUNNING, 1, m), 0);
		if (i % 7 == 0)
			(void)queue_push(STATUS_INSTANCE, id, RIK_RUNNING, 0,
			    "sample");
		ck_assert_uint_le(queue_length(), AGENT_QUEUE_MAX);
	}
	ck_assert_uint_eq(queue_length(), AGENT_QUEUE_MAX);
	ck_assert_uint_ge(queue_dropped(), 20000 - AGENT_QUEUE_MAX);
	for (i = 0; i < 200; i++)
		last[i] = -1;
	while ((e = queue_first()) != NULL) {
		ck_assert_uint_eq(e->transition, 1);
		ck_assert_int_eq(sscanf(e->instance, "pod-%d", &pod), 1);
		seq = atoi(e->metrics);
		ck_assert_int_gt(seq, last[pod]);
		last[pod] = seq;
		queue_remove(e);
		nsent++;
	}
	ck_assert_int_eq(nsent, AGENT_QUEUE_MAX);
	for (n = 0; n < 200; n++)
		ck_assert_int_eq(last[n], 99);
}
END_TEST

/* More pods than the bound: the oldest pod's latest state goes. */
START_TEST(test_more_pods_than_room)
{
	char	 id[32];
	int	 i;

	for (i = 0; i < AGENT_QUEUE_MAX; i++) {
		(void)snprintf(id, sizeof(id), "p%d", i);
		ck_assert_int_eq(queue_push(STATUS_INSTANCE, id, RIK_FAILED,
		    1, ""), 0);
	}
	/* Neither sample has room. */
	ck_assert_int_eq(queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0,
	    "{}"), -1);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "p1", RIK_RUNNING, 0,
	    "s"), -1);
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "new", RIK_FAILED, 1, ""),
	    0);
	ck_assert_uint_eq(queue_dropped(), 1);
	ck_assert_str_eq(queue_first()->instance, "p1");
	/* A pod already queued supersedes its own change. */
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "p1", RIK_RUNNING, 1, ""),
	    0);
	ck_assert_uint_eq(queue_dropped(), 1);
	ck_assert_str_eq(queue_first()->instance, "p2");
	ck_assert_uint_eq(queue_length(), AGENT_QUEUE_MAX);
	queue_clear();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("agent_queue");
	TCase	*tc = tcase_create("queue");

	tcase_add_test(tc, test_order_and_coalescing);
	tcase_add_test(tc, test_disconnect_keeps_changes);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_samples_first);
	tcase_add_test(tc, test_long_outage);
	tcase_add_test(tc, test_more_pods_than_room);
	suite_add_tcase(s, tc);
	return check_run(s);
}
