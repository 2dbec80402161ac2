/*
 * The Engine API for what makes a pod more than its containers, without
 * I/O like runtime_docker.c: the infra container (rik-<instance>-pod)
 * that holds the pod's network and IPC namespaces and its published
 * ports, how each container joins it and mounts the pod's volumes, the
 * bounded logs, the emptyDir volumes (rik-<instance>-<volume>), and the
 * listings a destroy or a restart walks.  Answers are untrusted.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "runtime.h"

static json_t	*docker_mount(const struct pod_spec *,
		    const struct pod_mount *);

/*
 * The infra container: the infra image's own entry point, no init (it
 * is one), an IPC namespace the others may join, every port of the pod.
 */
char *
docker_infra_body(const struct pod_spec *ps, const char *image,
    const struct create_opts *opts)
{
	json_t	*body = NULL, *labels, *hc;
	char	*out = NULL;
	size_t	 i;

	if ((labels = docker_pod_labels(ps, POD_INFRA_NAME, 0, opts->node,
	    "infra")) == NULL)
		return NULL;
	hc = json_pack("{s:s}", "IpcMode", "shareable");
	if ((body = json_pack("{s:s, s:o, s:o}", "Image", image,
	    "Labels", labels, "HostConfig", hc)) == NULL)
		return NULL;
	for (i = 0; i < ps->ncontainers; i++)
		if (docker_create_ports(body, hc, &ps->containers[i]) == -1)
			goto fail;
	if (docker_log_config(hc, opts) == -1)
		goto fail;
	out = json_dumps(body, JSON_COMPACT);
 fail:
	json_decref(body);
	return out;
}

/* A container of the pod: the infra's namespaces, the pod's volumes. */
int
docker_join_pod(json_t *hc, const struct pod_spec *ps,
    const struct pod_container *c, const struct create_opts *opts)
{
	json_t	*mounts, *m;
	char	 mode[16 + RIK_CONTAINER_ID_MAX];
	size_t	 i;

	(void)snprintf(mode, sizeof(mode), "container:%s", opts->infra_id);
	if (json_object_set_new(hc, "NetworkMode", json_string(mode)) == -1 ||
	    json_object_set_new(hc, "IpcMode", json_string(mode)) == -1)
		return -1;
	if (c->nmounts == 0)
		return 0;
	if ((mounts = json_array()) == NULL ||
	    json_object_set_new(hc, "Mounts", mounts) == -1)
		return -1;
	for (i = 0; i < c->nmounts; i++)
		if ((m = docker_mount(ps, &c->mounts[i])) == NULL ||
		    json_array_append_new(mounts, m) == -1)
			return -1;
	return 0;
}

/* An emptyDir is the pod's engine volume; a hostPath a bind mount. */
static json_t *
docker_mount(const struct pod_spec *ps, const struct pod_mount *pm)
{
	const struct pod_volume	*v;
	char			 name[VOLUME_NAME_MAX];

	if ((v = podspec_volume(ps, pm->volume)) == NULL)
		return NULL;
	if (v->kind == VOLUME_HOSTPATH)
		return json_pack("{s:s, s:s, s:s, s:b}", "Type", "bind",
		    "Source", v->path, "Target", pm->path, "ReadOnly",
		    pm->readonly);
	if (docker_volume_name(name, sizeof(name), ps->instance,
	    v->name) == -1)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:b}", "Type", "volume",
	    "Source", name, "Target", pm->path, "ReadOnly", pm->readonly);
}

/* The engine's json-file driver, rotated: what the node's disk keeps. */
int
docker_log_config(json_t *hc, const struct create_opts *opts)
{
	char	 size[24], files[16];

	if (opts->log_max_size == 0)
		return 0;
	(void)snprintf(size, sizeof(size), "%llu",
	    (unsigned long long)opts->log_max_size);
	(void)snprintf(files, sizeof(files), "%u", opts->log_max_files);
	return json_object_set_new(hc, "LogConfig", json_pack("{s:s, s:{s:s, "
	    "s:s}}", "Type", "json-file", "Config", "max-size", size,
	    "max-file", files));
}

int
docker_volume_name(char *buf, size_t len, const char *instance,
    const char *volume)
{
	return (size_t)snprintf(buf, len, "rik-%s-%s", instance, volume) <
	    len ? 0 : -1;
}

/* POST /volumes/create: the pod's emptyDir, labelled as its containers. */
char *
docker_volume_body(const struct pod_spec *ps, const struct pod_volume *v,
    const char *node)
{
	json_t	*body;
	char	 name[VOLUME_NAME_MAX];
	char	*out;

	if (docker_volume_name(name, sizeof(name), ps->instance, v->name) ==
	    -1)
		return NULL;
	if ((body = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "Name", name,
	    "Labels", "riklet.managed", "true", "riklet.node", node,
	    "riklet.instance", ps->instance, "riklet.volume", v->name)) ==
	    NULL)
		return NULL;
	out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return out;
}

/*
 * One container of GET /containers/json of an instance: its id, role,
 * place, whether it runs and the pod's grace.  -1 without a valid id.
 */
static int
member_read(json_t *c, struct pod_member *pm)
{
	json_t		*labels, *v;
	const char	*s;

	memset(pm, 0, sizeof(*pm));
	if (!json_is_object(c) || !json_is_string(v =
	    json_object_get(c, "Id")) || strlcpy(pm->id,
	    json_string_value(v), sizeof(pm->id)) >= sizeof(pm->id) ||
	    !docker_valid_id(pm->id))
		return -1;
	pm->running = json_is_string(v = json_object_get(c, "State")) &&
	    strcmp(json_string_value(v), "running") == 0;
	pm->role = ROLE_ALONE;
	pm->index = RIK_CONTAINERS_MAX;
	labels = json_object_get(c, "Labels");
	if (json_is_object(labels)) {
		if (json_is_string(v = json_object_get(labels,
		    "riklet.role"))) {
			s = json_string_value(v);
			if (strcmp(s, "infra") == 0)
				pm->role = ROLE_INFRA;
			else if (strcmp(s, "container") == 0)
				pm->role = ROLE_MEMBER;
		}
		(void)docker_uint_label(labels, "riklet.index", &pm->index,
		    RIK_CONTAINERS_MAX);
		pm->has_grace = docker_uint_label(labels, "riklet.grace",
		    &pm->grace_s, POD_GRACE_MAX) == 0;
	}
	return 0;
}

/* One element of a streamed listing (runtime_list.c). */
int
docker_parse_member(const char *buf, size_t len, struct pod_member *pm)
{
	json_t	*j;
	int	 rv;

	j = docker_load(buf, len);
	rv = j != NULL ? member_read(j, pm) : -1;
	json_decref(j);
	return rv;
}

/* A whole listing of one instance; more than max is an error. */
int
docker_parse_members(const char *buf, size_t len, struct pod_member *m,
    size_t max, size_t *n)
{
	json_t		*j, *c;
	size_t		 i;
	int		 rv = -1;

	*n = 0;
	if ((j = docker_load(buf, len)) == NULL || !json_is_array(j) ||
	    json_array_size(j) > max)
		goto done;
	json_array_foreach(j, i, c) {
		if (member_read(c, &m[*n]) == -1)
			goto done;
		(*n)++;
	}
	rv = 0;
 done:
	json_decref(j);
	return rv;
}

/* The volume's label key is value. */
static int
volume_label_is(json_t *labels, const char *key, const char *value)
{
	json_t	*l = json_object_get(labels, key);

	return json_is_string(l) && strcmp(json_string_value(l), value) == 0;
}

/*
 * GET /volumes: {"Volumes": [{"Name": ..., "Labels": {...}}, ...]} (null
 * when none): the names of the instance's volumes on this node.  The
 * labels are checked here, not left to the filter: Podman 4.3 lists the
 * volumes that have any of the labels asked for, Docker those that have
 * them all.
 */
int
docker_parse_volumes(const char *buf, size_t len, const char *node,
    const char *instance, char (*names)[VOLUME_NAME_MAX], size_t max,
    size_t *n)
{
	json_t	*j, *vols, *v, *name, *labels;
	size_t	 i;
	int	 rv = -1;

	*n = 0;
	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j))
		goto done;
	vols = json_object_get(j, "Volumes");
	if (vols == NULL || json_is_null(vols)) {
		rv = 0;
		goto done;
	}
	if (!json_is_array(vols))
		goto done;
	json_array_foreach(vols, i, v) {
		if (!json_is_object(v))
			goto done;
		labels = json_object_get(v, "Labels");
		if (!volume_label_is(labels, "riklet.managed", "true") ||
		    !volume_label_is(labels, "riklet.node", node) ||
		    !volume_label_is(labels, "riklet.instance", instance))
			continue;
		if (*n >= max || !json_is_string(name =
		    json_object_get(v, "Name")) ||
		    strlcpy(names[*n], json_string_value(name),
		    VOLUME_NAME_MAX) >= VOLUME_NAME_MAX ||
		    strncmp(names[*n], "rik-", 4) != 0 ||
		    strchr(names[*n], '/') != NULL)
			goto done;
		(*n)++;
	}
	rv = 0;
 done:
	json_decref(j);
	return rv;
}

/*
 * A start refused because a node port is taken: the port, found in the
 * engine's message ("Bind for 0.0.0.0:8080 failed: port is already
 * allocated", "listen tcp4 0.0.0.0:8080: bind: address already in use"),
 * or the pod's first one if the message names none.  0: not that.
 */
unsigned int
docker_port_in_use(const char *msg, const struct pod_spec *ps)
{
	const struct pod_port	*p;
	unsigned int		 first = 0;
	char			 pat[16];
	const char		*at;
	size_t			 i, j;

	if (strstr(msg, "port is already allocated") == NULL &&
	    strstr(msg, "address already in use") == NULL)
		return 0;
	for (i = 0; i < ps->ncontainers; i++)
		for (j = 0; j < ps->containers[i].nports; j++) {
			p = &ps->containers[i].ports[j];
			if (p->port == 0)
				continue;
			if (first == 0)
				first = p->port;
			(void)snprintf(pat, sizeof(pat), ":%u", p->port);
			for (at = strstr(msg, pat); at != NULL;
			    at = strstr(at + 1, pat))
				if (at[strlen(pat)] < '0' ||
				    at[strlen(pat)] > '9')
					return p->port;
		}
	return first;
}
