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
	c = &ps->containers[1];
	strlcpy(c->name, "side", sizeof(c->name));
	strlcpy(c->image, "busybox", sizeof(c->image));
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
	tcase_add_test(tc, test_ids);
	suite_add_tcase(s, tc);
	return check_run(s);
}
