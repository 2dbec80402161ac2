/*
 * The definition parser (riklet-agent/definition.c): every field, every
 * bound, and the corpus of malformed definitions in regress/fuzz/definition
 * (bad-*.json must be refused, ok-*.json accepted, none may crash).
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "agent.h"

#define PRINTABLE	" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

static char	 err[RIK_MESSAGE_MAX];

static int	parse(const char *, struct pod_spec *);
static int	parse_ok(const char *, struct pod_spec *);
static void	refused(const char *, const char *);
static char	*with_container(const char *);
static void	c_refused(const char *, const char *);
static void	c_ok(const char *);
static void	list_case(const char *, int, const char *, const char *);

/* Parses s for instance "i-1"; frees ps unless it is NULL. */
static int
parse(const char *s, struct pod_spec *ps)
{
	struct pod_spec	 tmp;
	int		 rv;

	rv = definition_parse("i-1", s, strlen(s), ps ? ps : &tmp, err,
	    sizeof(err));
	if (ps == NULL || rv == -1)
		podspec_free(ps ? ps : &tmp);
	return rv;
}

static int
parse_ok(const char *s, struct pod_spec *ps)
{
	int	 rv = parse(s, ps);

	ck_assert_msg(rv == 0, "refused: %s: %s", err, s);
	return rv;
}

static void
refused(const char *s, const char *why)
{
	ck_assert_msg(parse(s, NULL) == -1, "accepted: %s", s);
	ck_assert_msg(strstr(err, why) != NULL, "\"%s\" does not say \"%s\"",
	    err, why);
}

/* A pod whose one container has these extra members. */
static char *
with_container(const char *members)
{
	char	*s;

	ck_assert_int_ne(asprintf(&s, "{\"spec\":{\"containers\":[{\"name\":"
	    "\"c\",\"image\":\"busybox\"%s%s}]}}", *members ? "," : "",
	    members), -1);
	return s;
}

static void
c_refused(const char *members, const char *why)
{
	char	*s = with_container(members);

	refused(s, why);
	free(s);
}

static void
c_ok(const char *members)
{
	char	*s = with_container(members);

	parse_ok(s, NULL);
	free(s);
}

/* "key": [item, ...] n times; why is NULL when it must parse. */
static void
list_case(const char *key, int n, const char *item, const char *why)
{
	size_t	 len = strlen(key) + (size_t)n * (strlen(item) + 1) + 8;
	char	*m = malloc(len);
	int	 i;

	ck_assert_ptr_nonnull(m);
	(void)snprintf(m, len, "\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (i)
			(void)strlcat(m, ",", len);
		(void)strlcat(m, item, len);
	}
	(void)strlcat(m, "]", len);
	if (why == NULL)
		c_ok(m);
	else
		c_refused(m, why);
	free(m);
}

START_TEST(test_full)
{
	struct pod_spec		 ps;
	struct pod_container	*c;
	const char		*d =
	    "{\"api_version\":\"v0\",\"kind\":\"pods\","
	    "\"name\":\"web\",\"replicas\":1,\"unknown\":{\"x\":[1,2]},"
	    "\"spec\":{\"restartPolicy\":\"Always\",\"containers\":["
	    "{\"name\":\"web\",\"image\":\"nginx:1.25\",\"env\":[{\"name\":"
	    "\"A\",\"value\":\"1\"},{\"name\":\"B\"}],\"ports\":[{\"port\":80,"
	    "\"target_port\":8080,\"protocol\":\"TCP\",\"type\":\"x\"},"
	    "{\"port\":53,\"protocol\":\"udp\"}],\"command\":[\"/bin/sh\"],"
	    "\"args\":[\"-c\",\"echo hi\"],\"resources\":{\"limits\":"
	    "{\"cpu\":\"1.5\",\"memory\":\"1G\"}}},"
	    "{\"name\":\"side\",\"image\":\"busybox\",\"ports\":{\"port\":0,"
	    "\"target_port\":9000},\"resources\":{\"limits\":{\"cpu\":2,"
	    "\"memory\":4096}}}]}}";

	parse_ok(d, &ps);
	ck_assert_str_eq(ps.instance, "i-1");
	ck_assert_str_eq(ps.name, "web");
	ck_assert_uint_eq(ps.restart_policy, RESTART_ALWAYS);
	ck_assert_str_eq(ps.definition, d);
	ck_assert_uint_eq(ps.ncontainers, 2);
	c = &ps.containers[0];
	ck_assert_str_eq(c->name, "web");
	ck_assert_str_eq(c->image, "nginx:1.25");
	ck_assert_uint_eq(c->nenv, 2);
	ck_assert_str_eq(c->env[0], "A=1");
	ck_assert_str_eq(c->env[1], "B=");
	ck_assert_uint_eq(c->nports, 2);
	ck_assert_uint_eq(c->ports[0].port, 80);
	ck_assert_uint_eq(c->ports[0].target_port, 8080);
	ck_assert_uint_eq(c->ports[0].proto, PORT_TCP);
	ck_assert_uint_eq(c->ports[1].port, 53);
	ck_assert_uint_eq(c->ports[1].target_port, 53);
	ck_assert_uint_eq(c->ports[1].proto, PORT_UDP);
	ck_assert_uint_eq(c->ncommand, 1);
	ck_assert_str_eq(c->command[0], "/bin/sh");
	ck_assert_uint_eq(c->nargs, 2);
	ck_assert_str_eq(c->args[1], "echo hi");
	ck_assert_int_eq(c->nano_cpus, 1500000000);
	ck_assert_int_eq(c->memory_limit, 1000000000);
	c = &ps.containers[1];
	ck_assert_uint_eq(c->nports, 1);
	ck_assert_uint_eq(c->ports[0].port, 0);
	ck_assert_uint_eq(c->ports[0].target_port, 9000);
	ck_assert_int_eq(c->nano_cpus, 2000000000);
	ck_assert_int_eq(c->memory_limit, 4096);
	podspec_free(&ps);
}
END_TEST

START_TEST(test_minimal_and_policy)
{
	struct pod_spec	 ps;

	parse_ok("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"busybox\"}]}}", &ps);
	ck_assert_str_eq(ps.name, "");
	ck_assert_uint_eq(ps.restart_policy, RESTART_NEVER);
	ck_assert_uint_eq(ps.containers[0].nenv, 0);
	ck_assert_int_eq(ps.containers[0].memory_limit, 0);
	podspec_free(&ps);
	parse_ok("{\"spec\":{\"restartPolicy\":\"OnFailure\",\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"busybox\"}]}}", &ps);
	ck_assert_uint_eq(ps.restart_policy, RESTART_ON_FAILURE);
	podspec_free(&ps);
	parse_ok("{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"busybox\"}]}}", &ps);
	ck_assert_uint_eq(ps.restart_policy, RESTART_NEVER);
	podspec_free(&ps);
	refused("{\"spec\":{\"restartPolicy\":\"always\",\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"busybox\"}]}}", "restartPolicy");
	refused("{\"spec\":{\"restartPolicy\":1,\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"busybox\"}]}}", "restartPolicy");

	/* imagePullPolicy: given, or Kubernetes' default for the tag. */
	parse_ok("{\"spec\":{\"containers\":[{\"name\":\"a\","
	    "\"image\":\"busybox\"},{\"name\":\"b\",\"image\":"
	    "\"busybox:1.36\"},{\"name\":\"c\",\"image\":\"busybox\","
	    "\"imagePullPolicy\":\"Never\"},{\"name\":\"d\",\"image\":"
	    "\"busybox:1\",\"imagePullPolicy\":\"Always\"},{\"name\":"
	    "\"e\",\"image\":\"busybox\",\"imagePullPolicy\":null}]}}",
	    &ps);
	ck_assert_uint_eq(ps.containers[0].pull_policy, PULL_ALWAYS);
	ck_assert_uint_eq(ps.containers[1].pull_policy, PULL_IF_NOT_PRESENT);
	ck_assert_uint_eq(ps.containers[2].pull_policy, PULL_NEVER);
	ck_assert_uint_eq(ps.containers[3].pull_policy, PULL_ALWAYS);
	ck_assert_uint_eq(ps.containers[4].pull_policy, PULL_ALWAYS);
	podspec_free(&ps);
	c_refused("\"imagePullPolicy\":\"never\"", "container c: "
	    "imagePullPolicy: never is not Always, IfNotPresent or Never");
	c_refused("\"imagePullPolicy\":3", "container c: imagePullPolicy: "
	    "not a string");
	c_ok("\"imagePullPolicy\":\"IfNotPresent\"");
}
END_TEST

START_TEST(test_structure)
{
	refused("", "bad JSON");
	refused("{not json", "bad JSON");
	refused("[]", "not a JSON object");
	refused("\"spec\"", "bad JSON");	/* jansson: no scalar root */
	refused("{}", "missing spec");
	refused("{\"spec\":[]}", "missing spec");
	refused("{\"spec\":{}}", "spec.containers");
	refused("{\"spec\":{\"containers\":{}}}", "spec.containers");
	refused("{\"spec\":{\"containers\":[]}}", "no container");
	refused("{\"spec\":{\"containers\":[1]}}", "not an object");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"b\","
	    "\"image\":\"c\"}]}}", "bad JSON");	/* duplicate key */
	refused("{\"name\":\"../x\",\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"b\"}]}}", "pod name");
	refused("{\"name\":7,\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"b\"}]}}", "name: not a string");
}
END_TEST

START_TEST(test_containers_limit)
{
	char	*s, *items, item[64];
	int	 i;

	items = strdup("");
	for (i = 0; i < RIK_CONTAINERS_MAX + 1; i++) {
		char *n;

		(void)snprintf(item, sizeof(item), "%s{\"name\":\"c%d\","
		    "\"image\":\"b\"}", i ? "," : "", i);
		ck_assert_int_ne(asprintf(&n, "%s%s", items, item), -1);
		free(items);
		items = n;
		ck_assert_int_ne(asprintf(&s,
		    "{\"spec\":{\"containers\":[%s]}}", items), -1);
		if (i < RIK_CONTAINERS_MAX)
			parse_ok(s, NULL);
		else
			refused(s, "more than");
		free(s);
	}
	free(items);
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"b\"},"
	    "{\"name\":\"c\",\"image\":\"b\"}]}}", "duplicate");
}
END_TEST

START_TEST(test_name_image)
{
	char	 long_name[RIK_NAME_MAX + 1], long_image[RIK_IMAGE_MAX + 1];
	char	*s, m[600];

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	memset(long_image, 'i', sizeof(long_image) - 1);
	long_image[sizeof(long_image) - 1] = '\0';
	refused("{\"spec\":{\"containers\":[{\"image\":\"b\"}]}}",
	    "missing name");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}",
	    "missing image");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"\"}]}}",
	    "image");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"a b\"}]}}", "image");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"-x\"}]}}", "image");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":5}]}}",
	    "image: not a string");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"..\"}]}}",
	    "spec.containers[0].image: invalid reference \"..\": ");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"b\"},{\"name\":\"d\",\"image\":\"a/../b\"}]}}",
	    "spec.containers[1].image: invalid reference \"a/../b\": ");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"Busybox\"}]}}", "upper case");
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"a\\nb\"}]}}", "invalid reference \"a?b\"");
	refused("{\"spec\":{\"containers\":[{\"name\":\"a/b\",\"image\":"
	    "\"b\"}]}}", "invalid name");
	(void)snprintf(m, sizeof(m), "{\"spec\":{\"containers\":[{\"name\":"
	    "\"%s\",\"image\":\"b\"}]}}", long_name);
	refused(m, "longer than");
	long_name[RIK_NAME_MAX - 1] = '\0';	/* 63: fits */
	(void)snprintf(m, sizeof(m), "{\"spec\":{\"containers\":[{\"name\":"
	    "\"%s\",\"image\":\"b\"}]}}", long_name);
	parse_ok(m, NULL);
	(void)snprintf(m, sizeof(m), "{\"spec\":{\"containers\":[{\"name\":"
	    "\"c\",\"image\":\"%s\"}]}}", long_image);
	refused(m, "longer than");
	long_image[RIK_IMAGE_MAX - 1] = '\0';
	(void)snprintf(m, sizeof(m), "{\"spec\":{\"containers\":[{\"name\":"
	    "\"c\",\"image\":\"%s\"}]}}", long_image);
	parse_ok(m, NULL);
	s = with_container("\"image\\u0000x\":1");
	refused(s, "bad JSON");	/* jansson takes no NUL in a key */
	free(s);
	refused("{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"bu\\u0000sy\"}]}}", "NUL");
}
END_TEST

START_TEST(test_env)
{
	char		*s, *e, *big;
	struct pod_spec	 ps;
	size_t		 n;

	s = with_container("\"env\":[{\"name\":\"A\",\"value\":\"x=y\"}]");
	parse_ok(s, &ps);
	ck_assert_str_eq(ps.containers[0].env[0], "A=x=y");
	podspec_free(&ps);
	free(s);
	c_refused("\"env\":{}", "env: not an array");
	c_refused("\"env\":[\"A=1\"]", "not an object");
	c_refused("\"env\":[{\"value\":\"1\"}]", "bad name");
	c_refused("\"env\":[{\"name\":\"\"}]", "bad name");
	c_refused("\"env\":[{\"name\":\"A=B\",\"value\":\"1\"}]", "bad name");
	c_refused("\"env\":[{\"name\":\"A\",\"value\":1}]",
	    "value: not a string");
	list_case("env", POD_ENV_MAX, "{\"name\":\"A\",\"value\":\"1\"}",
	    NULL);
	list_case("env", POD_ENV_MAX + 1, "{\"name\":\"A\"}", "more than");
	/* "A=" plus the value: exactly POD_STRING_MAX fits. */
	n = POD_STRING_MAX - 2;
	ck_assert_ptr_nonnull(e = malloc(n + 1));
	memset(e, 'v', n);
	e[n] = '\0';
	ck_assert_int_ne(asprintf(&big, "\"env\":[{\"name\":\"A\","
	    "\"value\":\"%s\"}]", e), -1);
	c_ok(big);
	free(big);
	ck_assert_int_ne(asprintf(&big, "\"env\":[{\"name\":\"AB\","
	    "\"value\":\"%s\"}]", e), -1);
	c_refused(big, "longer than");
	free(big);
	free(e);
}
END_TEST

START_TEST(test_ports)
{
	char		*s;
	struct pod_spec	 ps;

	s = with_container("\"ports\":{\"port\":65535,\"target_port\":1}");
	parse_ok(s, &ps);
	ck_assert_uint_eq(ps.containers[0].ports[0].port, 65535);
	podspec_free(&ps);
	free(s);
	c_refused("\"ports\":{\"port\":65536}", "port");
	c_refused("\"ports\":{\"port\":-1}", "port");
	c_refused("\"ports\":{\"port\":\"80\"}", "port");
	c_refused("\"ports\":{\"port\":80,\"target_port\":0}", "target_port");
	c_refused("\"ports\":{\"port\":0}", "missing target_port");
	c_refused("\"ports\":{}", "missing target_port");
	c_refused("\"ports\":{\"port\":80,\"protocol\":\"SCTP\"}", "protocol");
	c_refused("\"ports\":[1]", "not an object");
	c_refused("\"ports\":7", "not an object");
	list_case("ports", POD_PORTS_MAX, "{\"target_port\":80}", NULL);
	list_case("ports", POD_PORTS_MAX + 1, "{\"target_port\":80}",
	    "more than");
	/* The pod publishes its ports together: a node port once. */
	c_refused("\"ports\":[{\"port\":80},{\"port\":80,"
	    "\"target_port\":81}]", "node port 80 published twice");
	refused("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\","
	    "\"ports\":{\"port\":80}},{\"name\":\"b\",\"image\":\"i\","
	    "\"ports\":{\"port\":80,\"target_port\":8080}}]}}",
	    "node port 80 published twice");
	s = with_container("\"ports\":[{\"port\":80,\"target_port\":8080},"
	    "{\"port\":81,\"target_port\":8080},{\"port\":80,"
	    "\"protocol\":\"UDP\"}]");
	parse_ok(s, &ps);
	podspec_free(&ps);
	free(s);
}
END_TEST

/* A pod with these volumes, and its one container with these mounts. */
static char *
with_volumes(const char *volumes, const char *mounts)
{
	char	*s;

	ck_assert_int_ne(asprintf(&s, "{\"spec\":{\"volumes\":%s,"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
	    "\"volumeMounts\":%s}]}}", volumes, mounts), -1);
	return s;
}

static void
v_refused(const char *volumes, const char *mounts, const char *why)
{
	char	*s = with_volumes(volumes, mounts);

	refused(s, why);
	free(s);
}

#define TWO_VOLUMES	"[{\"name\":\"data\",\"emptyDir\":{}}," \
			"{\"name\":\"logs\",\"hostPath\":{\"path\":\"/srv/x\"," \
			"\"type\":\"Directory\"}}]"

START_TEST(test_volumes)
{
	struct pod_spec		 ps;
	struct pod_container	*c;
	char			*s;

	s = with_volumes(TWO_VOLUMES, "[{\"name\":\"data\",\"mountPath\":"
	    "\"/data/\"},{\"name\":\"logs\",\"mountPath\":\"//var/./log\","
	    "\"readOnly\":true},{\"name\":\"data\",\"mountPath\":\"/again\","
	    "\"readOnly\":null}]");
	parse_ok(s, &ps);
	free(s);
	ck_assert_uint_eq(ps.nvolumes, 2);
	ck_assert_str_eq(ps.volumes[0].name, "data");
	ck_assert_uint_eq(ps.volumes[0].kind, VOLUME_EMPTYDIR);
	ck_assert_ptr_null(ps.volumes[0].path);
	ck_assert_str_eq(ps.volumes[1].name, "logs");
	ck_assert_uint_eq(ps.volumes[1].kind, VOLUME_HOSTPATH);
	ck_assert_str_eq(ps.volumes[1].path, "/srv/x");
	c = &ps.containers[0];
	ck_assert_uint_eq(c->nmounts, 3);
	ck_assert_str_eq(c->mounts[0].volume, "data");
	ck_assert_str_eq(c->mounts[0].path, "/data");
	ck_assert_uint_eq(c->mounts[0].readonly, 0);
	ck_assert_str_eq(c->mounts[1].path, "/var/log");
	ck_assert_uint_eq(c->mounts[1].readonly, 1);
	ck_assert_uint_eq(c->mounts[2].readonly, 0);
	podspec_free(&ps);

	/* Where a hostPath may be is the parent's to say, not the agent's. */
	s = with_volumes("[{\"name\":\"h\",\"hostPath\":{\"path\":"
	    "\"rel/../x\"}}]", "[]");
	parse_ok(s, &ps);
	ck_assert_str_eq(ps.volumes[0].path, "rel/../x");
	podspec_free(&ps);
	free(s);
	/* No volumes, no mounts, as null or absent. */
	s = with_volumes("null", "null");
	parse_ok(s, &ps);
	ck_assert_uint_eq(ps.nvolumes, 0);
	podspec_free(&ps);
	free(s);

	v_refused("{}", "[]", "spec.volumes: not an array");
	v_refused("[7]", "[]", "volumes[0]: not an object");
	v_refused("[{\"emptyDir\":{}}]", "[]", "missing name");
	v_refused("[{\"name\":\"a/b\",\"emptyDir\":{}}]", "[]",
	    "volumes[0]: invalid name");
	v_refused("[{\"name\":\"d\",\"emptyDir\":{}},{\"name\":\"d\","
	    "\"emptyDir\":{}}]", "[]", "volume d: duplicate name");
	v_refused("[{\"name\":\"d\",\"configMap\":{\"name\":\"x\"}}]", "[]",
	    "volume d: needs emptyDir or hostPath");
	v_refused("[{\"name\":\"d\",\"emptyDir\":{},\"hostPath\":{\"path\":"
	    "\"/x\"}}]", "[]", "and only one");
	v_refused("[{\"name\":\"d\",\"emptyDir\":[]}]", "[]",
	    "emptyDir: not an object");
	v_refused("[{\"name\":\"d\",\"hostPath\":\"/x\"}]", "[]",
	    "hostPath: not an object");
	v_refused("[{\"name\":\"d\",\"hostPath\":{}}]", "[]",
	    "hostPath: missing path");
	v_refused("[{\"name\":\"d\",\"hostPath\":{\"path\":\"\"}}]", "[]",
	    "hostPath: missing path");
	v_refused("[{\"name\":\"d\",\"hostPath\":{\"path\":7}}]", "[]",
	    "volume d: hostPath.path: not a string");
	v_refused("[{\"name\":\"d\",\"hostPath\":{\"path\":\"/a\\u0001\"}}]",
	    "[]", "volume d: bad kind or path");

	v_refused(TWO_VOLUMES, "{}", "volumeMounts: not an array");
	v_refused(TWO_VOLUMES, "[1]", "volumeMounts[0]: not an object");
	v_refused(TWO_VOLUMES, "[{\"name\":\"nope\",\"mountPath\":\"/x\"}]",
	    "volumeMounts[0]: no volume named nope");
	v_refused(TWO_VOLUMES, "[{\"mountPath\":\"/x\"}]", "missing name");
	v_refused(TWO_VOLUMES, "[{\"name\":\"data\"}]", "missing mountPath");
	v_refused(TWO_VOLUMES, "[{\"name\":\"data\",\"mountPath\":\"data\"}]",
	    "not an absolute path");
	v_refused(TWO_VOLUMES, "[{\"name\":\"data\",\"mountPath\":"
	    "\"/a/../etc\"}]", "a \"..\" component");
	v_refused(TWO_VOLUMES, "[{\"name\":\"data\",\"mountPath\":\"/./\"}]",
	    "mountPath may not be /");
	v_refused(TWO_VOLUMES, "[{\"name\":\"data\",\"mountPath\":\"/x\","
	    "\"readOnly\":\"yes\"}]", "readOnly: not a boolean");
	v_refused(TWO_VOLUMES, "[{\"name\":\"data\",\"mountPath\":\"/x\"},"
	    "{\"name\":\"logs\",\"mountPath\":\"/x/\"}]",
	    "/x is mounted twice");
	/* Mounts before the volumes they name: the volumes are read first. */
	c_refused("\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":"
	    "\"/x\"}]", "no volume named data");
}
END_TEST

START_TEST(test_volume_bounds)
{
	char	*m, *v, *s;
	size_t	 len = 64 * (POD_VOLUMES_MAX + 2);
	int	 i;

	/* POD_VOLUMES_MAX volumes, each mounted: fine; one more: not. */
	ck_assert_ptr_nonnull(v = calloc(1, len));
	ck_assert_ptr_nonnull(m = calloc(1, len));
	for (i = 0; i <= POD_VOLUMES_MAX; i++) {
		char	 one[64];

		(void)snprintf(one, sizeof(one), "%s{\"name\":\"v%d\","
		    "\"emptyDir\":{}}", i ? "," : "[", i);
		(void)strlcat(v, one, len);
		(void)snprintf(one, sizeof(one), "%s{\"name\":\"v%d\","
		    "\"mountPath\":\"/m%d\"}", i ? "," : "[", i, i);
		if (i < POD_MOUNTS_MAX)
			(void)strlcat(m, one, len);
		if (i == POD_VOLUMES_MAX - 1) {
			(void)strlcat(v, "]", len);
			(void)strlcat(m, "]", len);
			s = with_volumes(v, m);
			parse_ok(s, NULL);
			free(s);
			v[strlen(v) - 1] = '\0';
			m[strlen(m) - 1] = '\0';
		}
	}
	(void)strlcat(v, "]", len);
	v_refused(v, "[]", "spec.volumes: more than");
	free(v);
	free(m);
}
END_TEST

START_TEST(test_grace_kind)
{
	struct pod_spec	 ps;
	const char	*reason;
	char		*s;

	ck_assert_int_ne(asprintf(&s, "{\"spec\":{\"terminationGracePeriod"
	    "Seconds\":%d,\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"i\"}]}}", POD_GRACE_MAX), -1);
	parse_ok(s, &ps);
	ck_assert_uint_eq(ps.has_grace, 1);
	ck_assert_uint_eq(ps.grace_s, POD_GRACE_MAX);
	podspec_free(&ps);
	free(s);
	parse_ok("{\"spec\":{\"terminationGracePeriodSeconds\":0,"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}", &ps);
	ck_assert_uint_eq(ps.has_grace, 1);
	ck_assert_uint_eq(ps.grace_s, 0);
	podspec_free(&ps);
	parse_ok("{\"spec\":{\"terminationGracePeriodSeconds\":null,"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}", &ps);
	ck_assert_uint_eq(ps.has_grace, 0);
	podspec_free(&ps);
	refused("{\"spec\":{\"terminationGracePeriodSeconds\":-1,"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
	    "terminationGracePeriodSeconds: not an integer in 0-3600");
	refused("{\"spec\":{\"terminationGracePeriodSeconds\":3601,"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
	    "terminationGracePeriodSeconds");
	refused("{\"spec\":{\"terminationGracePeriodSeconds\":\"30\","
	    "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
	    "terminationGracePeriodSeconds");
	refused("{\"spec\":{\"terminationGracePeriodSeconds\":1.5,"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
	    "terminationGracePeriodSeconds");

	/* The infra container's name is riklet's. */
	refused("{\"spec\":{\"containers\":[{\"name\":\"pod\",\"image\":"
	    "\"i\"}]}}", "container pod: the name is riklet's");

	/* RIK's microVMs: Unsupported, not a definition error. */
	s = "{\"apiVersion\":\"v0\",\"kind\":\"Function\",\"name\":\"f\","
	    "\"spec\":{\"function\":{\"execution\":{}}}}";
	ck_assert_int_eq(definition_parse_reason("i-1", s, strlen(s), &ps,
	    &reason, err, sizeof(err)), -1);
	podspec_free(&ps);
	ck_assert_str_eq(reason, "Unsupported");
	ck_assert_msg(strstr(err, "riklet runs pods only") != NULL, "%s", err);
	ck_assert_ptr_null(strstr(err, "containers"));
	/* Any other refusal is InvalidDefinition. */
	s = "{\"kind\":\"Pod\",\"spec\":{}}";
	ck_assert_int_eq(definition_parse_reason("i-1", s, strlen(s), &ps,
	    &reason, err, sizeof(err)), -1);
	podspec_free(&ps);
	ck_assert_str_eq(reason, "InvalidDefinition");
	s = "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"i\"}]}}";
	ck_assert_int_eq(definition_parse_reason("i-1", s, strlen(s), &ps,
	    &reason, err, sizeof(err)), 0);
	podspec_free(&ps);
	refused("{\"kind\":7,\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"i\"}]}}", "kind: not a string");
}
END_TEST

START_TEST(test_probes)
{
	struct pod_spec		 ps;
	const struct pod_probe	*l, *st;
	char			*s;

	s = with_container("\"livenessProbe\":{\"httpGet\":{\"path\":"
	    "\"/healthz\",\"port\":8080}},\"startupProbe\":{\"exec\":"
	    "{\"command\":[\"cat\",\"/ready\"]},\"initialDelaySeconds\":5,"
	    "\"periodSeconds\":2,\"timeoutSeconds\":3,"
	    "\"failureThreshold\":30,\"successThreshold\":1}");
	parse_ok(s, &ps);
	l = &ps.containers[0].probes[PROBE_LIVENESS];
	st = &ps.containers[0].probes[PROBE_STARTUP];
	ck_assert_uint_eq(l->kind, PROBE_HTTP);
	ck_assert_uint_eq(l->port, 8080);
	ck_assert_str_eq(l->path, "/healthz");
	/* Kubernetes' defaults */
	ck_assert_uint_eq(l->initial_delay_s, 0);
	ck_assert_uint_eq(l->period_s, 10);
	ck_assert_uint_eq(l->timeout_s, 1);
	ck_assert_uint_eq(l->failure_threshold, 3);
	ck_assert_uint_eq(l->success_threshold, 1);
	ck_assert_uint_eq(st->kind, PROBE_EXEC);
	ck_assert_uint_eq(st->ncommand, 2);
	ck_assert_str_eq(st->command[1], "/ready");
	ck_assert_uint_eq(st->initial_delay_s, 5);
	ck_assert_uint_eq(st->period_s, 2);
	ck_assert_uint_eq(st->timeout_s, 3);
	ck_assert_uint_eq(st->failure_threshold, 30);
	podspec_free(&ps);
	free(s);

	s = with_container("\"livenessProbe\":{\"tcpSocket\":{\"port\":1}}");
	parse_ok(s, &ps);
	ck_assert_uint_eq(ps.containers[0].probes[PROBE_LIVENESS].kind,
	    PROBE_TCP);
	ck_assert_str_eq(ps.containers[0].probes[PROBE_LIVENESS].path, "");
	ck_assert_uint_eq(ps.containers[0].probes[PROBE_STARTUP].kind,
	    PROBE_NONE);
	podspec_free(&ps);
	free(s);
	/* httpGet without a path is "/" */
	s = with_container("\"livenessProbe\":{\"httpGet\":{\"port\":80}}");
	parse_ok(s, &ps);
	ck_assert_str_eq(ps.containers[0].probes[PROBE_LIVENESS].path, "/");
	podspec_free(&ps);
	free(s);
	c_ok("\"livenessProbe\":null");

	c_refused("\"livenessProbe\":1", "container c: livenessProbe: not an "
	    "object");
	c_refused("\"livenessProbe\":{}", "livenessProbe: needs one of exec, "
	    "httpGet or tcpSocket");
	c_refused("\"startupProbe\":{\"exec\":{\"command\":[\"a\"]},"
	    "\"tcpSocket\":{\"port\":1}}", "startupProbe: needs one of");
	c_refused("\"livenessProbe\":{\"exec\":{}}",
	    "livenessProbe.exec.command: missing or empty");
	c_refused("\"livenessProbe\":{\"exec\":{\"command\":[]}}",
	    "livenessProbe.exec.command: missing or empty");
	c_refused("\"livenessProbe\":{\"exec\":{\"command\":[1]}}",
	    "livenessProbe.exec.command[0]: not a string");
	c_refused("\"livenessProbe\":{\"exec\":{\"command\":[\"a\",\"a\","
	    "\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
	    "\"a\",\"a\",\"a\",\"a\",\"a\"]}}", "more than 16 words");
	c_refused("\"livenessProbe\":{\"httpGet\":{\"port\":\"http\"}}",
	    "livenessProbe.httpGet.port: not an integer in 1-65535");
	c_refused("\"livenessProbe\":{\"httpGet\":{\"port\":0}}",
	    "httpGet.port");
	c_refused("\"livenessProbe\":{\"tcpSocket\":{\"port\":65536}}",
	    "livenessProbe.tcpSocket.port");
	c_refused("\"livenessProbe\":{\"httpGet\":{\"port\":1,\"path\":"
	    "\"x\"}}", "httpGet.path: not an absolute path");
	c_refused("\"livenessProbe\":{\"httpGet\":{\"port\":1,\"path\":"
	    "\"/a b\"}}", "httpGet.path: a space");
	c_refused("\"livenessProbe\":{\"httpGet\":{\"port\":1,\"path\":"
	    "7}}", "livenessProbe.httpGet.path: not a string");
	c_refused("\"livenessProbe\":{\"tcpSocket\":{\"port\":1},"
	    "\"periodSeconds\":0}", "livenessProbe.periodSeconds: not an "
	    "integer in 1-3600");
	c_refused("\"livenessProbe\":{\"tcpSocket\":{\"port\":1},"
	    "\"timeoutSeconds\":\"1\"}", "livenessProbe.timeoutSeconds");
	c_refused("\"livenessProbe\":{\"tcpSocket\":{\"port\":1},"
	    "\"initialDelaySeconds\":-1}", "initialDelaySeconds");
	c_refused("\"livenessProbe\":{\"tcpSocket\":{\"port\":1},"
	    "\"failureThreshold\":101}", "failureThreshold: not an integer "
	    "in 1-100");
	c_refused("\"startupProbe\":{\"tcpSocket\":{\"port\":1},"
	    "\"successThreshold\":2}", "startupProbe.successThreshold");
}
END_TEST

START_TEST(test_argv)
{
	char		*s, *big, *word;
	struct pod_spec	 ps;

	s = with_container("\"command\":[],\"args\":null");
	parse_ok(s, &ps);
	ck_assert_uint_eq(ps.containers[0].ncommand, 0);
	podspec_free(&ps);
	free(s);
	c_refused("\"command\":\"/bin/sh\"", "command: not an array");
	c_refused("\"args\":[\"a\",1]", "args[1]: not a string");
	list_case("args", POD_ARGV_MAX, "\"x\"", NULL);
	list_case("command", POD_ARGV_MAX + 1, "\"x\"", "more than");
	ck_assert_ptr_nonnull(word = malloc(POD_STRING_MAX + 2));
	memset(word, 'w', POD_STRING_MAX + 1);
	word[POD_STRING_MAX + 1] = '\0';
	ck_assert_int_ne(asprintf(&big, "\"args\":[\"%s\"]", word), -1);
	c_refused(big, "too long");
	free(big);
	word[POD_STRING_MAX] = '\0';
	ck_assert_int_ne(asprintf(&big, "\"args\":[\"%s\"]", word), -1);
	c_ok(big);
	free(big);
	free(word);
}
END_TEST

START_TEST(test_limits)
{
	static const struct {
		const char	*in;
		int64_t		 out;	/* -1: refused */
	} cpu[] = {
		{ "500m", 500000000 }, { "2", 2000000000 },
		{ "0.5", 500000000 }, { "0.001", 1000000 }, { "1m", 1000000 },
		{ "1024", INT64_C(1024000000000) }, { "1025", -1 },
		{ "0", -1 }, { "", -1 }, { "m", -1 }, { "abc", -1 },
		{ "1.5m", 1500000 }, { "-1", -1 }, { "1e3", -1 },
		{ "0.0000000001", -1 }, { "99999999999999999999", -1 },
	}, mem[] = {
		{ "128Mi", 128 << 20 }, { "1G", 1000000000 },
		{ "1.5Gi", INT64_C(3) << 29 }, { "4096", 4096 },
		{ "1k", 1000 }, { "1K", 1000 }, { "2Ki", 2048 },
		{ "1Pi", INT64_C(1) << 50 }, { "2Pi", -1 },
		{ "1Ti", INT64_C(1) << 40 },
		{ "0", -1 }, { "", -1 }, { "Mi", -1 }, { "1Xi", -1 },
		{ "1.2.3", -1 }, { "-5Mi", -1 }, { "1 Mi", -1 },
		{ "9223372036854775807", -1 }, { "9999999999999999999G", -1 },
	};
	char	 m[256], *s;
	size_t	 i;

	for (i = 0; i < sizeof(cpu) / sizeof(cpu[0]); i++) {
		struct pod_spec ps;

		(void)snprintf(m, sizeof(m), "\"resources\":{\"limits\":"
		    "{\"cpu\":\"%s\"}}", cpu[i].in);
		s = with_container(m);
		if (cpu[i].out == -1)
			refused(s, "cpu limit");
		else {
			parse_ok(s, &ps);
			ck_assert_msg(ps.containers[0].nano_cpus == cpu[i].out,
			    "cpu %s: %lld", cpu[i].in,
			    (long long)ps.containers[0].nano_cpus);
			podspec_free(&ps);
		}
		free(s);
	}
	for (i = 0; i < sizeof(mem) / sizeof(mem[0]); i++) {
		struct pod_spec ps;

		(void)snprintf(m, sizeof(m), "\"resources\":{\"limits\":"
		    "{\"memory\":\"%s\"}}", mem[i].in);
		s = with_container(m);
		if (mem[i].out == -1)
			refused(s, "memory limit");
		else {
			parse_ok(s, &ps);
			ck_assert_msg(ps.containers[0].memory_limit ==
			    mem[i].out, "memory %s: %lld", mem[i].in,
			    (long long)ps.containers[0].memory_limit);
			podspec_free(&ps);
		}
		free(s);
	}
	c_refused("\"resources\":{\"limits\":{\"cpu\":1.5}}",
	    "cpu limit: not a string");
	c_refused("\"resources\":{\"limits\":{\"memory\":-1}}", "memory limit");
	c_refused("\"resources\":[]", "resources: not an object");
	c_refused("\"resources\":{\"limits\":7}", "limits: not an object");
	c_ok("\"resources\":{\"requests\":{\"cpu\":\"x\"}}");
}
END_TEST

START_TEST(test_size_depth_id)
{
	struct pod_spec	 ps;
	char		*s, *pad;
	size_t		 n;
	int		 i;

	/* Exactly RIK_DEFINITION_MAX bytes parse; one more does not. */
	s = with_container("\"x\":\"\"");
	n = RIK_DEFINITION_MAX - strlen(s);
	free(s);
	ck_assert_ptr_nonnull(pad = malloc(RIK_DEFINITION_MAX + 64));
	(void)snprintf(pad, RIK_DEFINITION_MAX + 64, "\"x\":\"%*s\"", (int)n,
	    "");
	s = with_container(pad);
	ck_assert_uint_eq(strlen(s), RIK_DEFINITION_MAX);
	parse_ok(s, NULL);
	free(s);
	(void)snprintf(pad, RIK_DEFINITION_MAX + 64, "\"x\":\"%*s\"",
	    (int)n + 1, "");
	c_refused(pad, "larger than");
	free(pad);
	/* Deep nesting in an ignored field is refused before jansson. */
	ck_assert_ptr_nonnull(pad = malloc(4096));
	(void)strlcpy(pad, "\"x\":", 4096);
	for (i = 0; i < 40; i++)
		(void)strlcat(pad, "[", 4096);
	for (i = 0; i < 40; i++)
		(void)strlcat(pad, "]", 4096);
	c_refused(pad, "nested");
	free(pad);
	/* Brackets inside strings do not count. */
	c_ok("\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"");
	/* A NUL byte in the definition itself. */
	ck_assert_int_eq(definition_parse("i-1", "{}\0{}", 5, &ps, err,
	    sizeof(err)), -1);
	podspec_free(&ps);
	ck_assert(strstr(err, "NUL") != NULL);
	s = with_container("");
	ck_assert_int_eq(definition_parse("../x", s, strlen(s), &ps, err,
	    sizeof(err)), -1);
	podspec_free(&ps);
	ck_assert(strstr(err, "instance id") != NULL);
	ck_assert_int_eq(definition_parse("", s, strlen(s), &ps, err,
	    sizeof(err)), -1);
	podspec_free(&ps);
	free(s);
}
END_TEST

/* Every corpus file: bad-* refused with a reason, ok-* accepted. */
START_TEST(test_corpus)
{
	char		 dir[1024], path[1400], *buf;
	const char	*rd = getenv("REGRESS_DIR");
	struct dirent	*de;
	struct pod_spec	 ps;
	DIR		*d;
	ssize_t		 n;
	int		 fd, rv, count = 0;

	(void)snprintf(dir, sizeof(dir), "%s/fuzz/definition",
	    rd ? rd : "regress");
	ck_assert_ptr_nonnull(d = opendir(dir));
	ck_assert_ptr_nonnull(buf = malloc(2 * RIK_DEFINITION_MAX));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
		n = read(fd, buf, 2 * RIK_DEFINITION_MAX);
		close(fd);
		ck_assert_int_ge(n, 0);
		err[0] = '\0';
		rv = definition_parse("i-1", buf, (size_t)n, &ps, err,
		    sizeof(err));
		podspec_free(&ps);
		if (strncmp(de->d_name, "ok-", 3) == 0)
			ck_assert_msg(rv == 0, "%s refused: %s", de->d_name,
			    err);
		else {
			ck_assert_msg(rv == -1, "%s accepted", de->d_name);
			ck_assert_msg(err[0] != '\0', "%s: no reason",
			    de->d_name);
			/* It goes into JSON and the log as it is. */
			ck_assert_msg(strspn(err, PRINTABLE) == strlen(err),
			    "%s: unprintable reason", de->d_name);
		}
		count++;
	}
	closedir(d);
	free(buf);
	ck_assert_int_ge(count, 20);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("definition");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_minimal_and_policy);
	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_containers_limit);
	tcase_add_test(tc, test_name_image);
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_volumes);
	tcase_add_test(tc, test_volume_bounds);
	tcase_add_test(tc, test_grace_kind);
	tcase_add_test(tc, test_argv);
	tcase_add_test(tc, test_probes);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_size_depth_id);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	return check_run(s);
}
