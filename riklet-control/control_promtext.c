/*
 * The Prometheus text exposition format 0.0.4, made of the parent's
 * answer to a scrape.  The answer comes in pieces (status, children,
 * figures, pods, metrics documents) and a family's samples must stand
 * together under its HELP and TYPE: each family gathers its samples in
 * its own buffer, and prom_text_end() writes them out in order.
 *
 * Names follow Prometheus' conventions: base units (_bytes, _seconds),
 * _total on counters, _ratio for fractions.  The metrics child measures
 * pods, not their containers one by one: CPU and memory are per pod
 * (label instance), restarts per container (instance, container).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control_prom.h"
#include "util.h"

#ifndef RIKLET_VERSION
#error "RIKLET_VERSION: the Makefile gives it, from the file VERSION"
#endif

#define TERMINATED(a)	strarray_terminated((a), sizeof(a))
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define LABELS_MAX	1024	/* the escaped labels of one sample */
#define DISKS_MAX	64	/* MET_DISKS_MAX */

enum fam {
	F_BUILD_INFO,
	F_SCHED_CONNECTED,
	F_REGISTRATIONS,
	F_RECONNECTS,
	F_SENT,
	F_QUEUED,
	F_VIOLATIONS,
	F_CHILD_RESTARTS,
	F_PROC_RSS,
	F_PROC_CPU,
	F_NODE_CPUS,
	F_NODE_CPU_USAGE,
	F_NODE_MEM_TOTAL,
	F_NODE_MEM_FREE,
	F_DISK_TOTAL,
	F_DISK_USED,
	F_DISK_AVAIL,
	F_POD_STATE,
	F_CTR_RESTARTS,
	F_POD_CPUS,
	F_POD_CPU_USAGE,
	F_POD_MEM_USAGE,
	F_POD_MEM_LIMIT,
	F_PULLS,
	F_PULL_BYTES,
	F_PULL_SECONDS,
	F_MAX
};

static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} fams[F_MAX] = {
	[F_BUILD_INFO] = { "riklet_build_info", "gauge",
	    "riklet's version; always 1." },
	[F_SCHED_CONNECTED] = { "riklet_scheduler_connected", "gauge",
	    "1 while the agent is registered with the scheduler, else 0." },
	[F_REGISTRATIONS] = { "riklet_scheduler_registrations_total",
	    "counter", "Registrations the scheduler accepted." },
	[F_RECONNECTS] = { "riklet_scheduler_reconnects_total", "counter",
	    "Connection attempts to the scheduler after a failure or a lost "
	    "connection." },
	[F_SENT] = { "riklet_statuses_sent_total", "counter",
	    "Status messages (pod states, pod and node metrics) sent to the "
	    "scheduler." },
	[F_QUEUED] = { "riklet_statuses_queued", "gauge",
	    "Status messages waiting to be sent, in the agent's queue or, "
	    "while there is no agent, in the parent's." },
	[F_VIOLATIONS] = { "riklet_imsg_violations_total", "counter",
	    "Messages from a child that broke the protocol; each killed the "
	    "child." },
	[F_CHILD_RESTARTS] = { "riklet_child_restarts_total", "counter",
	    "Restarts of each child process." },
	[F_PROC_RSS] = { "riklet_process_resident_memory_bytes", "gauge",
	    "Resident memory of each riklet process." },
	[F_PROC_CPU] = { "riklet_process_cpu_seconds_total", "counter",
	    "User and system CPU time of each riklet process since it "
	    "started." },
	[F_NODE_CPUS] = { "riklet_node_cpus", "gauge",
	    "CPUs online on the node." },
	[F_NODE_CPU_USAGE] = { "riklet_node_cpu_usage_ratio", "gauge",
	    "Busy fraction of the node's CPU time over the last sample "
	    "interval." },
	[F_NODE_MEM_TOTAL] = { "riklet_node_memory_total_bytes", "gauge",
	    "Memory of the node." },
	[F_NODE_MEM_FREE] = { "riklet_node_memory_free_bytes", "gauge",
	    "Memory available for new work on the node (MemAvailable)." },
	[F_DISK_TOTAL] = { "riklet_node_disk_total_bytes", "gauge",
	    "Size of each disk's filesystem." },
	[F_DISK_USED] = { "riklet_node_disk_used_bytes", "gauge",
	    "Space used on each disk's filesystem." },
	[F_DISK_AVAIL] = { "riklet_node_disk_available_bytes", "gauge",
	    "Space available to unprivileged users on each disk's "
	    "filesystem." },
	[F_POD_STATE] = { "riklet_pod_state", "gauge",
	    "1 for the state each pod is in, 0 for the others." },
	[F_CTR_RESTARTS] = { "riklet_container_restarts_total", "counter",
	    "Times each container of a pod ran again after it had exited." },
	[F_POD_CPUS] = { "riklet_pod_cpus", "gauge",
	    "CPUs each pod may use: its limit, else the node's." },
	[F_POD_CPU_USAGE] = { "riklet_pod_cpu_usage_ratio", "gauge",
	    "Fraction of riklet_pod_cpus each pod used over the last sample "
	    "interval." },
	[F_POD_MEM_USAGE] = { "riklet_pod_memory_usage_bytes", "gauge",
	    "Memory each pod's containers use, as their cgroups count it." },
	[F_POD_MEM_LIMIT] = { "riklet_pod_memory_limit_bytes", "gauge",
	    "Memory each pod may use: its limit, else the node's." },
	[F_PULLS] = { "riklet_image_pulls_total", "counter",
	    "Image pulls that ended, well or not." },
	[F_PULL_BYTES] = { "riklet_image_pull_bytes_total", "counter",
	    "Bytes of image layers downloaded by those pulls." },
	[F_PULL_SECONDS] = { "riklet_image_pull_seconds_total", "counter",
	    "Time those pulls took." },
};

/* The states a pod of the table can be in, as riklet_pod_state says. */
static const struct {
	uint32_t	 status;
	const char	*name;
} pod_states[] = {
	{ RIK_UNKNOWN,		"unknown" },
	{ RIK_CREATING,		"creating" },
	{ RIK_RUNNING,		"running" },
	{ RIK_FAILED,		"failed" },
	{ RIK_DESTROYING,	"destroying" },
};

struct prom_text {
	struct evbuffer	*fam[F_MAX];
	size_t		 len;
	int		 status;	/* CTL_STATUS came */
	uint32_t	 nchildren;	/* CTL_CHILDs still to come */
	int		 figures;	/* CTL_PROM came */
	int		 node;		/* the node's document came */
};

static int	 sample(struct prom_text *, enum fam, const char *,
		    const char *, ...) __attribute__((__format__(printf, 4,
		    5)));
static int	 labels(char *, size_t, ...);
static int	 escape(char *, size_t, const char *);
static const char *fmt_ms(uint64_t, char *, size_t);
static int	 get_num(json_t *, const char *, const char *, double *);
static int	 get_bytes(json_t *, const char *, const char *,
		    long long *);
static int	 node_doc(struct prom_text *, json_t *);
static int	 pod_doc(struct prom_text *, const char *, json_t *);

struct prom_text *
prom_text_new(void)
{
	struct prom_text	*t;
	size_t			 i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	for (i = 0; i < F_MAX; i++)
		if ((t->fam[i] = evbuffer_new()) == NULL) {
			prom_text_free(t);
			return NULL;
		}
	return t;
}

void
prom_text_free(struct prom_text *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < F_MAX; i++)
		if (t->fam[i] != NULL)
			evbuffer_free(t->fam[i]);
	free(t);
}

/* One line of family f: its name, its labels ("" for none), a value. */
static int
sample(struct prom_text *t, enum fam f, const char *lbl, const char *fmt,
    ...)
{
	char	 value[64];
	va_list	 ap;
	int	 n, r;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return -1;
	r = evbuffer_add_printf(t->fam[f], "%s%s%s%s %s\n", fams[f].name,
	    *lbl ? "{" : "", lbl, *lbl ? "}" : "", value);
	if (r < 0 || (t->len += (size_t)r) > PROM_BODY_MAX)
		return -1;
	return 0;
}

/* A label value: backslash, double quote and newline escaped. */
static int
escape(char *dst, size_t size, const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++) {
		if (n + 3 > size)
			return -1;
		if (*s == '\\' || *s == '"' || *s == '\n')
			dst[n++] = '\\';
		dst[n++] = *s == '\n' ? 'n' : *s;
	}
	dst[n] = '\0';
	return 0;
}

/* name, value, ..., NULL: name="value",... into buf. */
static int
labels(char *buf, size_t size, ...)
{
	const char	*name, *value;
	char		 esc[LABELS_MAX];
	size_t		 len = 0;
	va_list		 ap;
	int		 n, r = 0;

	buf[0] = '\0';
	va_start(ap, size);
	while ((name = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		if (escape(esc, sizeof(esc), value) == -1) {
			r = -1;
			break;
		}
		n = snprintf(buf + len, size - len, "%s%s=\"%s\"",
		    len ? "," : "", name, esc);
		if (n < 0 || (size_t)n >= size - len) {
			r = -1;
			break;
		}
		len += (size_t)n;
	}
	va_end(ap);
	return r;
}

/* Milliseconds as seconds, exactly. */
static const char *
fmt_ms(uint64_t ms, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%llu.%03llu",
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
	return buf;
}

int
prom_text_status(struct prom_text *t, const struct ctl_status *cs)
{
	char	 lbl[LABELS_MAX];

	if (t->status || !TERMINATED(cs->scheduler) ||
	    !TERMINATED(cs->hostname) || !TERMINATED(cs->agent_reason) ||
	    !TERMINATED(cs->engine_name) ||
	    !TERMINATED(cs->engine_version) ||
	    !TERMINATED(cs->engine_api_version) ||
	    !TERMINATED(cs->engine_message) ||
	    cs->nchildren != PROC_MAX - PROC_AGENT)
		return -1;
	t->status = 1;
	t->nchildren = cs->nchildren;
	if (labels(lbl, sizeof(lbl), "version", RIKLET_VERSION, NULL) == -1 ||
	    sample(t, F_BUILD_INFO, lbl, "1") == -1)
		return -1;
	return sample(t, F_SCHED_CONNECTED, "", "%d",
	    cs->agent_state == AGENT_REGISTERED);
}

int
prom_text_child(struct prom_text *t, const struct ctl_child *cc)
{
	char	 lbl[LABELS_MAX];

	if (!t->status || t->nchildren == 0 || cc->proc <= PROC_PARENT ||
	    cc->proc >= PROC_MAX)
		return -1;
	t->nchildren--;
	if (labels(lbl, sizeof(lbl), "process", proc_name(cc->proc),
	    NULL) == -1)
		return -1;
	return sample(t, F_CHILD_RESTARTS, lbl, "%u", cc->restarts);
}

int
prom_text_figures(struct prom_text *t, const struct ctl_prom *cp)
{
	enum riklet_proc	 p;
	char			 lbl[LABELS_MAX], s[32];

	if (!t->status || t->nchildren != 0 || t->figures)
		return -1;
	t->figures = 1;
	if (sample(t, F_REGISTRATIONS, "", "%llu",
	    (unsigned long long)cp->registrations) == -1 ||
	    sample(t, F_RECONNECTS, "", "%llu",
	    (unsigned long long)cp->reconnects) == -1 ||
	    sample(t, F_SENT, "", "%llu",
	    (unsigned long long)cp->statuses_sent) == -1 ||
	    sample(t, F_QUEUED, "queue=\"agent\"", "%llu",
	    (unsigned long long)cp->queued_agent) == -1 ||
	    sample(t, F_QUEUED, "queue=\"parent\"", "%llu",
	    (unsigned long long)cp->queued_parent) == -1 ||
	    sample(t, F_PULLS, "", "%llu",
	    (unsigned long long)cp->pulls) == -1 ||
	    sample(t, F_PULL_BYTES, "", "%llu",
	    (unsigned long long)cp->pull_bytes) == -1 ||
	    sample(t, F_PULL_SECONDS, "", "%s",
	    fmt_ms(cp->pull_ms, s, sizeof(s))) == -1)
		return -1;
	for (p = PROC_PARENT; p < PROC_MAX; p++) {
		if (labels(lbl, sizeof(lbl), "process", proc_name(p),
		    NULL) == -1)
			return -1;
		if (p != PROC_PARENT && sample(t, F_VIOLATIONS, lbl, "%u",
		    cp->violations[p]) == -1)
			return -1;
		/* A child between two lives has no figures. */
		if (cp->pid[p] <= 0)
			continue;
		if (sample(t, F_PROC_RSS, lbl, "%llu",
		    (unsigned long long)cp->rss_bytes[p]) == -1 ||
		    sample(t, F_PROC_CPU, lbl, "%s",
		    fmt_ms(cp->cpu_ms[p], s, sizeof(s))) == -1)
			return -1;
	}
	return 0;
}

int
prom_text_pod(struct prom_text *t, const struct ctl_prom_pod *pp)
{
	char		 lbl[LABELS_MAX];
	uint32_t	 i;
	size_t		 j;

	if (!t->figures || !TERMINATED(pp->instance) ||
	    pp->instance[0] == '\0' || pp->status >= RIK_STATUS_MAX ||
	    pp->ncontainers > RIK_CONTAINERS_MAX)
		return -1;
	for (j = 0; j < NELEM(pod_states); j++) {
		if (labels(lbl, sizeof(lbl), "instance", pp->instance, "state",
		    pod_states[j].name, NULL) == -1 ||
		    sample(t, F_POD_STATE, lbl, "%d",
		    pp->status == pod_states[j].status) == -1)
			return -1;
	}
	for (i = 0; i < pp->ncontainers; i++) {
		/* Not named yet: adopted, and the engine has not said. */
		if (!TERMINATED(pp->containers[i].name))
			return -1;
		if (pp->containers[i].name[0] == '\0')
			continue;
		if (labels(lbl, sizeof(lbl), "instance", pp->instance,
		    "container", pp->containers[i].name, NULL) == -1 ||
		    sample(t, F_CTR_RESTARTS, lbl, "%llu",
		    (unsigned long long)pp->containers[i].restarts) == -1)
			return -1;
	}
	return 0;
}

/* o[k1][k2] (o[k1] when k2 is NULL), a finite number not below 0. */
static int
get_num(json_t *o, const char *k1, const char *k2, double *v)
{
	json_t	*j = json_object_get(o, k1);

	if (k2 != NULL)
		j = json_object_get(j, k2);
	if (!json_is_number(j))
		return -1;
	*v = json_number_value(j);
	return isfinite(*v) && *v >= 0.0 ? 0 : -1;
}

/* The same for a whole number of bytes. */
static int
get_bytes(json_t *o, const char *k1, const char *k2, long long *v)
{
	json_t	*j = json_object_get(o, k1);

	if (k2 != NULL)
		j = json_object_get(j, k2);
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (long long)json_integer_value(j);
	return 0;
}

/*
 * The metrics child's node document (DESIGN.md's format): a figure that
 * is missing or not a number is left out, the rest is shown.
 */
static int
node_doc(struct prom_text *t, json_t *doc)
{
	const char	*seen[DISKS_MAX], *name;
	char		 lbl[LABELS_MAX];
	json_t		*d;
	double		 v;
	long long	 b;
	size_t		 i, j, nseen = 0;

	if (get_num(doc, "cpu", "totalCpu", &v) == 0 &&
	    sample(t, F_NODE_CPUS, "", "%.6g", v) == -1)
		return -1;
	if (get_num(doc, "cpu", "currentUsage", &v) == 0 &&
	    sample(t, F_NODE_CPU_USAGE, "", "%.6g", v / 100.0) == -1)
		return -1;
	if (get_bytes(doc, "memory", "totalMemory", &b) == 0 &&
	    sample(t, F_NODE_MEM_TOTAL, "", "%lld", b) == -1)
		return -1;
	if (get_bytes(doc, "memory", "freeMemory", &b) == 0 &&
	    sample(t, F_NODE_MEM_FREE, "", "%lld", b) == -1)
		return -1;
	json_array_foreach(json_object_get(doc, "disks"), i, d) {
		if ((name = json_string_value(json_object_get(d,
		    "diskName"))) == NULL || nseen == DISKS_MAX)
			continue;
		/* A series twice would spoil the scrape. */
		for (j = 0; j < nseen; j++)
			if (strcmp(seen[j], name) == 0)
				break;
		if (j < nseen)
			continue;
		seen[nseen++] = name;
		if (labels(lbl, sizeof(lbl), "disk", name, NULL) == -1)
			continue;
		if ((get_bytes(d, "total", NULL, &b) == 0 &&
		    sample(t, F_DISK_TOTAL, lbl, "%lld", b) == -1) ||
		    (get_bytes(d, "used", NULL, &b) == 0 &&
		    sample(t, F_DISK_USED, lbl, "%lld", b) == -1) ||
		    (get_bytes(d, "available", NULL, &b) == 0 &&
		    sample(t, F_DISK_AVAIL, lbl, "%lld", b) == -1))
			return -1;
	}
	return 0;
}

/* A pod's document: its memory in use is its total less its free. */
static int
pod_doc(struct prom_text *t, const char *instance, json_t *doc)
{
	char		 lbl[LABELS_MAX];
	double		 v;
	long long	 total, avail;

	if (labels(lbl, sizeof(lbl), "instance", instance, NULL) == -1)
		return -1;
	if (get_num(doc, "cpu", "totalCpu", &v) == 0 &&
	    sample(t, F_POD_CPUS, lbl, "%.6g", v) == -1)
		return -1;
	if (get_num(doc, "cpu", "currentUsage", &v) == 0 &&
	    sample(t, F_POD_CPU_USAGE, lbl, "%.6g", v / 100.0) == -1)
		return -1;
	if (get_bytes(doc, "memory", "totalMemory", &total) == -1)
		return 0;
	if (sample(t, F_POD_MEM_LIMIT, lbl, "%lld", total) == -1)
		return -1;
	if (get_bytes(doc, "memory", "freeMemory", &avail) == 0 &&
	    avail <= total &&
	    sample(t, F_POD_MEM_USAGE, lbl, "%lld", total - avail) == -1)
		return -1;
	return 0;
}

/* The node's document, or a pod's; one that is not JSON is skipped. */
int
prom_text_metrics(struct prom_text *t, const struct ctl_metrics *cm,
    const char *s)
{
	json_t	*doc;
	int	 r;

	if (!t->figures || !TERMINATED(cm->instance))
		return -1;
	if (cm->instance[0] == '\0' && t->node)
		return -1;
	if ((doc = json_loads(s, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	if (cm->instance[0] == '\0') {
		t->node = 1;
		r = node_doc(t, doc);
	} else
		r = pod_doc(t, cm->instance, doc);
	json_decref(doc);
	return r;
}

/* Every family that has samples, in order, under its HELP and TYPE. */
int
prom_text_end(struct prom_text *t, struct evbuffer *out)
{
	size_t	 i;

	if (!t->figures)
		return -1;
	for (i = 0; i < F_MAX; i++) {
		if (evbuffer_get_length(t->fam[i]) == 0)
			continue;
		if (evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
		    fams[i].name, fams[i].help, fams[i].name,
		    fams[i].type) == -1 ||
		    evbuffer_add_buffer(out, t->fam[i]) == -1)
			return -1;
	}
	return 0;
}
