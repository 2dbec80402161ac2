/*
 * riklet-runtime against a real engine: the private dockerd of
 * regress/engine.sh (started here when REGRESS_DIR is set) and the
 * riklet/busybox image it imports.  The harness plays the parent; the
 * engine is checked independently with blocking libcurl calls.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "harness.h"
#include "podspec.h"
#include "runtime.h"
#include "util.h"

#define IMAGE		"riklet/busybox:latest"
#define ABSENT_IMAGE	"127.0.0.1:9/riklet/absent-image"
#define WAIT_MS		30000

struct seen {
	struct rt_container	 c[256];
	size_t			 n;
};

static char		 sock[1024];
static char		 node[64];
static struct harness	 h;
static struct seen	 seen;
static struct rt_pull	 last_pull;
static size_t		 npulls;

static void
engine_sh(const char *dir, const char *what)
{
	char	 cmd[2048];
	FILE	*f;
	char	 line[1200];

	(void)snprintf(cmd, sizeof(cmd), "RIKLET_ENGINE_DIR=%s sh %s/engine.sh "
	    "%s", dir, getenv("REGRESS_DIR"), what);
	ck_assert_msg((f = popen(cmd, "r")) != NULL, "popen %s", cmd);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "DOCKER_SOCK=", 12) == 0) {
			line[strcspn(line, "\n")] = '\0';
			(void)strlcpy(sock, line + 12, sizeof(sock));
		}
	ck_assert_msg(pclose(f) == 0, "%s failed", cmd);
}

static const char *
engine_dir(void)
{
	const char *d = getenv("RIKLET_ENGINE_DIR");

	return d != NULL && *d != '\0' ? d : "/tmp/rikeng";
}

static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	char	**b = arg;
	size_t	 old = *b ? strlen(*b) : 0;

	*b = realloc(*b, old + size * n + 1);
	memcpy(*b + old, p, size * n);
	(*b)[old + size * n] = '\0';
	return size * n;
}

/* A blocking call to the engine, as the test's own eyes. */
static long
engine_call(const char *method, const char *path, json_t **out)
{
	CURL	*e = curl_easy_init();
	char	 url[4096];
	char	*body = NULL;
	long	 status = 0;

	(void)snprintf(url, sizeof(url), "http://docker%s", path);
	curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (out != NULL)
		*out = body ? json_loads(body, 0, NULL) : NULL;
	free(body);
	return status;
}

/* The engine's containers of one instance on our node. */
static json_t *
engine_list(const char *instance)
{
	char	 path[4096];
	json_t	*j = NULL;

	ck_assert(docker_filters_path(path, sizeof(path),
	    "/v1.41/containers/json", node, instance) == 0);
	ck_assert_int_eq(engine_call("GET", path, &j), 200);
	ck_assert(json_is_array(j));
	return j;
}

static void
assert_no_containers(const char *instance)
{
	json_t	*list = engine_list(instance);

	ck_assert_msg(json_array_size(list) == 0, "%zu containers left",
	    json_array_size(list));
	json_decref(list);
}

static void
record(const struct imsg *imsg)
{
	struct rt_container	 c;

	if (imsg->hdr.type == IMSG_RT_PULL) {
		ck_assert_uint_eq(imsg->datalen, sizeof(last_pull));
		memcpy(&last_pull, imsg->data, sizeof(last_pull));
		npulls++;
	}
	if (imsg->hdr.type != IMSG_RT_CONTAINER)
		return;
	ck_assert_uint_eq(imsg->datalen, sizeof(c));
	memcpy(&c, imsg->data, sizeof(c));
	if (seen.n < sizeof(seen.c) / sizeof(seen.c[0]))
		seen.c[seen.n++] = c;
}

/* Waits for a message of type (and instance, when it has one). */
static void
wait_msg(uint32_t type, const char *instance, void *out, size_t len)
{
	struct imsg	 imsg;
	uint64_t	 end = monotime_ms() + WAIT_MS;
	int		 r;

	for (;;) {
		ck_assert_msg(monotime_ms() < end, "timed out waiting for %s",
		    imsg_type_name(type));
		r = harness_recv(&h, &imsg, (int)(end - monotime_ms()));
		ck_assert_msg(r == 1, "no %s (%d)", imsg_type_name(type), r);
		record(&imsg);
		if (imsg.hdr.type == type && (instance == NULL ||
		    strcmp(imsg.data, instance) == 0)) {
			if (out != NULL) {
				ck_assert_uint_eq(imsg.datalen, len);
				memcpy(out, imsg.data, len);
			}
			imsg_free(&imsg);
			return;
		}
		imsg_free(&imsg);
	}
}

/* A container report matching instance/name and a predicate. */
static const struct rt_container *
wait_container(const char *instance, const char *name, uint32_t state,
    int oom)
{
	struct imsg	 imsg;
	uint64_t	 end = monotime_ms() + WAIT_MS;
	size_t		 i;

	for (;;) {
		for (i = 0; i < seen.n; i++) {
			const struct rt_container *c = &seen.c[i];

			if (strcmp(c->instance, instance) == 0 &&
			    strcmp(c->name, name) == 0 && c->state == state &&
			    (!oom || c->oom_killed))
				return c;
		}
		ck_assert_msg(monotime_ms() < end, "no %s/%s in state %u",
		    instance, name, state);
		if (harness_recv(&h, &imsg, (int)(end - monotime_ms())) != 1)
			continue;
		record(&imsg);
		imsg_free(&imsg);
	}
}

static void
runtime_start(void)
{
	struct riklet_conf	 conf;
	struct rt_engine	 e;

	harness_conf(&conf);
	(void)strlcpy(conf.docker_socket, sock, sizeof(conf.docker_socket));
	(void)strlcpy(conf.hostname, node, sizeof(conf.hostname));
	conf.stop_grace_ms = 2000;
	conf.create_parallel = 4;
	ck_assert(harness_start(&h, "runtime", &conf) == 0);
	wait_msg(IMSG_CHILD_READY, NULL, NULL, 0);
	wait_msg(IMSG_RT_ENGINE, NULL, &e, sizeof(e));
	ck_assert_msg(e.up == 1, "engine down: %s", e.message);
	ck_assert_str_eq(e.api_version, "1.41");
	wait_msg(IMSG_RT_LIST_END, NULL, NULL, 0);
}

/* Whatever a test left on our node goes, even when it failed. */
static void
cleanup(void)
{
	json_t	*j, *c;
	size_t	 i;
	char	 path[256];

	j = engine_list(NULL);
	json_array_foreach(j, i, c) {
		(void)snprintf(path, sizeof(path),
		    "/v1.41/containers/%s?force=1", json_string_value(
		    json_object_get(c, "Id")));
		engine_call("DELETE", path, NULL);
	}
	json_decref(j);
}

/* Once, in the process that forks each test. */
static void
suite_setup(void)
{
	ck_assert_msg(getenv("REGRESS_DIR") != NULL,
	    "REGRESS_DIR must be set");
	curl_global_init(CURL_GLOBAL_NOTHING);
	engine_sh(engine_dir(), "start");
	engine_sh(engine_dir(), "image");
	(void)snprintf(node, sizeof(node), "rt-%d", (int)getpid());
}

static void
setup(void)
{
	memset(&seen, 0, sizeof(seen));
	runtime_start();
}

static void
teardown(void)
{
	harness_stop(&h);
	cleanup();
}

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	ck_assert(p != NULL);
	return p;
}

static void
spec_init(struct pod_spec *ps, const char *instance)
{
	memset(ps, 0, sizeof(*ps));
	(void)snprintf(ps->instance, sizeof(ps->instance), "%s-%s", instance,
	    node);
	(void)strlcpy(ps->name, "pod", sizeof(ps->name));
	ps->definition = xstrdup("{\"kind\":\"pods\"}");
}

static struct pod_container *
spec_add(struct pod_spec *ps, const char *name, const char *image,
    const char *sh)
{
	struct pod_container	*c = &ps->containers[ps->ncontainers++];

	(void)strlcpy(c->name, name, sizeof(c->name));
	(void)strlcpy(c->image, image, sizeof(c->image));
	c->command[c->ncommand++] = xstrdup("sh");
	c->command[c->ncommand++] = xstrdup("-c");
	c->args[c->nargs++] = xstrdup(sh);
	return c;
}

static void
send_create(struct pod_spec *ps)
{
	unsigned char	*buf;
	size_t		 len;

	ck_assert(podspec_encode(ps, &buf, &len) == 0);
	ck_assert(harness_send(&h, IMSG_POD_CREATE, buf, len) == 0);
	free(buf);
}

static struct rt_pod_result
pod_result(const char *instance, uint32_t op)
{
	struct rt_pod_result	 r;

	do
		wait_msg(IMSG_RT_POD_RESULT, instance, &r, sizeof(r));
	while (r.op != op);
	return r;
}

static void
create_ok(struct pod_spec *ps)
{
	struct rt_pod_result	 r;

	send_create(ps);
	r = pod_result(ps->instance, POD_OP_CREATE);
	ck_assert_msg(r.ok, "create %s: %s %s", ps->instance, r.reason,
	    r.message);
}

/*
 * The runtime found the container's cgroup, and its process is in it:
 * one line of /proc/<pid>/cgroup ("id:controllers:path") has that path.
 */
static void
check_cgroup(const struct rt_container *c)
{
	char	 path[64], line[1024], *p;
	FILE	*f;
	int	 found = 0;

	ck_assert_msg(c->cgroup[0] != '\0', "no cgroup for %s/%s",
	    c->instance, c->name);
	(void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)c->pid);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "no %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((p = strchr(line, ':')) != NULL &&
		    (p = strchr(p + 1, ':')) != NULL &&
		    strcmp(p + 1, c->cgroup) == 0)
			found = 1;
	}
	fclose(f);
	ck_assert_msg(found, "pid %d is not in %s", (int)c->pid, c->cgroup);
}

/* A create that must fail for reason and leave nothing behind. */
static struct rt_pod_result
create_fails(struct pod_spec *ps, const char *reason)
{
	struct rt_pod_result	 r;

	send_create(ps);
	r = pod_result(ps->instance, POD_OP_CREATE);
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.reason, reason);
	ck_assert(r.message[0] != '\0');
	assert_no_containers(ps->instance);
	return r;
}

static void
destroy(const char *instance)
{
	struct rt_pod_result	 r;

	ck_assert(harness_send(&h, IMSG_POD_DESTROY, instance,
	    strlen(instance) + 1) == 0);
	r = pod_result(instance, POD_OP_DESTROY);
	ck_assert_msg(r.ok, "destroy: %s %s", r.reason, r.message);
}

static size_t
count_named(json_t *list, const char *name)
{
	json_t		*c, *names, *n;
	size_t		 i, j, k = 0;
	char		 want[256];

	(void)snprintf(want, sizeof(want), "/%s", name);
	json_array_foreach(list, i, c) {
		names = json_object_get(c, "Names");
		json_array_foreach(names, j, n)
			if (strcmp(json_string_value(n), want) == 0)
				k++;
	}
	return k;
}

/* The id of the pod's infra container, rik-<instance>-pod. */
static const char *
infra_id(const struct pod_spec *ps)
{
	static char	 id[RIK_CONTAINER_ID_MAX];
	char		 path[512];
	json_t		*j;

	(void)snprintf(path, sizeof(path), "/v1.41/containers/rik-%s-pod/json",
	    ps->instance);
	ck_assert_int_eq(engine_call("GET", path, &j), 200);
	(void)strlcpy(id, json_string_value(json_object_get(j, "Id")),
	    sizeof(id));
	json_decref(j);
	return id;
}

/*
 * A registry on loopback that takes connections and never answers: a
 * pull from it lasts until it is cancelled, so a test knows the step a
 * create is at.  Returns the listening socket; the image to pull from it
 * in image.
 */
static int
registry_open(char *image, size_t len)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ne(fd, -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	(void)snprintf(image, len, "127.0.0.1:%u/riklet/hang:1",
	    (unsigned int)ntohs(sin.sin_port));
	return fd;
}

/* The engine has come to pull: returns its connection, kept open. */
static int
registry_pulled(int fd)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	int		 c;

	ck_assert_msg(poll(&pfd, 1, WAIT_MS) == 1,
	    "the engine never came to the registry");
	ck_assert_int_ne(c = accept(fd, NULL, NULL), -1);
	return c;
}

START_TEST(test_two_containers)
{
	struct pod_spec		 ps;
	struct pod_container	*c;
	const struct rt_container *rc;
	json_t			*j, *list, *cfg, *hc;
	char			 path[512];

	spec_init(&ps, "two");
	c = spec_add(&ps, "web", IMAGE, "sleep 300");
	c->env[c->nenv++] = xstrdup("GREETING=hello");
	c->memory_limit = 64 * 1024 * 1024;
	c->nano_cpus = 500000000;
	c->ports[c->nports].port = (uint16_t)(20000 + getpid() % 20000);
	c->ports[c->nports].target_port = 8080;
	c->ports[c->nports++].proto = PORT_TCP;
	spec_add(&ps, "side", IMAGE, "sleep 300");
	create_ok(&ps);

	rc = wait_container(ps.instance, "web", CONTAINER_RUNNING, 0);
	ck_assert_int_gt(rc->pid, 0);
	check_cgroup(rc);
	ck_assert_int_eq(rc->memory_limit, 64 * 1024 * 1024);
	ck_assert_int_eq(rc->nano_cpus, 500000000);
	ck_assert_uint_eq(rc->ncontainers, 2);
	ck_assert_uint_eq(rc->index, 0);
	ck_assert_str_eq(rc->pod_name, "pod");
	wait_container(ps.instance, "side", CONTAINER_RUNNING, 0);

	(void)snprintf(path, sizeof(path), "/v1.41/containers/rik-%s-web/json",
	    ps.instance);
	ck_assert_int_eq(engine_call("GET", path, &j), 200);
	cfg = json_object_get(j, "Config");
	hc = json_object_get(j, "HostConfig");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(cfg,
	    "Entrypoint"), 1)), "-c");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(cfg,
	    "Cmd"), 0)), "sleep 300");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(cfg,
	    "Env"), 0)), "GREETING=hello");
	ck_assert_int_eq(json_integer_value(json_object_get(hc, "Memory")),
	    64 * 1024 * 1024);
	ck_assert_int_eq(json_integer_value(json_object_get(hc, "NanoCpus")),
	    500000000);
	ck_assert(json_is_true(json_object_get(hc, "Init")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(cfg,
	    "Labels"), "riklet.definition")), "{\"kind\":\"pods\"}");
	/* In the infra container's namespaces, which publishes the port. */
	ck_assert_uint_eq(json_object_size(json_object_get(hc,
	    "PortBindings")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(hc, "NetworkMode")),
	    json_string_value(json_object_get(hc, "IpcMode")));
	(void)snprintf(path, sizeof(path), "container:%s", infra_id(&ps));
	ck_assert_str_eq(json_string_value(json_object_get(hc, "NetworkMode")),
	    path);
	json_decref(j);
	(void)snprintf(path, sizeof(path), "/v1.41/containers/rik-%s-pod/json",
	    ps.instance);
	ck_assert_int_eq(engine_call("GET", path, &j), 200);
	hc = json_object_get(j, "HostConfig");
	ck_assert_int_eq(atoi(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(hc, "PortBindings"), "8080/tcp"),
	    0), "HostPort"))), 20000 + getpid() % 20000);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "Config"), "Labels"), "riklet.role")), "infra");
	json_decref(j);

	/* Again: the same containers, adopted, not duplicated. */
	create_ok(&ps);
	list = engine_list(ps.instance);
	ck_assert_uint_eq(json_array_size(list), 3);
	(void)snprintf(path, sizeof(path), "rik-%s-web", ps.instance);
	ck_assert_uint_eq(count_named(list, path), 1);
	(void)snprintf(path, sizeof(path), "rik-%s-side", ps.instance);
	ck_assert_uint_eq(count_named(list, path), 1);
	(void)snprintf(path, sizeof(path), "rik-%s-pod", ps.instance);
	ck_assert_uint_eq(count_named(list, path), 1);
	json_decref(list);

	destroy(ps.instance);
	assert_no_containers(ps.instance);
	wait_container(ps.instance, "web", CONTAINER_REMOVED, 0);
	wait_container(ps.instance, "side", CONTAINER_REMOVED, 0);
	/* Destroying what is gone succeeds. */
	destroy(ps.instance);
	podspec_free(&ps);
}
END_TEST

START_TEST(test_exit_code)
{
	struct pod_spec		 ps;
	struct container_ref	 ref;
	const struct rt_container *c;

	spec_init(&ps, "exit");
	spec_add(&ps, "three", IMAGE, "sleep 0.2; exit 3");
	create_ok(&ps);
	c = wait_container(ps.instance, "three", CONTAINER_EXITED, 0);
	ck_assert_int_eq(c->exit_code, 3);
	ck_assert_int_eq(c->oom_killed, 0);

	/* A restart policy's restart runs the same container again. */
	memset(&ref, 0, sizeof(ref));
	(void)strlcpy(ref.instance, ps.instance, sizeof(ref.instance));
	(void)strlcpy(ref.id, c->id, sizeof(ref.id));
	memset(&seen, 0, sizeof(seen));
	ck_assert(harness_send(&h, IMSG_CONTAINER_RESTART, &ref,
	    sizeof(ref)) == 0);
	c = wait_container(ps.instance, "three", CONTAINER_RUNNING, 0);
	ck_assert_str_eq(c->id, ref.id);
	c = wait_container(ps.instance, "three", CONTAINER_EXITED, 0);
	ck_assert_int_eq(c->exit_code, 3);
	destroy(ps.instance);
	podspec_free(&ps);
}
END_TEST

START_TEST(test_oom)
{
	struct pod_spec		 ps;
	struct pod_container	*pc;
	const struct rt_container *c;

	spec_init(&ps, "oom");
	pc = spec_add(&ps, "hog", IMAGE, "x=a; while :; do x=$x$x; done");
	pc->memory_limit = 16 * 1024 * 1024;
	create_ok(&ps);
	c = wait_container(ps.instance, "hog", CONTAINER_EXITED, 1);
	ck_assert_int_eq(c->oom_killed, 1);
	ck_assert_int_ne(c->exit_code, 0);
	destroy(ps.instance);
	podspec_free(&ps);
}
END_TEST

START_TEST(test_unpullable)
{
	struct pod_spec		 ps;
	struct rt_pod_result	 r;

	spec_init(&ps, "pull");
	/* A registry on loopback that is not there: no traffic leaves. */
	spec_add(&ps, "nope", ABSENT_IMAGE ":1", "true");
	r = create_fails(&ps, "RegistryUnavailable");
	/* The engine's own words, not ours. */
	ck_assert_msg(strstr(r.message, "127.0.0.1:9") != NULL,
	    "message: %s", r.message);
	/* The pull's end was reported. */
	ck_assert_uint_ge(npulls, 1);
	ck_assert_uint_eq(last_pull.finished, 1);
	ck_assert_str_eq(last_pull.image, ABSENT_IMAGE ":1");
	podspec_free(&ps);
}
END_TEST

START_TEST(test_second_fails)
{
	struct pod_spec		 ps;

	spec_init(&ps, "half");
	spec_add(&ps, "good", IMAGE, "sleep 300");
	spec_add(&ps, "bad", ABSENT_IMAGE ":2", "true");
	(void)create_fails(&ps, "RegistryUnavailable");
	podspec_free(&ps);
}
END_TEST

/*
 * Killed with the pod half made: its infra container, c0 and c1 run,
 * c2's image is being pulled from a registry that never answers.  The
 * next runtime lists exactly those three, and a create of the same pod
 * adopts them.
 */
START_TEST(test_kill_during_create)
{
	struct pod_spec		 ps;
	json_t			*list;
	size_t			 i, n, ninfra;
	char			 name[256], hang[64];
	int			 reg, conn;

	reg = registry_open(hang, sizeof(hang));
	spec_init(&ps, "kill");
	for (i = 0; i < 6; i++) {
		(void)snprintf(name, sizeof(name), "c%zu", i);
		spec_add(&ps, name, i == 2 ? hang : IMAGE, "sleep 300");
	}
	send_create(&ps);
	conn = registry_pulled(reg);
	list = engine_list(ps.instance);
	ck_assert_uint_eq(json_array_size(list), 3);	/* and the infra */
	json_decref(list);
	kill(h.pid, SIGKILL);
	waitpid(h.pid, NULL, 0);
	h.pid = 0;
	imsgbuf_clear(&h.ibuf);
	close(h.ibuf.fd);
	close(conn);
	close(reg);

	memset(&seen, 0, sizeof(seen));
	runtime_start();
	/* The listing shows the half-made pod with its size. */
	n = ninfra = 0;
	for (i = 0; i < seen.n; i++)
		if (strcmp(seen.c[i].instance, ps.instance) == 0) {
			ck_assert_uint_eq(seen.c[i].ncontainers, 6);
			if (seen.c[i].role == ROLE_INFRA) {
				ninfra++;
				continue;
			}
			ck_assert_uint_lt(seen.c[i].index, 2);
			n++;
		}
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ninfra, 1);

	(void)strlcpy(ps.containers[2].image, IMAGE,
	    sizeof(ps.containers[2].image));
	create_ok(&ps);
	list = engine_list(ps.instance);
	ck_assert_uint_eq(json_array_size(list), 7);	/* and the infra */
	for (i = 0; i < 6; i++) {
		(void)snprintf(name, sizeof(name), "rik-%s-c%zu", ps.instance,
		    i);
		ck_assert_uint_eq(count_named(list, name), 1);
	}
	json_decref(list);
	destroy(ps.instance);
	assert_no_containers(ps.instance);
	podspec_free(&ps);
}
END_TEST

/* The result of an operation on instance, with its reason and message. */
static void
result_is(const char *instance, uint32_t op, const char *reason,
    const char *message)
{
	struct rt_pod_result	 r;

	wait_msg(IMSG_RT_POD_RESULT, instance, &r, sizeof(r));
	ck_assert_uint_eq(r.op, op);
	if (reason == NULL) {
		ck_assert_msg(r.ok, "%s: %s", r.reason, r.message);
		return;
	}
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.reason, reason);
	ck_assert_str_eq(r.message, message);
}

/*
 * A destroy read with its create, in one write: the create has not
 * ended, so it always ends Cancelled, then the destroy succeeds and
 * nothing is left.  (A destroy after the create ended is
 * test_two_containers.)
 */
START_TEST(test_destroy_during_create)
{
	struct rt_pod_result	 r;
	struct pod_spec		 ps;
	unsigned char		*buf;
	size_t			 i, len;
	char			 name[16];

	spec_init(&ps, "race");
	for (i = 0; i < 6; i++) {
		(void)snprintf(name, sizeof(name), "c%zu", i);
		spec_add(&ps, name, IMAGE, "sleep 300");
	}
	ck_assert(podspec_encode(&ps, &buf, &len) == 0);
	ck_assert_int_eq(imsg_compose(&h.ibuf, IMSG_POD_CREATE, 0, 0, -1, buf,
	    len), 0);
	ck_assert_int_eq(imsg_compose(&h.ibuf, IMSG_POD_DESTROY, 0, 0, -1,
	    ps.instance, strlen(ps.instance) + 1), 0);
	ck_assert_int_eq(imsgbuf_flush(&h.ibuf), 0);
	free(buf);
	/*
	 * Under way, or still queued behind the runtime's first look at the
	 * engine (the infra image check), which a loaded machine makes slow:
	 * Cancelled either way.
	 */
	wait_msg(IMSG_RT_POD_RESULT, ps.instance, &r, sizeof(r));
	ck_assert_uint_eq(r.op, POD_OP_CREATE);
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.reason, "Cancelled");
	ck_assert_msg(strcmp(r.message, "destroyed while it was created") ==
	    0 || strcmp(r.message, "destroyed before it was created") == 0,
	    "message: %s", r.message);
	result_is(ps.instance, POD_OP_DESTROY, NULL, NULL);
	assert_no_containers(ps.instance);
	podspec_free(&ps);
}
END_TEST

/*
 * A destroy that comes while the pod's second image is pulled and a
 * second create of it waits: the pull stops at once, the waiting
 * create ends first, the first container goes, then the destroy.
 */
START_TEST(test_destroy_during_pull)
{
	struct pod_spec		 ps;
	char			 hang[64];
	int			 reg, conn;

	reg = registry_open(hang, sizeof(hang));
	spec_init(&ps, "pulling");
	spec_add(&ps, "c0", IMAGE, "sleep 300");
	spec_add(&ps, "c1", hang, "sleep 300");
	send_create(&ps);
	conn = registry_pulled(reg);
	send_create(&ps);
	ck_assert(harness_send(&h, IMSG_POD_DESTROY, ps.instance,
	    strlen(ps.instance) + 1) == 0);
	result_is(ps.instance, POD_OP_CREATE, "Cancelled",
	    "destroyed before it was created");
	result_is(ps.instance, POD_OP_CREATE, "Cancelled",
	    "destroyed while its image was pulled");
	result_is(ps.instance, POD_OP_DESTROY, NULL, NULL);
	assert_no_containers(ps.instance);
	close(conn);
	close(reg);
	podspec_free(&ps);
}
END_TEST

START_TEST(test_invalid_spec)
{
	struct pod_spec		 ps;
	struct rt_pod_result	 r;
	unsigned char		*buf;
	size_t			 len;

	/* No container: refused with the decoder's reason. */
	spec_init(&ps, "empty");
	send_create(&ps);
	r = pod_result(ps.instance, POD_OP_CREATE);
	ck_assert_int_eq(r.ok, 0);
	ck_assert_str_eq(r.reason, "InvalidSpec");
	ck_assert(strstr(r.message, "containers") != NULL);

	/* Truncated and garbage encodings: dropped, the process lives on. */
	spec_add(&ps, "a", IMAGE, "true");
	ck_assert(podspec_encode(&ps, &buf, &len) == 0);
	ck_assert(harness_send(&h, IMSG_POD_CREATE, buf, len - 3) == 0);
	memset(buf, 0xff, len);
	ck_assert(harness_send(&h, IMSG_POD_CREATE, buf, len) == 0);
	free(buf);
	r = pod_result(ps.instance, POD_OP_CREATE);
	ck_assert_str_eq(r.reason, "InvalidSpec");
	destroy(ps.instance);
	podspec_free(&ps);
}
END_TEST

/* A second, private engine: stopping it must not hurt anyone else's. */
START_TEST(test_engine_restart)
{
	struct rt_engine	 e;
	char			 dir[64], cmd[256];

	harness_stop(&h);
	(void)snprintf(dir, sizeof(dir), "/tmp/rikrs%d", (int)getpid());
	engine_sh(dir, "start");
	memset(&seen, 0, sizeof(seen));
	runtime_start();
	engine_sh(dir, "stop");
	wait_msg(IMSG_RT_ENGINE, NULL, &e, sizeof(e));
	ck_assert_int_eq(e.up, 0);
	ck_assert(e.message[0] != '\0');
	engine_sh(dir, "start");
	do
		wait_msg(IMSG_RT_ENGINE, NULL, &e, sizeof(e));
	while (!e.up);
	wait_msg(IMSG_RT_LIST_BEGIN, NULL, NULL, 0);
	wait_msg(IMSG_RT_LIST_END, NULL, NULL, 0);
	harness_stop(&h);
	engine_sh(dir, "stop");
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s %s.lock", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	/* teardown lists on the shared engine again */
	engine_sh(engine_dir(), "env");
	runtime_start();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("runtime");
	TCase	*tc = tcase_create("engine");

	tcase_add_unchecked_fixture(tc, suite_setup, cleanup);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_two_containers);
	tcase_add_test(tc, test_exit_code);
	tcase_add_test(tc, test_oom);
	tcase_add_test(tc, test_unpullable);
	tcase_add_test(tc, test_second_fails);
	tcase_add_test(tc, test_kill_during_create);
	tcase_add_test(tc, test_destroy_during_create);
	tcase_add_test(tc, test_destroy_during_pull);
	tcase_add_test(tc, test_invalid_spec);
	tcase_add_test(tc, test_engine_restart);
	suite_add_tcase(s, tc);
	return check_run(s);
}
