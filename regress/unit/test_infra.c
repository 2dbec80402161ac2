/*
 * The runtime's infra image pieces that need no engine
 * (riklet-runtime/runtime_infra.c): the in-memory tar that becomes
 * riklet/pause:<version>, read back by tar(1), and the reading of an
 * import's answer.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "harness.h"
#include "runtime.h"

static Suite	*infra_suite(void);

/* Runs sh -c cmd and returns its first output line, without the '\n'. */
static char *
run(const char *cmd)
{
	static char	 line[512];
	FILE		*f;

	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	return line;
}

START_TEST(test_tar)
{
	static const size_t	 sizes[] = { 0, 1, 511, 512, 513, 100000 };
	unsigned char		*data, *tar, *back;
	size_t			 len = sizes[_i], tarlen, i;
	char			 dir[256], cmd[1024], *line;
	FILE			*f;

	ck_assert_ptr_nonnull(data = malloc(len + 1));
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7 + 3);
	ck_assert_int_eq(tar_one_file("pause", 0755, data, len, &tar,
	    &tarlen), 0);
	ck_assert_uint_eq(tarlen % 512, 0);
	ck_assert_uint_eq(tarlen, 512 + (len + 511) / 512 * 512 + 1024);

	ck_assert_int_eq(test_tmpname(dir, sizeof(dir), "riklet-tar"), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	(void)snprintf(cmd, sizeof(cmd), "%s/t.tar", dir);
	ck_assert_ptr_nonnull(f = fopen(cmd, "w"));
	ck_assert_uint_eq(fwrite(tar, 1, tarlen, f), tarlen);
	ck_assert_int_eq(fclose(f), 0);

	/* GNU tar checks the header's checksum and format. */
	(void)snprintf(cmd, sizeof(cmd), "tar --numeric-owner -tvf %s/t.tar",
	    dir);
	line = run(cmd);
	ck_assert_msg(strncmp(line, "-rwxr-xr-x 0/0", 14) == 0, "%s", line);
	ck_assert_msg(strstr(line, " pause") != NULL, "%s", line);
	(void)snprintf(cmd, sizeof(cmd), "tar -C %s -xf %s/t.tar && "
	    "stat -c '%%s %%a' %s/pause", dir, dir, dir);
	line = run(cmd);
	(void)snprintf(cmd, sizeof(cmd), "%zu 755", len);
	ck_assert_str_eq(line, cmd);
	(void)snprintf(cmd, sizeof(cmd), "%s/pause", dir);
	ck_assert_ptr_nonnull(back = malloc(len + 1));
	ck_assert_ptr_nonnull(f = fopen(cmd, "r"));
	ck_assert_uint_eq(fread(back, 1, len + 1, f), len);
	fclose(f);
	ck_assert(memcmp(back, data, len) == 0);

	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(back);
	free(tar);
	free(data);
}
END_TEST

START_TEST(test_tar_name)
{
	char		 name[101];
	unsigned char	*tar;
	size_t		 len;

	memset(name, 'a', sizeof(name) - 1);
	name[100] = '\0';
	ck_assert_int_eq(tar_one_file(name, 0755, "x", 1, &tar, &len), -1);
}
END_TEST

START_TEST(test_import_answer)
{
	struct http_result	 res;
	char			 msg[256];

	memset(&res, 0, sizeof(res));
	res.status = 200;
	res.body = "{\"status\":\"sha256:0123\"}\r\n";
	res.len = strlen(res.body);
	ck_assert_int_eq(infra_import_error(&res, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");

	res.body = "{\"status\":\"Downloading\"}\n{\"errorDetail\":{\"message\":"
	    "\"bad tar\"},\"error\":\"bad tar\"}\n";
	res.len = strlen(res.body);
	ck_assert_int_eq(infra_import_error(&res, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "import: bad tar");

	/* Not JSON at all is no error of the engine's own. */
	res.body = "garbage";
	res.len = strlen(res.body);
	ck_assert_int_eq(infra_import_error(&res, msg, sizeof(msg)), 0);

	res.status = 500;
	res.body = "{\"message\":\"no space left\"}";
	res.len = strlen(res.body);
	ck_assert_int_eq(infra_import_error(&res, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "no space left");

	res.error = "Connection refused";
	ck_assert_int_eq(infra_import_error(&res, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "engine: Connection refused");
}
END_TEST

static Suite *
infra_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("infra");
	tc = tcase_create("image");
	tcase_add_loop_test(tc, test_tar, 0, 6);
	tcase_add_test(tc, test_tar_name);
	tcase_add_test(tc, test_import_answer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(infra_suite());
}
