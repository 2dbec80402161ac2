/*
 * Image references (common/imageref.c): Docker's grammar, each way out
 * of it with the reason given, and the Engine API URLs the runtime
 * makes of a reference.
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "checkrun.h"
#include "imageref.h"
#include "podspec.h"
#include "runtime.h"

#define HEX64	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static void	good(const char *);
static void	bad(const char *, const char *);

static void
good(const char *s)
{
	const char	*why = "unset";

	ck_assert_msg(imageref_valid(s, &why), "refused \"%s\": %s", s, why);
	ck_assert_ptr_null(why);
}

static void
bad(const char *s, const char *what)
{
	const char	*why = NULL;

	ck_assert_msg(!imageref_valid(s, &why), "accepted \"%s\"", s);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, what) != NULL, "\"%s\": \"%s\" lacks \"%s\"",
	    s, why, what);
	ck_assert(!imageref_valid(s, NULL));
}

static const char *const goods[] = {
	"busybox",
	"riklet/busybox:latest",
	"riklet/pause:0.1",
	"localhost:5000/a/b:tag",
	"localhost/a",
	"localhost:5000",		/* name localhost, tag 5000 */
	"registry.example.org:5000/x/y@sha256:" HEX64,
	"name:tag@sha256:" HEX64,
	"name@sha256:" HEX64,
	"docker.io/library/nginx:1.25",
	"[::1]:5000/x",
	"[fe80::1]/x:y",
	"Registry.Example.org/x",	/* a host may have upper case */
	"127.0.0.1:9/riklet/absent-image:1",
	"a_b/c__d/e.f/g-h/i---j",
	"a_b.c/d",			/* no host: a path of docker.io */
	"a:Tag_1.2-rc",
	"a:_x",
	"sha256:" HEX64,		/* name sha256, tag of 64 digits */
	"a@sha512:" HEX64 HEX64,
};

START_TEST(test_good)
{
	char	 s[512];
	size_t	 i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++)
		good(goods[i]);
	(void)snprintf(s, sizeof(s), "a:%.128s", HEX64 HEX64 HEX64);
	good(s);			/* a tag of 128 */
	memset(s, 'n', 255);
	s[255] = '\0';
	good(s);			/* a name of 255 */
}
END_TEST

/* s is one escaped URL segment: unreserved characters and escapes only. */
static void
one_segment(const char *s, size_t n)
{
	size_t	 i;

	ck_assert_uint_gt(n, 0);
	ck_assert_msg(!(n == 1 && s[0] == '.') &&
	    !(n == 2 && s[0] == '.' && s[1] == '.'), "dot segment %.*s",
	    (int)n, s);
	for (i = 0; i < n; i++)
		ck_assert_msg(isalnum((unsigned char)s[i]) ||
		    strchr("-._~%", s[i]) != NULL, "'%c' in %.*s", s[i],
		    (int)n, s);
}

/*
 * What the runtime makes of a reference: /images/{name}/json with the
 * reference as one segment, and the pull's query with each value escaped.
 */
START_TEST(test_urls)
{
	char		 p[1024];
	const char	*seg, *q, *amp;
	size_t		 i, pre = strlen(DOCKER_API_PREFIX "/images/");

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		ck_assert_int_eq(docker_image_path(p, sizeof(p), goods[i],
		    "/json"), 0);
		ck_assert(strncmp(p, DOCKER_API_PREFIX "/images/", pre) == 0);
		seg = p + pre;
		ck_assert_str_eq(strchr(seg, '/'), "/json");
		one_segment(seg, (size_t)(strchr(seg, '/') - seg));

		ck_assert_int_eq(docker_pull_path(p, sizeof(p), goods[i]), 0);
		q = DOCKER_API_PREFIX "/images/create?fromImage=";
		ck_assert(strncmp(p, q, strlen(q)) == 0);
		seg = p + strlen(q);
		if ((amp = strchr(seg, '&')) == NULL)
			one_segment(seg, strlen(seg));
		else {
			one_segment(seg, (size_t)(amp - seg));
			ck_assert(strncmp(amp, "&tag=", 5) == 0);
			one_segment(amp + 5, strlen(amp + 5));
		}
	}
	ck_assert_int_eq(docker_image_path(p, sizeof(p), "[::1]:5000/x",
	    "/json"), 0);
	ck_assert_str_eq(p, "/v1.41/images/%5B%3A%3A1%5D%3A5000%2Fx/json");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p), "[::1]:5000/x"), 0);
	ck_assert_str_eq(p, "/v1.41/images/create?fromImage="
	    "%5B%3A%3A1%5D%3A5000%2Fx&tag=latest");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p),
	    "localhost:5000/a/b:tag"), 0);
	ck_assert_str_eq(p, "/v1.41/images/create?fromImage="
	    "localhost%3A5000%2Fa%2Fb&tag=tag");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p), "localhost:5000"), 0);
	ck_assert_str_eq(p, "/v1.41/images/create?fromImage=localhost"
	    "&tag=5000");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p),
	    "name:tag@sha256:" HEX64), 0);
	ck_assert_str_eq(p, "/v1.41/images/create?fromImage="
	    "name%3Atag%40sha256%3A" HEX64);
}
END_TEST

START_TEST(test_bad)
{
	char	 s[512];

	bad("", "empty reference");
	bad(".", "path component");
	bad("..", "path component");
	bad("A/b", "upper case");
	bad("riklet/Busybox", "upper case");
	bad("bUsybox:1", "upper case");
	bad("a//b", "empty path component");
	bad("a/", "empty path component");
	bad("/a", "empty path component");
	bad(":tag", "empty path component");
	bad("@sha256:" HEX64, "empty path component");
	bad("a:", "empty tag");
	bad("a:@sha256:" HEX64, "empty tag");
	bad("a:-x", "a tag starts");
	bad("a:.x", "a tag starts");
	bad("a:t@sha256:short", "64 lower-case hex");
	bad("a@sha256:" HEX64 "0", "64 lower-case hex");
	bad("a@sha256:0123456789ABCDEF0123456789abcdef"
	    "0123456789abcdef0123456789abcdef", "64 lower-case hex");
	bad("a@md5:0123456789abcdef0123456789abcdef", "a digest is");
	bad("a@", "a digest is");
	bad("a b", "outside the reference grammar");
	bad("a/../b", "path component");
	bad("a/./b", "path component");
	bad("a..b", "path component");
	bad("a___b", "path component");
	bad("a-", "path component");
	bad("a.", "path component");
	bad("-a", "path component");
	bad("_a", "path component");
	bad("a?x", "outside the reference grammar");
	bad("a#x", "outside the reference grammar");
	bad("a%2fb", "outside the reference grammar");
	bad("%2e%2e", "path component");
	bad("a:t/x", "outside the reference grammar");
	bad("a:t:u", "outside the reference grammar");
	bad("a\nb", "outside the reference grammar");
	bad("a\x80", "outside the reference grammar");
	bad("--privileged", "path component");
	bad("a.b:x/c", "outside the reference grammar");	/* bad port */
	bad("-a.b/c", "path component");
	bad("a-.b/c", "path component");
	bad("[]/x", "path component");
	bad("[::1/x", "path component");
	bad("[::1]", "path component");		/* a host needs a path */
	bad("localhost:/x", "a tag starts");	/* not a port */
	bad(HEX64, "image id");
	memset(s, 'n', 256);
	s[256] = '\0';
	bad(s, "name longer than 255");
	memcpy(s, "host.example", 12);
	s[12] = '/';
	bad(s, "name longer than 255");
	(void)snprintf(s, sizeof(s), "a:%.129s", HEX64 HEX64 HEX64);
	bad(s, "tag longer than 128");
}
END_TEST

/* The registry a reference is pulled from, Docker Hub's names as one. */
START_TEST(test_host)
{
	static const struct {
		const char	*ref, *host;
	} cases[] = {
		{ "busybox", "docker.io" },
		{ "library/busybox:1.36", "docker.io" },
		{ "docker.io/library/busybox", "docker.io" },
		{ "index.docker.io/x/y:1", "docker.io" },
		{ "registry-1.docker.io/x/y", "docker.io" },
		{ "127.0.0.1:5000/test/bb:latest", "127.0.0.1:5000" },
		{ "localhost/x", "localhost" },
		{ "localhost:5000/x", "localhost:5000" },
		{ "registry.example.org/a/b@sha256:" HEX64,
		    "registry.example.org" },
		{ "[::1]:5000/x", "[::1]:5000" },
		{ "team/app", "docker.io" },
	};
	char	 host[256], tiny[4];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(imageref_valid(cases[i].ref, NULL), "%s",
		    cases[i].ref);
		ck_assert_int_eq(imageref_host(cases[i].ref, host,
		    sizeof(host)), 0);
		ck_assert_msg(strcmp(host, cases[i].host) == 0, "%s: %s",
		    cases[i].ref, host);
	}
	ck_assert_int_eq(imageref_host("registry.example.org/a", tiny,
	    sizeof(tiny)), -1);
	ck_assert_str_eq(imageref_registry("INDEX.docker.io"), "docker.io");
	ck_assert_str_eq(imageref_registry("r.example.org"), "r.example.org");
}
END_TEST

/* Kubernetes' default imagePullPolicy: Always for a tag that moves. */
START_TEST(test_policy_default)
{
	ck_assert_uint_eq(pull_policy_default("busybox"), PULL_ALWAYS);
	ck_assert_uint_eq(pull_policy_default("busybox:latest"), PULL_ALWAYS);
	ck_assert_uint_eq(pull_policy_default("127.0.0.1:5000/x"),
	    PULL_ALWAYS);
	ck_assert_uint_eq(pull_policy_default("127.0.0.1:5000/x:latest"),
	    PULL_ALWAYS);
	ck_assert_uint_eq(pull_policy_default("127.0.0.1:5000/x:1.2"),
	    PULL_IF_NOT_PRESENT);
	ck_assert_uint_eq(pull_policy_default("busybox:1.36"),
	    PULL_IF_NOT_PRESENT);
	ck_assert_uint_eq(pull_policy_default("busybox:latest-rc"),
	    PULL_IF_NOT_PRESENT);
	ck_assert_uint_eq(pull_policy_default("busybox@sha256:" HEX64),
	    PULL_IF_NOT_PRESENT);
	ck_assert_uint_eq(pull_policy_parse("Never"), PULL_NEVER);
	ck_assert_uint_eq(pull_policy_parse("IfNotPresent"),
	    PULL_IF_NOT_PRESENT);
	ck_assert_uint_eq(pull_policy_parse("always"), PULL_POLICY_MAX);
	ck_assert_str_eq(pull_policy_name(PULL_ALWAYS), "Always");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("imageref");
	TCase	*tc = tcase_create("grammar");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_host);
	tcase_add_test(tc, test_policy_default);
	suite_add_tcase(s, tc);
	return check_run(s);
}
