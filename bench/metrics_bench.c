/*
 * The CPU riklet-metrics spends on one sample of the node and N pods.
 *
 *   metrics_bench [-r ms] [-n ticks] [-c count]	make count (100) cgroups
 *						v1 with a sleeping process
 *						in each: no engine needed
 *   metrics_bench [-r ms] [-n ticks] -i < list	"<container id> <pid>"
 *						lines (bench/metrics)
 *
 * Two figures: the sampling code alone in this process (thread CPU time
 * around node_sample() and mpods_sample()), and the whole riklet -P
 * metrics process as the parent would run it (its CPU time from
 * /proc/<pid>/schedstat over n ticks, JSON and messages included).
 * Every pod must be reported at every tick after the first, or the
 * figure is refused.
 * Needs root.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "samples.h"
#include "util.h"
/* The bench rule of the Makefile does not name riklet-metrics/. */
#include "../riklet-metrics/metrics.h"

#define BENCH_MAX	1024

struct target {
	char	 id[RIK_CONTAINER_ID_MAX];
	pid_t	 pid;
};

static struct target	 targets[BENCH_MAX];
static size_t		 ntargets;
static struct cg_mounts	 cgm;
static int		 own_cgroups = 100;
static size_t		 nreported;
static int		 reported[BENCH_MAX];	/* in the current tick */

static void	 read_targets(void);
static void	 pod_of(struct met_pod *, size_t);
static void	 make_cgroups(size_t);
static void	 remove_cgroups(void);
static void	 in_process(uint64_t, int);
static void	 as_process(uint64_t, int);
static void	 count(const struct mpod *, const char *);
static size_t	 pod_index(const void *);
static void	 count_samples(const struct imsg *);
static void	 tick_check(int);
static uint64_t	 thread_ns(void);
static uint64_t	 sched_ns(pid_t);
static int	 cmp_u64(const void *, const void *);

int
main(int argc, char *argv[])
{
	uint64_t	 res = 1000;
	int		 ch, ticks = 10;
	long		 n;

	while ((ch = getopt(argc, argv, "c:in:r:")) != -1) {
		switch (ch) {
		case 'i':
			own_cgroups = 0;
			break;
		case 'c':
			if ((n = strtol(optarg, NULL, 10)) < 1 ||
			    n > BENCH_MAX)
				errx(1, "-c: 1 to %d", BENCH_MAX);
			own_cgroups = (int)n;
			break;
		case 'n':
			if ((ticks = atoi(optarg)) < 2)
				errx(1, "-n: at least 2");
			break;
		case 'r':
			if ((n = strtol(optarg, NULL, 10)) < 100)
				errx(1, "-r: at least 100 ms");
			res = (uint64_t)n;
			break;
		default:
			fprintf(stderr, "usage: metrics_bench [-c count | -i] "
			    "[-n ticks] [-r ms]\n");
			return 1;
		}
	}
	if (geteuid() != 0)
		errx(1, "needs root (riklet -P metrics starts as root)");
	if (cg_mounts_read("", &cgm) == -1)
		err(1, "cgroup mounts");
	if (own_cgroups) {
		atexit(remove_cgroups);
		make_cgroups((size_t)own_cgroups);
	} else
		read_targets();
	if (ntargets == 0)
		errx(1, "no containers");
	in_process(res, ticks);
	as_process(res, ticks);
	return 0;
}

static void
read_targets(void)
{
	char	 line[256], id[RIK_CONTAINER_ID_MAX];
	int	 pid;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%71s %d", id, &pid) != 2 || pid <= 0)
			errx(1, "bad line: %s", line);
		if (ntargets == BENCH_MAX)
			errx(1, "more than %d containers", BENCH_MAX);
		(void)strlcpy(targets[ntargets].id, id, sizeof(id));
		targets[ntargets++].pid = pid;
	}
}

/* A cgroup per target in each of cpu, cpuacct, memory; a sleeper in it. */
static void
make_cgroups(size_t n)
{
	const struct cg_hier	*h[3] = { &cgm.cpu, &cgm.cpuacct, &cgm.memory };
	char			 path[2 * PATH_MAX];
	FILE			*f;
	size_t			 i, j;
	pid_t			 pid;

	for (j = 0; j < 3; j++)
		if (!h[j]->present)
			errx(1, "-c needs the cgroup v1 cpu, cpuacct and memory "
			    "hierarchies");
	for (i = 0; i < n; i++) {
		(void)snprintf(targets[i].id, sizeof(targets[i].id),
		    "riklet-bench-%d-%zu", (int)getpid(), i);
		if ((pid = fork()) == -1)
			err(1, "fork");
		if (pid == 0) {
			(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
			for (;;)
				pause();
		}
		targets[i].pid = pid;
		ntargets++;
		for (j = 0; j < 3; j++) {
			if (snprintf(path, sizeof(path), "%s/%s", h[j]->mnt,
			    targets[i].id) >= (int)sizeof(path))
				errx(1, "%s: path too long", h[j]->mnt);
			if (mkdir(path, 0755) == -1)
				err(1, "mkdir %s", path);
			(void)strlcat(path, "/cgroup.procs", sizeof(path));
			if ((f = fopen(path, "w")) == NULL ||
			    fprintf(f, "%d", (int)pid) < 0 || fclose(f) == EOF)
				err(1, "%s", path);
		}
	}
}

static void
remove_cgroups(void)
{
	const struct cg_hier	*h[3] = { &cgm.cpu, &cgm.cpuacct, &cgm.memory };
	char			 path[2 * PATH_MAX];
	size_t			 i, j;

	for (i = 0; i < ntargets; i++) {
		(void)kill(targets[i].pid, SIGKILL);
		(void)waitpid(targets[i].pid, NULL, 0);
		for (j = 0; j < 3; j++) {
			if (snprintf(path, sizeof(path), "%s/%s", h[j]->mnt,
			    targets[i].id) >= (int)sizeof(path))
				continue;
			if (rmdir(path) == -1 && errno != ENOENT)
				warn("rmdir %s", path);
		}
	}
}

static void
pod_of(struct met_pod *mp, size_t i)
{
	memset(mp, 0, sizeof(*mp));
	(void)snprintf(mp->instance, sizeof(mp->instance), "bench-%zu", i);
	mp->ncontainers = 1;
	(void)strlcpy(mp->containers[0].id, targets[i].id,
	    sizeof(mp->containers[0].id));
	mp->containers[0].pid = targets[i].pid;
}

static void
in_process(uint64_t res, int ticks)
{
	struct metrics	 m;
	struct met_pod	 mp;
	struct timespec	 ts = { (time_t)(res / 1000),
			    (long)(res % 1000) * 1000000 };
	uint64_t	*cpu, t0;
	size_t		 i;
	char		*json;
	int		 k;

	if ((cpu = calloc((size_t)ticks, sizeof(*cpu))) == NULL)
		err(1, NULL);
	metrics_init(&m, "");
	free(node_sample(&m));
	for (i = 0; i < ntargets; i++) {
		pod_of(&mp, i);
		if (mpod_add(&m, &mp, monotime_ms() * 1000000) == NULL)
			errx(1, "mpod_add");
	}
	for (k = 0; k < ticks; k++) {
		nanosleep(&ts, NULL);
		nreported = 0;
		t0 = thread_ns();
		if ((json = node_sample(&m)) == NULL)
			errx(1, "no node report");
		free(json);
		(void)mpods_sample(&m, monotime_ms() * 1000000, 1, count);
		cpu[k] = thread_ns() - t0;
		if (nreported != ntargets)
			errx(1, "tick %d: %zu of %zu pods reported", k,
			    nreported, ntargets);
	}
	qsort(cpu, (size_t)ticks, sizeof(*cpu), cmp_u64);
	printf("in-process: node + %zu pods: CPU per sample median %.3f ms, "
	    "min %.3f, max %.3f (%d samples)\n", ntargets,
	    cpu[ticks / 2] / 1e6, cpu[0] / 1e6, cpu[ticks - 1] / 1e6, ticks);
	metrics_clear(&m);
	free(cpu);
}

static void
count(const struct mpod *pod, const char *json)
{
	(void)pod;
	(void)json;
	nreported++;
}

/* The real process: n ticks after every pod has been reported once. */
static void
as_process(uint64_t res, int ticks)
{
	struct harness		 h;
	struct riklet_conf	 conf;
	struct met_pod		 mp;
	struct imsg		 imsg;
	uint64_t		 cpu0, cpu1;
	size_t			 i;
	int			 k = -1, r;

	harness_conf(&conf);
	conf.metric_resolution_ms = res;
	if (harness_start(&h, "metrics", &conf) == -1)
		err(1, "harness_start");
	/* Nothing may follow the configuration before the child is up. */
	if (harness_wait(&h, IMSG_CHILD_READY, &imsg, 5000) != 1)
		errx(1, "riklet -P metrics did not start");
	imsg_free(&imsg);
	for (i = 0; i < ntargets; i++) {
		pod_of(&mp, i);
		if (harness_send(&h, IMSG_MET_POD, &mp, sizeof(mp)) == -1)
			err(1, "send");
	}
	cpu0 = 0;
	while (k < ticks) {
		if ((r = harness_recv(&h, &imsg, (int)res * 3)) != 1)
			errx(1, "riklet -P metrics: %s",
			    r == 0 ? "no report" : "gone");
		if (imsg.hdr.type == IMSG_MET_POD_SAMPLES)
			count_samples(&imsg);
		if (imsg.hdr.type == IMSG_MET_NODE) {
			/* Start counting at a tick: the initial samples and
			 * the start-up are not a sample's cost. */
			if (k == -1)
				cpu0 = sched_ns(h.pid);
			/* The first tick may miss a pod still waiting for
			 * its initial sample; none after. */
			if (k >= 1)
				tick_check(k);
			memset(reported, 0, sizeof(reported));
			k++;
		}
		imsg_free(&imsg);
	}
	cpu1 = sched_ns(h.pid);
	(void)harness_stop(&h);
	printf("riklet -P metrics: node + %zu pods: CPU per sample %.3f ms "
	    "(%d ticks at %llums, JSON and messages included)\n", ntargets,
	    (double)(cpu1 - cpu0) / ticks / 1e6, ticks,
	    (unsigned long long)res);
}

/* Which target a pod sample is about ("bench-N", see pod_of()). */
static size_t
pod_index(const void *hdr)
{
	struct met_pod_sample	 ps;
	const char		*e;
	long long		 i;

	memcpy(&ps, hdr, sizeof(ps));
	ps.instance[sizeof(ps.instance) - 1] = '\0';
	e = "not bench-N";
	i = strncmp(ps.instance, "bench-", 6) != 0 ? 0 :
	    strtonum(ps.instance + 6, 0, (long long)ntargets - 1, &e);
	if (e != NULL)
		errx(1, "pod sample of pod %s: %s", ps.instance, e);
	return (size_t)i;
}

/* The pods of one IMSG_MET_POD_SAMPLES, counted. */
static void
count_samples(const struct imsg *imsg)
{
	const void	*hdr;
	const char	*json;
	size_t		 off = 0;
	int		 r;

	while ((r = samples_next(imsg->data, imsg->datalen,
	    sizeof(struct met_pod_sample), &off, &hdr, &json)) == 1)
		reported[pod_index(hdr)]++;
	if (r == -1)
		errx(1, "pod samples of %zu bytes: a record cut short",
		    (size_t)imsg->datalen);
}

/* Every pod reported in tick k (the reports follow the node report). */
static void
tick_check(int k)
{
	size_t	 i;

	for (i = 0; i < ntargets; i++)
		if (reported[i] == 0)
			errx(1, "riklet -P metrics: tick %d: no report of pod "
			    "bench-%zu (%s)", k, i, targets[i].id);
}

static uint64_t
thread_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Time on a CPU, in ns, of a single-threaded process. */
static uint64_t
sched_ns(pid_t pid)
{
	char		 path[64];
	unsigned long long ns;
	FILE		*f;

	(void)snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "r")) == NULL || fscanf(f, "%llu", &ns) != 1)
		err(1, "%s", path);
	fclose(f);
	return ns;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}
