/*
 * The pods the parent asked us to measure, and one sample of each: CPU
 * time between two readings of every container's cgroup, memory now.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

#define NS_PER_MS	UINT64_C(1000000)

static int	 mpod_cmp(struct mpod *, struct mpod *);
static void	 mpod_free(struct mpod *);
static void	 mpod_carry(struct mpod *, struct mpod *);
static void	 mpod_limits(const struct metrics *, const struct mpod *,
		    struct pod_figures *);

RB_GENERATE(mpod_tree, mpod, entry, mpod_cmp)

static int
mpod_cmp(struct mpod *a, struct mpod *b)
{
	return strcmp(a->instance, b->instance);
}

void
metrics_init(struct metrics *m, const char *root)
{
	memset(m, 0, sizeof(*m));
	m->root = root;
	m->stat_fd = m->meminfo_fd = m->mnt.fd = -1;
	RB_INIT(&m->pods);
	if (cg_mounts_read(root, &m->mounts) == -1)
		log_warnx("cgroup mounts: %s: pods cannot be measured",
		    strerror(errno));
}

/*
 * Forgets every pod, and closes the node's files (none when m was never
 * initialised: its root is NULL).
 */
void
metrics_clear(struct metrics *m)
{
	struct mpod	*pod, *next;

	if (m->root != NULL) {
		met_fd_close(&m->stat_fd);
		met_fd_close(&m->meminfo_fd);
		met_mountinfo_close(&m->mnt);
	}
	free(m->seen);
	m->seen = NULL;
	m->nseen = 0;
	m->seen_known = 0;

	RB_FOREACH_SAFE(pod, mpod_tree, &m->pods, next) {
		RB_REMOVE(mpod_tree, &m->pods, pod);
		mpod_free(pod);
	}
	m->npods = 0;
}

/* The parent is trusted, but what it sends is still checked in full. */
int
mpod_check(const struct met_pod *mp)
{
	const struct met_container	*c;
	uint32_t			 i;

	if (!strarray_terminated(mp->instance, sizeof(mp->instance)) ||
	    mp->instance[0] == '\0' || mp->ncontainers > RIK_CONTAINERS_MAX ||
	    !isfinite(mp->cpu_limit) || mp->cpu_limit < 0.0 ||
	    mp->cpu_limit > 1e6 || mp->memory_limit < 0)
		return -1;
	for (i = 0; i < mp->ncontainers; i++) {
		c = &mp->containers[i];
		if (!strarray_terminated(c->id, sizeof(c->id)) ||
		    !strarray_terminated(c->cgroup, sizeof(c->cgroup)) ||
		    c->pid < 0 || (c->cgroup[0] != '\0' && c->cgroup[0] != '/'))
			return -1;
	}
	return 0;
}

/*
 * Adds or replaces a pod.  Containers that did not change keep their
 * cgroups and their last reading; otherwise the first reading is taken
 * now, for a report MET_INITIAL_MS later.
 */
struct mpod *
mpod_add(struct metrics *m, const struct met_pod *mp, uint64_t now)
{
	struct mpod	*pod, *old;
	size_t		 i;
	char		*json;

	old = mpod_find(m, mp->instance);
	if (old == NULL && m->npods >= MET_PODS_MAX) {
		log_warnx("pod %s: more than %d pods, not measured",
		    mp->instance, MET_PODS_MAX);
		return NULL;
	}
	if ((pod = calloc(1, sizeof(*pod) +
	    mp->ncontainers * sizeof(pod->ctrs[0]))) == NULL) {
		log_warn("pod %s", mp->instance);
		return NULL;
	}
	(void)strlcpy(pod->instance, mp->instance, sizeof(pod->instance));
	pod->cpu_limit = mp->cpu_limit;
	pod->mem_limit = (uint64_t)mp->memory_limit;
	pod->nctrs = mp->ncontainers;
	for (i = 0; i < pod->nctrs; i++) {
		(void)strlcpy(pod->ctrs[i].id, mp->containers[i].id,
		    sizeof(pod->ctrs[i].id));
		(void)strlcpy(pod->ctrs[i].cgroup, mp->containers[i].cgroup,
		    sizeof(pod->ctrs[i].cgroup));
		pod->ctrs[i].pid = mp->containers[i].pid;
	}
	if (old != NULL) {
		mpod_carry(pod, old);
		RB_REMOVE(mpod_tree, &m->pods, old);
		mpod_free(old);
	} else {
		/* Pods added together do not read their limits on the same
		 * tick. */
		pod->ticks = (unsigned int)(m->npods % MET_LIMITS_EVERY);
		m->npods++;
		/* A new hierarchy may have been mounted since. */
		if (cg_mounts_read(m->root, &m->mounts) == -1)
			log_warnx("cgroup mounts: %s", strerror(errno));
	}
	RB_INSERT(mpod_tree, &m->pods, pod);
	log_debug("pod %s: %zu containers, cpu limit %.2f, memory limit %llu",
	    pod->instance, pod->nctrs, pod->cpu_limit,
	    (unsigned long long)pod->mem_limit);

	for (i = 0; i < pod->nctrs; i++)
		if (!pod->ctrs[i].have_prev)
			break;
	if (i < pod->nctrs && (json = mpod_sample(m, pod, now)) != NULL)
		free(json);
	return pod;
}

/* What a replaced pod knew about the containers that stayed the same. */
static void
mpod_carry(struct mpod *pod, struct mpod *old)
{
	struct met_ctr	*c, *oc;
	size_t		 i, j;

	pod->prev_ns = old->prev_ns;
	pod->added_ns = old->added_ns;
	pod->fresh = old->fresh;
	pod->ticks = old->ticks;
	for (i = 0; i < pod->nctrs; i++) {
		c = &pod->ctrs[i];
		for (j = 0; j < old->nctrs; j++) {
			oc = &old->ctrs[j];
			if (!oc->resolved || oc->pid != c->pid ||
			    strcmp(oc->id, c->id) != 0 ||
			    strcmp(oc->cgroup, c->cgroup) != 0)
				continue;
			c->dirs = oc->dirs;
			memset(&oc->dirs, 0, sizeof(oc->dirs));
			oc->resolved = 0;
			c->resolved = 1;
			c->prev_ns = oc->prev_ns;
			c->have_prev = oc->have_prev;
			c->limits = oc->limits;
			break;
		}
	}
}

int
mpod_del(struct metrics *m, const char *instance)
{
	struct mpod	*pod;

	if ((pod = mpod_find(m, instance)) == NULL)
		return -1;
	RB_REMOVE(mpod_tree, &m->pods, pod);
	mpod_free(pod);
	m->npods--;
	return 0;
}

struct mpod *
mpod_find(struct metrics *m, const char *instance)
{
	struct mpod	 key;

	if (strlcpy(key.instance, instance, sizeof(key.instance)) >=
	    sizeof(key.instance))
		return NULL;
	return RB_FIND(mpod_tree, &m->pods, &key);
}

static void
mpod_free(struct mpod *pod)
{
	size_t	 i;

	for (i = 0; i < pod->nctrs; i++)
		cg_dirs_free(&pod->ctrs[i].dirs);
	free(pod);
}

/*
 * One reading of every container of the pod at monotonic time now (ns).
 * Returns the pod's JSON when every container was read now and at the
 * last sample; NULL when there is no true figure to give: a cgroup that
 * cannot be found or read, a counter that went backwards, or a first
 * reading (then the pod is fresh again and reported soon).
 */
char *
mpod_sample(struct metrics *m, struct mpod *pod, uint64_t now)
{
	struct met_ctr		*c;
	struct cg_usage		 u;
	struct pod_figures	 pf;
	uint64_t		 dns = 0, mem = 0, elapsed;
	int			 complete = 1, baseline = 0, refresh;
	size_t			 i;

	if (pod->nctrs == 0) {
		log_debug("pod %s: no containers to measure", pod->instance);
		return NULL;
	}
	refresh = pod->ticks++ % MET_LIMITS_EVERY == 0;
	for (i = 0; i < pod->nctrs; i++) {
		c = &pod->ctrs[i];
		if (!c->resolved) {
			if (cg_discover(m->root, &m->mounts, c->pid, c->cgroup,
			    c->id, &c->dirs) == -1) {
				log_debug("pod %s: container %.12s: no cgroup "
				    "found", pod->instance, c->id);
				complete = 0;
				continue;
			}
			c->resolved = 1;
			c->have_prev = 0;
			cg_read_limits(&c->dirs, &c->limits);
		} else if (refresh)
			cg_read_limits(&c->dirs, &c->limits);
		if (cg_read_usage(&c->dirs, &u) == -1) {
			log_debug("pod %s: container %.12s: cgroup unreadable "
			    "(%s), looking for it again", pod->instance,
			    c->id, strerror(errno));
			cg_dirs_free(&c->dirs);
			c->resolved = 0;
			c->have_prev = 0;
			complete = 0;
			continue;
		}
		if (!c->have_prev)
			baseline = 1;
		else if (u.cpu_ns < c->prev_ns) {
			log_debug("pod %s: container %.12s: CPU time went "
			    "backwards, new baseline", pod->instance, c->id);
			baseline = 1;
		} else
			dns += u.cpu_ns - c->prev_ns;
		c->prev_ns = u.cpu_ns;
		c->have_prev = 1;
		mem += u.mem_bytes;
	}
	elapsed = now - pod->prev_ns;
	pod->prev_ns = now;
	/* Not fresh: the ticks look for it, and its next whole reading is
	 * a new baseline that makes it fresh again. */
	if (!complete) {
		pod->fresh = 0;
		return NULL;
	}
	if (baseline) {
		pod->fresh = 1;
		pod->added_ns = now;
		return NULL;
	}
	pod->fresh = 0;
	if (elapsed == 0 || m->cpu_prev.ncpu == 0 || m->mem.total == 0) {
		log_debug("pod %s: no interval or no node figures yet",
		    pod->instance);
		return NULL;
	}
	mpod_limits(m, pod, &pf);
	pf.mem_used = mem;
	pf.cpu_pct = 100.0 * (double)dns / (double)elapsed / pf.total_cpu;
	return met_json_pod(&pf);
}

/*
 * The pod's CPU and memory: what its cgroups enforce when every
 * container's limit could be read, else what the parent said, and never
 * more than the node has.  One unlimited container leaves the pod
 * unlimited.
 */
static void
mpod_limits(const struct metrics *m, const struct mpod *pod,
    struct pod_figures *pf)
{
	const struct cg_limits	*l;
	double			 cpu = 0.0;
	uint64_t		 mem = 0;
	int			 cpu_known = 1, mem_known = 1, cpu_none = 0,
				 mem_none = 0;
	size_t			 i;

	for (i = 0; i < pod->nctrs; i++) {
		l = &pod->ctrs[i].limits;
		cpu_known &= l->cpu_known;
		mem_known &= l->mem_known;
		cpu_none |= l->cpu == 0.0;
		mem_none |= l->mem == 0;
		cpu += l->cpu;
		mem += l->mem;
	}
	if (!cpu_known)
		cpu = pod->cpu_limit;
	else if (cpu_none)
		cpu = 0.0;
	if (!mem_known)
		mem = pod->mem_limit;
	else if (mem_none)
		mem = 0;
	pf->total_cpu = cpu > 0.0 && cpu < m->cpu_prev.ncpu ? cpu :
	    (double)m->cpu_prev.ncpu;
	pf->mem_total = mem > 0 && mem < m->mem.total ? mem : m->mem.total;
}

/*
 * Samples the pods due at now and hands each report to report().  On a
 * tick every pod is due but those whose first reading is younger than
 * MET_INITIAL_MIN_MS; otherwise only the fresh pods whose first reading
 * is MET_INITIAL_MS old.  Returns how many pods still wait for their
 * first report.
 */
size_t
mpods_sample(struct metrics *m, uint64_t now, int tick,
    void (*report)(const struct mpod *, const char *))
{
	struct mpod	*pod;
	char		*json;
	uint64_t	 age, due;
	size_t		 waiting = 0;

	due = (tick ? MET_INITIAL_MIN_MS : MET_INITIAL_MS) * NS_PER_MS;
	RB_FOREACH(pod, mpod_tree, &m->pods) {
		age = now - pod->added_ns;
		if (pod->fresh && age < due) {
			waiting++;
			continue;
		}
		if (!tick && !pod->fresh)
			continue;
		if ((json = mpod_sample(m, pod, now)) != NULL) {
			report(pod, json);
			free(json);
		}
		waiting += pod->fresh;
	}
	return waiting;
}
