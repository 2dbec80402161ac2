/*
 * The agent's status queue (riklet-agent/agent_queue.c): state changes
 * keep their order and are never dropped; a metrics sample replaces the
 * unsent one of the same pod and never overtakes a change; it is bounded.
 */
#include <check.h>
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

START_TEST(test_bound_and_clear)
{
	char	 id[32];
	int	 i;

	for (i = 0; i < AGENT_QUEUE_MAX; i++) {
		(void)snprintf(id, sizeof(id), "p%d", i % 100);
		ck_assert_int_eq(queue_push(STATUS_INSTANCE, id, RIK_RUNNING,
		    1, ""), 0);
	}
	ck_assert_int_eq(queue_push(STATUS_INSTANCE, "x", RIK_FAILED, 1, ""),
	    -1);
	ck_assert_uint_eq(queue_length(), AGENT_QUEUE_MAX);
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

int
main(void)
{
	Suite	*s = suite_create("agent_queue");
	TCase	*tc = tcase_create("queue");

	tcase_add_test(tc, test_order_and_coalescing);
	tcase_add_test(tc, test_disconnect_keeps_changes);
	tcase_add_test(tc, test_bound_and_clear);
	suite_add_tcase(s, tc);
	return check_run(s);
}
