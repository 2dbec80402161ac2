/*
 * RIK's workload definition, as the scheduler sends it: untrusted JSON.
 * It becomes a bounded pod_spec or a one-line reason why not.  Unknown
 * fields are ignored, as RIK does; every known field is checked for its
 * type and its bound.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent.h"
#include "imageref.h"
#include "path.h"

#define CPU_CORES_MAX		1024
#define MEMORY_MAX		(INT64_C(1) << 50)	/* 1 PiB */
#define JSON_DEPTH_MAX		32

struct dparse {
	char		*err;
	size_t		 errlen;
	const char	*reason;	/* NULL: REASON_INVALID_DEFINITION */
};

static int	fail(struct dparse *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	get_string(struct dparse *, json_t *, const char *, size_t,
		    const char **);
static int	copy_fixed(struct dparse *, json_t *, const char *, char *,
		    size_t, int);
static int	parse_strv(struct dparse *, json_t *, const char *, char **,
		    size_t *);
static int	parse_env(struct dparse *, json_t *, struct pod_container *);
static int	parse_port(struct dparse *, json_t *, struct pod_container *);
static int	parse_ports(struct dparse *, json_t *, struct pod_container *);
static int	parse_limit(struct dparse *, json_t *, const char *,
		    int (*)(const char *, int64_t *), int64_t *);
static int	parse_limits(struct dparse *, json_t *,
		    struct pod_container *);
static int	parse_mounts(struct dparse *, json_t *,
		    const struct pod_spec *, struct pod_container *);
static int	parse_seconds(struct dparse *, json_t *, const char *,
		    uint32_t, uint32_t, uint32_t *);
static int	parse_probe(struct dparse *, json_t *, const char *,
		    struct pod_probe *);
static int	parse_container(struct dparse *, json_t *, size_t,
		    const struct pod_spec *, struct pod_container *);
static int	parse_volume(struct dparse *, json_t *, size_t,
		    struct pod_spec *);
static int	parse_volumes(struct dparse *, json_t *, struct pod_spec *);
static int	parse_grace(struct dparse *, json_t *, struct pod_spec *);
static int	parse_kind(struct dparse *, json_t *);
static int	parse_spec(struct dparse *, json_t *, struct pod_spec *);
static int	json_depth_ok(const char *, size_t);
static int	definition_decode(struct dparse *, const char *, const char *,
		    size_t, struct pod_spec *);
static int	scaled(const char *, int64_t, int64_t, int64_t *);

/*
 * The reason goes back to the scheduler in JSON and into our log, and
 * may quote the input (jansson's errors do): keep it printable ASCII.
 */
static int
fail(struct dparse *d, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	(void)vsnprintf(d->err, d->errlen, fmt, ap);
	va_end(ap);
	for (p = d->err; *p != '\0'; p++)
		if (*p < ' ' || *p > '~')
			*p = '?';
	return -1;
}

/*
 * A string member: absent is NULL (not an error), any other type or an
 * embedded NUL or more than max bytes is.
 */
static int
get_string(struct dparse *d, json_t *obj, const char *key, size_t max,
    const char **out)
{
	json_t	*v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(d, "%s: not a string", key);
	if (memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
		return fail(d, "%s: contains a NUL", key);
	if (json_string_length(v) > max)
		return fail(d, "%s: longer than %zu bytes", key, max);
	*out = json_string_value(v);
	return 0;
}

static int
copy_fixed(struct dparse *d, json_t *obj, const char *key, char *dst,
    size_t size, int required)
{
	const char	*s;

	if (get_string(d, obj, key, size - 1, &s) == -1)
		return -1;
	if (s == NULL) {
		if (required)
			return fail(d, "missing %s", key);
		dst[0] = '\0';
		return 0;
	}
	(void)strlcpy(dst, s, size);
	return 0;
}

static int
parse_strv(struct dparse *d, json_t *obj, const char *key, char **v,
    size_t *nv)
{
	json_t		*a = json_object_get(obj, key), *w;
	size_t		 i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return fail(d, "%s: not an array", key);
	if (json_array_size(a) > POD_ARGV_MAX)
		return fail(d, "%s: more than %d words", key, POD_ARGV_MAX);
	json_array_foreach(a, i, w) {
		if (!json_is_string(w))
			return fail(d, "%s[%zu]: not a string", key, i);
		if (json_string_length(w) > POD_STRING_MAX ||
		    memchr(json_string_value(w), '\0',
		    json_string_length(w)) != NULL)
			return fail(d, "%s[%zu]: too long or contains a NUL",
			    key, i);
		if ((v[i] = strdup(json_string_value(w))) == NULL)
			return fail(d, "out of memory");
		*nv = i + 1;
	}
	return 0;
}

static int
parse_env(struct dparse *d, json_t *cj, struct pod_container *c)
{
	json_t		*a = json_object_get(cj, "env"), *e;
	const char	*name, *value;
	size_t		 i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return fail(d, "env: not an array");
	if (json_array_size(a) > POD_ENV_MAX)
		return fail(d, "env: more than %d variables", POD_ENV_MAX);
	json_array_foreach(a, i, e) {
		if (!json_is_object(e))
			return fail(d, "env[%zu]: not an object", i);
		if (get_string(d, e, "name", POD_STRING_MAX, &name) == -1 ||
		    get_string(d, e, "value", POD_STRING_MAX, &value) == -1)
			return -1;
		if (name == NULL || *name == '\0' || strchr(name, '=') != NULL)
			return fail(d, "env[%zu]: missing or bad name", i);
		if (value == NULL)
			value = "";
		if (strlen(name) + 1 + strlen(value) > POD_STRING_MAX)
			return fail(d, "env %s: longer than %d bytes", name,
			    POD_STRING_MAX);
		if (asprintf(&c->env[i], "%s=%s", name, value) == -1) {
			c->env[i] = NULL;
			return fail(d, "out of memory");
		}
		c->nenv = i + 1;
	}
	return 0;
}

static int
parse_port(struct dparse *d, json_t *pj, struct pod_container *c)
{
	struct pod_port	*p;
	json_t		*port, *target;
	const char	*proto;
	json_int_t	 pv = 0, tv;

	if (!json_is_object(pj))
		return fail(d, "ports: not an object");
	if (c->nports >= POD_PORTS_MAX)
		return fail(d, "ports: more than %d", POD_PORTS_MAX);
	port = json_object_get(pj, "port");
	target = json_object_get(pj, "target_port");
	if (port != NULL && !json_is_null(port)) {
		if (!json_is_integer(port) ||
		    (pv = json_integer_value(port)) < 0 || pv > UINT16_MAX)
			return fail(d, "port: not an integer in 0-65535");
	}
	if (target == NULL || json_is_null(target))
		tv = pv;	/* RIK: the same port on both sides */
	else if (!json_is_integer(target) ||
	    (tv = json_integer_value(target)) < 1 || tv > UINT16_MAX)
		return fail(d, "target_port: not an integer in 1-65535");
	if (tv == 0)
		return fail(d, "ports: missing target_port");
	if (get_string(d, pj, "protocol", 16, &proto) == -1)
		return -1;
	p = &c->ports[c->nports];
	p->port = (uint16_t)pv;
	p->target_port = (uint16_t)tv;
	if (proto == NULL || strcasecmp(proto, "TCP") == 0)
		p->proto = PORT_TCP;
	else if (strcasecmp(proto, "UDP") == 0)
		p->proto = PORT_UDP;
	else
		return fail(d, "protocol: %s is neither TCP nor UDP", proto);
	c->nports++;
	return 0;
}

/* RIK writes one port object; riklet also takes an array of them. */
static int
parse_ports(struct dparse *d, json_t *cj, struct pod_container *c)
{
	json_t	*a = json_object_get(cj, "ports"), *p;
	size_t	 i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return parse_port(d, a, c);
	json_array_foreach(a, i, p)
		if (parse_port(d, p, c) == -1)
			return -1;
	return 0;
}

/*
 * A decimal number with at most 9 fractional digits times unit, and
 * at most max; "" and anything trailing are errors.
 */
static int
scaled(const char *s, int64_t unit, int64_t max, int64_t *out)
{
	int64_t		 whole = 0, frac = 0, fdiv = 1;
	int		 digits = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (whole > max)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (fdiv >= 1000000000)
				return -1;
			frac = frac * 10 + (*s - '0');
			fdiv *= 10;
		}
	}
	if (*s != '\0' || digits == 0 || whole > max / unit)
		return -1;
	/* frac * unit may not fit 64 bits; frac < fdiv keeps it below unit. */
	*out = whole * unit + (int64_t)((__int128)frac * unit / fdiv);
	return *out <= max ? 0 : -1;
}

/* Kubernetes-style CPU: "2", "0.5", "500m".  Nanocores out. */
int
parse_cpu(const char *s, int64_t *nano)
{
	char		 num[32];
	size_t		 n = strlen(s);

	if (n == 0 || n >= sizeof(num))
		return -1;
	(void)strlcpy(num, s, sizeof(num));
	if (num[n - 1] == 'm') {
		num[n - 1] = '\0';
		return scaled(num, 1000000, INT64_C(1000000000) * CPU_CORES_MAX,
		    nano);
	}
	return scaled(num, 1000000000, INT64_C(1000000000) * CPU_CORES_MAX,
	    nano);
}

/* Kubernetes-style memory: "128Mi", "1G", "1.5Gi", "4096".  Bytes out. */
int
parse_memory(const char *s, int64_t *bytes)
{
	static const struct {
		const char	*suffix;
		int64_t		 unit;
	} units[] = {
		{ "Ki", INT64_C(1) << 10 }, { "Mi", INT64_C(1) << 20 },
		{ "Gi", INT64_C(1) << 30 }, { "Ti", INT64_C(1) << 40 },
		{ "Pi", INT64_C(1) << 50 }, { "k", INT64_C(1000) },
		{ "K", INT64_C(1000) }, { "M", INT64_C(1000000) },
		{ "G", INT64_C(1000000000) }, { "T", INT64_C(1000000000000) },
		{ "P", INT64_C(1000000000000000) },
	};
	char		 num[32];
	size_t		 n = strlen(s), i, sl;

	if (n == 0 || n >= sizeof(num))
		return -1;
	(void)strlcpy(num, s, sizeof(num));
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		sl = strlen(units[i].suffix);
		if (n > sl && strcmp(num + n - sl, units[i].suffix) == 0) {
			num[n - sl] = '\0';
			return scaled(num, units[i].unit, MEMORY_MAX, bytes);
		}
	}
	return scaled(num, 1, MEMORY_MAX, bytes);
}

/* One limit: a string such as "500m" or a bare integer, never zero. */
static int
parse_limit(struct dparse *d, json_t *lim, const char *key,
    int (*parse)(const char *, int64_t *), int64_t *out)
{
	json_t		*v = json_object_get(lim, key);
	char		 num[32];
	const char	*s;

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		(void)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		s = num;
	} else if (json_is_string(v))
		s = json_string_value(v);
	else
		return fail(d, "%s limit: not a string", key);
	if (parse(s, out) == -1 || *out == 0)
		return fail(d, "%s limit: bad value", key);
	return 0;
}

static int
parse_limits(struct dparse *d, json_t *cj, struct pod_container *c)
{
	json_t		*res = json_object_get(cj, "resources"), *lim;

	if (res == NULL || json_is_null(res))
		return 0;
	if (!json_is_object(res))
		return fail(d, "resources: not an object");
	if ((lim = json_object_get(res, "limits")) == NULL ||
	    json_is_null(lim))
		return 0;
	if (!json_is_object(lim))
		return fail(d, "resources.limits: not an object");
	if (parse_limit(d, lim, "cpu", parse_cpu, &c->nano_cpus) == -1 ||
	    parse_limit(d, lim, "memory", parse_memory, &c->memory_limit) ==
	    -1)
		return -1;
	return 0;
}

/*
 * volumeMounts: [{"name": volume, "mountPath": "/abs", "readOnly": b}],
 * each of a volume of the pod, the path made plain ("/data/" is "/data")
 * and never "..".
 */
static int
parse_mounts(struct dparse *d, json_t *cj, const struct pod_spec *ps,
    struct pod_container *c)
{
	json_t		*a = json_object_get(cj, "volumeMounts"), *m, *ro;
	struct pod_mount *pm;
	const char	*path, *why;
	char		 plain[POD_PATH_MAX];
	size_t		 i, k;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return fail(d, "volumeMounts: not an array");
	if (json_array_size(a) > POD_MOUNTS_MAX)
		return fail(d, "volumeMounts: more than %d", POD_MOUNTS_MAX);
	json_array_foreach(a, i, m) {
		if (!json_is_object(m))
			return fail(d, "volumeMounts[%zu]: not an object", i);
		pm = &c->mounts[i];
		if (copy_fixed(d, m, "name", pm->volume, sizeof(pm->volume),
		    1) == -1 || get_string(d, m, "mountPath", POD_PATH_MAX - 1,
		    &path) == -1)
			return -1;
		if (podspec_volume(ps, pm->volume) == NULL)
			return fail(d, "volumeMounts[%zu]: no volume named %s",
			    i, pm->volume);
		if (path == NULL)
			return fail(d, "volumeMounts[%zu]: missing mountPath",
			    i);
		if (path_normalise(path, plain, sizeof(plain), &why) == -1)
			return fail(d, "volumeMounts[%zu]: mountPath %s: %s", i,
			    path, why);
		if (strcmp(plain, "/") == 0)
			return fail(d, "volumeMounts[%zu]: mountPath may not "
			    "be /", i);
		for (k = 0; k < i; k++)
			if (strcmp(c->mounts[k].path, plain) == 0)
				return fail(d, "volumeMounts[%zu]: %s is "
				    "mounted twice", i, plain);
		ro = json_object_get(m, "readOnly");
		if (ro != NULL && !json_is_null(ro) && !json_is_boolean(ro))
			return fail(d, "volumeMounts[%zu]: readOnly: not a "
			    "boolean", i);
		if ((pm->path = strdup(plain)) == NULL)
			return fail(d, "out of memory");
		pm->readonly = json_is_true(ro);
		c->nmounts = i + 1;
	}
	return 0;
}

/* An integer field of a probe, absent: its default (already set). */
static int
parse_seconds(struct dparse *d, json_t *obj, const char *key, uint32_t min,
    uint32_t max, uint32_t *out)
{
	json_t		*v = json_object_get(obj, key);
	json_int_t	 n;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || (n = json_integer_value(v)) < min ||
	    n > max)
		return fail(d, "%s: not an integer in %u-%u", key, min, max);
	*out = (uint32_t)n;
	return 0;
}

/*
 * livenessProbe or startupProbe: one of exec {command}, httpGet {path,
 * port}, tcpSocket {port}, and the timing fields.  A named port (a
 * string) is not supported: riklet has no named ports.
 */
static int
parse_probe(struct dparse *d, json_t *cj, const char *key,
    struct pod_probe *p)
{
	json_t		*pj = json_object_get(cj, key), *ex, *hg, *ts, *port;
	json_t		*how;
	const char	*path;
	char		 sub[RIK_MESSAGE_MAX];
	json_int_t	 n;
	int		 kinds;

	if (pj == NULL || json_is_null(pj))
		return 0;
	if (!json_is_object(pj))
		return fail(d, "%s: not an object", key);
	probe_defaults(p);
	ex = json_object_get(pj, "exec");
	hg = json_object_get(pj, "httpGet");
	ts = json_object_get(pj, "tcpSocket");
	kinds = (ex != NULL && !json_is_null(ex)) +
	    (hg != NULL && !json_is_null(hg)) +
	    (ts != NULL && !json_is_null(ts));
	if (kinds != 1)
		return fail(d, "%s: needs one of exec, httpGet or tcpSocket",
		    key);
	if (ex != NULL && !json_is_null(ex)) {
		p->kind = PROBE_EXEC;
		how = ex;
		if (!json_is_object(ex))
			return fail(d, "%s.exec: not an object", key);
		if (!json_is_array(json_object_get(ex, "command")) ||
		    json_array_size(json_object_get(ex, "command")) == 0)
			return fail(d, "%s.exec.command: missing or empty",
			    key);
		if (json_array_size(json_object_get(ex, "command")) >
		    PROBE_ARGV_MAX)
			return fail(d, "%s.exec.command: more than %d words",
			    key, PROBE_ARGV_MAX);
		if (parse_strv(d, ex, "command", p->command,
		    &p->ncommand) == -1) {
			(void)strlcpy(sub, d->err, sizeof(sub));
			return fail(d, "%s.exec.%s", key, sub);
		}
	} else {
		p->kind = hg != NULL && !json_is_null(hg) ? PROBE_HTTP :
		    PROBE_TCP;
		how = p->kind == PROBE_HTTP ? hg : ts;
		if (!json_is_object(how))
			return fail(d, "%s.%s: not an object", key,
			    probe_kind_name(p->kind));
		port = json_object_get(how, "port");
		if (!json_is_integer(port) || (n = json_integer_value(port)) <
		    1 || n > UINT16_MAX)
			return fail(d, "%s.%s.port: not an integer in "
			    "1-65535", key, probe_kind_name(p->kind));
		p->port = (uint32_t)n;
	}
	if (p->kind == PROBE_HTTP) {
		if (get_string(d, how, "path", PROBE_PATH_MAX - 1, &path) ==
		    -1) {
			(void)strlcpy(sub, d->err, sizeof(sub));
			return fail(d, "%s.httpGet.%s", key, sub);
		}
		(void)strlcpy(p->path, path != NULL ? path : "/",
		    sizeof(p->path));
	}
	if (parse_seconds(d, pj, "initialDelaySeconds", 0, PROBE_SECONDS_MAX,
	    &p->initial_delay_s) == -1 ||
	    parse_seconds(d, pj, "periodSeconds", 1, PROBE_SECONDS_MAX,
	    &p->period_s) == -1 ||
	    parse_seconds(d, pj, "timeoutSeconds", 1, PROBE_SECONDS_MAX,
	    &p->timeout_s) == -1 ||
	    parse_seconds(d, pj, "failureThreshold", 1, PROBE_THRESHOLD_MAX,
	    &p->failure_threshold) == -1 ||
	    parse_seconds(d, pj, "successThreshold", 1, 1,
	    &p->success_threshold) == -1) {
		(void)strlcpy(sub, d->err, sizeof(sub));
		return fail(d, "%s.%s", key, sub);
	}
	if (probe_validate(p, sub, sizeof(sub)) == -1)
		return fail(d, "%s: %s", key, sub);
	return 0;
}

static int
parse_container(struct dparse *d, json_t *cj, size_t i,
    const struct pod_spec *ps, struct pod_container *c)
{
	char		 sub[RIK_MESSAGE_MAX];
	const char	*why, *policy;

	if (!json_is_object(cj))
		return fail(d, "containers[%zu]: not an object", i);
	if (copy_fixed(d, cj, "name", c->name, sizeof(c->name), 1) == -1 ||
	    copy_fixed(d, cj, "image", c->image, sizeof(c->image), 1) == -1 ||
	    parse_env(d, cj, c) == -1 ||
	    parse_ports(d, cj, c) == -1 ||
	    parse_strv(d, cj, "command", c->command, &c->ncommand) == -1 ||
	    parse_strv(d, cj, "args", c->args, &c->nargs) == -1 ||
	    parse_limits(d, cj, c) == -1 ||
	    parse_mounts(d, cj, ps, c) == -1 ||
	    parse_probe(d, cj, "livenessProbe",
	    &c->probes[PROBE_LIVENESS]) == -1 ||
	    parse_probe(d, cj, "startupProbe",
	    &c->probes[PROBE_STARTUP]) == -1) {
		/* Say which container: the name if we have one. */
		(void)snprintf(sub, sizeof(sub), "%s", d->err);
		if (c->name[0] != '\0')
			return fail(d, "container %s: %s", c->name, sub);
		return fail(d, "containers[%zu]: %s", i, sub);
	}
	if (!imageref_valid(c->image, &why))
		return fail(d, "spec.containers[%zu].image: invalid reference "
		    "\"%s\": %s", i, c->image, why);
	if (get_string(d, cj, "imagePullPolicy", 16, &policy) == -1) {
		(void)snprintf(sub, sizeof(sub), "%s", d->err);
		return fail(d, "container %s: %s", c->name, sub);
	}
	if (policy == NULL)
		c->pull_policy = pull_policy_default(c->image);
	else if ((c->pull_policy = pull_policy_parse(policy)) ==
	    PULL_POLICY_MAX)
		return fail(d, "container %s: imagePullPolicy: %s is not "
		    "Always, IfNotPresent or Never", c->name, policy);
	return 0;
}

/*
 * One of spec.volumes: {"name": n, "emptyDir": {}} or {"name": n,
 * "hostPath": {"path": p}}.  Whether p may be used is the parent's to
 * say (volume allow in riklet.conf), not ours.
 */
static int
parse_volume(struct dparse *d, json_t *vj, size_t i, struct pod_spec *ps)
{
	struct pod_volume	*v = &ps->volumes[i];
	json_t			*empty, *host;
	const char		*path;
	char			 sub[RIK_MESSAGE_MAX];
	size_t			 k;

	if (!json_is_object(vj))
		return fail(d, "volumes[%zu]: not an object", i);
	if (copy_fixed(d, vj, "name", v->name, sizeof(v->name), 1) == -1)
		return -1;
	if (!podspec_valid_name(v->name))
		return fail(d, "volumes[%zu]: invalid name", i);
	for (k = 0; k < i; k++)
		if (strcmp(ps->volumes[k].name, v->name) == 0)
			return fail(d, "volume %s: duplicate name", v->name);
	empty = json_object_get(vj, "emptyDir");
	host = json_object_get(vj, "hostPath");
	if (empty != NULL && json_is_null(empty))
		empty = NULL;
	if (host != NULL && json_is_null(host))
		host = NULL;
	if ((empty == NULL) == (host == NULL))
		return fail(d, "volume %s: needs emptyDir or hostPath (the "
		    "kinds riklet supports), and only one", v->name);
	if (empty != NULL) {
		if (!json_is_object(empty))
			return fail(d, "volume %s: emptyDir: not an object",
			    v->name);
		v->kind = VOLUME_EMPTYDIR;
		return 0;
	}
	if (!json_is_object(host))
		return fail(d, "volume %s: hostPath: not an object", v->name);
	if (get_string(d, host, "path", POD_PATH_MAX - 1, &path) == -1) {
		(void)strlcpy(sub, d->err, sizeof(sub));
		return fail(d, "volume %s: hostPath.%s", v->name, sub);
	}
	if (path == NULL || *path == '\0')
		return fail(d, "volume %s: hostPath: missing path", v->name);
	v->kind = VOLUME_HOSTPATH;
	if ((v->path = strdup(path)) == NULL)
		return fail(d, "out of memory");
	return 0;
}

static int
parse_volumes(struct dparse *d, json_t *spec, struct pod_spec *ps)
{
	json_t	*a = json_object_get(spec, "volumes"), *vj;
	size_t	 i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return fail(d, "spec.volumes: not an array");
	if (json_array_size(a) > POD_VOLUMES_MAX)
		return fail(d, "spec.volumes: more than %d", POD_VOLUMES_MAX);
	json_array_foreach(a, i, vj) {
		ps->nvolumes = i + 1;
		if (parse_volume(d, vj, i, ps) == -1)
			return -1;
	}
	return 0;
}

/* terminationGracePeriodSeconds: the pod's own stop-grace. */
static int
parse_grace(struct dparse *d, json_t *spec, struct pod_spec *ps)
{
	json_t		*v = json_object_get(spec,
			    "terminationGracePeriodSeconds");
	json_int_t	 n;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || (n = json_integer_value(v)) < 0 ||
	    n > POD_GRACE_MAX)
		return fail(d, "terminationGracePeriodSeconds: not an integer "
		    "in 0-%d", POD_GRACE_MAX);
	ps->has_grace = 1;
	ps->grace_s = (uint32_t)n;
	return 0;
}

/* RIK's kinds: "Pod" (and older "pods"), and "Function", a microVM. */
static int
parse_kind(struct dparse *d, json_t *root)
{
	const char	*kind;

	if (get_string(d, root, "kind", 64, &kind) == -1)
		return -1;
	if (kind != NULL && strcasecmp(kind, "Function") == 0) {
		d->reason = REASON_UNSUPPORTED;
		return fail(d, "kind Function (a microVM) is not for this "
		    "node: riklet runs pods only");
	}
	return 0;
}

static int
parse_spec(struct dparse *d, json_t *root, struct pod_spec *ps)
{
	json_t		*spec, *containers, *cj;
	const char	*policy;
	size_t		 i;

	if (parse_kind(d, root) == -1 ||
	    copy_fixed(d, root, "name", ps->name, sizeof(ps->name), 0) == -1)
		return -1;
	if ((spec = json_object_get(root, "spec")) == NULL ||
	    !json_is_object(spec))
		return fail(d, "missing spec");
	if (parse_grace(d, spec, ps) == -1 || parse_volumes(d, spec, ps) == -1)
		return -1;
	if (get_string(d, spec, "restartPolicy", 16, &policy) == -1)
		return -1;
	if (policy == NULL)
		ps->restart_policy = RESTART_NEVER;
	else if (restart_policy_parse(policy, &ps->restart_policy) == -1)
		return fail(d, "restartPolicy: %s is not Never, OnFailure "
		    "or Always", policy);
	containers = json_object_get(spec, "containers");
	if (containers == NULL || !json_is_array(containers))
		return fail(d, "spec.containers: missing or not an array");
	if (json_array_size(containers) == 0)
		return fail(d, "spec.containers: no container");
	if (json_array_size(containers) > RIK_CONTAINERS_MAX)
		return fail(d, "spec.containers: more than %d",
		    RIK_CONTAINERS_MAX);
	json_array_foreach(containers, i, cj) {
		ps->ncontainers = i + 1;
		if (parse_container(d, cj, i, ps, &ps->containers[i]) == -1)
			return -1;
	}
	return 0;
}

/*
 * jansson recurses once per nesting level up to 2048 levels; nothing in
 * a definition is deeper than a few, so refuse deep input before parsing.
 * Brackets inside strings are skipped.
 */
static int
json_depth_ok(const char *s, size_t len)
{
	size_t	 i;
	int	 depth = 0, instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
		} else if (s[i] == '"')
			instr = 1;
		else if (s[i] == '[' || s[i] == '{') {
			if (++depth > JSON_DEPTH_MAX)
				return 0;
		} else if (s[i] == ']' || s[i] == '}')
			depth--;
	}
	return 1;
}

/*
 * Parses the definition of instance into ps, which the caller frees
 * with podspec_free() either way.  On failure err says why, in words
 * fit for the scheduler's FAILED status.
 */
int
definition_parse(const char *instance, const char *json, size_t len,
    struct pod_spec *ps, char *err, size_t errlen)
{
	const char	*reason;

	return definition_parse_reason(instance, json, len, ps, &reason, err,
	    errlen);
}

/*
 * The same, and on failure the FAILED status's reason: InvalidDefinition
 * or, for a workload riklet does not run, Unsupported.
 */
int
definition_parse_reason(const char *instance, const char *json, size_t len,
    struct pod_spec *ps, const char **reason, char *err, size_t errlen)
{
	struct dparse	 d = { err, errlen, NULL };
	int		 rv;

	rv = definition_decode(&d, instance, json, len, ps);
	*reason = d.reason != NULL ? d.reason : REASON_INVALID_DEFINITION;
	return rv;
}

static int
definition_decode(struct dparse *d, const char *instance, const char *json,
    size_t len, struct pod_spec *ps)
{
	json_error_t	 jerr;
	json_t		*root;
	int		 rv;

	memset(ps, 0, sizeof(*ps));
	if (strlen(instance) >= sizeof(ps->instance) ||
	    !podspec_valid_id(instance))
		return fail(d, "invalid instance id");
	(void)strlcpy(ps->instance, instance, sizeof(ps->instance));
	if (len > RIK_DEFINITION_MAX)
		return fail(d, "definition larger than %d bytes",
		    RIK_DEFINITION_MAX);
	if (memchr(json, '\0', len) != NULL)
		return fail(d, "definition contains a NUL");
	if (!json_depth_ok(json, len))
		return fail(d, "definition nested deeper than %d",
		    JSON_DEPTH_MAX);
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return fail(d, "bad JSON at line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
	if (!json_is_object(root))
		rv = fail(d, "definition is not a JSON object");
	else
		rv = parse_spec(d, root, ps);
	json_decref(root);
	if (rv == -1)
		return -1;
	if ((ps->definition = strndup(json, len)) == NULL)
		return fail(d, "out of memory");
	return podspec_validate(ps, d->err, d->errlen);
}
