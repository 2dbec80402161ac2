/*
 * riklet-runtime: the only process that talks to the Docker engine.
 *
 * The runtime connects to the engine socket itself.  Before dropping
 * root it stat()s conf.docker_socket and keeps that file's group as its
 * only supplementary group (when the socket does not exist yet, the group
 * "docker"); priv_drop() does the rest.  The agent, which parses what
 * comes from the network, never has a path to the socket.
 *
 * This file holds the entry point, the parent's messages and the
 * engine's health: GET /version (API 1.41 or later) then GET /info, with
 * a backoff of 250 ms doubling to 10 s while the engine is away.
 *
 * Docker's engine and Podman's API service speak the same API; what
 * differs is found here and kept in one place.  GET /version says which
 * it is (Podman names a component "Podman Engine").  On Podman the
 * container's cgroup is left for the metrics child to find from the
 * container's process (/proc/<pid>/cgroup names libpod-<id>), and an
 * engine that refuses a create for want of an init (Podman without
 * catatonit) gets containers without one from then on, said once.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "imsgev.h"
#include "log.h"
#include "privsep.h"
#include "runtime.h"
#include "util.h"

#define ENGINE_BACKOFF_MIN_MS	250
#define ENGINE_BACKOFF_MAX_MS	10000
#define ENGINE_PROBE_MS		5000
#define ENGINE_REPROBE_MS	1000	/* at most one probe a second */

__dead void	runtime_main(int, char **);
static void	runtime_imsg(struct imsg *);
static gid_t	runtime_socket_gid(const char *);
static void	engine_probe(int, short, void *);
static void	engine_version_done(struct http_req *, void *);
static void	engine_info_done(struct http_req *, void *);
static void	engine_set(int, const char *);
static void	engine_retry(void);

struct riklet_conf	 runtime_conf;
static struct imsgev	 iev_parent;

static struct {
	int		 up;
	int		 probing;
	struct backoff	 backoff;
	struct event	*retry;
	struct rt_engine sent;
	int		 ever_sent;
	uint64_t	 probed_ms;
	char		 version[RIK_VERSION_MAX];
	char		 api[RIK_VERSION_MAX];
	char		 root[RIK_PATH_MAX];	/* DockerRootDir */
	int		 podman;	/* else Docker's */
	int		 no_init;	/* it has no init for HostConfig.Init */
} engine;

__dead void
runtime_main(int argc, char **argv)
{
	struct event_base	*base;
	gid_t			 gid;

	child_setup(PROC_RUNTIME, argc, argv);
	child_read_conf(&runtime_conf);
	gid = runtime_socket_gid(runtime_conf.docker_socket);
	priv_drop(&runtime_conf, PROC_RUNTIME, NULL, gid);
	sandbox_child(PROC_RUNTIME);
	base = child_event_init(&iev_parent, runtime_imsg);
	http_init(base, runtime_conf.docker_socket);
	watch_init(base);
	probe_init(base);
	if ((engine.retry = evtimer_new(base, engine_probe, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	backoff_init(&engine.backoff, ENGINE_BACKOFF_MIN_MS,
	    ENGINE_BACKOFF_MAX_MS);
	engine_probe(-1, 0, NULL);
	event_base_dispatch(base);
	exit(0);
}

static gid_t
runtime_socket_gid(const char *path)
{
	struct stat	 st;
	struct group	*gr;

	if (stat(path, &st) == 0)
		return st.st_gid;
	log_info("engine socket %s: %s; keeping group docker", path,
	    strerror(errno));
	if ((gr = getgrnam("docker")) == NULL) {
		log_warnx("no group docker: the engine socket may be out of "
		    "reach");
		return (gid_t)-1;
	}
	return gr->gr_gid;
}

void
runtime_send(uint32_t type, const void *data, size_t len)
{
	if (imsgev_compose(&iev_parent, type, 0, -1, data, len) == -1)
		fatal("%s: %s", __func__, imsg_type_name(type));
}

int
runtime_engine_up(void)
{
	return engine.up;
}

/* An exchange failed without an answer: is the engine still there? */
void
runtime_engine_lost(const char *why)
{
	struct timeval	 tv = { 0, 0 };
	uint64_t	 since = monotime_ms() - engine.probed_ms;

	if (engine.probing || evtimer_pending(engine.retry, NULL))
		return;
	log_debug("engine: %s; probing", why);
	/* A stream that keeps breaking must not make us spin. */
	if (since < ENGINE_REPROBE_MS)
		tv.tv_usec = (ENGINE_REPROBE_MS - since) * 1000;
	evtimer_add(engine.retry, &tv);
}

static void
engine_probe(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	engine.probing = 1;
	engine.probed_ms = monotime_ms();
	if (http_request("GET", DOCKER_API_PREFIX "/version", NULL,
	    ENGINE_PROBE_MS, HTTP_BODY_MAX, engine_version_done, NULL) ==
	    NULL) {
		engine.probing = 0;
		engine_set(0, "engine request queue full");
		engine_retry();
	}
}

static void
engine_version_done(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 msg[RIK_MESSAGE_MAX];

	(void)arg;
	if (res->error == NULL && res->status == 200 &&
	    docker_parse_version(res->body, res->len, engine.version,
	    sizeof(engine.version), engine.api, sizeof(engine.api), msg,
	    sizeof(msg)) == 0) {
		engine.podman = docker_is_podman(res->body, res->len);
		if (http_request("GET", DOCKER_API_PREFIX "/info", NULL,
		    ENGINE_PROBE_MS, HTTP_BODY_MAX, engine_info_done, NULL) !=
		    NULL)
			return;
		(void)strlcpy(msg, "engine request queue full", sizeof(msg));
	} else if (res->error != NULL || res->status != 200) {
		docker_error(res, msg, sizeof(msg));
		if (res->error != NULL)
			(void)snprintf(msg, sizeof(msg), "engine unreachable "
			    "at %.256s: %.256s", runtime_conf.docker_socket,
			    res->error);
	}
	engine.probing = 0;
	engine_set(0, msg);
	engine_retry();
}

static void
engine_info_done(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	char				 driver[32], msg[RIK_MESSAGE_MAX];

	(void)arg;
	engine.probing = 0;
	if (res->error != NULL || res->status != 200 ||
	    docker_parse_info(res->body, res->len, driver,
	    sizeof(driver), engine.root, sizeof(engine.root)) == -1) {
		docker_error(res, msg, sizeof(msg));
		engine_set(0, msg);
		engine_retry();
		return;
	}
	backoff_reset(&engine.backoff);
	/* Podman's cgroups are found from the container's process. */
	if (engine.podman)
		driver[0] = '\0';
	if (engine.up) {
		/* Still up, only the watcher was lost. */
		watch_start(driver);
		return;
	}
	engine.no_init = 0;
	engine_set(1, "");
	watch_start(driver);
	pod_engine_up();
}

static void
engine_retry(void)
{
	struct timeval	 tv;
	uint64_t	 ms = backoff_next(&engine.backoff);

	watch_stop();
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(engine.retry, &tv);
	log_debug("engine: next probe in %llu ms", (unsigned long long)ms);
}

/* Tells the parent when the engine's state or the reason changes. */
static void
engine_set(int up, const char *msg)
{
	struct rt_engine	 e;

	memset(&e, 0, sizeof(e));
	e.up = up;
	if (up) {
		(void)strlcpy(e.name, engine.podman ? "Podman" : "Docker",
		    sizeof(e.name));
		(void)strlcpy(e.version, engine.version, sizeof(e.version));
		(void)strlcpy(e.api_version, engine.api,
		    sizeof(e.api_version));
		(void)strlcpy(e.root_dir, engine.root, sizeof(e.root_dir));
	}
	(void)strlcpy(e.message, msg, sizeof(e.message));
	engine.up = up;
	if (engine.ever_sent && memcmp(&e, &engine.sent, sizeof(e)) == 0)
		return;
	if (up)
		log_info("engine up: %s version %s, API %s; containers run "
		    "under the engine's init", e.name, e.version,
		    e.api_version);
	else
		log_warnx("engine down: %s", e.message);
	engine.sent = e;
	engine.ever_sent = 1;
	runtime_send(IMSG_RT_ENGINE, &e, sizeof(e));
}

int
runtime_engine_podman(void)
{
	return engine.podman;
}

/* Whether containers are made with HostConfig.Init. */
int
runtime_engine_init(void)
{
	return !engine.no_init;
}

/* The engine refused an init (why): none from now on, said once. */
void
runtime_engine_no_init(const char *why)
{
	if (engine.no_init)
		return;
	engine.no_init = 1;
	log_warnx("engine has no init (%.400s): containers run without one, "
	    "their command as their first process", why);
}

/* One message from the parent. */
static void
runtime_imsg(struct imsg *imsg)
{
	struct container_ref		 ref;
	struct rt_logs			 rl;
	struct logs_ack			 ack;
	struct rt_gc			 gcr;
	uint32_t			 reqid;
	const char			*s;

	switch (imsg->hdr.type) {
	case IMSG_CONF:
		child_conf_imsg(imsg, &runtime_conf);
		break;
	case IMSG_VERBOSE:
		child_verbose_imsg(imsg);
		break;
	case IMSG_POD_CREATE:
		pod_create(imsg->data, imsg->datalen);
		break;
	case IMSG_POD_DESTROY:
		if ((s = imsg_string(imsg, 0)) == NULL ||
		    !podspec_valid_id(s))
			fatalx("%s: bad IMSG_POD_DESTROY", __func__);
		probe_forget_instance(s);
		pod_destroy(s);
		break;
	case IMSG_POD_RESTART:
		if ((s = imsg_string(imsg, 0)) == NULL ||
		    !podspec_valid_id(s))
			fatalx("%s: bad IMSG_POD_RESTART", __func__);
		pod_restart_whole(s);
		break;
	case IMSG_CONTAINER_RESTART:
		if (imsg->datalen != sizeof(ref))
			fatalx("%s: bad IMSG_CONTAINER_RESTART size",
			    __func__);
		memcpy(&ref, imsg->data, sizeof(ref));
		if (memchr(ref.instance, '\0',
		    sizeof(ref.instance)) == NULL ||
		    memchr(ref.id, '\0', sizeof(ref.id)) == NULL ||
		    !podspec_valid_id(ref.instance) ||
		    !docker_valid_id(ref.id))
			fatalx("%s: bad IMSG_CONTAINER_RESTART",
			    __func__);
		pod_restart(&ref);
		break;
	case IMSG_RT_PAUSE:
		if ((s = imsg_string(imsg, 0)) == NULL) {
			if (imsg->fd != -1)
				close(imsg->fd);
			fatalx("%s: bad IMSG_RT_PAUSE", __func__);
		}
		infra_pause(imsg->fd, s);
		imsg->fd = -1;
		break;
	case IMSG_RT_GC:
		if (imsg->datalen != sizeof(gcr))
			fatalx("%s: bad IMSG_RT_GC size", __func__);
		memcpy(&gcr, imsg->data, sizeof(gcr));
		if (gcr.bytes <= 0 || gcr.used_pct > 100)
			fatalx("%s: bad IMSG_RT_GC", __func__);
		gc_start(&gcr);
		break;
	case IMSG_RT_REGISTRY:
		if (registry_imsg(imsg->data, imsg->datalen) == -1)
			fatalx("%s: bad IMSG_RT_REGISTRY", __func__);
		break;
	case IMSG_RT_LOGS:
		if (imsg->datalen != sizeof(rl))
			fatalx("%s: bad IMSG_RT_LOGS size", __func__);
		memcpy(&rl, imsg->data, sizeof(rl));
		if (memchr(rl.id, '\0', sizeof(rl.id)) == NULL ||
		    !docker_valid_id(rl.id) || rl.follow > 1 ||
		    rl.tail < LOGS_TAIL_ALL || rl.tail > LOGS_TAIL_MAX)
			fatalx("%s: bad IMSG_RT_LOGS", __func__);
		logs_start(&rl);
		break;
	case IMSG_RT_LOGS_ACK:
		if (imsg->datalen != sizeof(ack))
			fatalx("%s: bad IMSG_RT_LOGS_ACK size",
			    __func__);
		memcpy(&ack, imsg->data, sizeof(ack));
		logs_ack(&ack);
		break;
	case IMSG_RT_LOGS_CANCEL:
		if (imsg->datalen != sizeof(reqid))
			fatalx("%s: bad IMSG_RT_LOGS_CANCEL size",
			    __func__);
		memcpy(&reqid, imsg->data, sizeof(reqid));
		logs_cancel(reqid);
		break;
	default:
		log_warnx("%s: unexpected %s", __func__,
		    imsg_type_name(imsg->hdr.type));
		break;
	}
}
