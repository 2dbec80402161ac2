/*
 * The probes' logic without an engine (riklet-runtime/probe_sched.c and
 * runtime_probeapi.c): the gate bounds the execs in flight and serves
 * the waiting in order, the first run's jitter spreads pods over a
 * period, the thresholds of the startup and liveness probes, the labels
 * that carry the probes round trip and a bad one is refused, the exec's
 * body and the engine's answers about an exec and a HEALTHCHECK.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkrun.h"
#include "runtime.h"

#define NJOBS	20

static struct probe_job	*started[NJOBS * 2];
static size_t		 nstarted;

static void
record_start(struct probe_job *j)
{
	ck_assert_uint_lt(nstarted, NJOBS * 2);
	started[nstarted++] = j;
}

START_TEST(test_gate_bound)
{
	struct probe_gate	 g;
	struct probe_job	 jobs[NJOBS];
	size_t			 i;

	memset(jobs, 0, sizeof(jobs));
	nstarted = 0;
	probe_gate_init(&g, PROBES_INFLIGHT_MAX, record_start);
	for (i = 0; i < NJOBS; i++)
		probe_gate_due(&g, &jobs[i]);
	/* Only max run; the rest wait, in order. */
	ck_assert_uint_eq(nstarted, PROBES_INFLIGHT_MAX);
	ck_assert_uint_eq(g.inflight, PROBES_INFLIGHT_MAX);
	ck_assert_uint_eq(g.nwaiting, NJOBS - PROBES_INFLIGHT_MAX);
	/* Due again while running or waiting: not twice. */
	probe_gate_due(&g, &jobs[0]);
	probe_gate_due(&g, &jobs[NJOBS - 1]);
	ck_assert_uint_eq(nstarted, PROBES_INFLIGHT_MAX);
	ck_assert_uint_eq(g.nwaiting, NJOBS - PROBES_INFLIGHT_MAX);
	/* One ends: the first waiting starts. */
	probe_gate_done(&g, &jobs[3]);
	ck_assert_uint_eq(nstarted, PROBES_INFLIGHT_MAX + 1);
	ck_assert_ptr_eq(started[PROBES_INFLIGHT_MAX],
	    &jobs[PROBES_INFLIGHT_MAX]);
	ck_assert_uint_eq(g.inflight, PROBES_INFLIGHT_MAX);
	/* A waiting one cancelled leaves the queue, a running one its slot. */
	probe_gate_cancel(&g, &jobs[PROBES_INFLIGHT_MAX + 1]);
	ck_assert_uint_eq(g.nwaiting, NJOBS - PROBES_INFLIGHT_MAX - 2);
	probe_gate_cancel(&g, &jobs[0]);
	ck_assert_ptr_eq(started[nstarted - 1], &jobs[PROBES_INFLIGHT_MAX + 2]);
	/* Done twice, or done when not running, changes nothing. */
	probe_gate_done(&g, &jobs[0]);
	ck_assert_uint_eq(g.inflight, PROBES_INFLIGHT_MAX);
	/* Everyone ends: never more than max at once, all ran once. */
	while (g.inflight > 0) {
		for (i = 0; i < NJOBS; i++)
			if (jobs[i].running) {
				probe_gate_done(&g, &jobs[i]);
				break;
			}
		ck_assert_uint_le(g.inflight, PROBES_INFLIGHT_MAX);
	}
	ck_assert_uint_eq(g.nwaiting, 0);
	ck_assert_uint_eq(nstarted, NJOBS - 1);	/* one was cancelled */
}
END_TEST

START_TEST(test_jitter)
{
	struct pod_probe	 p;
	int			 buckets[10] = { 0 };
	uint64_t		 ms;
	uint32_t		 i;

	memset(&p, 0, sizeof(p));
	probe_defaults(&p);
	p.initial_delay_s = 3;
	for (i = 0; i < 1000; i++) {
		ms = probe_first_ms(&p, arc4random());
		ck_assert_uint_ge(ms, 3000);
		ck_assert_uint_lt(ms, 3000 + 10000);
		buckets[(ms - 3000) / 1000]++;
	}
	/* 1000 pods made at once spread over the whole period. */
	for (i = 0; i < 10; i++)
		ck_assert_int_gt(buckets[i], 50);
	ck_assert_uint_eq(probe_period_ms(&p), 10000);
	ck_assert_uint_eq(probe_first_ms(&p, 0), 3000);
	ck_assert_uint_eq(probe_first_ms(&p, 9999), 12999);
	ck_assert_uint_eq(probe_first_ms(&p, 10000), 3000);
}
END_TEST

START_TEST(test_liveness_threshold)
{
	struct pod_probe	 probes[PROBE_ROLE_MAX];
	struct probe_state	 st;

	memset(probes, 0, sizeof(probes));
	probe_defaults(&probes[PROBE_LIVENESS]);
	probes[PROBE_LIVENESS].kind = PROBE_TCP;
	probe_state_init(&st, probes);
	ck_assert_uint_eq(st.role, PROBE_LIVENESS);
	/* The first result is news, then only changes and failures are. */
	ck_assert_int_eq(probe_state_result(&st, probes, 1, NULL),
	    VERDICT_CHANGED);
	ck_assert_int_eq(probe_state_result(&st, probes, 1, NULL),
	    VERDICT_SAME);
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "HTTP 500"),
	    VERDICT_CHANGED);
	ck_assert_uint_eq(st.failures, 1);
	ck_assert_str_eq(st.message, "HTTP 500");
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "HTTP 503"),
	    VERDICT_CHANGED);
	/* A success between failures starts the count over. */
	ck_assert_int_eq(probe_state_result(&st, probes, 1, NULL),
	    VERDICT_CHANGED);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert_str_eq(st.message, "HTTP 503");	/* the last failure */
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "a"),
	    VERDICT_CHANGED);
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "b"),
	    VERDICT_CHANGED);
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "c"),
	    VERDICT_UNHEALTHY);
	ck_assert_uint_eq(st.failures, 3);
}
END_TEST

START_TEST(test_startup_threshold)
{
	struct pod_probe	 probes[PROBE_ROLE_MAX];
	struct probe_state	 st;
	int			 i;

	memset(probes, 0, sizeof(probes));
	probe_defaults(&probes[PROBE_LIVENESS]);
	probes[PROBE_LIVENESS].kind = PROBE_TCP;
	probe_defaults(&probes[PROBE_STARTUP]);
	probes[PROBE_STARTUP].kind = PROBE_EXEC;
	probes[PROBE_STARTUP].failure_threshold = 5;
	probe_state_init(&st, probes);
	ck_assert_uint_eq(st.role, PROBE_STARTUP);
	ck_assert_uint_eq(st.started, 0);
	/* Four failures of five: still starting, liveness held off. */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(probe_state_result(&st, probes, 0, "no"),
		    VERDICT_CHANGED);
	ck_assert_uint_eq(st.role, PROBE_STARTUP);
	/* It passes: liveness from now on, with its own count. */
	ck_assert_int_eq(probe_state_result(&st, probes, 1, NULL),
	    VERDICT_CHANGED);
	ck_assert_uint_eq(st.role, PROBE_LIVENESS);
	ck_assert_uint_eq(st.started, 1);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "x"),
	    VERDICT_CHANGED);
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "x"),
	    VERDICT_CHANGED);
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "x"),
	    VERDICT_UNHEALTHY);

	/* Failing the startup probe threshold times is a failure too. */
	probe_state_init(&st, probes);
	for (i = 0; i < 4; i++)
		(void)probe_state_result(&st, probes, 0, "no");
	ck_assert_int_eq(probe_state_result(&st, probes, 0, "no"),
	    VERDICT_UNHEALTHY);
	ck_assert_uint_eq(st.role, PROBE_STARTUP);
}
END_TEST

/* An inspect answer with these labels. */
static char *
inspect_with(json_t *labels)
{
	json_t	*j;
	char	*s;

	j = json_pack("{s:{s:o}, s:{s:b}}", "Config", "Labels", labels,
	    "State", "Running", 1);
	ck_assert_ptr_nonnull(j);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

START_TEST(test_labels)
{
	struct pod_container	 c;
	struct pod_probe	 back[PROBE_ROLE_MAX];
	json_t			*labels;
	uint32_t		 grace;
	char			*s;

	memset(&c, 0, sizeof(c));
	probe_defaults(&c.probes[PROBE_LIVENESS]);
	c.probes[PROBE_LIVENESS].kind = PROBE_HTTP;
	c.probes[PROBE_LIVENESS].port = 8080;
	strlcpy(c.probes[PROBE_LIVENESS].path, "/healthz?x=\"1\"",
	    sizeof(c.probes[PROBE_LIVENESS].path));
	probe_defaults(&c.probes[PROBE_STARTUP]);
	c.probes[PROBE_STARTUP].kind = PROBE_EXEC;
	c.probes[PROBE_STARTUP].command[0] = "sh";
	c.probes[PROBE_STARTUP].command[1] = "-c";
	c.probes[PROBE_STARTUP].command[2] = "test -f /ready";
	c.probes[PROBE_STARTUP].ncommand = 3;
	c.probes[PROBE_STARTUP].initial_delay_s = 7;
	c.probes[PROBE_STARTUP].failure_threshold = 60;
	labels = json_pack("{s:s}", "riklet.grace", "4");
	ck_assert_int_eq(docker_probe_labels(labels, &c), 0);
	s = inspect_with(labels);
	ck_assert_int_eq(docker_parse_probes(s, strlen(s), back, &grace), 2);
	free(s);
	ck_assert_uint_eq(grace, 4);
	ck_assert_uint_eq(back[PROBE_LIVENESS].kind, PROBE_HTTP);
	ck_assert_uint_eq(back[PROBE_LIVENESS].port, 8080);
	ck_assert_str_eq(back[PROBE_LIVENESS].path, "/healthz?x=\"1\"");
	ck_assert_uint_eq(back[PROBE_LIVENESS].period_s, 10);
	ck_assert_uint_eq(back[PROBE_LIVENESS].timeout_s, 1);
	ck_assert_uint_eq(back[PROBE_LIVENESS].failure_threshold, 3);
	ck_assert_uint_eq(back[PROBE_STARTUP].kind, PROBE_EXEC);
	ck_assert_uint_eq(back[PROBE_STARTUP].ncommand, 3);
	ck_assert_str_eq(back[PROBE_STARTUP].command[2], "test -f /ready");
	ck_assert_uint_eq(back[PROBE_STARTUP].initial_delay_s, 7);
	ck_assert_uint_eq(back[PROBE_STARTUP].failure_threshold, 60);
	docker_probes_free(back);

	/* No probe labels: none, and no grace label: UINT32_MAX. */
	s = inspect_with(json_object());
	ck_assert_int_eq(docker_parse_probes(s, strlen(s), back, &grace), 0);
	ck_assert_uint_eq(grace, UINT32_MAX);
	free(s);
	/* The engine's word is checked as a definition is. */
	s = inspect_with(json_pack("{s:s}", "riklet.probe.liveness",
	    "{\"kind\":\"httpGet\",\"port\":0,\"path\":\"/\",\"delay\":0,"
	    "\"period\":10,\"timeout\":1,\"failures\":3}"));
	ck_assert_int_eq(docker_parse_probes(s, strlen(s), back, &grace), -1);
	free(s);
	s = inspect_with(json_pack("{s:s}", "riklet.probe.startup",
	    "{\"kind\":\"exec\",\"command\":[],\"delay\":0,"
	    "\"period\":10,\"timeout\":1,\"failures\":3}"));
	ck_assert_int_eq(docker_parse_probes(s, strlen(s), back, &grace), -1);
	free(s);
	s = inspect_with(json_pack("{s:s}", "riklet.probe.liveness",
	    "{\"kind\":\"grpc\",\"port\":1}"));
	ck_assert_int_eq(docker_parse_probes(s, strlen(s), back, &grace), -1);
	free(s);
	s = inspect_with(json_pack("{s:s}", "riklet.probe.liveness", "nope"));
	ck_assert_int_eq(docker_parse_probes(s, strlen(s), back, &grace), -1);
	free(s);
	ck_assert_int_eq(docker_parse_probes("x", 1, back, &grace), -1);
}
END_TEST

START_TEST(test_exec_body)
{
	struct pod_probe	 p;
	char			*s;

	memset(&p, 0, sizeof(p));
	probe_defaults(&p);
	p.kind = PROBE_HTTP;
	p.port = 8080;
	p.timeout_s = 2;
	strlcpy(p.path, "/h", sizeof(p.path));
	s = docker_probe_exec_body(&p);
	ck_assert_ptr_nonnull(strstr(s, "\"Cmd\":[\"/pause\",\"probe\","
	    "\"http\",\"8080\",\"/h\",\"2\"]"));
	ck_assert_ptr_nonnull(strstr(s, "\"AttachStdout\":true"));
	free(s);
	p.kind = PROBE_TCP;
	p.path[0] = '\0';
	s = docker_probe_exec_body(&p);
	ck_assert_ptr_nonnull(strstr(s, "\"Cmd\":[\"/pause\",\"probe\","
	    "\"tcp\",\"8080\",\"2\"]"));
	free(s);
	p.kind = PROBE_EXEC;
	p.command[0] = "cat";
	p.command[1] = "/x";
	p.ncommand = 2;
	s = docker_probe_exec_body(&p);
	ck_assert_ptr_nonnull(strstr(s, "\"Cmd\":[\"cat\",\"/x\"]"));
	free(s);
}
END_TEST

START_TEST(test_answers)
{
	const char	*ended = "{\"Running\":false,\"ExitCode\":3}";
	const char	*running = "{\"Running\":true,\"ExitCode\":null}";
	const char	*health = "{\"State\":{\"Health\":{\"Status\":"
			    "\"unhealthy\",\"Log\":[{\"Output\":\"old\"},"
			    "{\"Output\":\"no\\tfile\\n\"}]}}}";
	char		 status[32], out[64];
	int		 r;
	int32_t		 code;

	ck_assert_int_eq(docker_parse_exec(ended, strlen(ended), &r, &code), 0);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(code, 3);
	ck_assert_int_eq(docker_parse_exec(running, strlen(running), &r,
	    &code), 0);
	ck_assert_int_eq(r, 1);
	ck_assert_int_eq(docker_parse_exec("{}", 2, &r, &code), -1);
	ck_assert_int_eq(docker_parse_exec("{\"Running\":false,\"ExitCode\":"
	    "\"3\"}", 32, &r, &code), -1);
	ck_assert_int_eq(docker_parse_health(health, strlen(health), status,
	    sizeof(status), out, sizeof(out)), 0);
	ck_assert_str_eq(status, "unhealthy");
	ck_assert_str_eq(out, "no file");
	ck_assert_int_eq(docker_parse_health("{\"State\":{}}", 12, status,
	    sizeof(status), out, sizeof(out)), 0);
	ck_assert_str_eq(status, "");
	ck_assert_int_eq(docker_parse_health("[", 1, status, sizeof(status),
	    out, sizeof(out)), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("probe");
	TCase	*tc = tcase_create("probe");

	tcase_add_test(tc, test_gate_bound);
	tcase_add_test(tc, test_jitter);
	tcase_add_test(tc, test_liveness_threshold);
	tcase_add_test(tc, test_startup_threshold);
	tcase_add_test(tc, test_labels);
	tcase_add_test(tc, test_exec_body);
	tcase_add_test(tc, test_answers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
