/*
 * The Engine API's side of probes, without I/O: a container's probes as
 * its labels and back, the body of the exec that runs one, and what the
 * engine says of an exec and of an image's HEALTHCHECK.
 *
 * A label is compact JSON: {"kind":"httpGet","port":8080,"path":"/",
 * "delay":0,"period":10,"timeout":1,"failures":3} or, for exec,
 * "command":[...] instead of port and path.  A label read back is checked
 * as a definition is (probe_validate): the engine's word is not trusted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define PAUSE_PATH	"/pause"	/* in the infra image */

static const char *const probe_labels[PROBE_ROLE_MAX] = {
	"riklet.probe.liveness", "riklet.probe.startup"
};

static json_t	*probe_json(const struct pod_probe *);
static int	 probe_from_json(const char *, struct pod_probe *);
static int	 probe_uint(json_t *, const char *, uint32_t *);

static json_t *
probe_json(const struct pod_probe *p)
{
	json_t	*j, *cmd;
	size_t	 i;

	if ((j = json_pack("{s:s, s:i, s:i, s:i, s:i}", "kind",
	    probe_kind_name(p->kind), "delay", (json_int_t)p->initial_delay_s,
	    "period", (json_int_t)p->period_s, "timeout",
	    (json_int_t)p->timeout_s, "failures",
	    (json_int_t)p->failure_threshold)) == NULL)
		return NULL;
	if (p->kind == PROBE_EXEC) {
		if ((cmd = json_array()) == NULL ||
		    json_object_set_new(j, "command", cmd) == -1)
			goto fail;
		for (i = 0; i < p->ncommand; i++)
			if (json_array_append_new(cmd,
			    json_string(p->command[i])) == -1)
				goto fail;
		return j;
	}
	if (json_object_set_new(j, "port", json_integer(p->port)) == -1 ||
	    (p->kind == PROBE_HTTP && json_object_set_new(j, "path",
	    json_string(p->path)) == -1))
		goto fail;
	return j;
 fail:
	json_decref(j);
	return NULL;
}

/* Adds the container's probes to its labels. */
int
docker_probe_labels(json_t *labels, const struct pod_container *c)
{
	json_t	*j;
	char	*s;
	size_t	 i;

	for (i = 0; i < PROBE_ROLE_MAX; i++) {
		if (c->probes[i].kind == PROBE_NONE)
			continue;
		if ((j = probe_json(&c->probes[i])) == NULL)
			return -1;
		s = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		if (s == NULL || json_object_set_new(labels, probe_labels[i],
		    json_string(s)) == -1) {
			free(s);
			return -1;
		}
		free(s);
	}
	return 0;
}

static int
probe_uint(json_t *j, const char *key, uint32_t *out)
{
	json_t		*v = json_object_get(j, key);
	json_int_t	 n;

	if (!json_is_integer(v) || (n = json_integer_value(v)) < 0 ||
	    n > UINT16_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int
probe_from_json(const char *s, struct pod_probe *p)
{
	json_t		*j, *cmd, *w;
	const char	*kind, *path;
	char		 why[128];
	size_t		 i;
	int		 rv = -1;

	memset(p, 0, sizeof(*p));
	if (strlen(s) > PROBE_LABEL_MAX ||
	    (j = docker_load(s, strlen(s))) == NULL)
		return -1;
	if (!json_is_object(j) ||
	    !json_is_string(json_object_get(j, "kind")))
		goto done;
	kind = json_string_value(json_object_get(j, "kind"));
	for (p->kind = PROBE_EXEC; p->kind < PROBE_KIND_MAX; p->kind++)
		if (strcmp(kind, probe_kind_name(p->kind)) == 0)
			break;
	if (p->kind == PROBE_KIND_MAX)
		goto done;
	p->success_threshold = 1;
	if (probe_uint(j, "delay", &p->initial_delay_s) == -1 ||
	    probe_uint(j, "period", &p->period_s) == -1 ||
	    probe_uint(j, "timeout", &p->timeout_s) == -1 ||
	    probe_uint(j, "failures", &p->failure_threshold) == -1)
		goto done;
	if (p->kind == PROBE_EXEC) {
		cmd = json_object_get(j, "command");
		if (!json_is_array(cmd) || json_array_size(cmd) >
		    PROBE_ARGV_MAX)
			goto done;
		json_array_foreach(cmd, i, w) {
			if (!json_is_string(w) || json_string_length(w) >
			    POD_STRING_MAX || (p->command[i] =
			    strdup(json_string_value(w))) == NULL)
				goto done;
			p->ncommand = i + 1;
		}
	} else {
		if (probe_uint(j, "port", &p->port) == -1)
			goto done;
		path = json_string_value(json_object_get(j, "path"));
		if (p->kind == PROBE_HTTP && (path == NULL ||
		    strlcpy(p->path, path, sizeof(p->path)) >=
		    sizeof(p->path)))
			goto done;
	}
	rv = probe_validate(p, why, sizeof(why));
 done:
	json_decref(j);
	return rv;
}

/*
 * The probes an inspect's labels hold, into probes[PROBE_ROLE_MAX]
 * (docker_probes_free frees them), and the pod's grace (riklet.grace),
 * UINT32_MAX without.  The number of probes, or -1 if a label is bad.
 */
int
docker_parse_probes(const char *buf, size_t len, struct pod_probe *probes,
    uint32_t *grace_s)
{
	json_t		*j, *labels;
	const char	*s;
	size_t		 i;
	int		 n = 0;

	memset(probes, 0, sizeof(*probes) * PROBE_ROLE_MAX);
	*grace_s = UINT32_MAX;
	if ((j = docker_load(buf, len)) == NULL)
		return -1;
	labels = json_object_get(json_object_get(j, "Config"), "Labels");
	for (i = 0; i < PROBE_ROLE_MAX; i++) {
		if ((s = json_string_value(json_object_get(labels,
		    probe_labels[i]))) == NULL)
			continue;
		if (probe_from_json(s, &probes[i]) == -1) {
			docker_probes_free(probes);
			n = -1;
			break;
		}
		n++;
	}
	if (docker_uint_label(labels, "riklet.grace", grace_s,
	    POD_GRACE_MAX) == -1)
		*grace_s = UINT32_MAX;
	json_decref(j);
	return n;
}

void
docker_probes_free(struct pod_probe *probes)
{
	size_t	 i, k;

	for (i = 0; i < PROBE_ROLE_MAX; i++) {
		for (k = 0; k < probes[i].ncommand; k++)
			free(probes[i].command[k]);
		memset(&probes[i], 0, sizeof(probes[i]));
	}
}

/*
 * POST /containers/{id}/exec: the exec probe's command, or riklet-pause
 * probe for the network probes (its own timeout is the probe's).  The
 * output is attached: the last of it says why a probe failed.
 */
char *
docker_probe_exec_body(const struct pod_probe *p)
{
	json_t	*cmd, *body;
	char	 port[8], secs[16];
	char	*out;
	size_t	 i;

	if ((cmd = json_array()) == NULL)
		return NULL;
	if (p->kind == PROBE_EXEC) {
		for (i = 0; i < p->ncommand; i++)
			if (json_array_append_new(cmd,
			    json_string(p->command[i])) == -1)
				goto fail;
	} else {
		(void)snprintf(port, sizeof(port), "%u", p->port);
		(void)snprintf(secs, sizeof(secs), "%u", p->timeout_s);
		if (json_array_append_new(cmd, json_string(PAUSE_PATH)) ==
		    -1 || json_array_append_new(cmd, json_string("probe")) ==
		    -1 || json_array_append_new(cmd, json_string(p->kind ==
		    PROBE_HTTP ? "http" : "tcp")) == -1 ||
		    json_array_append_new(cmd, json_string(port)) == -1 ||
		    (p->kind == PROBE_HTTP && json_array_append_new(cmd,
		    json_string(p->path)) == -1) ||
		    json_array_append_new(cmd, json_string(secs)) == -1)
			goto fail;
	}
	if ((body = json_pack("{s:b, s:b, s:b, s:o}", "AttachStdin", 0,
	    "AttachStdout", 1, "AttachStderr", 1, "Cmd", cmd)) == NULL)
		return NULL;
	out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return out;
 fail:
	json_decref(cmd);
	return NULL;
}

/* GET /exec/{id}/json: whether it still runs and its exit code. */
int
docker_parse_exec(const char *buf, size_t len, int *running, int32_t *code)
{
	json_t		*j, *v;
	int		 rv = -1;

	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j))
		goto done;
	v = json_object_get(j, "Running");
	if (!json_is_boolean(v))
		goto done;
	*running = json_is_true(v);
	v = json_object_get(j, "ExitCode");
	if (json_is_null(v) || v == NULL)
		*code = -1;
	else if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
	    json_integer_value(v) <= INT32_MAX)
		*code = (int32_t)json_integer_value(v);
	else
		goto done;
	rv = 0;
 done:
	json_decref(j);
	return rv;
}

/*
 * A container's State.Health from its inspect: the status ("healthy",
 * "unhealthy", "starting"; "" without a HEALTHCHECK) and the output of
 * its last check, made one printable line.
 */
int
docker_parse_health(const char *buf, size_t len, char *status,
    size_t slen, char *output, size_t olen)
{
	json_t		*j, *h, *log, *last;
	const char	*s;
	char		*p;
	int		 rv = -1;

	status[0] = output[0] = '\0';
	if ((j = docker_load(buf, len)) == NULL || !json_is_object(j))
		goto done;
	rv = 0;
	h = json_object_get(json_object_get(j, "State"), "Health");
	if (!json_is_object(h))
		goto done;
	if ((s = json_string_value(json_object_get(h, "Status"))) != NULL)
		(void)strlcpy(status, s, slen);
	log = json_object_get(h, "Log");
	if (json_is_array(log) && json_array_size(log) > 0) {
		last = json_array_get(log, json_array_size(log) - 1);
		if ((s = json_string_value(json_object_get(last,
		    "Output"))) != NULL)
			(void)strlcpy(output, s, olen);
	}
	for (p = output; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			*p = ' ';
	while (p > output && p[-1] == ' ')
		*--p = '\0';
 done:
	json_decref(j);
	return rv;
}
