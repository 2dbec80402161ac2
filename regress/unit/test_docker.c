/*
 * The Engine API's requests and responses as runtime_docker.c builds and
 * reads them, with what a broken or hostile engine could send.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "checkrun.h"
#include "runtime.h"

#define NODE	"node-a"
#define ID64	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static const char *labels_ok =
    "\"Labels\":{\"riklet.managed\":\"true\",\"riklet.node\":\"" NODE "\","
    "\"riklet.instance\":\"inst-1\",\"riklet.container\":\"web\","
    "\"riklet.pod\":\"p\",\"riklet.restart\":\"OnFailure\","
    "\"riklet.index\":\"1\",\"riklet.count\":\"2\"}";

static char *
inspect_json(const char *labels, const char *status, const char *extra)
{
	char	*s;

	if (asprintf(&s, "{\"Id\":\"%s\",\"Config\":{\"Image\":\"busybox\","
	    "%s},\"State\":{\"Status\":\"%s\",\"Pid\":42,\"ExitCode\":3,"
	    "\"OOMKilled\":true},\"HostConfig\":{\"Memory\":1048576,"
	    "\"NanoCpus\":250000000%s}}", ID64, labels, status, extra) == -1)
		ck_abort();
	return s;
}

static int
inspect_with(const char *labels, const char *node, struct rt_container *c)
{
	char	*s = inspect_json(labels, "running", "");
	int	 rv;

	rv = docker_parse_inspect(s, strlen(s), node, "", c);
	free(s);
	return rv;
}

START_TEST(test_version)
{
	char	 v[RIK_VERSION_MAX], a[RIK_VERSION_MAX], err[256];
	const char *ok = "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\"}";
	const char *old = "{\"Version\":\"19.03\",\"ApiVersion\":\"1.40\"}";
	const char *newer = "{\"Version\":\"27\",\"ApiVersion\":\"1.47\"}";
	const char *bad = "{\"Version\":\"x\",\"ApiVersion\":41}";
	const char *longv = "{\"Version\":\"0123456789012345678901234567890123"
	    "456789\",\"ApiVersion\":\"1.41\"}";

	ck_assert_int_eq(docker_parse_version(ok, strlen(ok), v, sizeof(v), a,
	    sizeof(a), err, sizeof(err)), 0);
	ck_assert_str_eq(v, "20.10.24");
	ck_assert_str_eq(a, "1.41");
	ck_assert_int_eq(docker_parse_version(newer, strlen(newer), v,
	    sizeof(v), a, sizeof(a), err, sizeof(err)), 0);
	ck_assert_int_eq(docker_parse_version(old, strlen(old), v, sizeof(v),
	    a, sizeof(a), err, sizeof(err)), -1);
	ck_assert(strstr(err, "1.40 is older than 1.41") != NULL);
	ck_assert_int_eq(docker_parse_version(bad, strlen(bad), v, sizeof(v),
	    a, sizeof(a), err, sizeof(err)), -1);
	ck_assert_int_eq(docker_parse_version(longv, strlen(longv), v,
	    sizeof(v), a, sizeof(a), err, sizeof(err)), -1);
	ck_assert_int_eq(docker_parse_version("{", 1, v, sizeof(v), a,
	    sizeof(a), err, sizeof(err)), -1);
	ck_assert_int_eq(docker_parse_version("", 0, v, sizeof(v), a,
	    sizeof(a), err, sizeof(err)), -1);
	ck_assert(!docker_api_ok("1"));
	ck_assert(!docker_api_ok("1.4x"));
	ck_assert(!docker_api_ok(".41"));
	ck_assert(docker_api_ok("2.0"));
	ck_assert(!docker_api_ok("0.99"));
}
END_TEST

START_TEST(test_inspect)
{
	struct rt_container	 c;
	char			*s;

	s = inspect_json(labels_ok, "running", "");
	ck_assert_int_eq(docker_parse_inspect(s, strlen(s), NODE, "cgroupfs",
	    &c), 0);
	ck_assert_str_eq(c.id, ID64);
	ck_assert_str_eq(c.instance, "inst-1");
	ck_assert_str_eq(c.name, "web");
	ck_assert_str_eq(c.pod_name, "p");
	ck_assert_uint_eq(c.restart_policy, RESTART_ON_FAILURE);
	ck_assert_uint_eq(c.index, 1);
	ck_assert_uint_eq(c.ncontainers, 2);
	ck_assert_uint_eq(c.state, CONTAINER_RUNNING);
	ck_assert_int_eq(c.pid, 42);
	ck_assert_int_eq(c.memory_limit, 1048576);
	ck_assert_int_eq(c.nano_cpus, 250000000);
	ck_assert_uint_eq(c.oom_killed, 1);
	ck_assert_str_eq(c.cgroup, "/docker/" ID64);
	free(s);

	s = inspect_json(labels_ok, "exited", ",\"CgroupParent\":\"/x\"");
	ck_assert_int_eq(docker_parse_inspect(s, strlen(s), NODE, "systemd",
	    &c), 0);
	ck_assert_uint_eq(c.state, CONTAINER_EXITED);
	ck_assert_int_eq(c.pid, 0);
	ck_assert_int_eq(c.exit_code, 3);
	ck_assert_str_eq(c.cgroup, "");
	free(s);

	/* Another node's container, or one riklet does not manage. */
	ck_assert_int_eq(inspect_with(labels_ok, "node-b", &c), -1);
	ck_assert_int_eq(inspect_with(
	    "\"Labels\":{\"riklet.node\":\"" NODE "\"}", NODE, &c), -1);
	/* A bad instance id in a label. */
	ck_assert_int_eq(inspect_with(
	    "\"Labels\":{\"riklet.managed\":\"true\",\"riklet.node\":\"" NODE
	    "\",\"riklet.instance\":\"../x\",\"riklet.container\":\"w\"}",
	    NODE, &c), -1);
	/* An index beyond the count is dropped, not trusted. */
	ck_assert_int_eq(inspect_with(
	    "\"Labels\":{\"riklet.managed\":\"true\",\"riklet.node\":\"" NODE
	    "\",\"riklet.instance\":\"i\",\"riklet.container\":\"w\","
	    "\"riklet.index\":\"5\",\"riklet.count\":\"2\"}", NODE, &c), 0);
	ck_assert_uint_eq(c.ncontainers, 0);
	ck_assert_uint_eq(c.index, 0);
	/* Wrong types and truncations. */
	ck_assert_int_eq(docker_parse_inspect("[]", 2, NODE, "", &c), -1);
	ck_assert_int_eq(docker_parse_inspect("{\"Id\":1}", 8, NODE, "", &c),
	    -1);
	s = inspect_json(labels_ok, "running", "");
	ck_assert_int_eq(docker_parse_inspect(s, strlen(s) / 2, NODE, "", &c),
	    -1);
	free(s);
}
END_TEST

START_TEST(test_event)
{
	struct docker_event	 e;
	const char *die = "{\"status\":\"die\",\"id\":\"" ID64 "\","
	    "\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\""
	    ID64 "\",\"Attributes\":{\"exitCode\":\"3\",\"image\":\"bb\","
	    "\"riklet.managed\":\"true\",\"riklet.node\":\"" NODE "\","
	    "\"riklet.instance\":\"i1\",\"riklet.container\":\"c\"}}}";
	const char *other = "{\"Type\":\"container\",\"Action\":\"start\","
	    "\"Actor\":{\"ID\":\"" ID64 "\",\"Attributes\":{}}}";
	const char *net = "{\"Type\":\"network\",\"Action\":\"connect\","
	    "\"Actor\":{\"ID\":\"" ID64 "\"}}";
	const char *badcode = "{\"Type\":\"container\",\"Action\":\"die\","
	    "\"Actor\":{\"ID\":\"" ID64 "\",\"Attributes\":{\"exitCode\":"
	    "\"99999999999\"}}}";

	ck_assert_int_eq(docker_parse_event(die, strlen(die), NODE, &e), 0);
	ck_assert_str_eq(e.action, "die");
	ck_assert_int_eq(e.labels_ok, 1);
	ck_assert_int_eq(e.has_exit_code, 1);
	ck_assert_int_eq(e.exit_code, 3);
	ck_assert_str_eq(e.c.instance, "i1");
	ck_assert_str_eq(e.c.image, "bb");
	ck_assert_int_eq(docker_parse_event(die, strlen(die), "other", &e), 0);
	ck_assert_int_eq(e.labels_ok, 0);
	ck_assert_int_eq(docker_parse_event(other, strlen(other), NODE, &e),
	    0);
	ck_assert_int_eq(e.labels_ok, 0);
	ck_assert_int_eq(docker_parse_event(net, strlen(net), NODE, &e), -1);
	ck_assert_int_eq(docker_parse_event(badcode, strlen(badcode), NODE,
	    &e), 0);
	ck_assert_int_eq(e.has_exit_code, 0);
	ck_assert_int_eq(docker_parse_event("garbage", 7, NODE, &e), -1);
}
END_TEST

START_TEST(test_pull_and_message)
{
	struct docker_pull	 p;
	char			 m[64];
	const char *prog = "{\"status\":\"Downloading\",\"progressDetail\":"
	    "{\"current\":100,\"total\":1000},\"id\":\"abc\"}";
	const char *done = "{\"status\":\"Pull complete\",\"id\":\"abc\"}";
	const char *err = "{\"errorDetail\":{\"message\":\"x\"},"
	    "\"error\":\"manifest unknown\"}";
	const char *msg = "{\"message\":\"No such image: a/b\"}";

	ck_assert_int_eq(docker_parse_pull(prog, strlen(prog), &p), 0);
	ck_assert_int_eq(p.current, 100);
	ck_assert_int_eq(p.total, 1000);
	ck_assert_str_eq(p.layer, "abc");
	ck_assert_int_eq(docker_parse_pull(done, strlen(done), &p), 0);
	ck_assert_int_eq(p.done, 1);
	ck_assert_int_eq(docker_parse_pull(err, strlen(err), &p), 0);
	ck_assert_str_eq(p.error, "manifest unknown");
	ck_assert_int_eq(docker_parse_pull("[", 1, &p), -1);
	ck_assert_int_eq(docker_parse_message(msg, strlen(msg), m, sizeof(m)),
	    0);
	ck_assert_str_eq(m, "No such image: a/b");
	ck_assert_int_eq(docker_parse_message("{}", 2, m, sizeof(m)), -1);
	ck_assert_str_eq(m, "");
}
END_TEST

/*
 * A response past the cap is refused before it is parsed (a listing is
 * not one response: test_list.c).
 */
START_TEST(test_oversized)
{
	struct rt_container	 c;
	char			*big;
	size_t			 len = HTTP_BODY_MAX + 16;

	ck_assert((big = malloc(len + 1)) != NULL);
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	big[len] = '\0';
	ck_assert_int_eq(docker_parse_inspect(big, len, NODE, "", &c), -1);
	free(big);
}
END_TEST

START_TEST(test_create_body)
{
	static const struct create_opts plain = { NODE, NULL, 0, 0, 0 };
	struct create_opts	 none;
	struct rt_container	 rc;
	struct pod_spec		 ps;
	struct pod_container	*c;
	json_t			*j, *l, *hc;
	char			*s;
	size_t			 i;
	static const char	*want[][2] = {
		{ "riklet.managed", "true" },
		{ "riklet.node", NODE },
		{ "riklet.instance", "inst-1" },
		{ "riklet.container", "side" },
		{ "riklet.pod", "web" },
		{ "riklet.restart", "Always" },
		{ "riklet.index", "1" },
		{ "riklet.count", "2" },
		{ "riklet.definition", "{\"name\":\"web\"}" },
	};

	memset(&ps, 0, sizeof(ps));
	(void)strlcpy(ps.instance, "inst-1", sizeof(ps.instance));
	(void)strlcpy(ps.name, "web", sizeof(ps.name));
	ps.restart_policy = RESTART_ALWAYS;
	ps.definition = "{\"name\":\"web\"}";
	ps.ncontainers = 2;
	c = &ps.containers[1];
	(void)strlcpy(c->name, "side", sizeof(c->name));
	(void)strlcpy(c->image, "nginx:1.25", sizeof(c->image));
	c->memory_limit = 128 << 20;
	c->nano_cpus = 500000000;
	c->env[c->nenv++] = "A=1";
	c->command[c->ncommand++] = "/bin/sh";
	c->args[c->nargs++] = "-c";
	c->args[c->nargs++] = "echo \"hi\"";
	c->ports[c->nports++] = (struct pod_port){ 80, 8080, PORT_TCP };
	c->ports[c->nports++] = (struct pod_port){ 0, 53, PORT_UDP };

	ck_assert_ptr_null(docker_create_body(&ps, 2, &plain));
	ck_assert_ptr_nonnull(s = docker_create_body(&ps, 1, &plain));
	ck_assert_ptr_nonnull(j = json_loads(s, 0, NULL));
	free(s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "Image")),
	    "nginx:1.25");
	l = json_object_get(j, "Labels");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_str_eq(json_string_value(json_object_get(l,
		    want[i][0])), want[i][1]);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "Env"), 0)), "A=1");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "Entrypoint"), 0)), "/bin/sh");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j,
	    "Cmd"), 1)), "echo \"hi\"");
	ck_assert(json_is_object(json_object_get(json_object_get(j,
	    "ExposedPorts"), "53/udp")));
	hc = json_object_get(j, "HostConfig");
	ck_assert(json_is_true(json_object_get(hc, "Init")));
	ck_assert_int_eq(json_integer_value(json_object_get(hc, "Memory")),
	    128 << 20);
	ck_assert_int_eq(json_integer_value(json_object_get(hc, "NanoCpus")),
	    500000000);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(hc, "PortBindings"), "8080/tcp"),
	    0), "HostPort")), "80");
	ck_assert_ptr_null(json_object_get(json_object_get(hc,
	    "PortBindings"), "53/udp"));
	json_decref(j);

	/* Container 0 has no limits, command or ports: none is sent. */
	(void)strlcpy(ps.containers[0].name, "a", sizeof(c->name));
	(void)strlcpy(ps.containers[0].image, "busybox", sizeof(c->image));
	ck_assert_ptr_nonnull(s = docker_create_body(&ps, 0, &plain));
	ck_assert_ptr_nonnull(j = json_loads(s, 0, NULL));
	free(s);
	hc = json_object_get(j, "HostConfig");
	ck_assert_ptr_null(json_object_get(hc, "Memory"));
	ck_assert_ptr_null(json_object_get(j, "Cmd"));
	ck_assert_ptr_null(json_object_get(j, "Entrypoint"));
	json_decref(j);

	/* An engine without an init: none asked for; the labels known. */
	none = plain;
	none.no_init = 1;
	ck_assert_ptr_nonnull(s = docker_create_body(&ps, 1, &none));
	ck_assert_ptr_nonnull(j = json_loads(s, 0, NULL));
	ck_assert(json_is_false(json_object_get(json_object_get(j,
	    "HostConfig"), "Init")));
	json_decref(j);
	ck_assert_int_eq(docker_body_labels(s, NODE, &rc), 0);
	ck_assert_str_eq(rc.instance, "inst-1");
	ck_assert_str_eq(rc.name, "side");
	ck_assert_str_eq(rc.pod_name, "web");
	ck_assert_uint_eq(rc.index, 1);
	ck_assert_uint_eq(rc.ncontainers, 2);
	ck_assert_uint_eq(rc.restart_policy, RESTART_ALWAYS);
	ck_assert_int_eq(docker_body_labels(s, "other-node", &rc), -1);
	ck_assert_int_eq(docker_body_labels("{", NODE, &rc), -1);
	free(s);
}
END_TEST

/* The containers known by id: found, forgotten, swept by a listing. */
START_TEST(test_known)
{
	struct rt_container	 c, f;
	char			 id2[RIK_CONTAINER_ID_MAX];

	memset(&c, 0, sizeof(c));
	(void)strlcpy(c.id, ID64, sizeof(c.id));
	(void)strlcpy(c.instance, "inst-1", sizeof(c.instance));
	(void)strlcpy(c.name, "web", sizeof(c.name));
	c.role = ROLE_INFRA;
	c.ncontainers = 2;
	ck_assert_int_eq(known_find(ID64, &f), -1);
	known_add(&c);
	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(known_find(ID64, &f), 0);
	ck_assert_str_eq(f.id, ID64);
	ck_assert_str_eq(f.instance, "inst-1");
	ck_assert_str_eq(f.name, "web");
	ck_assert_uint_eq(f.role, ROLE_INFRA);
	ck_assert_uint_eq(f.ncontainers, 2);
	ck_assert_int_eq(known_find("ABC", &f), -1);
	/* A listing that sees only the second forgets the first. */
	(void)strlcpy(id2, ID64, sizeof(id2));
	id2[0] = id2[0] == 'a' ? 'b' : 'a';
	(void)strlcpy(c.id, id2, sizeof(c.id));
	known_listing();
	known_add(&c);
	known_sweep();
	ck_assert_int_eq(known_find(ID64, &f), -1);
	ck_assert_int_eq(known_find(id2, &f), 0);
	known_forget(id2);
	ck_assert_int_eq(known_find(id2, &f), -1);
	known_forget(id2);
}
END_TEST

/* Which engine GET /version is, and what says it has no init. */
START_TEST(test_engine_kind)
{
	const char *podman = "{\"Components\":[{\"Name\":\"Podman Engine\","
	    "\"Version\":\"4.3.1\"},{\"Name\":\"Conmon\"}],"
	    "\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\"}";
	const char *docker = "{\"Components\":[{\"Name\":\"Engine\","
	    "\"Version\":\"20.10.24\"}],\"Version\":\"20.10.24\","
	    "\"ApiVersion\":\"1.41\"}";

	ck_assert(docker_is_podman(podman, strlen(podman)));
	ck_assert(!docker_is_podman(docker, strlen(docker)));
	ck_assert(!docker_is_podman("{\"Components\":7}", 16));
	ck_assert(!docker_is_podman("[", 1));
	ck_assert(docker_no_init("container create: container-init binary "
	    "not found on the host: stat /usr/libexec/podman/catatonit: no "
	    "such file or directory"));
	ck_assert(!docker_no_init("No such image: busybox:latest"));
}
END_TEST

START_TEST(test_paths)
{
	char	 p[4096], big[600];

	ck_assert_int_eq(docker_pull_path(p, sizeof(p), "nginx:1.25"), 0);
	ck_assert_str_eq(p, "/v1.41/images/create?fromImage=nginx&tag=1.25");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p), "busybox"), 0);
	ck_assert_str_eq(p,
	    "/v1.41/images/create?fromImage=busybox&tag=latest");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p),
	    "reg.local:5000/team/app"), 0);
	ck_assert_str_eq(p, "/v1.41/images/create?fromImage="
	    "reg.local%3A5000%2Fteam%2Fapp&tag=latest");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p), "a@sha256:00"), 0);
	ck_assert_str_eq(p, "/v1.41/images/create?fromImage=a%40sha256%3A00");
	ck_assert_int_eq(docker_pull_path(p, sizeof(p), "a:"), -1);
	ck_assert_int_eq(docker_pull_path(p, sizeof(p), ":x"), -1);
	ck_assert_int_eq(docker_image_path(p, sizeof(p), "a/b:c&d", "/json"),
	    0);
	ck_assert_str_eq(p, "/v1.41/images/a%2Fb%3Ac%26d/json");
	ck_assert_int_eq(docker_image_path(p, 20, "a/b:c&d", "/json"), -1);

	ck_assert_int_eq(docker_filters_path(p, sizeof(p), "/c", "n\"1",
	    "i"), 0);
	ck_assert_str_eq(p, "/c?all=1&filters=%7B%22label%22%3A%5B%22riklet."
	    "managed%3Dtrue%22%2C%22riklet.node%3Dn%5C%221%22%2C%22riklet."
	    "instance%3Di%22%5D%7D");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(docker_filters_path(p, sizeof(p), "/c", big, NULL),
	    -1);
	ck_assert_int_eq(docker_events_path(p, sizeof(p)), 0);
	ck_assert(strstr(p, "%22remove%22") != NULL);
	ck_assert(strstr(p, "label") == NULL);
	ck_assert(strstr(p, "/v1.41/events?filters=") == p);
	ck_assert(strstr(p, "%22oom%22") != NULL);
	ck_assert_uint_eq(docker_escape(p, 4, "a b"), 5);
	ck_assert_str_eq(p, "a");
	ck_assert(docker_valid_id(ID64));
	ck_assert(!docker_valid_id("ABC"));
	ck_assert(!docker_valid_id(ID64 "0"));
}
END_TEST

START_TEST(test_error)
{
	struct http_result	 r = { 500, "{\"message\":\"boom\"}", 18,
				    NULL };
	char			 m[64];

	docker_error(&r, m, sizeof(m));
	ck_assert_str_eq(m, "boom");
	r.body = "<html>";
	r.len = 6;
	docker_error(&r, m, sizeof(m));
	ck_assert_str_eq(m, "engine answered HTTP 500");
	/* Never "": the parent refuses a failure without a message. */
	r.body = "{\"message\":\"\"}";
	r.len = strlen(r.body);
	docker_error(&r, m, sizeof(m));
	ck_assert_str_eq(m, "engine answered HTTP 500");
	r.body = "{\"message\":\"\\u0000boom\"}";
	r.len = strlen(r.body);
	docker_error(&r, m, sizeof(m));
	ck_assert_str_eq(m, "engine answered HTTP 500");
	r.error = "response too large";
	docker_error(&r, m, sizeof(m));
	ck_assert_str_eq(m, "engine: response too large");
}
END_TEST

/* What a failed pull was, from the engine's own words (docker 20.10). */
START_TEST(test_pull_reason)
{
	ck_assert_str_eq(pull_reason(500, "Head \"http://127.0.0.1:5/v2/t/"
	    "manifests/latest\": no basic auth credentials"),
	    "ImagePullFailed");
	ck_assert_str_eq(pull_reason(500, "unauthorized: authentication "
	    "required"), "ImagePullFailed");
	ck_assert_str_eq(pull_reason(404, "pull access denied for x, "
	    "repository does not exist or may require 'docker login'"),
	    "ImagePullFailed");
	ck_assert_str_eq(pull_reason(404, "manifest for 127.0.0.1:5/t/n:latest "
	    "not found: manifest unknown: manifest unknown"), PULL_NOT_FOUND);
	ck_assert_str_eq(pull_reason(500, "Get \"http://127.0.0.1:1/v2/\": "
	    "dial tcp 127.0.0.1:1: connect: connection refused"),
	    PULL_UNREACHABLE);
	ck_assert_str_eq(pull_reason(500, "Get \"https://r.example/v2/\": "
	    "dial tcp: lookup r.example: no such host"), PULL_UNREACHABLE);
	ck_assert_str_eq(pull_reason(200, "toomanyrequests: rate limit"),
	    "ImagePullFailed");
	/* A name with "auth" in it is not about credentials. */
	ck_assert_str_eq(pull_reason(404, "manifest for r.example/author/app:1 "
	    "not found: manifest unknown"), PULL_NOT_FOUND);
}
END_TEST

/* One IMSG_RT_REGISTRY's bytes: the struct, then the value. */
static size_t
reg_msg(unsigned char *buf, uint32_t index, uint32_t count,
    const char *host, const char *auth)
{
	struct rt_registry	 m;

	memset(&m, 0, sizeof(m));
	m.index = index;
	m.count = count;
	(void)strlcpy(m.host, host, sizeof(m.host));
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), auth, strlen(auth) + 1);
	return sizeof(m) + strlen(auth) + 1;
}

/*
 * The runtime's credentials: matched by the reference's registry,
 * Docker Hub's names as one; replaced whole; a malformed message is
 * refused.
 */
START_TEST(test_registry_match)
{
	unsigned char	 buf[1024];
	size_t		 n;

	n = reg_msg(buf, 0, 2, "127.0.0.1:5000", "QUJD");
	ck_assert_int_eq(registry_imsg(buf, n), 0);
	n = reg_msg(buf, 1, 2, "docker.io", "REVG-_==");
	ck_assert_int_eq(registry_imsg(buf, n), 0);
	ck_assert_str_eq(registry_auth_for("127.0.0.1:5000/t/bb:1"), "QUJD");
	ck_assert_str_eq(registry_auth_for("busybox"), "REVG-_==");
	ck_assert_str_eq(registry_auth_for("index.docker.io/library/x:1"),
	    "REVG-_==");
	ck_assert_ptr_null(registry_auth_for("127.0.0.1:5001/t/bb:1"));
	ck_assert_ptr_null(registry_auth_for("localhost:5000/t/bb:1"));
	/* Not base64url, an index past the count, one out of order. */
	n = reg_msg(buf, 0, 1, "r.example", "a b");
	ck_assert_int_eq(registry_imsg(buf, n), -1);
	n = reg_msg(buf, 2, 2, "r.example", "QUJD");
	ck_assert_int_eq(registry_imsg(buf, n), -1);
	n = reg_msg(buf, 0, 1, "", "QUJD");
	ck_assert_int_eq(registry_imsg(buf, n), -1);
	ck_assert_int_eq(registry_imsg(buf, sizeof(struct rt_registry)), -1);
	/* None: what was there is gone. */
	n = reg_msg(buf, 0, 0, "", "");
	ck_assert_int_eq(registry_imsg(buf, n), 0);
	ck_assert_ptr_null(registry_auth_for("busybox"));
	ck_assert_ptr_null(registry_auth_for("127.0.0.1:5000/t/bb:1"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("docker");
	TCase	*tc = tcase_create("api");

	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_engine_kind);
	tcase_add_test(tc, test_known);
	tcase_add_test(tc, test_inspect);
	tcase_add_test(tc, test_event);
	tcase_add_test(tc, test_pull_and_message);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_create_body);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_error);
	tcase_add_test(tc, test_pull_reason);
	tcase_add_test(tc, test_registry_match);
	suite_add_tcase(s, tc);
	return check_run(s);
}
