/*
 * The parent's answers, as the JSON objects rikletctl reads.  Durations
 * are milliseconds, named *_ms; states are words, not numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "control_proc.h"
#include "podspec.h"

static json_t		*text(const char *);
static const char	*agent_conn_name(uint32_t);
static const char	*container_state_name(uint32_t);
static size_t		 utf8_seq(const unsigned char *, size_t);
static json_t		*ctl_json_probe(const struct ctl_container *);

/*
 * Free text the engine or the scheduler wrote may not be UTF-8, which a
 * JSON string must be: such bytes become '?'.
 */
static json_t *
text(const char *s)
{
	char	 buf[RIK_MESSAGE_MAX];
	size_t	 i;
	json_t	*j;

	if ((j = json_string(s)) != NULL)
		return j;
	(void)strlcpy(buf, s, sizeof(buf));
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
			buf[i] = '?';
	return json_string(buf);
}

static const char *
agent_conn_name(uint32_t s)
{
	static const char *const names[AGENT_CONN_MAX] = {
		"disconnected", "connecting", "registered"
	};

	return s < AGENT_CONN_MAX ? names[s] : "unknown";
}

static const char *
container_state_name(uint32_t s)
{
	static const char *const names[CONTAINER_STATE_MAX] = {
		"created", "running", "exited", "removed"
	};

	return s < CONTAINER_STATE_MAX ? names[s] : "none";
}

json_t *
ctl_json_error(const char *msg)
{
	return json_pack("{s:o}", "error", text(msg));
}

json_t *
ctl_json_status(const struct ctl_status *cs)
{
	json_t	*engine, *gc, *st;

	if (!cs->engine_known)
		engine = json_pack("{s:s}", "state", "unknown");
	else
		engine = json_pack("{s:s, s:o, s:o, s:o, s:o}",
		    "state", cs->engine_up ? "up" : "down",
		    "name", text(cs->engine_name),
		    "version", text(cs->engine_version),
		    "api_version", text(cs->engine_api_version),
		    "message", text(cs->engine_message));
	/* The last image gc run; null before the first. */
	if (cs->gc_runs == 0)
		gc = json_null();
	else
		gc = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
		    "runs", (json_int_t)cs->gc_runs,
		    "age_ms", (json_int_t)cs->gc_age_ms,
		    "removed", (json_int_t)cs->gc_removed,
		    "failed", (json_int_t)cs->gc_failed,
		    "bytes", (json_int_t)cs->gc_bytes,
		    "used_pct", (json_int_t)cs->gc_used_pct,
		    "message", text(cs->gc_message));
	st = json_pack("{s:{s:o, s:s, s:I, s:I, s:o}, s:o, s:I, s:o, "
	    "s:I, s:s, s:i, s:[]}",
	    "scheduler",
	    "address", text(cs->scheduler),
	    "state", agent_conn_name(cs->agent_state),
	    "since_ms", (json_int_t)cs->agent_since_ms,
	    "backoff_ms", (json_int_t)cs->agent_backoff_ms,
	    "reason", text(cs->agent_reason),
	    "hostname", text(cs->hostname),
	    "uptime_ms", (json_int_t)cs->uptime_ms,
	    "engine", engine,
	    "pods", (json_int_t)cs->npods,
	    "log", cs->verbose > 0 ? "verbose" : "brief",
	    "verbose", (int)cs->verbose,
	    "children");
	if (st == NULL || gc == NULL || json_object_set_new(st, "image_gc",
	    gc) == -1) {
		json_decref(st);
		return NULL;
	}
	return st;
}

json_t *
ctl_json_child(const struct ctl_child *cc)
{
	return json_pack("{s:s, s:i, s:b, s:I, s:I}",
	    "name", cc->proc < PROC_MAX ? proc_name(cc->proc) : "unknown",
	    "pid", (int)cc->pid,
	    "ready", (int)(cc->ready != 0),
	    "restarts", (json_int_t)cc->restarts,
	    "uptime_ms", (json_int_t)cc->uptime_ms);
}

json_t *
ctl_json_pod(const struct ctl_pod *cp)
{
	json_t	*o;

	o = json_pack("{s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o}",
	    "instance", text(cp->instance),
	    "name", text(cp->name),
	    "status", rik_status_name(cp->status),
	    "restart_policy", restart_policy_name(cp->restart_policy),
	    "ncontainers", (json_int_t)cp->ncontainers,
	    "running", (json_int_t)cp->nrunning,
	    "restarts", (json_int_t)cp->restarts,
	    "age_ms", (json_int_t)cp->age_ms,
	    "reason", text(cp->reason),
	    "message", text(cp->message));
	if (o == NULL)
		return NULL;
	if (cp->reason[0] != '\0')
		json_object_set_new(o, "exit_code",
		    json_integer(cp->exit_code));
	if (cp->pull_image[0] != '\0')
		json_object_set_new(o, "pull", json_pack("{s:o, s:I, s:I}",
		    "image", text(cp->pull_image),
		    "done", (json_int_t)cp->pull_done,
		    "total", (json_int_t)cp->pull_total));
	return o;
}

json_t *
ctl_json_container(const struct ctl_container *cc)
{
	json_t	*o;

	o = json_pack("{s:o, s:o, s:o, s:s, s:i, s:I, s:I}",
	    "name", text(cc->name),
	    "id", text(cc->id),
	    "image", text(cc->image),
	    "state", container_state_name(cc->state),
	    "pid", (int)cc->pid,
	    "memory_limit", (json_int_t)cc->memory_limit,
	    "nano_cpus", (json_int_t)cc->nano_cpus);
	if (o == NULL)
		return NULL;
	if (cc->state == CONTAINER_EXITED) {
		json_object_set_new(o, "exit_code",
		    json_integer(cc->exit_code));
		json_object_set_new(o, "oom_killed",
		    json_boolean(cc->oom_killed));
	}
	if (cc->probe_known)
		json_object_set_new(o, "probe", ctl_json_probe(cc));
	return o;
}

/* A container's health: the probe that last spoke and what it said. */
static json_t *
ctl_json_probe(const struct ctl_container *cc)
{
	static const char *const roles[RT_PROBE_ROLES] = {
		"livenessProbe", "startupProbe", "HEALTHCHECK"
	};

	return json_pack("{s:s, s:s, s:i, s:b, s:o}",
	    "probe", cc->probe_role < RT_PROBE_ROLES ?
	    roles[cc->probe_role] : "unknown",
	    "last", cc->probe_ok ? "success" : "failure",
	    "failures", (int)cc->probe_failures,
	    "unhealthy", cc->unhealthy ? 1 : 0,
	    "message", text(cc->probe_message));
}

/* The document is the metrics child's, passed on by the parent. */
json_t *
ctl_json_metrics(const struct ctl_metrics *cm, const char *doc)
{
	json_t		*m, *o;
	json_error_t	 error;

	if ((m = json_loads(doc, JSON_REJECT_DUPLICATES, &error)) == NULL)
		m = json_null();
	if (cm->instance[0] == '\0')
		o = json_pack("{s:I, s:o}", "age_ms", (json_int_t)cm->age_ms,
		    "metrics", m);
	else
		o = json_pack("{s:o, s:I, s:o}", "instance", text(cm->instance),
		    "age_ms", (json_int_t)cm->age_ms, "metrics", m);
	return o;
}

/*
 * The length of the well-formed UTF-8 sequence at p (len bytes left), or
 * 0 when it is not one: overlong forms, surrogates and code points past
 * U+10FFFF included, which a JSON string may not hold either.
 */
static size_t
utf8_seq(const unsigned char *p, size_t len)
{
	uint32_t	 v;
	size_t		 n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	v = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
	    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

/*
 * How many bytes at the end of p start a character that the next piece
 * of output may complete: those wait, so a character cut in two by the
 * engine's or riklet's chunking comes out whole.
 */
size_t
ctl_utf8_cut(const char *p, size_t len)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 back, need;

	for (back = 1; back <= 3 && back <= len; back++) {
		if ((u[len - back] & 0xc0) == 0x80)
			continue;
		if (u[len - back] >= 0xc2 && u[len - back] <= 0xdf)
			need = 2;
		else if (u[len - back] >= 0xe0 && u[len - back] <= 0xef)
			need = 3;
		else if (u[len - back] >= 0xf0 && u[len - back] <= 0xf4)
			need = 4;
		else
			return 0;
		return need > back ? back : 0;
	}
	return 0;
}

/*
 * One piece of a container's output.  A JSON string must be UTF-8: a
 * byte that is not part of a well-formed character becomes '?'.
 */
json_t *
ctl_json_logs(uint32_t stream, const char *p, size_t len)
{
	const unsigned char	*u = (const unsigned char *)p;
	char			*clean;
	size_t			 i, n;
	json_t			*o;

	if ((clean = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i += n) {
		if ((n = utf8_seq(u + i, len - i)) == 0) {
			clean[i] = '?';
			n = 1;
		} else
			memcpy(clean + i, p + i, n);
	}
	o = json_pack("{s:s, s:s%}", "stream",
	    stream == LOGS_STDERR ? "stderr" : "stdout", "data", clean, len);
	free(clean);
	return o;
}
