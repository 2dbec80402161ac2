/*
 * parse_config() and print_config() against regress/config: every
 * valid/NAME.conf prints exactly valid/NAME.out and reads that output back
 * to the same struct; every invalid/NAME.conf fails with exactly the
 * lines of invalid/NAME.err and leaves the configuration alone.
 */
#include <check.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkrun.h"
#include "log.h"
#include "parse.h"
#include "registry.h"
#include "riklet_conf.h"
#include "riklet_msg.h"

#define LOG_PREFIX	"riklet: "

static char	*slurp(const char *);
static char	*printed(const struct riklet_conf *);
static char	*parse_capture(const char *, struct riklet_conf *, int *);
static void	 enter(const char *);
static char	*write_temp(const char *, const char *);
static char	*fixture_name(const char *, const char *);
static Suite	*config_suite(void);

static char	 regress_dir[PATH_MAX];
static char	 tmp_dir[] = "/tmp/test_config.XXXXXX";
static glob_t	 valid, invalid;

/* The whole file as a string; the test fails when it cannot be read. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: cannot open", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static char *
printed(const struct riklet_conf *conf)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0;

	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	print_config(f, conf);
	fclose(f);
	return buf;
}

/*
 * Runs parse_config() with stderr sent to a temporary file and returns
 * what was logged, each line without the process name the log adds.
 */
static char *
parse_capture(const char *path, struct riklet_conf *conf, int *rv)
{
	FILE	*tmp;
	char	*out, *line = NULL;
	size_t	 outlen = 0, linesize = 0;
	FILE	*o;
	int	 saved;

	tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ne(saved, -1);
	ck_assert_int_ne(dup2(fileno(tmp), STDERR_FILENO), -1);
	*rv = parse_config(path, conf);
	fflush(stderr);
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	close(saved);

	rewind(tmp);
	o = open_memstream(&out, &outlen);
	ck_assert_ptr_nonnull(o);
	while (getline(&line, &linesize, tmp) != -1) {
		if (strncmp(line, LOG_PREFIX, strlen(LOG_PREFIX)) == 0)
			fputs(line + strlen(LOG_PREFIX), o);
		else
			fputs(line, o);
	}
	free(line);
	fclose(o);
	fclose(tmp);
	return out;
}

/* Error messages name files as given, so parse from their directory. */
static void
enter(const char *sub)
{
	char	 path[PATH_MAX + 32];

	(void)snprintf(path, sizeof(path), "%s/%s", regress_dir, sub);
	ck_assert_msg(chdir(path) == 0, "chdir %s", path);
}

static char *
write_temp(const char *name, const char *content)
{
	FILE	*f;
	char	*path;

	ck_assert_int_ne(asprintf(&path, "%s/%s", tmp_dir, name), -1);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	return path;
}

/* "NAME.conf" from a globbed path, or "NAME" and a new suffix. */
static char *
fixture_name(const char *path, const char *suffix)
{
	char	*copy, *name;
	size_t	 len;

	copy = strdup(path);
	ck_assert_ptr_nonnull(copy);
	name = strdup(basename(copy));
	ck_assert_ptr_nonnull(name);
	free(copy);
	if (suffix != NULL) {
		len = strlen(name) - strlen(".conf");
		name[len] = '\0';
		copy = name;
		ck_assert_int_ne(asprintf(&name, "%s%s", copy, suffix), -1);
		free(copy);
	}
	return name;
}

START_TEST(test_valid)
{
	struct riklet_conf	 conf, again;
	char			*conf_name, *out_name, *errs, *out, *want;
	char			*tmp, *out2;
	int			 rv;

	enter("config/valid");
	conf_name = fixture_name(valid.gl_pathv[_i], NULL);
	out_name = fixture_name(valid.gl_pathv[_i], ".out");
	errs = parse_capture(conf_name, &conf, &rv);
	ck_assert_msg(rv == 0, "%s failed: %s", conf_name, errs);
	ck_assert_str_eq(errs, "");
	out = printed(&conf);
	want = slurp(out_name);
	ck_assert_str_eq(out, want);

	/* What print_config() wrote reads back to the same struct. */
	tmp = write_temp("roundtrip.conf", out);
	free(errs);
	errs = parse_capture(tmp, &again, &rv);
	ck_assert_msg(rv == 0, "round trip of %s failed: %s", conf_name, errs);
	out2 = printed(&again);
	ck_assert_str_eq(out2, out);
	ck_assert(memcmp(&conf, &again, sizeof(conf)) == 0);
	unlink(tmp);

	free(conf_name);
	free(out_name);
	free(errs);
	free(out);
	free(out2);
	free(want);
	free(tmp);
}
END_TEST

START_TEST(test_invalid)
{
	struct riklet_conf	 conf, untouched;
	char			*conf_name, *err_name, *errs, *want;
	int			 rv;

	enter("config/invalid");
	conf_name = fixture_name(invalid.gl_pathv[_i], NULL);
	err_name = fixture_name(invalid.gl_pathv[_i], ".err");
	memset(&conf, 0x5a, sizeof(conf));
	untouched = conf;
	errs = parse_capture(conf_name, &conf, &rv);
	ck_assert_msg(rv == -1, "%s was accepted", conf_name);
	want = slurp(err_name);
	ck_assert_str_eq(errs, want);
	ck_assert(memcmp(&conf, &untouched, sizeof(conf)) == 0);
	free(conf_name);
	free(err_name);
	free(errs);
	free(want);
}
END_TEST

START_TEST(test_missing_file)
{
	struct riklet_conf	 conf;
	char			*errs;
	int			 rv;

	enter("config");
	errs = parse_capture("no-such.conf", &conf, &rv);
	ck_assert_int_eq(rv, -1);
	ck_assert_str_eq(errs, "no-such.conf: No such file or directory\n");
	free(errs);
}
END_TEST

/* A file that sets only the hostname gives conf_defaults(). */
START_TEST(test_defaults)
{
	struct riklet_conf	 conf, want;
	char			*path, *errs;
	int			 rv;

	path = write_temp("defaults.conf", "# nothing\n\nhostname \"h\"\n");
	errs = parse_capture(path, &conf, &rv);
	ck_assert_int_eq(rv, 0);
	conf_defaults(&want);
	(void)strlcpy(want.hostname, "h", sizeof(want.hostname));
	ck_assert(memcmp(&conf, &want, sizeof(conf)) == 0);
	unlink(path);
	free(path);
	free(errs);
}
END_TEST

START_TEST(test_default_hostname)
{
	struct riklet_conf	 conf;
	char			 name[CONF_HOST_MAX];
	char			*path, *errs;
	int			 rv;

	ck_assert_int_eq(gethostname(name, sizeof(name)), 0);
	path = write_temp("nohost.conf", "create-parallel 3\n");
	errs = parse_capture(path, &conf, &rv);
	ck_assert_msg(rv == 0, "%s", errs);
	ck_assert_str_eq(conf.hostname, name);
	ck_assert_uint_eq(conf.create_parallel, 3);
	unlink(path);
	free(path);
	free(errs);
}
END_TEST

/*
 * The defaults print as written here, every setting, a quote and a
 * backslash escaped, and parse back to the same struct.
 */
START_TEST(test_print_defaults)
{
	struct riklet_conf	 conf, again;
	char			*a, *path, *errs;
	int			 rv;

	conf_defaults(&conf);
	(void)strlcpy(conf.hostname, "q\"\\h", sizeof(conf.hostname));
	a = printed(&conf);
	ck_assert_str_eq(a,
	    "scheduler \"127.0.0.1:4995\"\n"
	    "hostname \"q\\\"\\\\h\"\n"
	    "metric-resolution 5s\n"
	    "engine socket \"/var/run/docker.sock\"\n"
	    "user \"_riklet\"\n"
	    "chroot \"/var/empty\"\n"
	    "control socket \"/var/run/riklet.sock\"\n"
	    "stop-after-disconnect off\n"
	    "stop-grace 10s\n"
	    "create-parallel 8\n"
	    "log max-size 10M\n"
	    "log max-files 3\n"
	    "pull-fallback no\n"
	    "image-gc high 85% low 70% min-age 2m\n");
	path = write_temp("stable.conf", a);
	errs = parse_capture(path, &again, &rv);
	ck_assert_msg(rv == 0, "%s", errs);
	ck_assert(memcmp(&conf, &again, sizeof(conf)) == 0);
	unlink(path);
	free(a);
	free(path);
	free(errs);
}
END_TEST

/* Macros belong to one parse: the next one starts without any. */
START_TEST(test_macros_per_parse)
{
	struct riklet_conf	 conf;
	char			*def, *use, *errs, *want;
	int			 rv;

	def = write_temp("def.conf", "h = \"from-macro\"\nhostname $h\n");
	use = write_temp("use.conf", "hostname $h\n");
	errs = parse_capture(def, &conf, &rv);
	ck_assert_int_eq(rv, 0);
	ck_assert_str_eq(conf.hostname, "from-macro");
	free(errs);
	errs = parse_capture(use, &conf, &rv);
	ck_assert_int_eq(rv, -1);
	ck_assert_int_ne(asprintf(&want, "%s:1: unknown macro \"h\"\n", use),
	    -1);
	ck_assert_str_eq(errs, want);
	unlink(def);
	unlink(use);
	free(def);
	free(use);
	free(errs);
	free(want);
}
END_TEST

/* Relative includes follow the including file, wherever it is named from. */
START_TEST(test_include_paths)
{
	struct riklet_conf	 conf;
	char			 abs[PATH_MAX + 32];
	char			*errs, *path, *content;
	int			 rv;

	enter("config");
	errs = parse_capture("valid/include.conf", &conf, &rv);
	ck_assert_msg(rv == 0, "%s", errs);
	ck_assert_str_eq(conf.user, "deep");
	free(errs);

	(void)snprintf(abs, sizeof(abs), "%s/config/valid/include.conf",
	    regress_dir);
	errs = parse_capture(abs, &conf, &rv);
	ck_assert_msg(rv == 0, "%s", errs);
	free(errs);

	ck_assert_int_ne(asprintf(&content, "hostname \"x\"\n"
	    "include \"%s/config/valid/inc/deeper.conf\"\n", regress_dir), -1);
	path = write_temp("absinclude.conf", content);
	errs = parse_capture(path, &conf, &rv);
	ck_assert_msg(rv == 0, "%s", errs);
	ck_assert_str_eq(conf.user, "deep");
	unlink(path);
	free(path);
	free(content);
	free(errs);
}
END_TEST

/* Words and quoted strings longer than the lexer's buffer. */
START_TEST(test_long_token)
{
	struct riklet_conf	 conf;
	char			*big, *content, *path, *errs, *want;
	int			 rv;

	big = malloc(9001);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 9000);
	big[9000] = '\0';
	ck_assert_int_ne(asprintf(&content, "hostname \"%s\"\nuser %s\n",
	    big, big), -1);
	path = write_temp("long.conf", content);
	errs = parse_capture(path, &conf, &rv);
	ck_assert_int_eq(rv, -1);
	ck_assert_int_ne(asprintf(&want, "%s:1: string too long\n"
	    "%s:2: string too long\n", path, path), -1);
	ck_assert_str_eq(errs, want);
	unlink(path);
	free(big);
	free(content);
	free(path);
	free(errs);
	free(want);
}
END_TEST

/* The example shipped in etc/ must stay a valid file. */
START_TEST(test_example)
{
	struct riklet_conf	 conf, want;
	char			 path[PATH_MAX + 32];
	char			*errs;
	int			 rv;

	(void)snprintf(path, sizeof(path), "%s/../etc/riklet.conf",
	    regress_dir);
	errs = parse_capture(path, &conf, &rv);
	ck_assert_msg(rv == 0, "%s", errs);
	conf_defaults(&want);
	memcpy(want.hostname, conf.hostname, sizeof(want.hostname));
	ck_assert(memcmp(&conf, &want, sizeof(conf)) == 0);
	free(errs);
}
END_TEST

#define SECRET		"pw \"quoted\" \\ back"

/* b64 is base64url; its bytes decoded into out. */
static size_t
unbase64url(const char *b64, char *out, size_t size)
{
	const char	*abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t	 v = 0;
	size_t		 n = 0, bits = 0;
	const char	*p;

	for (; *b64 != '\0' && *b64 != '='; b64++) {
		p = strchr(abc, *b64);
		ck_assert_msg(p != NULL, "not base64url: %c", *b64);
		v = (v << 6) | (uint32_t)(p - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ck_assert_uint_lt(n, size - 1);
			out[n++] = (char)((v >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return n;
}

/*
 * A registry block: the secret is read from a file only root may read,
 * kept out of the configuration and its printed form, and sent as
 * X-Registry-Auth's JSON.
 */
START_TEST(test_registry)
{
	struct riklet_conf	 conf;
	char			*pass, *tok, *content, *path, *errs, *out;
	char			 auth[RT_REGISTRY_AUTH_MAX], json[4096];
	int			 rv;

	pass = write_temp("reg.pass", SECRET "\n");
	tok = write_temp("reg.token", "tok-123");
	ck_assert_int_eq(chmod(pass, 0600), 0);
	ck_assert_int_eq(chmod(tok, 0600), 0);
	ck_assert_int_ne(asprintf(&content, "hostname \"x\"\n"
	    "registry \"127.0.0.1:5000\" {\n\tusername \"ci\"\n"
	    "\tpassword-file \"%s\"\n}\n"
	    "registry \"index.docker.io\" { identity-token-file \"%s\" }\n",
	    pass, tok), -1);
	path = write_temp("reg.conf", content);
	errs = parse_capture(path, &conf, &rv);
	ck_assert_msg(rv == 0, "%s", errs);
	free(errs);
	ck_assert_uint_eq(conf.nregistries, 2);
	ck_assert_str_eq(conf.registries[0].username, "ci");
	ck_assert_str_eq(conf.registries[0].password_file, pass);
	ck_assert_str_eq(registry_secret(0), SECRET);
	ck_assert_str_eq(registry_secret(1), "tok-123");
	ck_assert_ptr_null(memmem(&conf, sizeof(conf), "quoted", 6));
	out = printed(&conf);
	ck_assert_ptr_null(strstr(out, "quoted"));
	ck_assert_ptr_nonnull(strstr(out, pass));
	free(out);

	ck_assert_int_eq(registry_auth(&conf.registries[0], registry_secret(0),
	    auth, sizeof(auth)), 0);
	unbase64url(auth, json, sizeof(json));
	ck_assert_str_eq(json, "{\"username\":\"ci\",\"password\":"
	    "\"pw \\\"quoted\\\" \\\\ back\",\"serveraddress\":"
	    "\"127.0.0.1:5000\"}");
	ck_assert_int_eq(registry_auth(&conf.registries[1], registry_secret(1),
	    auth, sizeof(auth)), 0);
	unbase64url(auth, json, sizeof(json));
	ck_assert_str_eq(json, "{\"identitytoken\":\"tok-123\","
	    "\"serveraddress\":\"https://index.docker.io/v1/\"}");
	/* Too small a buffer is an error, not a cut header. */
	ck_assert_int_eq(registry_auth(&conf.registries[0], registry_secret(0),
	    auth, 16), -1);

	/* A file others may read: refused, with its line; the old stays. */
	ck_assert_int_eq(chmod(pass, 0640), 0);
	errs = parse_capture(path, &conf, &rv);
	ck_assert_int_eq(rv, -1);
	ck_assert_msg(strstr(errs, ":4: registry: password-file") != NULL &&
	    strstr(errs, "mode 640") != NULL, "%s", errs);
	ck_assert_ptr_null(strstr(errs, "quoted"));
	free(errs);
	ck_assert_str_eq(registry_secret(0), SECRET);

	/* A new configuration without registries drops the secrets. */
	free(content);
	content = NULL;
	unlink(path);
	free(path);
	path = write_temp("reg.conf", "hostname \"x\"\n");
	errs = parse_capture(path, &conf, &rv);
	ck_assert_int_eq(rv, 0);
	ck_assert_uint_eq(conf.nregistries, 0);
	ck_assert_ptr_null(registry_secret(0));
	free(errs);
	registry_clear();
	unlink(path);
	unlink(pass);
	unlink(tok);
	free(path);
	free(pass);
	free(tok);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("config");
	tc = tcase_create("files");
	tcase_add_loop_test(tc, test_valid, 0, (int)valid.gl_pathc);
	tcase_add_loop_test(tc, test_invalid, 0, (int)invalid.gl_pathc);
	suite_add_tcase(s, tc);
	tc = tcase_create("behaviour");
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_default_hostname);
	tcase_add_test(tc, test_print_defaults);
	tcase_add_test(tc, test_macros_per_parse);
	tcase_add_test(tc, test_include_paths);
	tcase_add_test(tc, test_long_token);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_registry);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	const char	*dir;
	char		 pattern[PATH_MAX + 32];
	int		 failed;

	if ((dir = getenv("REGRESS_DIR")) == NULL)
		dir = "regress";
	if (realpath(dir, regress_dir) == NULL) {
		perror(dir);
		return 1;
	}
	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	log_init(1, 0, 0);

	(void)snprintf(pattern, sizeof(pattern), "%s/config/valid/*.conf",
	    regress_dir);
	if (glob(pattern, 0, NULL, &valid) != 0) {
		fprintf(stderr, "no valid configurations in %s\n", pattern);
		return 1;
	}
	(void)snprintf(pattern, sizeof(pattern), "%s/config/invalid/*.conf",
	    regress_dir);
	if (glob(pattern, 0, NULL, &invalid) != 0) {
		fprintf(stderr, "no invalid configurations in %s\n", pattern);
		return 1;
	}

	failed = check_run(config_suite());
	globfree(&valid);
	globfree(&invalid);
	(void)rmdir(tmp_dir);
	return failed;
}
