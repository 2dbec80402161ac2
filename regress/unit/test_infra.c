/*
 * The runtime's pod pieces that need no engine: the in-memory tar that
 * becomes riklet/pause:<version>, read back by tar(1), and the reading of
 * an import's answer (riklet-runtime/runtime_infra.c); the bodies of the
 * infra container, of a container that joins it and of a pod's volume,
 * and the listings of a pod's parts (riklet-runtime/runtime_podapi.c).
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

/* An image made from this riklet-pause is kept, any other replaced. */
START_TEST(test_image_current)
{
	const char	*sum = "0123456789abcdef";
	const char	*same = "{\"Id\":\"sha256:1\",\"Config\":{\"Labels\":"
	    "{\"riklet.pause.sum\":\"0123456789abcdef\"}}}";
	const char	*other = "{\"Config\":{\"Labels\":"
	    "{\"riklet.pause.sum\":\"fedcba9876543210\"}}}";
	const char	*none = "{\"Config\":{\"Labels\":null}}";
	const char	*number = "{\"Config\":{\"Labels\":"
	    "{\"riklet.pause.sum\":1}}}";

	ck_assert_int_eq(infra_image_current(same, strlen(same), sum), 1);
	ck_assert_int_eq(infra_image_current(other, strlen(other), sum), 0);
	ck_assert_int_eq(infra_image_current(none, strlen(none), sum), 0);
	ck_assert_int_eq(infra_image_current(number, strlen(number), sum), 0);
	ck_assert_int_eq(infra_image_current("{}", 2, sum), 0);
	ck_assert_int_eq(infra_image_current("not json", 8, sum), 0);
	/* Only len bytes count. */
	ck_assert_int_eq(infra_image_current(same, 10, sum), 0);
}
END_TEST

#define NODE	"node-1"

/* web (port 80 -> 8080, mounts www and conf) and side (port 53/udp). */
static void
pod_init(struct pod_spec *ps)
{
	struct pod_container	*c;

	memset(ps, 0, sizeof(*ps));
	(void)strlcpy(ps->instance, "inst-1", sizeof(ps->instance));
	(void)strlcpy(ps->name, "web", sizeof(ps->name));
	ps->restart_policy = RESTART_ALWAYS;
	ps->has_grace = 1;
	ps->grace_s = 7;
	ps->ncontainers = 2;
	ps->nvolumes = 2;
	(void)strlcpy(ps->volumes[0].name, "www", RIK_NAME_MAX);
	ps->volumes[0].kind = VOLUME_EMPTYDIR;
	(void)strlcpy(ps->volumes[1].name, "conf", RIK_NAME_MAX);
	ps->volumes[1].kind = VOLUME_HOSTPATH;
	ps->volumes[1].path = "/srv/conf";
	c = &ps->containers[0];
	(void)strlcpy(c->name, "web", sizeof(c->name));
	(void)strlcpy(c->image, "nginx", sizeof(c->image));
	c->ports[0].port = 80;
	c->ports[0].target_port = 8080;
	c->nports = 1;
	(void)strlcpy(c->mounts[0].volume, "www", RIK_NAME_MAX);
	c->mounts[0].path = "/www";
	(void)strlcpy(c->mounts[1].volume, "conf", RIK_NAME_MAX);
	c->mounts[1].path = "/etc/app";
	c->mounts[1].readonly = 1;
	c->nmounts = 2;
	c = &ps->containers[1];
	(void)strlcpy(c->name, "side", sizeof(c->name));
	(void)strlcpy(c->image, "busybox", sizeof(c->image));
	c->ports[0].port = 53;
	c->ports[0].target_port = 53;
	c->ports[0].proto = PORT_UDP;
	c->nports = 1;
}

static const char *
label(json_t *body, const char *key)
{
	return json_string_value(json_object_get(json_object_get(
	    json_object_get(body, "Config") != NULL ?
	    json_object_get(body, "Config") : body, "Labels"), key));
}

START_TEST(test_infra_body)
{
	struct create_opts	 opts = { NODE, NULL, 1048576, 2, 0 };
	struct pod_spec		 ps;
	json_t			*j, *hc, *lc;
	char			*s;

	pod_init(&ps);
	ck_assert_ptr_nonnull(s = docker_infra_body(&ps, "riklet/pause:1",
	    &opts));
	ck_assert_ptr_nonnull(j = json_loads(s, 0, NULL));
	free(s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "Image")),
	    "riklet/pause:1");
	/* Its own entry point: no command, no init. */
	ck_assert_ptr_null(json_object_get(j, "Cmd"));
	ck_assert_ptr_null(json_object_get(j, "Entrypoint"));
	ck_assert_str_eq(label(j, "riklet.role"), "infra");
	ck_assert_str_eq(label(j, "riklet.container"), "pod");
	ck_assert_str_eq(label(j, "riklet.instance"), "inst-1");
	ck_assert_str_eq(label(j, "riklet.node"), NODE);
	ck_assert_str_eq(label(j, "riklet.count"), "2");
	ck_assert_str_eq(label(j, "riklet.index"), "0");
	ck_assert_str_eq(label(j, "riklet.restart"), "Always");
	ck_assert_str_eq(label(j, "riklet.grace"), "7");
	ck_assert_ptr_null(label(j, "riklet.definition"));
	hc = json_object_get(j, "HostConfig");
	ck_assert_ptr_null(json_object_get(hc, "Init"));
	ck_assert_str_eq(json_string_value(json_object_get(hc, "IpcMode")),
	    "shareable");
	/* Every container's ports. */
	ck_assert(json_is_object(json_object_get(json_object_get(j,
	    "ExposedPorts"), "8080/tcp")));
	ck_assert(json_is_object(json_object_get(json_object_get(j,
	    "ExposedPorts"), "53/udp")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(hc, "PortBindings"), "8080/tcp"), 0),
	    "HostPort")), "80");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(hc, "PortBindings"), "53/udp"), 0),
	    "HostPort")), "53");
	lc = json_object_get(hc, "LogConfig");
	ck_assert_str_eq(json_string_value(json_object_get(lc, "Type")),
	    "json-file");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(lc,
	    "Config"), "max-size")), "1048576");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(lc,
	    "Config"), "max-file")), "2");
	json_decref(j);
}
END_TEST

START_TEST(test_member_body)
{
	struct create_opts	 opts = { NODE, "ab12", 10485760, 3, 0 };
	struct pod_spec		 ps;
	json_t			*j, *hc, *m;
	char			*s;

	pod_init(&ps);
	ck_assert_ptr_nonnull(s = docker_create_body(&ps, 0, &opts));
	ck_assert_ptr_nonnull(j = json_loads(s, 0, NULL));
	free(s);
	hc = json_object_get(j, "HostConfig");
	ck_assert_str_eq(json_string_value(json_object_get(hc,
	    "NetworkMode")), "container:ab12");
	ck_assert_str_eq(json_string_value(json_object_get(hc, "IpcMode")),
	    "container:ab12");
	/* The infra container publishes the ports, not its members. */
	ck_assert_ptr_null(json_object_get(hc, "PortBindings"));
	ck_assert_ptr_null(json_object_get(j, "ExposedPorts"));
	ck_assert(json_is_true(json_object_get(hc, "Init")));
	ck_assert_str_eq(label(j, "riklet.role"), "container");
	ck_assert_str_eq(label(j, "riklet.grace"), "7");
	ck_assert_uint_eq(json_array_size(json_object_get(hc, "Mounts")), 2);
	m = json_array_get(json_object_get(hc, "Mounts"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(m, "Type")),
	    "volume");
	ck_assert_str_eq(json_string_value(json_object_get(m, "Source")),
	    "rik-inst-1-www");
	ck_assert_str_eq(json_string_value(json_object_get(m, "Target")),
	    "/www");
	ck_assert(json_is_false(json_object_get(m, "ReadOnly")));
	m = json_array_get(json_object_get(hc, "Mounts"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "Type")),
	    "bind");
	ck_assert_str_eq(json_string_value(json_object_get(m, "Source")),
	    "/srv/conf");
	ck_assert_str_eq(json_string_value(json_object_get(m, "Target")),
	    "/etc/app");
	ck_assert(json_is_true(json_object_get(m, "ReadOnly")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(hc, "LogConfig"), "Config"), "max-size")),
	    "10485760");
	json_decref(j);
	/* No grace of its own: no label, stop-grace applies. */
	ps.has_grace = 0;
	ck_assert_ptr_nonnull(s = docker_create_body(&ps, 1, &opts));
	ck_assert_ptr_nonnull(j = json_loads(s, 0, NULL));
	free(s);
	ck_assert_ptr_null(label(j, "riklet.grace"));
	ck_assert_ptr_null(json_object_get(json_object_get(j, "HostConfig"),
	    "Mounts"));
	json_decref(j);
}
END_TEST

START_TEST(test_volume_body)
{
	struct pod_spec	 ps;
	json_t		*j;
	char		*s, name[VOLUME_NAME_MAX];

	pod_init(&ps);
	ck_assert_ptr_nonnull(s = docker_volume_body(&ps, &ps.volumes[0],
	    NODE));
	ck_assert_ptr_nonnull(j = json_loads(s, 0, NULL));
	free(s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "Name")),
	    "rik-inst-1-www");
	ck_assert_str_eq(label(j, "riklet.managed"), "true");
	ck_assert_str_eq(label(j, "riklet.node"), NODE);
	ck_assert_str_eq(label(j, "riklet.instance"), "inst-1");
	ck_assert_str_eq(label(j, "riklet.volume"), "www");
	json_decref(j);
	ck_assert_int_eq(docker_volume_name(name, 12, "inst-1", "www"), -1);
}
END_TEST

START_TEST(test_members)
{
	struct pod_member	 m[4];
	size_t			 n;
	const char		*ok =
	    "[{\"Id\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\",\"State\":\"running\",\"Labels\":{\"riklet.role\":\"infra\","
	    "\"riklet.index\":\"0\",\"riklet.grace\":\"30\"}},"
	    "{\"Id\":\"" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "\",\"State\":\"exited\",\"Labels\":{\"riklet.role\":"
	    "\"container\",\"riklet.index\":\"1\",\"riklet.grace\":\"9999\"}},"
	    "{\"Id\":\"" "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	    "\",\"Labels\":null}]";

	ck_assert_int_eq(docker_parse_members(ok, strlen(ok), m, 4, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(m[0].role, ROLE_INFRA);
	ck_assert(m[0].running);
	ck_assert(m[0].has_grace);
	ck_assert_uint_eq(m[0].grace_s, 30);
	ck_assert_uint_eq(m[1].role, ROLE_MEMBER);
	ck_assert_uint_eq(m[1].index, 1);
	ck_assert(!m[1].running);
	/* A grace beyond the bound is none: stop-grace applies. */
	ck_assert(!m[1].has_grace);
	ck_assert_uint_eq(m[2].role, ROLE_ALONE);
	ck_assert_uint_eq(m[2].index, RIK_CONTAINERS_MAX);
	/* More than max, a bad id, not a list: refused. */
	ck_assert_int_eq(docker_parse_members(ok, strlen(ok), m, 2, &n), -1);
	ck_assert_int_eq(docker_parse_members("[{\"Id\":\"../x\"}]", 15, m, 4,
	    &n), -1);
	ck_assert_int_eq(docker_parse_members("{}", 2, m, 4, &n), -1);
}
END_TEST

#define VOL(name, node, inst) "{\"Name\":\"" name "\",\"Labels\":{"	\
	"\"riklet.managed\":\"true\",\"riklet.node\":\"" node "\","	\
	"\"riklet.instance\":\"" inst "\",\"riklet.volume\":\"a\"}}"
#define VOLS(list)	"{\"Volumes\":[" list "],\"Warnings\":null}"

START_TEST(test_volumes_answer)
{
	char		 v[3][VOLUME_NAME_MAX];
	size_t		 n;
	const char	*ok = VOLS(VOL("rik-i-a", "n", "i") ","
			    VOL("rik-i-b", "n", "i"));
	/* Podman 4.3: the volumes with any of the labels asked for. */
	const char	*any = VOLS(VOL("rik-j-a", "n", "j") ","
			    VOL("rik-i-a", "n", "i") "," VOL("rik-i-a", "m", "i")
			    ",{\"Name\":\"rik-i-b\",\"Labels\":{"
			    "\"riklet.node\":\"n\",\"riklet.instance\":\"i\"}},"
			    "{\"Name\":\"data\",\"Labels\":null},"
			    "{\"Name\":\"rik-x\"}");

	ck_assert_int_eq(docker_parse_volumes(ok, strlen(ok), "n", "i", v, 3,
	    &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1], "rik-i-b");
	ck_assert_int_eq(docker_parse_volumes("{\"Volumes\":null}", 16, "n",
	    "i", v, 3, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(docker_parse_volumes(ok, strlen(ok), "n", "i", v, 1,
	    &n), -1);
	/* Only the instance's, on this node, riklet's: one of six. */
	ck_assert_int_eq(docker_parse_volumes(any, strlen(any), "n", "i", v, 1,
	    &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0], "rik-i-a");
	/* Only riklet's names are removed. */
	ck_assert_int_eq(docker_parse_volumes(VOLS(VOL("data", "n", "i")),
	    strlen(VOLS(VOL("data", "n", "i"))), "n", "i", v, 3, &n), -1);
	ck_assert_int_eq(docker_parse_volumes(VOLS(VOL("rik-a/b", "n", "i")),
	    strlen(VOLS(VOL("rik-a/b", "n", "i"))), "n", "i", v, 3, &n), -1);
	ck_assert_int_eq(docker_parse_volumes("{\"Volumes\":{}}", 15, "n",
	    "i", v, 3, &n), -1);
}
END_TEST

START_TEST(test_port_in_use)
{
	struct pod_spec	 ps;

	pod_init(&ps);
	ck_assert_uint_eq(docker_port_in_use("driver failed programming "
	    "external connectivity on endpoint rik-x-pod (1234): Bind for "
	    "0.0.0.0:53 failed: port is already allocated", &ps), 53);
	ck_assert_uint_eq(docker_port_in_use("listen tcp4 0.0.0.0:80: bind: "
	    "address already in use", &ps), 80);
	/* 80 is not 8080: the pod's first port when none is named. */
	ck_assert_uint_eq(docker_port_in_use("Bind for 0.0.0.0:8080 failed: "
	    "port is already allocated", &ps), 80);
	ck_assert_uint_eq(docker_port_in_use("no such image", &ps), 0);
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
	tcase_add_test(tc, test_image_current);
	suite_add_tcase(s, tc);
	tc = tcase_create("podapi");
	tcase_add_test(tc, test_infra_body);
	tcase_add_test(tc, test_member_body);
	tcase_add_test(tc, test_volume_body);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_volumes_answer);
	tcase_add_test(tc, test_port_in_use);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(infra_suite());
}
