/*
 * The parent's check of hostPath volumes (riklet-parent/hostpath.c) and
 * the plain paths it stands on (common/path.c): prefixes, "..", relative
 * paths, symbolic links that leave the allowed directories or stay in
 * them, a prefix reached through a link, and the spec rewritten with the
 * resolved paths.
 */
#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "harness.h"
#include "hostpath.h"
#include "path.h"

static char			 top[256];
static struct riklet_conf	 conf;

static Suite	*hostpath_suite(void);

static void
mk(const char *fmt, const char *arg)
{
	char	 path[512];

	(void)snprintf(path, sizeof(path), fmt, top, arg);
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s", path);
}

static void
ln(const char *target, const char *name)
{
	char	 t[512], n[512];

	(void)snprintf(t, sizeof(t), "%s/%s", top, target);
	(void)snprintf(n, sizeof(n), "%s/%s", top, name);
	ck_assert_msg(symlink(t, n) == 0, "symlink %s", n);
}

/*
 * top/allowed/data, top/allowed/inner -> top/allowed/data,
 * top/allowed/link -> top/outside, top/outside/x, top/alias -> top/allowed.
 */
static void
setup(void)
{
	char	 real[PATH_MAX];

	ck_assert_int_eq(test_tmpname(top, sizeof(top), "riklet-hostpath"),
	    0);
	ck_assert_ptr_nonnull(mkdtemp(top));
	/* TMPDIR itself may be reached through a link: work from its truth. */
	ck_assert_ptr_nonnull(realpath(top, real));
	(void)strlcpy(top, real, sizeof(top));
	mk("%s/%s", "allowed");
	mk("%s/%s", "allowed/data");
	mk("%s/%s", "outside");
	mk("%s/%s", "outside/x");
	ln("allowed/data", "allowed/inner");
	ln("outside", "allowed/link");
	ln("allowed", "alias");
	conf_defaults(&conf);
	conf.nvolume_allow = 1;
	(void)snprintf(conf.volume_allow[0], sizeof(conf.volume_allow[0]),
	    "%s/allowed", top);
}

static void
teardown(void)
{
	char	 cmd[600];

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	(void)system(cmd);
}

/* Checks top/rel (or rel as is, when it does not start with '/'). */
static int
check(const char *rel, char *resolved, char *why)
{
	char	 path[512];

	if (rel[0] == '/')
		(void)snprintf(path, sizeof(path), "%s%s", top, rel);
	else
		(void)strlcpy(path, rel, sizeof(path));
	return hostpath_check(&conf, path, resolved, PATH_MAX, why, 512);
}

static void
allowed(const char *rel, const char *want)
{
	char	 resolved[PATH_MAX], why[512], w[512];

	ck_assert_msg(check(rel, resolved, why) == 0, "%s refused: %s", rel,
	    why);
	(void)snprintf(w, sizeof(w), "%s%s", top, want);
	ck_assert_str_eq(resolved, w);
}

static void
refused(const char *rel, const char *what)
{
	char	 resolved[PATH_MAX], why[512];

	ck_assert_msg(check(rel, resolved, why) == -1, "%s allowed", rel);
	ck_assert_msg(strstr(why, what) != NULL, "%s: \"%s\" does not say "
	    "\"%s\"", rel, why, what);
	/* The message names the path as given. */
	ck_assert_msg(strncmp(why, "hostPath ", 9) == 0, "%s", why);
}

START_TEST(test_allowed)
{
	allowed("/allowed", "/allowed");
	allowed("/allowed/data", "/allowed/data");
	allowed("/allowed//data/", "/allowed/data");
	allowed("/allowed/./data", "/allowed/data");
	/* A link that stays inside: the mount is of its target. */
	allowed("/allowed/inner", "/allowed/data");
}
END_TEST

START_TEST(test_refused)
{
	refused("allowed/data", "not an absolute path");
	refused("/allowed/../outside", "a \"..\" component");
	refused("/allowed/data/..", "a \"..\" component");
	refused("/outside/x", "outside the directories this node allows");
	refused("/allowedx", "outside the directories");
	refused("/", "outside the directories");
	/* Through a symbolic link that leaves the allowed directory. */
	refused("/allowed/link", "leads to");
	refused("/allowed/link/x", "leads to");
	/* Not there: nothing to mount. */
	refused("/allowed/missing", "No such file or directory");
	/* A link into the allowed directory is not an allowed path. */
	refused("/alias/data", "outside the directories");
}
END_TEST

START_TEST(test_none_allowed)
{
	conf.nvolume_allow = 0;
	refused("/allowed/data", "this node allows no hostPath");
}
END_TEST

/* A prefix reached through a link counts where it leads. */
START_TEST(test_prefix_link)
{
	(void)snprintf(conf.volume_allow[0], sizeof(conf.volume_allow[0]),
	    "%s/alias", top);
	allowed("/alias/data", "/allowed/data");
	refused("/allowed/data", "outside the directories");
	/* Two prefixes: a link from one into the other is fine. */
	conf.nvolume_allow = 2;
	(void)snprintf(conf.volume_allow[1], sizeof(conf.volume_allow[1]),
	    "%s/outside", top);
	allowed("/outside/x", "/outside/x");
	(void)snprintf(conf.volume_allow[0], sizeof(conf.volume_allow[0]),
	    "%s/allowed", top);
	allowed("/allowed/link/x", "/outside/x");
}
END_TEST

START_TEST(test_spec)
{
	struct pod_spec	 ps;
	char		 msg[512], want[512];

	memset(&ps, 0, sizeof(ps));
	ps.nvolumes = 3;
	(void)strlcpy(ps.volumes[0].name, "e", sizeof(ps.volumes[0].name));
	ps.volumes[0].kind = VOLUME_EMPTYDIR;
	(void)strlcpy(ps.volumes[1].name, "h", sizeof(ps.volumes[1].name));
	ps.volumes[1].kind = VOLUME_HOSTPATH;
	ck_assert_int_ne(asprintf(&ps.volumes[1].path, "%s/allowed/inner",
	    top), -1);
	(void)strlcpy(ps.volumes[2].name, "o", sizeof(ps.volumes[2].name));
	ps.volumes[2].kind = VOLUME_HOSTPATH;
	ck_assert_int_ne(asprintf(&ps.volumes[2].path, "%s/allowed/data",
	    top), -1);
	ck_assert_int_eq(hostpath_spec(&conf, &ps, msg, sizeof(msg)), 0);
	(void)snprintf(want, sizeof(want), "%s/allowed/data", top);
	ck_assert_str_eq(ps.volumes[1].path, want);
	ck_assert_ptr_null(ps.volumes[0].path);

	free(ps.volumes[2].path);
	ck_assert_int_ne(asprintf(&ps.volumes[2].path, "%s/allowed/link",
	    top), -1);
	ck_assert_int_eq(hostpath_spec(&conf, &ps, msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, "allowed/link: leads to") != NULL, "%s",
	    msg);
	podspec_free(&ps);
}
END_TEST

START_TEST(test_plain_paths)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: refused */
	} cases[] = {
		{ "/", "/" },
		{ "//", "/" },
		{ "/.", "/" },
		{ "/a", "/a" },
		{ "/a/", "/a" },
		{ "/a//b/./c/", "/a/b/c" },
		{ "/a/.b/..c", "/a/.b/..c" },
		{ "a", NULL },
		{ "", NULL },
		{ "./a", NULL },
		{ "/a/..", NULL },
		{ "/../a", NULL },
	};
	char		 out[64];
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].out == NULL) {
			ck_assert_msg(path_normalise(cases[i].in, out,
			    sizeof(out), &why) == -1, "%s", cases[i].in);
			continue;
		}
		ck_assert_msg(path_normalise(cases[i].in, out, sizeof(out),
		    &why) == 0, "%s: %s", cases[i].in, why);
		ck_assert_str_eq(out, cases[i].out);
		ck_assert_int_eq(path_is_normal(cases[i].in),
		    strcmp(cases[i].in, cases[i].out) == 0);
	}
	ck_assert_int_eq(path_normalise("/abcdefgh", out, 5, &why), -1);
	ck_assert_str_eq(why, "too long");
	ck_assert(path_within("/srv/a", "/srv"));
	ck_assert(path_within("/srv", "/srv"));
	ck_assert(!path_within("/srvx", "/srv"));
	ck_assert(!path_within("/sr", "/srv"));
	ck_assert(path_within("/anything", "/"));
}
END_TEST

static Suite *
hostpath_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("hostpath");
	tc = tcase_create("check");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_allowed);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_none_allowed);
	tcase_add_test(tc, test_prefix_link);
	tcase_add_test(tc, test_spec);
	suite_add_tcase(s, tc);
	tc = tcase_create("path");
	tcase_add_test(tc, test_plain_paths);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(hostpath_suite());
}
