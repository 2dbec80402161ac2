/*
 * The Engine API's requests and responses, without I/O so the unit tests
 * can feed them anything.  Every answer from the engine is untrusted:
 * types are checked, strings must fit their fields, ids must look like
 * ids, and a container whose riklet labels are missing or malformed is
 * not ours.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "runtime.h"

static int	 docker_copy(json_t *, const char *, char *, size_t);
static int	 docker_labels(json_t *, const char *, struct rt_container *);
static uint32_t	 docker_state(const char *);
static json_t	*docker_strv(char *const *, size_t);
static int	 docker_add_label(json_t *, const char *, const char *);
static int	 docker_filter_path(char *, size_t, const char *, json_t *,
		    const char *, const char *);

/* An answer of the engine's, bounded; NULL if it is not JSON. */
json_t *
docker_load(const char *buf, size_t len)
{
	json_error_t	 err;

	if (buf == NULL || len == 0 || len > HTTP_BODY_MAX)
		return NULL;
	return json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
}

/* A string member that must exist and fit. */
static int
docker_copy(json_t *obj, const char *key, char *dst, size_t size)
{
	json_t		*v = json_object_get(obj, key);
	const char	*s;

	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) ||
	    strlcpy(dst, s, size) >= size)
		return -1;
	return 0;
}

int
docker_valid_id(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return 0;
	return i == 64;
}

/* "1.41" or later. */
int
docker_api_ok(const char *v)
{
	unsigned long	 major, minor;
	char		*end;

	errno = 0;
	major = strtoul(v, &end, 10);
	if (end == v || *end != '.' || errno != 0)
		return 0;
	v = end + 1;
	minor = strtoul(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0)
		return 0;
	return major > DOCKER_API_MIN_MAJOR ||
	    (major == DOCKER_API_MIN_MAJOR && minor >= DOCKER_API_MIN_MINOR);
}

int
docker_parse_version(const char *buf, size_t len, char *ver, size_t vlen,
    char *api, size_t alen, char *err, size_t errlen)
{
	json_t	*j;
	int	 rv = -1;

	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j)) {
		(void)snprintf(err, errlen, "engine version: not JSON");
		goto done;
	}
	if (docker_copy(j, "Version", ver, vlen) == -1 ||
	    docker_copy(j, "ApiVersion", api, alen) == -1) {
		(void)snprintf(err, errlen, "engine version: missing or bad "
		    "Version/ApiVersion");
		goto done;
	}
	if (!docker_api_ok(api)) {
		(void)snprintf(err, errlen, "engine API %s is older than "
		    "%d.%d, which riklet needs", api, DOCKER_API_MIN_MAJOR,
		    DOCKER_API_MIN_MINOR);
		goto done;
	}
	rv = 0;
 done:
	json_decref(j);
	return rv;
}

/* The cgroup driver, "cgroupfs" or "systemd"; "" if not said. */
int
docker_parse_info(const char *buf, size_t len, char *driver, size_t dlen,
    char *root, size_t rlen)
{
	json_t	*j;
	int	 rv = -1;

	driver[0] = '\0';
	root[0] = '\0';
	if ((j = docker_load(buf, len)) != NULL && json_is_object(j)) {
		if (docker_copy(j, "CgroupDriver", driver, dlen) == -1)
			driver[0] = '\0';
		/* Where the images are: the parent measures it. */
		if (docker_copy(j, "DockerRootDir", root, rlen) == -1 ||
		    root[0] != '/')
			root[0] = '\0';
		rv = 0;
	}
	json_decref(j);
	return rv;
}

/*
 * Whether GET /version is Podman's: a component "Podman Engine".  Docker
 * names its "Engine".
 */
int
docker_is_podman(const char *buf, size_t len)
{
	json_t	*j, *comps, *c, *n;
	size_t	 i;
	int	 podman = 0;

	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j))
		goto done;
	comps = json_object_get(j, "Components");
	if (!json_is_array(comps))
		goto done;
	json_array_foreach(comps, i, c) {
		n = json_object_get(c, "Name");
		if (json_is_string(n) && strcmp(json_string_value(n),
		    "Podman Engine") == 0)
			podman = 1;
	}
 done:
	json_decref(j);
	return podman;
}

/*
 * Whether a create failed because the engine has no init to run as the
 * container's first process (HostConfig.Init): Podman without catatonit
 * says "container-init binary not found on the host".  Docker ships its
 * docker-init with the engine.
 */
int
docker_no_init(const char *msg)
{
	return strstr(msg, "init binary not found") != NULL;
}

/*
 * The riklet labels of a create body of ours (docker_create_body,
 * docker_infra_body), as an inspect would give them: known before any
 * event of the container comes.
 */
int
docker_body_labels(const char *body, const char *node,
    struct rt_container *c)
{
	json_t	*j;
	int	 rv = -1;

	memset(c, 0, sizeof(*c));
	if ((j = json_loads(body, 0, NULL)) != NULL && json_is_object(j))
		rv = docker_labels(json_object_get(j, "Labels"), node, c);
	json_decref(j);
	return rv;
}

/* The engine's error answers are {"message": "..."}. */
int
docker_parse_message(const char *buf, size_t len, char *msg, size_t mlen)
{
	json_t		*j, *m;
	const char	*s;
	int		 rv = -1;

	msg[0] = '\0';
	if ((j = docker_load(buf, len)) != NULL && json_is_object(j) &&
	    json_is_string(m = json_object_get(j, "message"))) {
		s = json_string_value(m);
		(void)strlcpy(msg, s, mlen);
		rv = 0;
	}
	json_decref(j);
	return rv;
}

/*
 * What went wrong with an answer, for a log line or a FAILED reason:
 * never "", which the parent refuses as the message of a failure.
 */
void
docker_error(const struct http_result *res, char *msg, size_t mlen)
{
	char	 m[RIK_MESSAGE_MAX];

	if (res->error != NULL)
		(void)snprintf(msg, mlen, "engine: %s", res->error);
	else if (docker_parse_message(res->body, res->len, m, sizeof(m)) ==
	    0 && m[0] != '\0')
		(void)strlcpy(msg, m, mlen);
	else
		(void)snprintf(msg, mlen, "engine answered HTTP %ld",
		    res->status);
}

/*
 * POST /containers/create answers {"Id": "..."}; so does inspect, and so
 * does each element of a listing (runtime_list.c).
 */
int
docker_parse_id(const char *buf, size_t len, char *id, size_t idlen)
{
	json_t	*j;
	int	 rv = -1;

	if ((j = docker_load(buf, len)) != NULL && json_is_object(j) &&
	    docker_copy(j, "Id", id, idlen) == 0 && docker_valid_id(id))
		rv = 0;
	json_decref(j);
	return rv;
}

/* A label holding a decimal number up to max. */
int
docker_uint_label(json_t *labels, const char *key, uint32_t *v, uint32_t max)
{
	json_t		*s = json_object_get(labels, key);
	const char	*p;
	char		*end;
	unsigned long	 n;

	if (!json_is_string(s))
		return -1;
	p = json_string_value(s);
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	n = strtoul(p, &end, 10);
	if (*end != '\0' || errno != 0 || n > max)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/*
 * The riklet labels (or an event's attributes, where the labels are
 * mixed with the engine's own keys).  Only a container of this node,
 * managed by riklet, with a valid instance and name is accepted.
 */
static int
docker_labels(json_t *labels, const char *node, struct rt_container *c)
{
	json_t		*v;
	const char	*s;
	uint32_t	 p;

	if (!json_is_object(labels))
		return -1;
	v = json_object_get(labels, "riklet.managed");
	if (!json_is_string(v) || strcmp(json_string_value(v), "true") != 0)
		return -1;
	v = json_object_get(labels, "riklet.node");
	if (!json_is_string(v) || strcmp(json_string_value(v), node) != 0)
		return -1;
	if (docker_copy(labels, "riklet.instance", c->instance,
	    sizeof(c->instance)) == -1 || !podspec_valid_id(c->instance))
		return -1;
	if (docker_copy(labels, "riklet.container", c->name,
	    sizeof(c->name)) == -1 || !podspec_valid_name(c->name))
		return -1;
	if (docker_copy(labels, "riklet.pod", c->pod_name,
	    sizeof(c->pod_name)) == -1 || (c->pod_name[0] != '\0' &&
	    !podspec_valid_name(c->pod_name)))
		c->pod_name[0] = '\0';
	c->role = ROLE_ALONE;
	if ((v = json_object_get(labels, "riklet.role")) != NULL &&
	    json_is_string(v)) {
		s = json_string_value(v);
		if (strcmp(s, "infra") == 0)
			c->role = ROLE_INFRA;
		else if (strcmp(s, "container") == 0)
			c->role = ROLE_MEMBER;
	}
	c->restart_policy = RESTART_NEVER;
	if ((v = json_object_get(labels, "riklet.restart")) != NULL &&
	    json_is_string(v)) {
		if (restart_policy_parse(json_string_value(v), &p) == 0)
			c->restart_policy = p;
	}
	if (docker_uint_label(labels, "riklet.count", &c->ncontainers,
	    RIK_CONTAINERS_MAX) == -1 || c->ncontainers == 0 ||
	    docker_uint_label(labels, "riklet.index", &c->index,
	    c->ncontainers - 1) == -1) {
		c->ncontainers = 0;
		c->index = 0;
	}
	return 0;
}

static uint32_t
docker_state(const char *s)
{
	if (strcmp(s, "created") == 0)
		return CONTAINER_CREATED;
	if (strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 ||
	    strcmp(s, "restarting") == 0)
		return CONTAINER_RUNNING;
	return CONTAINER_EXITED;	/* exited, dead, removing */
}

/*
 * GET /containers/{id}/json.  driver says where the engine puts the
 * container's cgroup, so the metrics child can find it.
 */
int
docker_parse_inspect(const char *buf, size_t len, const char *node,
    const char *driver, struct rt_container *c)
{
	json_t		*j, *cfg, *st, *hc, *v;
	char		 status[32], parent[RIK_CGROUP_MAX];
	int		 rv = -1;

	memset(c, 0, sizeof(*c));
	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j))
		goto done;
	cfg = json_object_get(j, "Config");
	st = json_object_get(j, "State");
	hc = json_object_get(j, "HostConfig");
	if (!json_is_object(cfg) || !json_is_object(st) ||
	    !json_is_object(hc))
		goto done;
	if (docker_copy(j, "Id", c->id, sizeof(c->id)) == -1 ||
	    !docker_valid_id(c->id) ||
	    docker_labels(json_object_get(cfg, "Labels"), node, c) == -1)
		goto done;
	if (docker_copy(cfg, "Image", c->image, sizeof(c->image)) == -1)
		c->image[0] = '\0';
	if (docker_copy(st, "Status", status, sizeof(status)) == -1)
		goto done;
	c->state = docker_state(status);
	v = json_object_get(st, "Pid");
	if (json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) <= INT32_MAX && c->state ==
	    CONTAINER_RUNNING)
		c->pid = (int32_t)json_integer_value(v);
	v = json_object_get(st, "ExitCode");
	if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
	    json_integer_value(v) <= INT32_MAX)
		c->exit_code = (int32_t)json_integer_value(v);
	c->oom_killed = json_is_true(json_object_get(st, "OOMKilled"));
	v = json_object_get(hc, "Memory");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		c->memory_limit = json_integer_value(v);
	v = json_object_get(hc, "NanoCpus");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		c->nano_cpus = json_integer_value(v);
	if (docker_copy(hc, "CgroupParent", parent, sizeof(parent)) == -1)
		parent[0] = '\0';
	if (c->state != CONTAINER_RUNNING)
		;
	else if (strcmp(driver, "cgroupfs") == 0)
		(void)snprintf(c->cgroup, sizeof(c->cgroup), "%s/%s",
		    parent[0] != '\0' ? parent : "/docker", c->id);
	else if (strcmp(driver, "systemd") == 0)
		(void)snprintf(c->cgroup, sizeof(c->cgroup),
		    "/%s/docker-%s.scope", parent[0] != '\0' ? parent :
		    "system.slice", c->id);
	rv = 0;
 done:
	json_decref(j);
	return rv;
}

/* One line of GET /events. */
int
docker_parse_event(const char *buf, size_t len, const char *node,
    struct docker_event *e)
{
	json_t		*j, *actor, *attrs, *v;
	const char	*s;
	char		*end;
	long		 code;
	int		 rv = -1;

	memset(e, 0, sizeof(*e));
	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j))
		goto done;
	v = json_object_get(j, "Type");
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    "container") != 0)
		goto done;
	if (docker_copy(j, "Action", e->action, sizeof(e->action)) == -1 ||
	    !json_is_object(actor = json_object_get(j, "Actor")) ||
	    docker_copy(actor, "ID", e->id, sizeof(e->id)) == -1 ||
	    !docker_valid_id(e->id))
		goto done;
	attrs = json_object_get(actor, "Attributes");
	(void)strlcpy(e->c.id, e->id, sizeof(e->c.id));
	e->labels_ok = docker_labels(attrs, node, &e->c) == 0;
	if (json_is_object(attrs)) {
		if (docker_copy(attrs, "image", e->c.image,
		    sizeof(e->c.image)) == -1)
			e->c.image[0] = '\0';
		v = json_object_get(attrs, "exitCode");
		if (json_is_string(v)) {
			s = json_string_value(v);
			errno = 0;
			code = strtol(s, &end, 10);
			if (end != s && *end == '\0' && errno == 0 &&
			    code >= INT32_MIN && code <= INT32_MAX) {
				e->has_exit_code = 1;
				e->exit_code = (int32_t)code;
			}
		}
	}
	rv = 0;
 done:
	json_decref(j);
	return rv;
}

/* One line of a pull's progress stream. */
int
docker_parse_pull(const char *buf, size_t len, struct docker_pull *p)
{
	json_t		*j, *d, *v;
	char		 status[64];
	int		 rv = -1;

	memset(p, 0, sizeof(*p));
	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j))
		goto done;
	if (json_is_string(v = json_object_get(j, "error"))) {
		(void)strlcpy(p->error, json_string_value(v),
		    sizeof(p->error));
		if (p->error[0] == '\0')
			(void)strlcpy(p->error, "pull failed",
			    sizeof(p->error));
		rv = 0;
		goto done;
	}
	if (docker_copy(j, "id", p->layer, sizeof(p->layer)) == -1)
		p->layer[0] = '\0';
	if (docker_copy(j, "status", status, sizeof(status)) == 0 &&
	    (strcmp(status, "Pull complete") == 0 ||
	    strcmp(status, "Already exists") == 0))
		p->done = 1;
	if (json_is_object(d = json_object_get(j, "progressDetail"))) {
		v = json_object_get(d, "current");
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			p->current = json_integer_value(v);
		v = json_object_get(d, "total");
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			p->total = json_integer_value(v);
	}
	rv = 0;
 done:
	json_decref(j);
	return rv;
}

/*
 * Percent-encodes s for a URL path or query; returns the length needed.
 * What does not fit is left out whole, never half an escape.
 */
size_t
docker_escape(char *dst, size_t size, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 n = 0, w = 0, k;
	unsigned char		 ch;
	char			 e[3];

	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		k = 1;
		e[0] = (char)ch;
		if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.' &&
		    ch != '~') {
			e[0] = '%';
			e[1] = hex[ch >> 4];
			e[2] = hex[ch & 15];
			k = 3;
		}
		if (w == n && n + k < size) {
			memcpy(dst + w, e, k);
			w += k;
		}
		n += k;
	}
	if (size > 0)
		dst[w] = '\0';
	return n;
}

/* A label filter string, e.g. riklet.instance=web-1. */
static int
docker_add_label(json_t *labels, const char *key, const char *value)
{
	char	 s[512];

	if ((size_t)snprintf(s, sizeof(s), "%s=%s", key, value) >= sizeof(s))
		return -1;
	return json_array_append_new(labels, json_string(s));
}

/*
 * base?filters=<f> where f gets the label filters of riklet's containers
 * on this node (and of one instance when instance is not NULL).  Takes
 * f's reference.
 */
static int
docker_filter_path(char *path, size_t size, const char *base, json_t *f,
    const char *node, const char *instance)
{
	json_t	*labels;
	char	*js, esc[2048];
	int	 rv = -1;

	if (f == NULL)
		return -1;
	if ((labels = json_array()) == NULL ||
	    docker_add_label(labels, "riklet.managed", "true") == -1 ||
	    docker_add_label(labels, "riklet.node", node) == -1 ||
	    (instance != NULL &&
	    docker_add_label(labels, "riklet.instance", instance) == -1) ||
	    json_object_set_new(f, "label", labels) == -1) {
		json_decref(labels);
		goto done;
	}
	if ((js = json_dumps(f, JSON_COMPACT)) == NULL)
		goto done;
	if (docker_escape(esc, sizeof(esc), js) < sizeof(esc) &&
	    (size_t)snprintf(path, size, "%s%cfilters=%s", base,
	    strchr(base, '?') != NULL ? '&' : '?', esc) < size)
		rv = 0;
	free(js);
 done:
	json_decref(f);
	return rv;
}

/* GET /containers/json of every state, riklet's on this node. */
int
docker_filters_path(char *path, size_t size, const char *prefix,
    const char *node, const char *instance)
{
	char	 base[256];

	if ((size_t)snprintf(base, sizeof(base), "%s?all=1", prefix) >=
	    sizeof(base))
		return -1;
	return docker_filter_path(path, size, base, json_object(), node,
	    instance);
}

/* GET /volumes of riklet's on this node, of one instance. */
int
docker_volumes_path(char *path, size_t size, const char *node,
    const char *instance)
{
	return docker_filter_path(path, size, DOCKER_API_PREFIX "/volumes",
	    json_object(), node, instance);
}

/*
 * The /events stream: every container's start, die, oom, destroy and
 * health_status (a HEALTHCHECK's verdict, for the probes).  Podman filters on its own names, "died" and "remove", and sends die
 * and remove.  No label filter: an engine may leave a container's
 * labels out of its events (runtime_known.c).
 */
int
docker_events_path(char *path, size_t size)
{
	static const char	 f[] = "{\"type\":[\"container\"],"
	    "\"event\":[\"start\",\"die\",\"died\",\"oom\",\"destroy\","
	    "\"remove\",\"health_status\"]}";
	char			 esc[512];

	if (docker_escape(esc, sizeof(esc), f) >= sizeof(esc))
		return -1;
	return (size_t)snprintf(path, size, DOCKER_API_PREFIX
	    "/events?filters=%s", esc) < size ? 0 : -1;
}

/* /images/{name}/json and friends: the name escaped as one segment. */
int
docker_image_path(char *path, size_t size, const char *image,
    const char *suffix)
{
	char	 esc[3 * RIK_IMAGE_MAX];

	if (docker_escape(esc, sizeof(esc), image) >= sizeof(esc))
		return -1;
	return (size_t)snprintf(path, size, DOCKER_API_PREFIX "/images/%s%s",
	    esc, suffix) < size ? 0 : -1;
}

/*
 * POST /images/create?fromImage=..&tag=..: the tag is what follows the
 * last ':' after the last '/' (a registry's port is not a tag); a digest
 * reference goes whole in fromImage.
 */
int
docker_pull_path(char *path, size_t size, const char *image)
{
	char		 name[RIK_IMAGE_MAX], ename[3 * RIK_IMAGE_MAX];
	char		 etag[3 * RIK_IMAGE_MAX];
	const char	*tag = "latest";
	char		*slash, *colon;

	if (strlcpy(name, image, sizeof(name)) >= sizeof(name))
		return -1;
	slash = strrchr(name, '/');
	colon = strrchr(slash != NULL ? slash : name, ':');
	if (strchr(name, '@') != NULL)
		tag = NULL;
	else if (colon != NULL) {
		*colon = '\0';
		tag = colon + 1;
		if (*tag == '\0' || name[0] == '\0')
			return -1;
	}
	if (docker_escape(ename, sizeof(ename), name) >= sizeof(ename))
		return -1;
	if (tag == NULL)
		return (size_t)snprintf(path, size, DOCKER_API_PREFIX
		    "/images/create?fromImage=%s", ename) < size ? 0 : -1;
	if (docker_escape(etag, sizeof(etag), tag) >= sizeof(etag))
		return -1;
	return (size_t)snprintf(path, size, DOCKER_API_PREFIX
	    "/images/create?fromImage=%s&tag=%s", ename, etag) < size ? 0 : -1;
}

static json_t *
docker_strv(char *const *v, size_t n)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The object member key of obj, made empty if it is not there. */
static json_t *
docker_member(json_t *obj, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(obj, key)) != NULL)
		return v;
	if ((v = json_object()) == NULL || json_object_set_new(obj, key, v) ==
	    -1)
		return NULL;
	return v;
}

/* Adds c's ports to the body; for a pod's infra, called per container. */
int
docker_create_ports(json_t *cfg, json_t *hc, const struct pod_container *c)
{
	json_t		*exposed, *bindings, *b;
	char		 key[32], host[8];
	size_t		 i;

	if (c->nports == 0)
		return 0;
	if ((exposed = docker_member(cfg, "ExposedPorts")) == NULL ||
	    (bindings = docker_member(hc, "PortBindings")) == NULL)
		return -1;
	for (i = 0; i < c->nports; i++) {
		(void)snprintf(key, sizeof(key), "%u/%s",
		    (unsigned)c->ports[i].target_port,
		    c->ports[i].proto == PORT_UDP ? "udp" : "tcp");
		if (json_object_set_new(exposed, key, json_object()) == -1)
			return -1;
		if (c->ports[i].port == 0)
			continue;
		(void)snprintf(host, sizeof(host), "%u",
		    (unsigned)c->ports[i].port);
		if ((b = json_object_get(bindings, key)) == NULL) {
			if ((b = json_array()) == NULL ||
			    json_object_set_new(bindings, key, b) == -1)
				return -1;
		}
		if (json_array_append_new(b, json_pack("{s:s}", "HostPort",
		    host)) == -1)
			return -1;
	}
	return 0;
}

/*
 * The labels of a pod's container: whose it is, its place in the pod
 * (role: "container", "infra", or NULL for a pod without infra), and what
 * a riklet that restarts needs to know of the pod.
 */
json_t *
docker_pod_labels(const struct pod_spec *ps, const char *name, size_t idx,
    const char *node, const char *role)
{
	json_t	*labels;
	char	 n[24];

	labels = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "riklet.managed", "true",
	    "riklet.node", node,
	    "riklet.instance", ps->instance,
	    "riklet.container", name,
	    "riklet.pod", ps->name,
	    "riklet.restart", restart_policy_name(ps->restart_policy));
	if (labels == NULL)
		return NULL;
	(void)snprintf(n, sizeof(n), "%zu", idx);
	if (json_object_set_new(labels, "riklet.index", json_string(n)) == -1)
		goto fail;
	(void)snprintf(n, sizeof(n), "%zu", ps->ncontainers);
	if (json_object_set_new(labels, "riklet.count", json_string(n)) == -1)
		goto fail;
	if (role != NULL && json_object_set_new(labels, "riklet.role",
	    json_string(role)) == -1)
		goto fail;
	(void)snprintf(n, sizeof(n), "%u", ps->grace_s);
	if (ps->has_grace && json_object_set_new(labels, "riklet.grace",
	    json_string(n)) == -1)
		goto fail;
	return labels;
 fail:
	json_decref(labels);
	return NULL;
}

/*
 * The body of POST /containers/create for container idx of the pod: in
 * the infra container's namespaces when there is one, with the pod's
 * ports otherwise.
 */
char *
docker_create_body(const struct pod_spec *ps, size_t idx,
    const struct create_opts *opts)
{
	const struct pod_container	*c;
	json_t				*body = NULL, *labels, *hc, *v;
	char				*out = NULL;

	if (idx >= ps->ncontainers)
		return NULL;
	c = &ps->containers[idx];
	if ((labels = docker_pod_labels(ps, c->name, idx, opts->node,
	    opts->infra_id != NULL ? "container" : NULL)) == NULL)
		return NULL;
	if (docker_probe_labels(labels, c) == -1)
		goto fail;
	if (ps->definition != NULL && json_object_set_new(labels,
	    "riklet.definition", json_string(ps->definition)) == -1)
		goto fail;
	hc = json_pack("{s:b}", "Init", !opts->no_init);
	if ((body = json_pack("{s:s, s:o, s:o}", "Image", c->image,
	    "Labels", labels, "HostConfig", hc)) == NULL) {
		labels = NULL;
		goto fail;
	}
	labels = NULL;
	if (c->memory_limit > 0 && json_object_set_new(hc, "Memory",
	    json_integer(c->memory_limit)) == -1)
		goto fail;
	if (c->nano_cpus > 0 && json_object_set_new(hc, "NanoCpus",
	    json_integer(c->nano_cpus)) == -1)
		goto fail;
	if (c->nenv > 0 && ((v = docker_strv(c->env, c->nenv)) == NULL ||
	    json_object_set_new(body, "Env", v) == -1))
		goto fail;
	if (c->ncommand > 0 && ((v = docker_strv(c->command, c->ncommand)) ==
	    NULL || json_object_set_new(body, "Entrypoint", v) == -1))
		goto fail;
	if (c->nargs > 0 && ((v = docker_strv(c->args, c->nargs)) == NULL ||
	    json_object_set_new(body, "Cmd", v) == -1))
		goto fail;
	if (opts->infra_id != NULL ? docker_join_pod(hc, ps, c, opts) == -1 :
	    docker_create_ports(body, hc, c) == -1)
		goto fail;
	if (docker_log_config(hc, opts) == -1)
		goto fail;
	out = json_dumps(body, JSON_COMPACT);
 fail:
	json_decref(labels);
	json_decref(body);
	return out;
}
