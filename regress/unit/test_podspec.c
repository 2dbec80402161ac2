/*
 * The pod description's encoding: round trip, every truncation refused,
 * bounds and validation.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "checkrun.h"
#include "podspec.h"

static void
make_spec(struct pod_spec *ps)
{
	struct pod_container	*c;

	memset(ps, 0, sizeof(*ps));
	strlcpy(ps->instance, "inst-1", sizeof(ps->instance));
	strlcpy(ps->name, "web", sizeof(ps->name));
	ps->restart_policy = RESTART_ON_FAILURE;
	ps->definition = strdup("{\"name\":\"web\"}");
	ps->ncontainers = 2;
	c = &ps->containers[0];
	strlcpy(c->name, "web", sizeof(c->name));
	strlcpy(c->image, "nginx:1.25", sizeof(c->image));
	c->memory_limit = 128 << 20;
	c->nano_cpus = 500000000;
	c->env[c->nenv++] = strdup("A=1");
	c->env[c->nenv++] = strdup("B=two words");
	c->command[c->ncommand++] = strdup("/bin/sh");
	c->args[c->nargs++] = strdup("-c");
	c->args[c->nargs++] = strdup("sleep 1000");
	c->ports[0].port = 80;
	c->ports[0].target_port = 8080;
	c->ports[0].proto = PORT_TCP;
	c->nports = 1;
	probe_defaults(&c->probes[PROBE_LIVENESS]);
	c->probes[PROBE_LIVENESS].kind = PROBE_HTTP;
	c->probes[PROBE_LIVENESS].port = 8080;
	strlcpy(c->probes[PROBE_LIVENESS].path, "/healthz",
	    sizeof(c->probes[PROBE_LIVENESS].path));
	c = &ps->containers[1];
	strlcpy(c->name, "side", sizeof(c->name));
	strlcpy(c->image, "busybox", sizeof(c->image));
	probe_defaults(&c->probes[PROBE_STARTUP]);
	c->probes[PROBE_STARTUP].kind = PROBE_EXEC;
	c->probes[PROBE_STARTUP].command[0] = strdup("test");
	c->probes[PROBE_STARTUP].command[1] = strdup("-f /ready");
	c->probes[PROBE_STARTUP].ncommand = 2;
	c->probes[PROBE_STARTUP].initial_delay_s = 5;
	c->probes[PROBE_STARTUP].failure_threshold = 30;
}

static int
roundtrip(struct pod_spec *in, struct pod_spec *out, char *err, size_t len)
{
	unsigned char	*buf;
	size_t		 n;
	int		 rv;

	ck_assert_int_eq(podspec_encode(in, &buf, &n), 0);
	rv = podspec_decode(buf, n, out, err, len);
	free(buf);
	return rv;
}

START_TEST(test_roundtrip)
{
	struct pod_spec	 in, out;
	char		 err[256];

	make_spec(&in);
	ck_assert_int_eq(roundtrip(&in, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(out.instance, "inst-1");
	ck_assert_str_eq(out.name, "web");
	ck_assert_uint_eq(out.restart_policy, RESTART_ON_FAILURE);
	ck_assert_str_eq(out.definition, "{\"name\":\"web\"}");
	ck_assert_uint_eq(out.ncontainers, 2);
	ck_assert_str_eq(out.containers[0].image, "nginx:1.25");
	ck_assert_int_eq(out.containers[0].memory_limit, 128 << 20);
	ck_assert_int_eq(out.containers[0].nano_cpus, 500000000);
	ck_assert_uint_eq(out.containers[0].nenv, 2);
	ck_assert_str_eq(out.containers[0].env[1], "B=two words");
	ck_assert_str_eq(out.containers[0].command[0], "/bin/sh");
	ck_assert_str_eq(out.containers[0].args[1], "sleep 1000");
	ck_assert_uint_eq(out.containers[0].ports[0].port, 80);
	ck_assert_uint_eq(out.containers[0].ports[0].target_port, 8080);
	ck_assert_str_eq(out.containers[1].name, "side");
	ck_assert_uint_eq(out.containers[1].nenv, 0);
	/* The probes, with Kubernetes' defaults where none was given. */
	ck_assert_uint_eq(out.containers[0].probes[PROBE_LIVENESS].kind,
	    PROBE_HTTP);
	ck_assert_uint_eq(out.containers[0].probes[PROBE_LIVENESS].port, 8080);
	ck_assert_str_eq(out.containers[0].probes[PROBE_LIVENESS].path,
	    "/healthz");
	ck_assert_uint_eq(out.containers[0].probes[PROBE_LIVENESS].period_s, 10);
	ck_assert_uint_eq(out.containers[0].probes[PROBE_LIVENESS].timeout_s, 1);
	ck_assert_uint_eq(
	    out.containers[0].probes[PROBE_LIVENESS].failure_threshold, 3);
	ck_assert_uint_eq(out.containers[0].probes[PROBE_STARTUP].kind,
	    PROBE_NONE);
	ck_assert_uint_eq(out.containers[1].probes[PROBE_STARTUP].kind,
	    PROBE_EXEC);
	ck_assert_uint_eq(out.containers[1].probes[PROBE_STARTUP].ncommand, 2);
	ck_assert_str_eq(out.containers[1].probes[PROBE_STARTUP].command[1],
	    "-f /ready");
	ck_assert_uint_eq(
	    out.containers[1].probes[PROBE_STARTUP].initial_delay_s, 5);
	ck_assert_uint_eq(
	    out.containers[1].probes[PROBE_STARTUP].failure_threshold, 30);
	podspec_free(&in);
	podspec_free(&out);
}
END_TEST

START_TEST(test_every_truncation)
{
	struct pod_spec	 in, out;
	unsigned char	*buf, *cut;
	size_t		 n, i;
	char		 err[256];

	make_spec(&in);
	ck_assert_int_eq(podspec_encode(&in, &buf, &n), 0);
	for (i = 0; i < n; i++) {
		cut = malloc(i + 1);
		memcpy(cut, buf, i);
		ck_assert_int_eq(podspec_decode(cut, i, &out, err,
		    sizeof(err)), -1);
		free(cut);
	}
	/* A trailing byte is refused too. */
	cut = malloc(n + 1);
	memcpy(cut, buf, n);
	cut[n] = 0;
	ck_assert_int_eq(podspec_decode(cut, n + 1, &out, err, sizeof(err)),
	    -1);
	free(cut);
	free(buf);
	podspec_free(&in);
}
END_TEST

START_TEST(test_huge_length)
{
	struct pod_spec	 out;
	unsigned char	 buf[16];
	uint32_t	 v = 0x52494b31U, big = 0xffffffffU;
	char		 err[256];

	memcpy(buf, &v, 4);
	memcpy(buf + 4, &big, 4);
	ck_assert_int_eq(podspec_decode(buf, 8, &out, err, sizeof(err)), -1);
	ck_assert_int_eq(podspec_decode(buf, 0, &out, err, sizeof(err)), -1);
}
END_TEST

static void
expect_invalid(struct pod_spec *in, const char *what)
{
	struct pod_spec	 out;
	char		 err[256];

	ck_assert_int_eq(roundtrip(in, &out, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, what) != NULL, "error \"%s\" lacks \"%s\"",
	    err, what);
	podspec_free(in);
}

START_TEST(test_invalid)
{
	struct pod_spec	 in;

	make_spec(&in);
	strlcpy(in.instance, "../x", sizeof(in.instance));
	expect_invalid(&in, "instance");
	make_spec(&in);
	in.instance[0] = '\0';
	expect_invalid(&in, "instance");
	make_spec(&in);
	in.containers[1].image[0] = '\0';
	expect_invalid(&in, "image");
	make_spec(&in);
	strlcpy(in.containers[1].image, "bad image", sizeof(in.containers[1].image));
	expect_invalid(&in, "image");
	make_spec(&in);
	strlcpy(in.containers[1].image, "..", sizeof(in.containers[1].image));
	expect_invalid(&in, "container side: invalid image reference: ");
	make_spec(&in);
	strlcpy(in.containers[0].image, "a:t@sha256:short",
	    sizeof(in.containers[0].image));
	expect_invalid(&in, "container web: invalid image reference: ");
	make_spec(&in);
	strlcpy(in.containers[1].name, "web", sizeof(in.containers[1].name));
	expect_invalid(&in, "duplicate");
	make_spec(&in);
	in.restart_policy = RESTART_MAX;
	expect_invalid(&in, "restart");
	make_spec(&in);
	free(in.containers[0].env[0]);
	in.containers[0].env[0] = strdup("NOEQUALS");
	expect_invalid(&in, "environment");
	make_spec(&in);
	in.containers[0].ports[0].target_port = 0;
	expect_invalid(&in, "port");
	make_spec(&in);
	in.containers[0].memory_limit = -1;
	expect_invalid(&in, "limit");
	make_spec(&in);
	podspec_free(&in);
	in.ncontainers = 0;
	expect_invalid(&in, "containers");
}
END_TEST

/* Each probe field out of bounds is refused, the field named. */
START_TEST(test_invalid_probes)
{
	struct pod_spec	 in;
	struct pod_probe *l = &in.containers[0].probes[PROBE_LIVENESS];
	struct pod_probe *st = &in.containers[1].probes[PROBE_STARTUP];

	make_spec(&in);
	l->port = 0;
	expect_invalid(&in, "container web: livenessProbe: httpGet.port");
	make_spec(&in);
	l->port = 70000;
	expect_invalid(&in, "httpGet.port");
	make_spec(&in);
	strlcpy(l->path, "healthz", sizeof(l->path));
	expect_invalid(&in, "httpGet.path");
	make_spec(&in);
	strlcpy(l->path, "/a b", sizeof(l->path));
	expect_invalid(&in, "httpGet.path");
	make_spec(&in);
	l->period_s = 0;
	expect_invalid(&in, "periodSeconds");
	make_spec(&in);
	l->timeout_s = PROBE_SECONDS_MAX + 1;
	expect_invalid(&in, "timeoutSeconds");
	make_spec(&in);
	l->initial_delay_s = PROBE_SECONDS_MAX + 1;
	expect_invalid(&in, "initialDelaySeconds");
	make_spec(&in);
	l->failure_threshold = 0;
	expect_invalid(&in, "failureThreshold");
	make_spec(&in);
	l->success_threshold = 2;
	expect_invalid(&in, "successThreshold");
	make_spec(&in);
	l->kind = PROBE_KIND_MAX;
	expect_invalid(&in, "unknown kind");
	make_spec(&in);
	l->kind = PROBE_TCP;
	expect_invalid(&in, "a path for a probe not httpGet");
	make_spec(&in);
	free(st->command[0]);
	free(st->command[1]);
	st->ncommand = 0;
	expect_invalid(&in, "container side: startupProbe: exec.command");
}
END_TEST

START_TEST(test_ids)
{
	ck_assert(podspec_valid_id("a"));
	ck_assert(podspec_valid_id("0f3c-ab_12.x"));
	ck_assert(!podspec_valid_id(""));
	ck_assert(!podspec_valid_id("-a"));
	ck_assert(!podspec_valid_id(".a"));
	ck_assert(!podspec_valid_id("a/b"));
	ck_assert(!podspec_valid_id("a b"));
	ck_assert(!podspec_valid_id("a\n"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("podspec");
	TCase	*tc = tcase_create("encoding");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_every_truncation);
	tcase_add_test(tc, test_huge_length);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_invalid_probes);
	tcase_add_test(tc, test_ids);
	suite_add_tcase(s, tc);
	return check_run(s);
}
