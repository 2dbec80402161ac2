/*
 * The pod description's wire encoding.  Every field is a 32-bit length or
 * count in host order followed by its bytes; strings carry no NUL.  The
 * decoder trusts nothing: every length is checked against what is left
 * and against the field's bound, then the whole is validated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageref.h"
#include "path.h"
#include "podspec.h"

#define PODSPEC_MAGIC	0x52494b31U	/* "RIK1" */

struct wbuf {
	unsigned char	*buf;
	size_t		 len;
	size_t		 cap;
	int		 failed;
};

struct rbuf {
	const unsigned char	*p;
	size_t			 left;
	int			 failed;
};

static void	w_bytes(struct wbuf *, const void *, size_t);
static void	w_u32(struct wbuf *, uint32_t);
static void	w_u64(struct wbuf *, uint64_t);
static void	w_str(struct wbuf *, const char *);
static uint32_t	r_u32(struct rbuf *);
static uint64_t	r_u64(struct rbuf *);
static void	r_fixed(struct rbuf *, char *, size_t);
static char	*r_str(struct rbuf *, size_t);
static void	r_strv(struct rbuf *, char **, size_t *, size_t);
static int	validate_volumes(const struct pod_spec *, char *, size_t);
static int	validate_mounts(const struct pod_spec *,
		    const struct pod_container *, char *, size_t);
static int	validate_ports(const struct pod_spec *, size_t, char *,
		    size_t);
static void	w_probe(struct wbuf *, const struct pod_probe *);
static void	r_probe(struct rbuf *, struct pod_probe *);

static void
w_bytes(struct wbuf *w, const void *p, size_t n)
{
	unsigned char	*nb;
	size_t		 ncap;

	if (w->failed)
		return;
	if (w->len + n > w->cap) {
		ncap = w->cap ? w->cap : 1024;
		while (ncap < w->len + n)
			ncap *= 2;
		if ((nb = realloc(w->buf, ncap)) == NULL) {
			w->failed = 1;
			return;
		}
		w->buf = nb;
		w->cap = ncap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void
w_u32(struct wbuf *w, uint32_t v)
{
	w_bytes(w, &v, sizeof(v));
}

static void
w_u64(struct wbuf *w, uint64_t v)
{
	w_bytes(w, &v, sizeof(v));
}

static void
w_str(struct wbuf *w, const char *s)
{
	size_t	 n = s ? strlen(s) : 0;

	w_u32(w, (uint32_t)n);
	if (n)
		w_bytes(w, s, n);
}

static void
w_probe(struct wbuf *w, const struct pod_probe *p)
{
	size_t	 i;

	w_u32(w, p->kind);
	if (p->kind == PROBE_NONE)
		return;
	w_u32(w, p->port);
	w_str(w, p->path);
	w_u32(w, (uint32_t)p->ncommand);
	for (i = 0; i < p->ncommand; i++)
		w_str(w, p->command[i]);
	w_u32(w, p->initial_delay_s);
	w_u32(w, p->period_s);
	w_u32(w, p->timeout_s);
	w_u32(w, p->failure_threshold);
	w_u32(w, p->success_threshold);
}

int
podspec_encode(const struct pod_spec *ps, unsigned char **out, size_t *outlen)
{
	struct wbuf	 w = { NULL, 0, 0, 0 };
	const struct pod_container *c;
	size_t		 i, j;

	w_u32(&w, PODSPEC_MAGIC);
	w_str(&w, ps->instance);
	w_str(&w, ps->name);
	w_u32(&w, ps->restart_policy);
	w_str(&w, ps->definition);
	w_u32(&w, (uint32_t)ps->ncontainers);
	for (i = 0; i < ps->ncontainers; i++) {
		c = &ps->containers[i];
		w_str(&w, c->name);
		w_str(&w, c->image);
		w_u32(&w, c->pull_policy);
		w_u64(&w, (uint64_t)c->memory_limit);
		w_u64(&w, (uint64_t)c->nano_cpus);
		w_u32(&w, (uint32_t)c->nenv);
		for (j = 0; j < c->nenv; j++)
			w_str(&w, c->env[j]);
		w_u32(&w, (uint32_t)c->ncommand);
		for (j = 0; j < c->ncommand; j++)
			w_str(&w, c->command[j]);
		w_u32(&w, (uint32_t)c->nargs);
		for (j = 0; j < c->nargs; j++)
			w_str(&w, c->args[j]);
		w_u32(&w, (uint32_t)c->nports);
		for (j = 0; j < c->nports; j++) {
			w_u32(&w, c->ports[j].port);
			w_u32(&w, c->ports[j].target_port);
			w_u32(&w, c->ports[j].proto);
		}
		w_u32(&w, (uint32_t)c->nmounts);
		for (j = 0; j < c->nmounts; j++) {
			w_str(&w, c->mounts[j].volume);
			w_str(&w, c->mounts[j].path);
			w_u32(&w, c->mounts[j].readonly);
		}
		for (j = 0; j < PROBE_ROLE_MAX; j++)
			w_probe(&w, &c->probes[j]);
	}
	w_u32(&w, ps->has_grace);
	w_u32(&w, ps->grace_s);
	w_u32(&w, (uint32_t)ps->nvolumes);
	for (i = 0; i < ps->nvolumes; i++) {
		w_str(&w, ps->volumes[i].name);
		w_u32(&w, ps->volumes[i].kind);
		w_str(&w, ps->volumes[i].path);
	}
	if (w.failed) {
		free(w.buf);
		errno = ENOMEM;
		return -1;
	}
	*out = w.buf;
	*outlen = w.len;
	return 0;
}

static uint32_t
r_u32(struct rbuf *r)
{
	uint32_t	 v = 0;

	if (r->failed || r->left < sizeof(v)) {
		r->failed = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	r->left -= sizeof(v);
	return v;
}

static uint64_t
r_u64(struct rbuf *r)
{
	uint64_t	 v = 0;

	if (r->failed || r->left < sizeof(v)) {
		r->failed = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	r->left -= sizeof(v);
	return v;
}

/* A string into a fixed array: it must fit with its NUL and hold none. */
static void
r_fixed(struct rbuf *r, char *dst, size_t size)
{
	uint32_t	 n = r_u32(r);

	if (r->failed || n >= size || n > r->left ||
	    memchr(r->p, '\0', n) != NULL) {
		r->failed = 1;
		dst[0] = '\0';
		return;
	}
	memcpy(dst, r->p, n);
	dst[n] = '\0';
	r->p += n;
	r->left -= n;
}

static char *
r_str(struct rbuf *r, size_t max)
{
	uint32_t	 n = r_u32(r);
	char		*s;

	if (r->failed || n > max || n > r->left ||
	    memchr(r->p, '\0', n) != NULL) {
		r->failed = 1;
		return NULL;
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		r->failed = 1;
		return NULL;
	}
	memcpy(s, r->p, n);
	s[n] = '\0';
	r->p += n;
	r->left -= n;
	return s;
}

static void
r_strv(struct rbuf *r, char **v, size_t *nv, size_t max)
{
	uint32_t	 n = r_u32(r), i;

	*nv = 0;
	if (r->failed || n > max) {
		r->failed = 1;
		return;
	}
	for (i = 0; i < n && !r->failed; i++) {
		if ((v[i] = r_str(r, POD_STRING_MAX)) != NULL)
			*nv = i + 1;
	}
}

static void
r_probe(struct rbuf *r, struct pod_probe *p)
{
	p->kind = r_u32(r);
	if (r->failed || p->kind == PROBE_NONE)
		return;
	p->port = r_u32(r);
	r_fixed(r, p->path, sizeof(p->path));
	r_strv(r, p->command, &p->ncommand, PROBE_ARGV_MAX);
	p->initial_delay_s = r_u32(r);
	p->period_s = r_u32(r);
	p->timeout_s = r_u32(r);
	p->failure_threshold = r_u32(r);
	p->success_threshold = r_u32(r);
}

/*
 * Decodes and validates.  On failure, writes why into err and leaves
 * nothing allocated in ps.
 */
int
podspec_decode(const void *buf, size_t len, struct pod_spec *ps, char *err,
    size_t errlen)
{
	struct rbuf		 r = { buf, len, 0 };
	struct pod_container	*c;
	uint32_t		 n, nm, i, j;

	memset(ps, 0, sizeof(*ps));
	if (r_u32(&r) != PODSPEC_MAGIC) {
		(void)snprintf(err, errlen, "pod description: bad magic");
		return -1;
	}
	r_fixed(&r, ps->instance, sizeof(ps->instance));
	r_fixed(&r, ps->name, sizeof(ps->name));
	ps->restart_policy = r_u32(&r);
	ps->definition = r_str(&r, RIK_DEFINITION_MAX);
	n = r_u32(&r);
	if (!r.failed && n > RIK_CONTAINERS_MAX)
		r.failed = 1;
	for (i = 0; !r.failed && i < n; i++) {
		c = &ps->containers[i];
		ps->ncontainers = i + 1;
		r_fixed(&r, c->name, sizeof(c->name));
		r_fixed(&r, c->image, sizeof(c->image));
		c->pull_policy = r_u32(&r);
		c->memory_limit = (int64_t)r_u64(&r);
		c->nano_cpus = (int64_t)r_u64(&r);
		r_strv(&r, c->env, &c->nenv, POD_ENV_MAX);
		r_strv(&r, c->command, &c->ncommand, POD_ARGV_MAX);
		r_strv(&r, c->args, &c->nargs, POD_ARGV_MAX);
		c->nports = r_u32(&r);
		if (c->nports > POD_PORTS_MAX) {
			c->nports = 0;
			r.failed = 1;
		}
		for (j = 0; !r.failed && j < c->nports; j++) {
			uint32_t p = r_u32(&r), t = r_u32(&r);

			if (p > UINT16_MAX || t > UINT16_MAX)
				r.failed = 1;
			c->ports[j].port = (uint16_t)p;
			c->ports[j].target_port = (uint16_t)t;
			c->ports[j].proto = r_u32(&r);
		}
		nm = r_u32(&r);
		if (!r.failed && nm > POD_MOUNTS_MAX)
			r.failed = 1;
		for (j = 0; !r.failed && j < nm; j++) {
			struct pod_mount *m = &c->mounts[j];

			r_fixed(&r, m->volume, sizeof(m->volume));
			if ((m->path = r_str(&r, POD_PATH_MAX - 1)) != NULL)
				c->nmounts = j + 1;
			m->readonly = r_u32(&r);
		}
		for (j = 0; !r.failed && j < PROBE_ROLE_MAX; j++)
			r_probe(&r, &c->probes[j]);
	}
	ps->has_grace = r_u32(&r);
	ps->grace_s = r_u32(&r);
	n = r_u32(&r);
	if (!r.failed && n > POD_VOLUMES_MAX)
		r.failed = 1;
	for (i = 0; !r.failed && i < n; i++) {
		struct pod_volume *v = &ps->volumes[i];

		ps->nvolumes = i + 1;
		r_fixed(&r, v->name, sizeof(v->name));
		v->kind = r_u32(&r);
		v->path = r_str(&r, POD_PATH_MAX - 1);
		/* An emptyDir has no path: none, not an empty one. */
		if (v->path != NULL && v->path[0] == '\0') {
			free(v->path);
			v->path = NULL;
		}
	}
	if (!r.failed && r.left != 0)
		r.failed = 1;
	if (r.failed) {
		(void)snprintf(err, errlen,
		    "pod description: truncated or oversized field");
		podspec_free(ps);
		return -1;
	}
	if (podspec_validate(ps, err, errlen) == -1) {
		podspec_free(ps);
		return -1;
	}
	return 0;
}

/* Instance ids end up in container names and labels: keep them plain. */
int
podspec_valid_id(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n >= RIK_ID_MAX - 32)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.'))
			return 0;
	}
	return s[0] != '.' && s[0] != '-';
}

int
podspec_valid_name(const char *s)
{
	return strlen(s) < RIK_NAME_MAX && podspec_valid_id(s);
}

int
podspec_validate(const struct pod_spec *ps, char *err, size_t errlen)
{
	const struct pod_container *c;
	const char	*why;
	size_t	 i, j, k;

	if (!podspec_valid_id(ps->instance)) {
		(void)snprintf(err, errlen, "invalid instance id");
		return -1;
	}
	if (ps->name[0] != '\0' && !podspec_valid_name(ps->name)) {
		(void)snprintf(err, errlen, "invalid pod name");
		return -1;
	}
	if (ps->restart_policy >= RESTART_MAX) {
		(void)snprintf(err, errlen, "invalid restart policy");
		return -1;
	}
	if (ps->ncontainers == 0 || ps->ncontainers > RIK_CONTAINERS_MAX) {
		(void)snprintf(err, errlen, "a pod needs 1 to %d containers",
		    RIK_CONTAINERS_MAX);
		return -1;
	}
	if (ps->has_grace > 1 || ps->grace_s > POD_GRACE_MAX) {
		(void)snprintf(err, errlen, "terminationGracePeriodSeconds: "
		    "not in 0-%d", POD_GRACE_MAX);
		return -1;
	}
	if (validate_volumes(ps, err, errlen) == -1)
		return -1;
	for (i = 0; i < ps->ncontainers; i++) {
		c = &ps->containers[i];
		if (!podspec_valid_name(c->name)) {
			(void)snprintf(err, errlen,
			    "container %zu: invalid name", i);
			return -1;
		}
		if (strcmp(c->name, POD_INFRA_NAME) == 0) {
			(void)snprintf(err, errlen, "container %s: the name is "
			    "riklet's, for the pod's infra container",
			    c->name);
			return -1;
		}
		for (k = 0; k < i; k++)
			if (strcmp(ps->containers[k].name, c->name) == 0) {
				(void)snprintf(err, errlen,
				    "container %s: duplicate name", c->name);
				return -1;
			}
		if (!imageref_valid(c->image, &why)) {
			(void)snprintf(err, errlen,
			    "container %s: invalid image reference: %s", c->name,
			    why);
			return -1;
		}
		if (c->pull_policy >= PULL_POLICY_MAX) {
			(void)snprintf(err, errlen,
			    "container %s: invalid imagePullPolicy", c->name);
			return -1;
		}
		if (c->memory_limit < 0 || c->nano_cpus < 0) {
			(void)snprintf(err, errlen,
			    "container %s: negative limit", c->name);
			return -1;
		}
		for (j = 0; j < c->nenv; j++) {
			const char *eq = strchr(c->env[j], '=');

			if (eq == NULL || eq == c->env[j]) {
				(void)snprintf(err, errlen,
				    "container %s: bad environment entry",
				    c->name);
				return -1;
			}
		}
		for (j = 0; j < c->nports; j++) {
			if (c->ports[j].target_port == 0 ||
			    c->ports[j].proto >= PORT_PROTO_MAX) {
				(void)snprintf(err, errlen,
				    "container %s: bad port", c->name);
				return -1;
			}
		}
		if (validate_ports(ps, i, err, errlen) == -1 ||
		    validate_mounts(ps, c, err, errlen) == -1)
			return -1;
		for (j = 0; j < PROBE_ROLE_MAX; j++) {
			char	 pwhy[256];

			if (probe_validate(&c->probes[j], pwhy,
			    sizeof(pwhy)) == -1) {
				(void)snprintf(err, errlen, "container %s: "
				    "%s: %s", c->name, probe_role_name(j),
				    pwhy);
				return -1;
			}
		}
	}
	return 0;
}

/* Kubernetes' defaults, before a definition's fields are read. */
void
probe_defaults(struct pod_probe *p)
{
	p->initial_delay_s = 0;
	p->period_s = PROBE_PERIOD_DEFAULT;
	p->timeout_s = PROBE_TIMEOUT_DEFAULT;
	p->failure_threshold = PROBE_FAILURES_DEFAULT;
	p->success_threshold = 1;
}

/*
 * A probe's fields, within bounds; why names the field.  The path goes
 * into riklet-pause's argv and an HTTP request line: absolute and
 * printable, no space.
 */
int
probe_validate(const struct pod_probe *p, char *why, size_t len)
{
	const char	*s;
	size_t		 i;

	if (p->kind == PROBE_NONE)
		return p->ncommand == 0 ? 0 : -1;
	if (p->kind >= PROBE_KIND_MAX) {
		(void)snprintf(why, len, "unknown kind");
		return -1;
	}
	if (p->kind == PROBE_EXEC) {
		if (p->ncommand == 0 || p->ncommand > PROBE_ARGV_MAX) {
			(void)snprintf(why, len, "exec.command: 1 to %d words",
			    PROBE_ARGV_MAX);
			return -1;
		}
	} else if (p->ncommand != 0) {
		(void)snprintf(why, len, "a command for a network probe");
		return -1;
	} else if (p->port == 0 || p->port > UINT16_MAX) {
		(void)snprintf(why, len, "%s.port: not in 1-65535",
		    p->kind == PROBE_HTTP ? "httpGet" : "tcpSocket");
		return -1;
	}
	if (p->kind == PROBE_HTTP) {
		if (p->path[0] != '/' || strlen(p->path) >= PROBE_PATH_MAX) {
			(void)snprintf(why, len, "httpGet.path: not an "
			    "absolute path");
			return -1;
		}
		for (s = p->path; *s != '\0'; s++)
			if ((unsigned char)*s <= ' ' ||
			    (unsigned char)*s >= 0x7f) {
				(void)snprintf(why, len, "httpGet.path: a "
				    "space or a control character");
				return -1;
			}
	} else if (p->path[0] != '\0') {
		(void)snprintf(why, len, "a path for a probe not httpGet");
		return -1;
	}
	for (i = 0; i < p->ncommand; i++)
		if (p->command[i] == NULL) {
			(void)snprintf(why, len, "exec.command: missing word");
			return -1;
		}
	if (p->initial_delay_s > PROBE_SECONDS_MAX) {
		(void)snprintf(why, len, "initialDelaySeconds: not in 0-%d",
		    PROBE_SECONDS_MAX);
		return -1;
	}
	if (p->period_s < 1 || p->period_s > PROBE_SECONDS_MAX) {
		(void)snprintf(why, len, "periodSeconds: not in 1-%d",
		    PROBE_SECONDS_MAX);
		return -1;
	}
	if (p->timeout_s < 1 || p->timeout_s > PROBE_SECONDS_MAX) {
		(void)snprintf(why, len, "timeoutSeconds: not in 1-%d",
		    PROBE_SECONDS_MAX);
		return -1;
	}
	if (p->failure_threshold < 1 ||
	    p->failure_threshold > PROBE_THRESHOLD_MAX) {
		(void)snprintf(why, len, "failureThreshold: not in 1-%d",
		    PROBE_THRESHOLD_MAX);
		return -1;
	}
	if (p->success_threshold != 1) {
		(void)snprintf(why, len, "successThreshold: must be 1");
		return -1;
	}
	return 0;
}

const char *
probe_role_name(uint32_t role)
{
	switch (role) {
	case PROBE_LIVENESS:
		return "livenessProbe";
	case PROBE_STARTUP:
		return "startupProbe";
	}
	return "probe";
}

const char *
probe_kind_name(uint32_t kind)
{
	switch (kind) {
	case PROBE_EXEC:
		return "exec";
	case PROBE_HTTP:
		return "httpGet";
	case PROBE_TCP:
		return "tcpSocket";
	}
	return "none";
}

/* The pod's ports are published together: a port of the node once. */
static int
validate_ports(const struct pod_spec *ps, size_t i, char *err, size_t errlen)
{
	const struct pod_container	*c = &ps->containers[i], *o;
	const struct pod_port		*p, *q;
	size_t				 j, k, l;

	for (j = 0; j < c->nports; j++) {
		p = &c->ports[j];
		for (k = 0; k <= i; k++) {
			o = &ps->containers[k];
			for (l = 0; l < (k == i ? j : o->nports); l++) {
				q = &o->ports[l];
				if (p->proto != q->proto)
					continue;
				if (p->port != 0 && p->port == q->port) {
					(void)snprintf(err, errlen, "container "
					    "%s: node port %u published twice",
					    c->name, (unsigned)p->port);
					return -1;
				}
			}
		}
	}
	return 0;
}

static int
valid_path_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/*
 * Names unique and plain; a hostPath is any printable string here (the
 * parent checks it against the configuration), an emptyDir has none.
 */
static int
validate_volumes(const struct pod_spec *ps, char *err, size_t errlen)
{
	const struct pod_volume	*v;
	size_t			 i, k;

	if (ps->nvolumes > POD_VOLUMES_MAX) {
		(void)snprintf(err, errlen, "more than %d volumes",
		    POD_VOLUMES_MAX);
		return -1;
	}
	for (i = 0; i < ps->nvolumes; i++) {
		v = &ps->volumes[i];
		if (!podspec_valid_name(v->name)) {
			(void)snprintf(err, errlen, "volume %zu: invalid name",
			    i);
			return -1;
		}
		for (k = 0; k < i; k++)
			if (strcmp(ps->volumes[k].name, v->name) == 0) {
				(void)snprintf(err, errlen, "volume %s: "
				    "duplicate name", v->name);
				return -1;
			}
		if (v->kind >= VOLUME_KIND_MAX ||
		    (v->kind == VOLUME_EMPTYDIR) != (v->path == NULL) ||
		    (v->path != NULL && (v->path[0] == '\0' ||
		    strlen(v->path) >= POD_PATH_MAX ||
		    !valid_path_chars(v->path)))) {
			(void)snprintf(err, errlen, "volume %s: bad kind or "
			    "path", v->name);
			return -1;
		}
	}
	return 0;
}

/* Each mount names a volume of the pod, at a plain absolute path. */
static int
validate_mounts(const struct pod_spec *ps, const struct pod_container *c,
    char *err, size_t errlen)
{
	const struct pod_mount	*m;
	size_t			 j, k;

	if (c->nmounts > POD_MOUNTS_MAX) {
		(void)snprintf(err, errlen, "container %s: more than %d "
		    "volumeMounts", c->name, POD_MOUNTS_MAX);
		return -1;
	}
	for (j = 0; j < c->nmounts; j++) {
		m = &c->mounts[j];
		if (podspec_volume(ps, m->volume) == NULL) {
			(void)snprintf(err, errlen, "container %s: no volume "
			    "named %s", c->name, m->volume);
			return -1;
		}
		if (m->path == NULL || strlen(m->path) >= POD_PATH_MAX ||
		    !path_is_normal(m->path) || strcmp(m->path, "/") == 0 ||
		    !valid_path_chars(m->path) || m->readonly > 1) {
			(void)snprintf(err, errlen, "container %s: volume %s: "
			    "bad mountPath", c->name, m->volume);
			return -1;
		}
		for (k = 0; k < j; k++)
			if (strcmp(c->mounts[k].path, m->path) == 0) {
				(void)snprintf(err, errlen, "container %s: "
				    "two volumes at %s", c->name, m->path);
				return -1;
			}
	}
	return 0;
}

const struct pod_volume *
podspec_volume(const struct pod_spec *ps, const char *name)
{
	size_t	 i;

	for (i = 0; i < ps->nvolumes; i++)
		if (strcmp(ps->volumes[i].name, name) == 0)
			return &ps->volumes[i];
	return NULL;
}

void
podspec_free(struct pod_spec *ps)
{
	struct pod_container	*c;
	size_t			 i, j, k;

	free(ps->definition);
	ps->definition = NULL;
	for (i = 0; i < ps->ncontainers; i++) {
		c = &ps->containers[i];
		for (j = 0; j < c->nenv; j++)
			free(c->env[j]);
		for (j = 0; j < c->ncommand; j++)
			free(c->command[j]);
		for (j = 0; j < c->nargs; j++)
			free(c->args[j]);
		for (j = 0; j < c->nmounts; j++)
			free(c->mounts[j].path);
		c->nenv = c->ncommand = c->nargs = c->nmounts = 0;
		for (j = 0; j < PROBE_ROLE_MAX; j++) {
			struct pod_probe *pr = &c->probes[j];

			for (k = 0; k < pr->ncommand; k++)
				free(pr->command[k]);
			pr->ncommand = 0;
		}
	}
	ps->ncontainers = 0;
	for (i = 0; i < ps->nvolumes; i++) {
		free(ps->volumes[i].path);
		ps->volumes[i].path = NULL;
	}
	ps->nvolumes = 0;
}

/* The one table of restart policy names, as RIK and the labels say them. */
static const char *const restart_policy_names[RESTART_MAX] = {
	[RESTART_NEVER] = "Never",
	[RESTART_ON_FAILURE] = "OnFailure",
	[RESTART_ALWAYS] = "Always",
};

const char *
restart_policy_name(uint32_t p)
{
	return p < RESTART_MAX ? restart_policy_names[p] : "unknown";
}

/* The policy of that name; -1 if there is none. */
int
restart_policy_parse(const char *s, uint32_t *p)
{
	uint32_t	 i;

	for (i = 0; i < RESTART_MAX; i++)
		if (strcmp(s, restart_policy_names[i]) == 0) {
			*p = i;
			return 0;
		}
	return -1;
}

const char *
pull_policy_name(uint32_t p)
{
	switch (p) {
	case PULL_IF_NOT_PRESENT:
		return "IfNotPresent";
	case PULL_ALWAYS:
		return "Always";
	case PULL_NEVER:
		return "Never";
	}
	return "invalid";
}

/* A name as a definition says it; PULL_POLICY_MAX: none of them. */
uint32_t
pull_policy_parse(const char *s)
{
	uint32_t	 p;

	for (p = 0; p < PULL_POLICY_MAX; p++)
		if (strcmp(s, pull_policy_name(p)) == 0)
			return p;
	return PULL_POLICY_MAX;
}

/* Kubernetes' default: a tag that moves is pulled each time. */
uint32_t
pull_policy_default(const char *image)
{
	return imageref_floating(image) ? PULL_ALWAYS : PULL_IF_NOT_PRESENT;
}
