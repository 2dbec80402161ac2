/*
 * riklet-metrics as a process ("riklet -P metrics", run by the harness
 * that plays the parent) on this machine: reports on time, the node's
 * CPU with one core busy, a pod in a cgroup v1 made here with a quota of
 * half a core, its counter files kept open across the cgroup made again,
 * and bad messages from the parent.  Needs root; the pod tests also need
 * the cpu, cpuacct and memory v1 hierarchies (cgroup v2 is tested
 * through the fixtures of test_metrics.c only).  The child must outlive
 * every test: its death is never taken for silence.
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "checkrun.h"
#include "metrics.h"
#include "samples.h"
#include "test_metrics.h"
#include "util.h"

#define CG_NAME_MAX	64

static struct harness	 h;
static pid_t		 spinner_pid;
static struct cg_mounts	 cgm;
static char		 cg_name[CG_NAME_MAX];
static const struct cg_hier *cg_hiers[3];

static void
start(uint64_t resolution_ms)
{
	struct riklet_conf	 conf;

	harness_conf(&conf);
	conf.metric_resolution_ms = resolution_ms;
	ck_assert_int_eq(harness_start(&h, "metrics", &conf), 0);
}

/* The end of a test: the child is still there and ends as TERM asks. */
static void
stop(void)
{
	int	 status = 0;
	pid_t	 pid;

	if (spinner_pid > 0) {
		(void)kill(spinner_pid, SIGKILL);
		(void)waitpid(spinner_pid, NULL, 0);
		spinner_pid = 0;
	}
	pid = waitpid(h.pid, &status, WNOHANG);
	ck_assert_msg(pid == 0, "the metrics child died during the test "
	    "(wait status %#x)", status);
	status = harness_stop(&h);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the metrics child ended with wait status %#x on TERM", status);
}

/* A process that keeps one core busy and dies with the test. */
static pid_t
spinner(void)
{
	volatile unsigned long	 n = 0;
	pid_t			 pid;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		for (;;)
			n++;
	}
	spinner_pid = pid;
	return pid;
}

/* The next node report, parsed; its arrival time in *at (ms). */
static json_t *
node_report(uint64_t *at, int timeout_ms)
{
	struct imsg	 imsg;
	const char	*s;
	json_t		*doc;

	ck_assert_int_eq(harness_wait(&h, IMSG_MET_NODE, &imsg, timeout_ms),
	    1);
	if (at != NULL)
		*at = monotime_ms();
	ck_assert_ptr_nonnull(s = imsg_string(&imsg, 0));
	ck_assert_ptr_nonnull(doc = json_loads(s, 0, NULL));
	imsg_free(&imsg);
	return doc;
}

static int
instance_terminated(const void *hdr)
{
	const struct met_pod_sample	*ps = hdr;

	return strarray_terminated(ps->instance, sizeof(ps->instance));
}

/*
 * The next report for a pod, parsed; NULL when none came in time.  A
 * child that is gone fails the test: it is silent too.
 */
static json_t *
pod_report(const char *instance, int timeout_ms)
{
	struct imsg		 imsg;
	struct met_pod_sample	 ps;
	const void		*hdr;
	const char		*s, *found = NULL;
	json_t			*doc;
	size_t			 off;
	int			 r;

	for (;;) {
		r = harness_wait(&h, IMSG_MET_POD_SAMPLES, &imsg, timeout_ms);
		ck_assert_msg(r != -1, "the metrics child is gone");
		if (r == 0)
			return NULL;
		ck_assert(samples_valid(imsg.data, imsg.datalen, sizeof(ps),
		    instance_terminated));
		off = 0;
		while (samples_next(imsg.data, imsg.datalen, sizeof(ps), &off,
		    &hdr, &s) == 1) {
			memcpy(&ps, hdr, sizeof(ps));
			if (strcmp(ps.instance, instance) == 0)
				found = s;
		}
		if (found != NULL)
			break;
		imsg_free(&imsg);
	}
	ck_assert_ptr_nonnull(doc = json_loads(found, 0, NULL));
	imsg_free(&imsg);
	return doc;
}

static void
reports_every(uint64_t resolution_ms, int n)
{
	uint64_t	 first, last, span;
	int		 i;

	json_decref(node_report(&first, 3 * (int)resolution_ms + 2000));
	for (i = 0; i < n; i++)
		json_decref(node_report(&last, 3 * (int)resolution_ms));
	span = last - first;
	ck_assert_msg(span >= resolution_ms * (uint64_t)n * 9 / 10 &&
	    span <= resolution_ms * (uint64_t)n * 11 / 10,
	    "%d reports in %llums, want %llums +- 10%%", n,
	    (unsigned long long)span,
	    (unsigned long long)resolution_ms * (uint64_t)n);
}

START_TEST(resolution)
{
	struct riklet_conf	 conf;
	uint64_t		 t0, at;

	t0 = monotime_ms();
	start(200);
	/* The first report comes after the short initial sample. */
	json_decref(node_report(&at, 2000));
	ck_assert_msg(at - t0 < 1000, "first report after %llums",
	    (unsigned long long)(at - t0));
	reports_every(200, 10);

	/* A new resolution (a SIGHUP in the parent) applies from the next
	 * tick on. */
	harness_conf(&conf);
	conf.metric_resolution_ms = 100;
	ck_assert_int_eq(harness_send(&h, IMSG_CONF, &conf, sizeof(conf)), 0);
	json_decref(node_report(NULL, 1000));
	reports_every(100, 10);
	stop();
}
END_TEST

/* busy and total clock ticks of all CPUs, read here, apart from riklet. */
static void
proc_stat(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long	 v[8] = { 0 };
	FILE			*f;
	int			 i;

	ck_assert_ptr_nonnull(f = fopen("/proc/stat", "r"));
	ck_assert_int_ge(fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu "
	    "%llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]),
	    4);
	fclose(f);
	for (*total = 0, i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
}

/* utime + stime of a process, in clock ticks. */
static unsigned long long
proc_ticks(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	FILE			*f;
	size_t			 n;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(p = strrchr(buf, ')'));
	ck_assert_int_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %llu %llu", &ut, &st), 2);
	return ut + st;
}

/*
 * v is ref within a fraction of it (and the report's rounding): on many
 * CPUs one busy core is a small percentage, and an absolute tolerance
 * would take a report of 0 for it.
 */
static int
near(double v, double ref, double frac)
{
	return v >= ref * (1.0 - frac) - 0.01 && v <= ref * (1.0 + frac) + 0.01;
}

/*
 * One core busy on an n-core machine is 100/n % +- 30 % of it (50 +- 15
 * on 2 cores).  The machine may be shared (other tests, builds), so
 * every 1 s report is also compared with this test's own reading of
 * /proc/stat over the same window (+- 10 % of it), and the 100/n target
 * is judged on the windows where nothing but the spinner ran.
 */
START_TEST(node_one_core_busy)
{
	unsigned long long	 busy0, total0, busy1, total1, spin0, spin1;
	double			 pct, mine, others, ncpu, want;
	json_t			*doc;
	int			 i, quiet = 0;

	ncpu = (double)sysconf(_SC_NPROCESSORS_ONLN);
	want = 100.0 / ncpu;
	(void)spinner();
	start(1000);
	json_decref(node_report(NULL, 3000));	/* a partial window */
	proc_stat(&busy0, &total0);
	spin0 = proc_ticks(spinner_pid);
	for (i = 0; i < 15 && quiet < 3; i++) {
		doc = node_report(NULL, 3000);
		proc_stat(&busy1, &total1);
		spin1 = proc_ticks(spinner_pid);
		ck_assert_int_eq(json_integer_value(json_object_get(
		    json_object_get(doc, "cpu"), "totalCpu")), (json_int_t)ncpu);
		ck_assert(json_array_size(json_object_get(doc, "disks")) > 0);
		pct = doc_num(doc, "cpu", "currentUsage");
		json_decref(doc);
		mine = 100.0 * (double)(busy1 - busy0) /
		    (double)(total1 - total0);
		others = mine - 100.0 * (double)(spin1 - spin0) /
		    (double)(total1 - total0);
		ck_assert_msg(near(pct, mine, 0.1),
		    "node usage %.2f, this test read %.2f", pct, mine);
		if (others < want / 10.0) {
			ck_assert_msg(near(pct, want, 0.3),
			    "node usage %.2f with one core busy, want %.2f "
			    "+- 30%%", pct, want);
			quiet++;
		} else
			fprintf(stderr, "node_one_core_busy: window with "
			    "%.1f%% of other load not judged\n", others);
		busy0 = busy1;
		total0 = total1;
		spin0 = spin1;
	}
	ck_assert_msg(quiet > 0, "the machine was never quiet enough to "
	    "judge the one-core figure");
	stop();
}
END_TEST

static int
write_file(const char *path, const char *value)
{
	FILE	*f;
	int	 r;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	r = fputs(value, f) == EOF;
	return (fclose(f) == EOF || r) ? -1 : 0;
}

/* Writes a value into a file of this test's cgroup in hierarchy h. */
static int
cg_write(const struct cg_hier *hier, const char *file, const char *value)
{
	char	 path[2 * PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/%s/%s", hier->mnt, cg_name,
	    file);
	return write_file(path, value);
}

/* In the runner, around the test: the cgroups go even if it fails. */
static void
cgroup_setup(void)
{
	char	 path[2 * PATH_MAX];
	size_t	 i;

	(void)snprintf(cg_name, sizeof(cg_name), "riklet-test-%d",
	    (int)getpid());
	for (i = 0; i < 3; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", cg_hiers[i]->mnt,
		    cg_name);
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			fprintf(stderr, "mkdir %s: %s\n", path,
			    strerror(errno));
			abort();
		}
	}
}

static void
cgroup_teardown(void)
{
	char	 path[2 * PATH_MAX], buf[4096], *p;
	size_t	 i;
	int	 tries;

	for (i = 0; i < 3; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", cg_hiers[i]->mnt,
		    cg_name);
		for (tries = 0; tries < 100; tries++) {
			if (met_read_path(path, "/cgroup.procs", buf,
			    sizeof(buf)) == -1 || buf[0] == '\0')
				break;
			for (p = buf; *p != '\0'; p = strchr(p, '\n') + 1)
				(void)kill((pid_t)atoi(p), SIGKILL);
			usleep(20000);
		}
		if (rmdir(path) == -1 && errno != ENOENT)
			fprintf(stderr, "rmdir %s: %s\n", path,
			    strerror(errno));
	}
}

/*
 * A spinner in this test's cgroups, riklet -P metrics started, and a pod
 * with the spinner as its one container sent to it: no path and no
 * limits, so found from the pid and read from the cgroups.  Returns when
 * the pod was sent (ms).
 */
static uint64_t
spinner_pod(const char *instance, uint64_t resolution_ms)
{
	struct met_pod	 mp;
	char		 pid[16];
	uint64_t	 sent;
	size_t		 i;

	(void)snprintf(pid, sizeof(pid), "%d", (int)spinner());
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(cg_write(cg_hiers[i], "cgroup.procs", pid), 0);
	start(resolution_ms);
	json_decref(node_report(NULL, 3000));
	memset(&mp, 0, sizeof(mp));
	(void)strlcpy(mp.instance, instance, sizeof(mp.instance));
	mp.ncontainers = 1;
	(void)strlcpy(mp.containers[0].id, cg_name,
	    sizeof(mp.containers[0].id));
	mp.containers[0].pid = spinner_pid;
	sent = monotime_ms();
	ck_assert_int_eq(harness_send(&h, IMSG_MET_POD, &mp, sizeof(mp)), 0);
	return sent;
}

START_TEST(pod_half_core_quota)
{
	json_t			*doc;
	uint64_t		 sent, at, t1;
	unsigned long long	 spin0, spin1;
	double			 pct, cores;
	int			 n, judged = 0;

	ck_assert_int_eq(cg_write(cg_hiers[0], "cpu.cfs_period_us", "100000"),
	    0);
	ck_assert_int_eq(cg_write(cg_hiers[0], "cpu.cfs_quota_us", "50000"),
	    0);
	/*
	 * On a busy machine the pod still gets its half core: the quota
	 * caps what the largest weight could take from the others.
	 */
	ck_assert_int_eq(cg_write(cg_hiers[0], "cpu.shares", "262144"), 0);
	ck_assert_int_eq(cg_write(cg_hiers[2], "memory.limit_in_bytes",
	    "67108864"), 0);
	sent = spinner_pod("quota-pod", 1000);
	ck_assert_ptr_nonnull(doc = pod_report("quota-pod", 2000));
	at = monotime_ms();
	ck_assert_msg(at - sent >= 90 && at - sent <= 400,
	    "first pod report after %llums", (unsigned long long)(at - sent));
	json_decref(doc);

	/*
	 * Each report agrees with the spinner's own CPU time; about 100 %
	 * is judged on the windows where other load let it have its half
	 * core.
	 */
	spin0 = proc_ticks(spinner_pid);
	for (n = 0; n < 10 && judged < 3; n++) {
		ck_assert_ptr_nonnull(doc = pod_report("quota-pod", 3000));
		spin1 = proc_ticks(spinner_pid);
		t1 = monotime_ms();
		ck_assert_double_eq_tol(doc_num(doc, "cpu", "totalCpu"), 0.5,
		    1e-9);
		pct = doc_num(doc, "cpu", "currentUsage");
		ck_assert_int_eq(json_integer_value(json_object_get(
		    json_object_get(doc, "memory"), "totalMemory")), 67108864);
		ck_assert(doc_num(doc, "memory", "freeMemory") > 0 &&
		    doc_num(doc, "memory", "freeMemory") <= 67108864);
		json_decref(doc);
		cores = (double)(spin1 - spin0) / (double)sysconf(_SC_CLK_TCK) /
		    ((double)(t1 - at) / 1000.0);
		if (n > 0) {
			ck_assert_msg(pct >= 200.0 * cores - 10.0 &&
			    pct <= 200.0 * cores + 10.0, "pod usage %.2f, the "
			    "spinner used %.2f cores", pct, cores);
			if (cores >= 0.45) {
				ck_assert_msg(pct >= 85.0, "pod usage %.2f, "
				    "want 100 +- 15", pct);
				judged++;
			} else
				fprintf(stderr, "pod_half_core_quota: spinner "
				    "had %.2f cores, window not judged\n",
				    cores);
		}
		spin0 = spin1;
		at = t1;
	}
	ck_assert_msg(judged > 0, "the spinner never had its half core");

	/* Removed: no more reports for it. */
	ck_assert_int_eq(harness_send(&h, IMSG_MET_POD_DEL, "quota-pod",
	    sizeof("quota-pod")), 0);
	ck_assert_ptr_null(pod_report("quota-pod", 2500));
	stop();
}
END_TEST

/*
 * The files of this test's cgroup that riklet -P metrics has open, and
 * the inode of the one named file (in *ino, when it is open).
 */
static int
child_cg_files(const char *file, ino_t *ino)
{
	char		 dir[64], link[2 * PATH_MAX], target[2 * PATH_MAX],
			 want[CG_NAME_MAX + 8];
	struct dirent	*e;
	struct stat	 st;
	DIR		*d;
	ssize_t		 n;
	int		 count = 0;

	(void)snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)h.pid);
	(void)snprintf(want, sizeof(want), "/%s/", cg_name);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		(void)snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		if ((n = readlink(link, target, sizeof(target) - 1)) == -1)
			continue;
		target[n] = '\0';
		if (strstr(target, want) == NULL)
			continue;
		count++;
		if (strstr(target, file) != NULL && stat(link, &st) == 0)
			*ino = st.st_ino;
	}
	closedir(d);
	return count;
}

/* The inode of cpuacct.usage in this test's cgroup now. */
static ino_t
cg_usage_ino(void)
{
	char		 path[2 * PATH_MAX];
	struct stat	 st;

	(void)snprintf(path, sizeof(path), "%s/%s/cpuacct.usage",
	    cg_hiers[1]->mnt, cg_name);
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

/*
 * The counter files stay open between samples, MET_CTR_FILES per
 * container (two usage files, three limit files in v1); a
 * cgroup removed and made again at the same path (a restarted
 * container) fails on them with ENODEV and is opened anew; a pod that
 * goes closes them.
 */
START_TEST(pod_cgroup_recreated)
{
	char		 pid[16], path[2 * PATH_MAX];
	json_t		*doc;
	ino_t		 old, now, open_ino = 0;
	size_t		 i;
	int		 n;

	(void)spinner_pod("again-pod", 500);
	(void)snprintf(pid, sizeof(pid), "%d", (int)spinner_pid);
	for (n = 0; n < 3; n++) {
		ck_assert_ptr_nonnull(doc = pod_report("again-pod", 2000));
		json_decref(doc);
	}
	ck_assert_int_eq(child_cg_files("/cpuacct.usage", &open_ino),
	    MET_CTR_FILES);
	ck_assert_uint_eq(open_ino, old = cg_usage_ino());

	/* Out, removed, made again, back in. */
	for (i = 0; i < 3; i++) {
		(void)snprintf(path, sizeof(path), "%s/cgroup.procs",
		    cg_hiers[i]->mnt);
		ck_assert_int_eq(write_file(path, pid), 0);
		(void)snprintf(path, sizeof(path), "%s/%s", cg_hiers[i]->mnt,
		    cg_name);
		ck_assert_msg(rmdir(path) == 0, "rmdir %s: %s", path,
		    strerror(errno));
		ck_assert_int_eq(mkdir(path, 0755), 0);
		ck_assert_int_eq(cg_write(cg_hiers[i], "cgroup.procs", pid), 0);
	}
	ck_assert_uint_ne(now = cg_usage_ino(), old);
	/* Reports go on, soon read through the new cgroup's files (one
	 * taken before the removal may still be on its way). */
	for (n = 0; n < 6 && open_ino != now; n++) {
		ck_assert_ptr_nonnull(doc = pod_report("again-pod", 3000));
		json_decref(doc);
		ck_assert_int_eq(child_cg_files("/cpuacct.usage", &open_ino),
		    MET_CTR_FILES);
	}
	ck_assert_uint_eq(open_ino, now);

	/* Gone: its files are closed by the next tick but one. */
	ck_assert_int_eq(harness_send(&h, IMSG_MET_POD_DEL, "again-pod",
	    sizeof("again-pod")), 0);
	for (n = 0; n < 2; n++)
		json_decref(node_report(NULL, 2000));
	ck_assert_int_eq(child_cg_files("/", &open_ino), 0);
	stop();
}
END_TEST

/* The child must die on a message the parent could never send. */
static void
expect_death(uint32_t type, const void *data, size_t len)
{
	struct imsg	 imsg;
	int		 r, status;

	start(5000);
	ck_assert_int_eq(harness_wait(&h, IMSG_CHILD_READY, &imsg, 3000), 1);
	imsg_free(&imsg);
	ck_assert_int_eq(harness_send(&h, type, data, len), 0);
	while ((r = harness_recv(&h, &imsg, 3000)) == 1)
		imsg_free(&imsg);
	ck_assert_int_eq(r, -1);
	status = harness_stop(&h);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

/*
 * The kernel tells a change of the mount table to the mountinfo kept
 * open, and only a change: in a mount namespace of the test's own, a
 * tmpfs mounted and unmounted is seen once each, and nothing else.
 */
START_TEST(mountinfo_change_told)
{
	struct mnt_watch	 w = { -1, 0 };
	char			 dir[] = "/tmp/riklet-mnt.XXXXXX";
	int			 quiet, mounted, after_mount, quiet2, unmounted,
				 after_umount, quiet3;

	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(met_mountinfo_changed(&w, ""), 1);	/* opened */
	ck_assert_int_eq(w.polled, 1);
	ck_assert_ptr_nonnull(met_mountinfo_reread(&w));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	quiet = met_mountinfo_changed(&w, "");
	mounted = mount("riklet-test", dir, "tmpfs", 0, "size=64k");
	after_mount = met_mountinfo_changed(&w, "");
	quiet2 = met_mountinfo_changed(&w, "");
	unmounted = mounted == 0 ? umount(dir) : -1;
	after_umount = met_mountinfo_changed(&w, "");
	quiet3 = met_mountinfo_changed(&w, "");
	met_mountinfo_close(&w);
	(void)rmdir(dir);
	ck_assert_int_eq(mounted, 0);
	ck_assert_int_eq(unmounted, 0);
	ck_assert_int_eq(quiet, 0);
	ck_assert_int_eq(after_mount, 1);
	ck_assert_int_eq(quiet2, 0);
	ck_assert_int_eq(after_umount, 1);
	ck_assert_int_eq(quiet3, 0);
}
END_TEST

START_TEST(bad_messages)
{
	struct met_pod	 mp;
	char		 id[RIK_ID_MAX + 8];

	memset(&mp, 0, sizeof(mp));
	(void)strlcpy(mp.instance, "x", sizeof(mp.instance));
	expect_death(IMSG_MET_POD, &mp, sizeof(mp) - 1);
	mp.ncontainers = RIK_CONTAINERS_MAX + 1;
	expect_death(IMSG_MET_POD, &mp, sizeof(mp));
	expect_death(IMSG_MET_POD_DEL, "abc", 3);	/* no NUL */
	memset(id, 'a', sizeof(id));
	id[sizeof(id) - 1] = '\0';
	expect_death(IMSG_MET_POD_DEL, id, sizeof(id));
	expect_death(IMSG_VERBOSE, "", 1);
}
END_TEST

/*
 * Which cgroup version the pod test measures live here; the other is
 * only seen through test_metrics.c's fixtures.
 */
static void
say_hierarchies(int v1)
{
	char		 ctrls[256];
	const char	*v2 = "no v2 tree";

	if (cgm.unified.present) {
		v2 = "unreadable";
		if (met_read_path(cgm.unified.mnt, "/cgroup.controllers",
		    ctrls, sizeof(ctrls)) == 0) {
			ctrls[strcspn(ctrls, "\n")] = '\0';
			v2 = ctrls;
		}
	}
	printf("test_metrics_proc: cgroup v1: %s\n", v1 ?
	    "live (pod_half_core_quota)" : "fixtures only (test_metrics)");
	printf("test_metrics_proc: cgroup v2: fixtures only (test_metrics), "
	    "pod_half_core_quota makes its pod in v1 (v2 controllers here: "
	    "\"%s\")\n", v2);
	fflush(stdout);
}

int
main(void)
{
	Suite		*s = suite_create("metrics_proc");
	TCase		*tc;
	size_t		 i;
	int		 v1;
	static const char *all[] = { "resolution", "node_one_core_busy",
	    "bad_messages", "mountinfo_change_told", "pod_half_core_quota",
	    "pod_cgroup_recreated" };

	if (geteuid() != 0) {
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			check_skip(all[i], "riklet -P metrics must start as "
			    "root");
		return EXIT_SUCCESS;
	}
	tc = tcase_create("process");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, resolution);
	tcase_add_test(tc, node_one_core_busy);
	tcase_add_test(tc, bad_messages);
	tcase_add_test(tc, mountinfo_change_told);
	suite_add_tcase(s, tc);

	v1 = cg_mounts_read("", &cgm) == 0 && cgm.cpu.present &&
	    cgm.cpuacct.present && cgm.memory.present;
	say_hierarchies(v1);
	if (!v1) {
		check_skip("pod_half_core_quota", "no cgroup v1 cpu, cpuacct "
		    "and memory hierarchies, the only ones it makes a pod in");
		check_skip("pod_cgroup_recreated", "no cgroup v1 cpu, "
		    "cpuacct and memory hierarchies");
	} else {
		cg_hiers[0] = &cgm.cpu;
		cg_hiers[1] = &cgm.cpuacct;
		cg_hiers[2] = &cgm.memory;
		tc = tcase_create("cgroup");
		tcase_set_timeout(tc, 60);
		tcase_add_unchecked_fixture(tc, cgroup_setup, cgroup_teardown);
		tcase_add_test(tc, pod_half_core_quota);
		tcase_add_test(tc, pod_cgroup_recreated);
		suite_add_tcase(s, tc);
	}
	return check_run(s);
}
