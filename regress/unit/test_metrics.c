/*
 * riklet-metrics on recorded trees (regress/fixtures/metrics): the node
 * and pod documents field by field, cgroup v1 and v2, and what must not
 * be reported: a container gone mid-sample, a counter going backwards, a
 * missing controller, malformed files; the counter files kept open
 * between samples, opened anew for a new cgroup or container, and their
 * bound.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkrun.h"
#include "metrics.h"
#include "test_metrics.h"

#define ID_A	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"
#define ID_B	"fedcba9876543210fedcba9876543210" \
		"fedcba9876543210fedcba9876543210"
#define V1_A	"/sys/fs/cgroup/%s/docker/" ID_A
#define V1_B	"/sys/fs/cgroup/%s/docker/" ID_B
#define V2_A	"/sys/fs/cgroup/system.slice/docker-" ID_A ".scope"
#define V2_B	"/sys/fs/cgroup/system.slice/docker-" ID_B ".scope"
#define SEC	UINT64_C(1000000000)
#define T0	(1000 * SEC)
#define GIB	(UINT64_C(1) << 30)
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char	 tmpbase[64];	/* this run's, removed by main() */
static char	 tmproot[PATH_MAX];
static struct metrics m;

/* Each test starts a table of its own: the last one's pods go. */
static void
forget_pods(void)
{
	metrics_clear(&m);
}

static void	 remove_tmp(void);

/* A private copy of a fixture tree under this run's directory. */
static const char *
tree(const char *name)
{
	const char	*rd = getenv("REGRESS_DIR");
	char		 cmd[2 * PATH_MAX + 64];

	(void)snprintf(tmproot, sizeof(tmproot), "%s/t.XXXXXX", tmpbase);
	ck_assert_ptr_nonnull(mkdtemp(tmproot));
	(void)snprintf(cmd, sizeof(cmd), "cp -R '%s/fixtures/metrics/%s/.' %s",
	    rd != NULL ? rd : "regress", name, tmproot);
	ck_assert_int_eq(system(cmd), 0);
	return tmproot;
}

static void
remove_tmp(void)
{
	char	 cmd[PATH_MAX + 16];

	if (tmproot[0] == '\0')
		return;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", tmproot);
	(void)system(cmd);
	tmproot[0] = '\0';
}

static void
put(const char *path, const char *content)
{
	char	 full[PATH_MAX];
	FILE	*f;

	(void)snprintf(full, sizeof(full), "%s%s", tmproot, path);
	ck_assert_msg((f = fopen(full, "w")) != NULL, "%s", full);
	fputs(content, f);
	fclose(f);
}

static void
putf(const char *fmt, const char *ctrl, const char *file,
    const char *content)
{
	char	 path[PATH_MAX];

	(void)snprintf(path, sizeof(path), fmt, ctrl);
	(void)strlcat(path, file, sizeof(path));
	put(path, content);
}

static void
copy_in(const char *fixture, const char *path)
{
	const char	*rd = getenv("REGRESS_DIR");
	char		 cmd[3 * PATH_MAX];

	(void)snprintf(cmd, sizeof(cmd), "cp '%s/fixtures/metrics/%s' '%s%s'",
	    rd != NULL ? rd : "regress", fixture, tmproot, path);
	ck_assert_int_eq(system(cmd), 0);
}

static void
rm(const char *path)
{
	char	 cmd[2 * PATH_MAX];

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s%s'", tmproot, path);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * Takes a cgroup directory or file away as the kernel does: what is
 * still open there fails from then on (ENODEV on cgroupfs), where a file
 * on tmpfs would go on giving its old figure, so it is emptied first.  A
 * copy is left at save, when not NULL, to bring back as a new cgroup.
 */
static void
cg_remove(const char *path, const char *save)
{
	char	 cmd[4 * PATH_MAX];

	if (save != NULL) {
		(void)snprintf(cmd, sizeof(cmd), "cp -R '%s%s' '%s%s'",
		    tmproot, path, tmproot, save);
		ck_assert_int_eq(system(cmd), 0);
	}
	(void)snprintf(cmd, sizeof(cmd), "find '%s%s' -type f -exec "
	    "truncate -s 0 {} + && rm -rf '%s%s'", tmproot, path, tmproot,
	    path);
	ck_assert_int_eq(system(cmd), 0);
}

/* Moves a file or directory of the tree; a new file replaces the old. */
static void
mv(const char *from, const char *to)
{
	char	 cmd[4 * PATH_MAX];

	(void)snprintf(cmd, sizeof(cmd), "mv '%s%s' '%s%s'", tmproot, from,
	    tmproot, to);
	ck_assert_int_eq(system(cmd), 0);
}

static json_t *
parse(char *s)
{
	json_t		*j;
	json_error_t	 err;

	ck_assert_ptr_nonnull(s);
	j = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(j != NULL, "bad JSON: %s: %s", err.text, s);
	free(s);
	return j;
}

/* The pod's CPU figure at now; the pod must be reported. */
static double
usage_at(struct mpod *pod, uint64_t now)
{
	json_t	*doc = parse(mpod_sample(&m, pod, now));
	double	 pct = doc_num(doc, "cpu", "currentUsage");

	json_decref(doc);
	return pct;
}

static void
node_figures_set(void)
{
	m.cpu_prev.ncpu = 2;
	m.mem.total = 24 * GIB;
	m.mem.avail = 20 * GIB;
}

static void
pod_msg(struct met_pod *mp, const char *instance)
{
	memset(mp, 0, sizeof(*mp));
	(void)strlcpy(mp->instance, instance, sizeof(mp->instance));
}

static void
pod_ctr(struct met_pod *mp, const char *id, pid_t pid, const char *cgroup)
{
	struct met_container	*c = &mp->containers[mp->ncontainers++];

	(void)strlcpy(c->id, id, sizeof(c->id));
	c->pid = pid;
	(void)strlcpy(c->cgroup, cgroup, sizeof(c->cgroup));
}

static void
check_pod_memory(json_t *doc, uint64_t total, uint64_t used)
{
	ck_assert_int_eq(doc_int(doc, "memory", "totalMemory"), total);
	ck_assert_int_eq(doc_int(doc, "memory", "freeMemory"), total - used);
	ck_assert_double_eq_tol(doc_num(doc, "memory", "freeMemoryAmount"),
	    round(10000.0 * (double)(total - used) / (double)total) / 100.0,
	    1e-9);
}

START_TEST(node_document)
{
	json_t		*doc, *disks, *d;
	struct statvfs	 sv;
	const char	*names[] = { "/dev/vda", "/dev/sda1", "/dev/sdb1" };
	size_t		 i;

	metrics_init(&m, tree("node"));
	ck_assert_ptr_null(node_sample(&m));	/* the baseline */
	ck_assert_uint_eq(m.mem.total, UINT64_C(24731708) * 1024);
	copy_in("stat.later", "/proc/stat");
	doc = parse(node_sample(&m));

	ck_assert_uint_eq(json_object_size(doc), 3);
	ck_assert_uint_eq(json_object_size(json_object_get(doc, "cpu")), 2);
	ck_assert_uint_eq(json_object_size(json_object_get(doc, "memory")), 3);
	ck_assert_int_eq(doc_int(doc, "cpu", "totalCpu"), 2);
	/* busy 9281 -> 9382, total 595646 -> 595846 clock ticks */
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 50.5, 1e-9);
	ck_assert_int_eq(doc_int(doc, "memory", "totalMemory"),
	    INT64_C(24731708) * 1024);
	ck_assert_int_eq(doc_int(doc, "memory", "freeMemory"),
	    INT64_C(24351528) * 1024);
	ck_assert_double_eq_tol(doc_num(doc, "memory", "freeMemoryAmount"), 98.46,
	    1e-9);

	/* Not the bind mount, overlay, squashfs or the missing /mnt/gone. */
	disks = json_object_get(doc, "disks");
	ck_assert_uint_eq(json_array_size(disks), 3);
	ck_assert_int_eq(statvfs(tmproot, &sv), 0);
	json_array_foreach(disks, i, d) {
		ck_assert_uint_eq(json_object_size(d), 4);
		ck_assert_str_eq(json_string_value(json_object_get(d,
		    "diskName")), names[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(d,
		    "total")), (json_int_t)(sv.f_blocks * sv.f_frsize));
		/* The disk under /tmp may be written to meanwhile. */
		ck_assert(llabs(json_integer_value(json_object_get(d,
		    "available")) - (json_int_t)(sv.f_bavail * sv.f_frsize)) <
		    (json_int_t)(256 << 20));
		ck_assert(llabs(json_integer_value(json_object_get(d,
		    "used")) - (json_int_t)((sv.f_blocks - sv.f_bfree) *
		    sv.f_frsize)) < (json_int_t)(256 << 20));
	}
	json_decref(doc);
}
END_TEST

START_TEST(node_backwards)
{
	json_t	*doc;

	metrics_init(&m, tree("node"));
	copy_in("stat.later", "/proc/stat");
	ck_assert_ptr_null(node_sample(&m));
	copy_in("node/proc/stat", "/proc/stat");	/* earlier figures */
	ck_assert_ptr_null(node_sample(&m));
	copy_in("stat.later", "/proc/stat");
	doc = parse(node_sample(&m));
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 50.5, 1e-9);
	json_decref(doc);
	/* No time passed: nothing to say either. */
	ck_assert_ptr_null(node_sample(&m));
}
END_TEST

START_TEST(node_malformed)
{
	struct cpu_sample	 cs;
	struct mem_sample	 ms;
	const char		*bad_stat[] = {
		"",
		"intr 1 2 3\n",
		"cpu  1 2 3\ncpu0 1 2 3 4\nintr 0\n",
		"cpu  1 2 3 x 5\ncpu0 1 2 3 4\nintr 0\n",
		"cpu  99999999999999999999 1 1 1\ncpu0 1 1 1 1\nintr 0\n",
		"cpu  -1 1 1 1\ncpu0 1 1 1 1\nintr 0\n",
		"cpu  1 1 1 1\nintr 0\n",
		"cpu  1 1 1 1\ncpu0 1 1 1 1",
		"cpu  1 1 1 1\ncpux 1 1 1 1\nintr 0\n",
		"cpu  1 1 1 1\ncpu  1 1 1 1\ncpu0 1 1 1 1\nintr 0\n",
		("cpu  18446744073709551615 18446744073709551615 1 1\n"
		    "cpu0 1 1 1 1\nintr 0\n"),
	};
	const char		*bad_meminfo[] = {
		"",
		"MemTotal:       1000 kB\n",
		"MemTotal:       1000 kB\nMemAvailable:   x kB\n",
		"MemTotal:       1000 MB\nMemAvailable:   10 kB\n",
		"MemTotal:       0 kB\nMemAvailable:   0 kB\n",
		("MemTotal:       99999999999999999999 kB\n"
		    "MemAvailable:   1 kB\n"),
	};
	size_t			 i;

	metrics_init(&m, tree("node"));
	for (i = 0; i < sizeof(bad_stat) / sizeof(bad_stat[0]); i++) {
		put("/proc/stat", bad_stat[i]);
		ck_assert_msg(node_read_cpu(&m, &cs) == -1, "stat %zu", i);
		ck_assert_ptr_null(node_sample(&m));
	}
	copy_in("stat.later", "/proc/stat");
	for (i = 0; i < sizeof(bad_meminfo) / sizeof(bad_meminfo[0]); i++) {
		put("/proc/meminfo", bad_meminfo[i]);
		ck_assert_msg(node_read_mem(&m, &ms) == -1, "meminfo %zu",
		    i);
		ck_assert_ptr_null(node_sample(&m));
	}
	/* MemAvailable above MemTotal is capped, not trusted. */
	put("/proc/meminfo", "MemTotal:       1000 kB\n"
	    "MemAvailable:   2000 kB\n");
	ck_assert_int_eq(node_read_mem(&m, &ms), 0);
	ck_assert_uint_eq(ms.avail, ms.total);
	/* A mountinfo that is all garbage gives no disk, and no crash. */
	put("/proc/self/mountinfo", "garbage\n1 2 3\n1 2 8:x / / rw - ext4 "
	    "/dev/x rw\n1 2 8:1 / / rw\n");
	ck_assert_int_eq(node_read_disks(&m), 0);
	ck_assert_uint_eq(m.disks.ndisks, 0);
}
END_TEST

/*
 * The node's files stay open between samples and are read again from
 * their start: what is written to them in place is seen, and a changed
 * mount table gives the disks it now has.
 */
START_TEST(node_files_kept)
{
	json_t	*doc;
	int	 fd;

	metrics_init(&m, tree("node"));
	ck_assert_ptr_null(node_sample(&m));	/* the baseline */
	ck_assert_int_ne(m.stat_fd, -1);
	ck_assert_int_ne(m.meminfo_fd, -1);
	fd = m.stat_fd;
	copy_in("stat.later", "/proc/stat");
	put("/proc/meminfo", "MemTotal:       1000 kB\n"
	    "MemAvailable:   500 kB\n");
	doc = parse(node_sample(&m));
	ck_assert_int_eq(m.stat_fd, fd);
	ck_assert_int_ne(m.mnt.fd, -1);
	ck_assert_int_eq(m.mnt.polled, 0);	/* a recorded tree */
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 50.5,
	    1e-9);
	ck_assert_int_eq(doc_int(doc, "memory", "totalMemory"), 1000 * 1024);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "disks")), 3);
	json_decref(doc);

	/* /boot and /mnt/my disk unmounted: only the root's disk is left. */
	put("/proc/self/mountinfo", "27 1 254:0 / / rw,relatime - ext4 "
	    "/dev/vda rw\n");
	ck_assert_int_eq(node_read_disks(&m), 0);
	ck_assert_uint_eq(m.disks.ndisks, 1);
	ck_assert_str_eq(m.disks.disks[0].name, "/dev/vda");
	put("/proc/self/mountinfo", "27 1 254:0 / / rw,relatime - ext4 "
	    "/dev/vda rw\n50 27 8:1 / /boot rw,relatime - ext4 /dev/sda1 "
	    "rw\n");
	ck_assert_int_eq(node_read_disks(&m), 0);
	ck_assert_uint_eq(m.disks.ndisks, 2);
	ck_assert_str_eq(m.disks.disks[1].name, "/dev/sda1");

	/* A file that can no longer be read is opened again next time. */
	metrics_clear(&m);
	ck_assert_int_eq(m.stat_fd, -1);
	ck_assert_int_eq(m.mnt.fd, -1);
	ck_assert_int_eq(node_read_disks(&m), 0);
	ck_assert_uint_eq(m.disks.ndisks, 2);
}
END_TEST

START_TEST(pod_v1)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	json_t		*doc;

	metrics_init(&m, tree("v1"));
	ck_assert(m.mounts.cpu.present && m.mounts.cpuacct.present &&
	    m.mounts.memory.present && m.mounts.unified.present);
	node_figures_set();
	pod_msg(&mp, "web-1");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_int_eq(mpod_check(&mp), 0);
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(pod->fresh, 1);
	ck_assert_int_eq(pod->ctrs[0].dirs.acct_v, CG_V1);
	/* 0.25 s of CPU in 1 s, quota 50000/100000: half the limit. */
	putf(V1_A, "cpuacct", "/cpuacct.usage", "802439755\n");
	doc = parse(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_int_eq(pod->fresh, 0);
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "totalCpu"), 0.5, 1e-9);
	ck_assert(json_is_real(json_object_get(json_object_get(doc, "cpu"),
	    "totalCpu")));
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 50.0, 1e-9);
	check_pod_memory(doc, 134217728, 33554432);
	json_decref(doc);
}
END_TEST

/* One unlimited container leaves the pod with the node's figures. */
START_TEST(pod_v1_two_containers)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	json_t		*doc;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "web-2");
	pod_ctr(&mp, ID_A, 4242, "");
	pod_ctr(&mp, ID_B, 0, "/docker/" ID_B);	/* the engine's path */
	mp.cpu_limit = 1.0;	/* the cgroups say otherwise: they win */
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	putf(V1_A, "cpuacct", "/cpuacct.usage", "652439755\n");
	putf(V1_B, "cpuacct", "/cpuacct.usage", "1300000000\n");
	putf(V1_B, "memory", "/memory.usage_in_bytes", "16777217\n");
	doc = parse(mpod_sample(&m, pod, T0 + 2 * SEC));
	/* 0.4 s of CPU in 2 s on 2 cores */
	ck_assert_int_eq(doc_int(doc, "cpu", "totalCpu"), 2);
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 10.0, 1e-9);
	check_pod_memory(doc, 24 * GIB, 33554432 + 16777217);
	json_decref(doc);

	/* Limits the cgroups cannot tell come from the parent. */
	pod_msg(&mp, "web-2");
	pod_ctr(&mp, ID_A, 4242, "");
	pod_ctr(&mp, ID_B, 0, "/docker/" ID_B);
	mp.cpu_limit = 1.5;
	mp.memory_limit = 1 << 30;
	cg_remove("/sys/fs/cgroup/cpu/docker/" ID_B "/cpu.cfs_quota_us", NULL);
	cg_remove("/sys/fs/cgroup/memory/docker/" ID_B "/memory.limit_in_bytes",
	    NULL);
	cg_remove("/sys/fs/cgroup/memory/docker/" ID_A "/memory.limit_in_bytes",
	    NULL);
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0 + 3 * SEC));
	pod->ticks = 0;		/* the limits are read again now */
	putf(V1_A, "cpuacct", "/cpuacct.usage", "802439755\n");
	doc = parse(mpod_sample(&m, pod, T0 + 4 * SEC));
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "totalCpu"), 1.5, 1e-9);
	/* 0.15 s in 2 s (the last sample was at T0 + 2 s) of 1.5 cores */
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 5.0, 1e-9);
	check_pod_memory(doc, 1 << 30, 33554432 + 16777217);
	json_decref(doc);
}
END_TEST

/*
 * Other v1 layouts: cpu and cpuacct mounted together (systemd), and a
 * hierarchy whose mount shows only a subtree (a cgroup namespace).
 */
START_TEST(pod_v1_layouts)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	json_t		*doc;
	char		 cmd[3 * PATH_MAX];

	(void)tree("v1");
	(void)snprintf(cmd, sizeof(cmd), "cd %s && "
	    "sed -i -e '/ rw,cpu$/d' -e '/ rw,cpuacct$/d' -e "
	    "'s#^35 31 0:32 / /sys/fs/cgroup/memory #35 31 0:32 /docker "
	    "/sys/fs/cgroup/memory #' proc/self/mountinfo && "
	    "echo '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - "
	    "cgroup cgroup rw,cpu,cpuacct' >>proc/self/mountinfo && "
	    "mkdir -p sys/fs/cgroup/cpu,cpuacct/docker && "
	    "mv sys/fs/cgroup/cpu/docker/" ID_A " sys/fs/cgroup/cpu,cpuacct/"
	    "docker/ && mv sys/fs/cgroup/cpuacct/docker/" ID_A "/cpuacct.usage "
	    "sys/fs/cgroup/cpu,cpuacct/docker/" ID_A "/ && "
	    "mv sys/fs/cgroup/memory/docker/" ID_A " sys/fs/cgroup/memory/ && "
	    "printf '2:cpu,cpuacct:/docker/" ID_A "\\n4:memory:/docker/"
	    ID_A "\\n0::/\\n' >proc/4242/cgroup", tmproot);
	ck_assert_int_eq(system(cmd), 0);
	metrics_init(&m, tmproot);
	ck_assert_str_eq(m.mounts.memory.root, "/docker");
	ck_assert_str_eq(m.mounts.cpu.mnt, m.mounts.cpuacct.mnt);
	ck_assert_ptr_nonnull(strstr(m.mounts.cpu.mnt, "/cpu,cpuacct"));
	node_figures_set();
	pod_msg(&mp, "systemd-1");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(pod->ctrs[0].resolved, 1);
	ck_assert_int_eq(pod->ctrs[0].dirs.mem_v, CG_V1);
	put("/sys/fs/cgroup/cpu,cpuacct/docker/" ID_A "/cpuacct.usage",
	    "802439755\n");
	doc = parse(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "totalCpu"), 0.5, 1e-9);
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 50.0,
	    1e-9);
	check_pod_memory(doc, 134217728, 33554432);
	json_decref(doc);
}
END_TEST

START_TEST(pod_v2)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	json_t		*doc;

	metrics_init(&m, tree("v2"));
	ck_assert(!m.mounts.cpu.present && m.mounts.unified.present);
	node_figures_set();
	pod_msg(&mp, "api-1");
	pod_ctr(&mp, ID_A, 4343, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(pod->ctrs[0].dirs.acct_v, CG_V2);
	ck_assert_int_eq(pod->ctrs[0].dirs.mem_v, CG_V2);
	put(V2_A "/cpu.stat", "usage_usec 1400000\nuser_usec 1000000\n"
	    "system_usec 400000\nnr_periods 20\n");
	doc = parse(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "totalCpu"), 0.5, 1e-9);
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 80.0, 1e-9);
	check_pod_memory(doc, 268435456, 67108864);
	json_decref(doc);

	/* "max" is no limit: the node's figures. */
	pod_msg(&mp, "api-2");
	pod_ctr(&mp, ID_B, 4344, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	put(V2_B "/cpu.stat", "user_usec 1\nusage_usec 3500000\n");
	doc = parse(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_int_eq(doc_int(doc, "cpu", "totalCpu"), 2);
	ck_assert_double_eq_tol(doc_num(doc, "cpu", "currentUsage"), 25.0, 1e-9);
	check_pod_memory(doc, 24 * GIB, 8388608);
	json_decref(doc);
}
END_TEST

START_TEST(pod_container_vanishes)
{
	struct met_pod	 mp;
	struct mpod	*pod;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "db-1");
	pod_ctr(&mp, ID_A, 4242, "");
	pod_ctr(&mp, ID_B, 4243, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_uint_eq(met_kept(), 2 * MET_CTR_FILES);
	/* B's cgroup goes between two samples: no report, no zero, and
	 * its files are closed. */
	cg_remove("/sys/fs/cgroup/cpuacct/docker/" ID_B, "/gone");
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_int_eq(pod->ctrs[1].resolved, 0);
	ck_assert_uint_eq(met_kept(), MET_CTR_FILES);
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + 2 * SEC));
	/* It comes back: a fresh baseline first, then a report. */
	mv("/gone", "/sys/fs/cgroup/cpuacct/docker/" ID_B);
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + 3 * SEC));
	ck_assert_int_eq(pod->fresh, 1);
	ck_assert_uint_eq(met_kept(), 2 * MET_CTR_FILES);
	putf(V1_A, "cpuacct", "/cpuacct.usage", "652439755\n");
	putf(V1_B, "cpuacct", "/cpuacct.usage", "1100000000\n");
	ck_assert_double_eq_tol(usage_at(pod, T0 + 4 * SEC), 10.0, 1e-9);
}
END_TEST

/* The inode of the file fd is open on, and of what path names now. */
static ino_t
fd_ino(int fd)
{
	struct stat	 st;

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_ino;
}

static ino_t
path_ino(const char *fmt, const char *ctrl, const char *file)
{
	char		 path[PATH_MAX], full[2 * PATH_MAX];
	struct stat	 st;

	(void)snprintf(path, sizeof(path), fmt, ctrl);
	(void)snprintf(full, sizeof(full), "%s%s%s", tmproot, path, file);
	ck_assert_int_eq(stat(full, &st), 0);
	return st.st_ino;
}

/* Descriptors this process has open. */
static int
open_fds(void)
{
	DIR	*d;
	int	 n = 0;

	ck_assert_ptr_nonnull(d = opendir("/proc/self/fd"));
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 3;	/* ".", ".." and the directory's own */
}

/*
 * The two usage files of a container are opened at its first reading
 * and read again through the same descriptors, cgroup v1 and v2, and so
 * are its limit files (three in v1, two in v2), read once in a while.
 */
START_TEST(pod_files_kept)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	int		 fds, acct, mem;

	fds = open_fds();
	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "keep-1");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_uint_eq(met_kept(), 5);
	ck_assert_int_eq(open_fds(), fds + 5);
	acct = pod->ctrs[0].dirs.acct_fd;
	mem = pod->ctrs[0].dirs.mem_fd;
	ck_assert_uint_eq(fd_ino(acct), path_ino(V1_A, "cpuacct",
	    "/cpuacct.usage"));
	ck_assert_uint_eq(fd_ino(mem), path_ino(V1_A, "memory",
	    "/memory.usage_in_bytes"));
	/* Written in place, as the kernel's counters change. */
	putf(V1_A, "cpuacct", "/cpuacct.usage", "802439755\n");
	putf(V1_A, "memory", "/memory.usage_in_bytes", "16777216\n");
	pod->ticks = 0;		/* the limits are read too */
	ck_assert_double_eq_tol(usage_at(pod, T0 + SEC), 50.0, 1e-9);
	putf(V1_A, "cpuacct", "/cpuacct.usage", "902439755\n");
	ck_assert_double_eq_tol(usage_at(pod, T0 + 2 * SEC), 20.0, 1e-9);
	ck_assert_int_eq(pod->ctrs[0].dirs.acct_fd, acct);
	ck_assert_int_eq(pod->ctrs[0].dirs.mem_fd, mem);
	ck_assert_int_eq(open_fds(), fds + 5);
	/* The same pod again, unchanged: the files go with it. */
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0 + 2 * SEC));
	ck_assert_int_eq(pod->ctrs[0].dirs.acct_fd, acct);
	ck_assert_int_eq(open_fds(), fds + 5);
	ck_assert_int_eq(mpod_del(&m, "keep-1"), 0);
	ck_assert_uint_eq(met_kept(), 0);
	ck_assert_int_eq(open_fds(), fds);

	metrics_clear(&m);
	remove_tmp();
	metrics_init(&m, tree("v2"));
	node_figures_set();
	pod_msg(&mp, "keep-2");
	pod_ctr(&mp, ID_A, 4343, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_uint_eq(fd_ino(pod->ctrs[0].dirs.acct_fd),
	    path_ino(V2_A "%s", "", "/cpu.stat"));
	ck_assert_uint_eq(fd_ino(pod->ctrs[0].dirs.mem_fd),
	    path_ino(V2_A "%s", "", "/memory.current"));
	put(V2_A "/cpu.stat", "usage_usec 1400000\n");
	ck_assert_double_eq_tol(usage_at(pod, T0 + SEC), 80.0, 1e-9);
	ck_assert_int_eq(open_fds(), fds + 4);
	metrics_clear(&m);
	ck_assert_uint_eq(met_kept(), 0);
	ck_assert_int_eq(open_fds(), fds);
}
END_TEST

/*
 * A cgroup removed and made again at the same path between two samples
 * (a container restarted under the same name): the files kept open fail,
 * the new ones are opened and their figures reported.
 */
START_TEST(pod_cgroup_replaced)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	ino_t		 old;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "again-1");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	putf(V1_A, "cpuacct", "/cpuacct.usage", "802439755\n");
	ck_assert_double_eq_tol(usage_at(pod, T0 + SEC), 50.0, 1e-9);
	old = fd_ino(pod->ctrs[0].dirs.acct_fd);

	cg_remove("/sys/fs/cgroup/cpuacct/docker/" ID_A, "/new");
	mv("/new", "/sys/fs/cgroup/cpuacct/docker/" ID_A);
	put("/new-usage", "1000\n");	/* the new cgroup counts from 0 */
	mv("/new-usage", "/sys/fs/cgroup/cpuacct/docker/" ID_A
	    "/cpuacct.usage");
	ck_assert_uint_ne(path_ino(V1_A, "cpuacct", "/cpuacct.usage"), old);
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + 2 * SEC));
	ck_assert_int_eq(pod->ctrs[0].resolved, 0);
	ck_assert_uint_eq(met_kept(), 0);
	/* Found again: a baseline from the new files, then their figure. */
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + 3 * SEC));
	ck_assert_int_eq(pod->fresh, 1);
	ck_assert_uint_eq(fd_ino(pod->ctrs[0].dirs.acct_fd),
	    path_ino(V1_A, "cpuacct", "/cpuacct.usage"));
	putf(V1_A, "cpuacct", "/cpuacct.usage", "250001000\n");
	ck_assert_double_eq_tol(usage_at(pod, T0 + 4 * SEC), 50.0, 1e-9);
	ck_assert_uint_eq(met_kept(), MET_CTR_FILES);
}
END_TEST

/*
 * A container that is not the same one any more (another id, pid or
 * cgroup path for the same pod container) gets its files opened anew:
 * here a new file at the old path, which the kept one would not see.
 */
START_TEST(pod_container_changed)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	int		 i;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	for (i = 0; i < 3; i++) {
		pod_msg(&mp, "changed-1");
		pod_ctr(&mp, ID_A, i == 2 ? 4242 : 0, "/docker/" ID_A);
		ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
		ck_assert_uint_eq(fd_ino(pod->ctrs[0].dirs.acct_fd),
		    path_ino(V1_A, "cpuacct", "/cpuacct.usage"));
		put("/new-usage", "5\n");
		mv("/new-usage", "/sys/fs/cgroup/cpuacct/docker/" ID_A
		    "/cpuacct.usage");
		/* Unchanged, it keeps the old file. */
		ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
		ck_assert_uint_ne(fd_ino(pod->ctrs[0].dirs.acct_fd),
		    path_ino(V1_A, "cpuacct", "/cpuacct.usage"));
		pod_msg(&mp, "changed-1");
		if (i == 0)		/* another id */
			pod_ctr(&mp, "other", 0, "/docker/" ID_A);
		else if (i == 1)	/* another pid */
			pod_ctr(&mp, ID_A, 4242, "/docker/" ID_A);
		else			/* no cgroup path: from its pid */
			pod_ctr(&mp, ID_A, 4242, "");
		ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0 + SEC));
		ck_assert_uint_eq(fd_ino(pod->ctrs[0].dirs.acct_fd),
		    path_ino(V1_A, "cpuacct", "/cpuacct.usage"));
		ck_assert_uint_eq(met_kept(), MET_CTR_FILES);
		ck_assert_int_eq(mpod_del(&m, "changed-1"), 0);
		ck_assert_uint_eq(met_kept(), 0);
	}
	/* Another container altogether: its own files. */
	pod_msg(&mp, "changed-2");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	pod_msg(&mp, "changed-2");
	pod_ctr(&mp, ID_B, 4243, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0 + SEC));
	ck_assert_uint_eq(fd_ino(pod->ctrs[0].dirs.acct_fd),
	    path_ino(V1_B, "cpuacct", "/cpuacct.usage"));
	ck_assert_uint_eq(fd_ino(pod->ctrs[0].dirs.mem_fd),
	    path_ino(V1_B, "memory", "/memory.usage_in_bytes"));
	ck_assert_uint_eq(met_kept(), MET_CTR_FILES);
}
END_TEST

/*
 * No more files stay open than the bound: the rest are opened at each
 * reading, and take a place that frees up.  The bound leaves
 * MET_FDS_SPARE of RLIMIT_NOFILE.
 */
START_TEST(pod_kept_bound)
{
	struct met_pod	 mp;
	struct mpod	*a, *b;
	struct rlimit	 rl, low;
	size_t		 n;
	int		 fds;

	ck_assert_uint_eq(met_kept_limit(3), 3);
	fds = open_fds();
	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "bound-a");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(a = mpod_add(&m, &mp, T0));
	pod_msg(&mp, "bound-b");
	pod_ctr(&mp, ID_B, 4243, "");
	ck_assert_ptr_nonnull(b = mpod_add(&m, &mp, T0));
	ck_assert_uint_eq(met_kept(), 3);
	ck_assert_int_eq(open_fds(), fds + 3);
	ck_assert_int_ne(b->ctrs[0].dirs.acct_fd, -1);
	ck_assert_int_eq(b->ctrs[0].dirs.mem_fd, -1);
	/* Read at each sample all the same, a new file included. */
	putf(V1_B, "cpuacct", "/cpuacct.usage", "1300000000\n");
	put("/new-usage", "16777216\n");
	mv("/new-usage", "/sys/fs/cgroup/memory/docker/" ID_B
	    "/memory.usage_in_bytes");
	ck_assert_double_eq_tol(usage_at(b, T0 + SEC), 15.0, 1e-9);
	ck_assert_int_eq(open_fds(), fds + 3);
	/* A's go with it; B's memory file takes a place at its next
	 * reading. */
	ck_assert_int_eq(mpod_del(&m, "bound-a"), 0);
	ck_assert_uint_eq(met_kept(), 1);
	ck_assert_double_eq_tol(usage_at(b, T0 + 2 * SEC), 0.0, 1e-9);
	ck_assert_uint_eq(fd_ino(b->ctrs[0].dirs.mem_fd), path_ino(V1_B,
	    "memory", "/memory.usage_in_bytes"));
	ck_assert_uint_eq(met_kept(), 2);
	metrics_clear(&m);
	ck_assert_int_eq(open_fds(), fds);

	/* What RLIMIT_NOFILE leaves. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = MET_FDS_SPARE + 5;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	ck_assert_uint_eq(met_kept_limit(MET_KEPT_MAX), 5);
	low.rlim_cur = MET_FDS_SPARE / 2;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	ck_assert_uint_eq(met_kept_limit(MET_KEPT_MAX), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	n = met_kept_limit(MET_KEPT_MAX);
	if (rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= MET_KEPT_MAX + MET_FDS_SPARE)
		ck_assert_uint_eq(n, MET_KEPT_MAX);
}
END_TEST

/*
 * The limit files stay open only while every container's five files fit
 * the bound: with a third container they are closed at their next
 * reading, and the usage files keep their places.
 */
START_TEST(pod_limits_kept_bound)
{
	struct met_pod	 mp;
	struct mpod	*a, *b, *c;
	int		 fds;

	ck_assert_uint_eq(met_kept_limit(2 * MET_CTR_FILES + 1),
	    2 * MET_CTR_FILES + 1);
	fds = open_fds();
	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "limits-a");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(a = mpod_add(&m, &mp, T0));
	pod_msg(&mp, "limits-b");
	pod_ctr(&mp, ID_B, 4243, "");
	ck_assert_ptr_nonnull(b = mpod_add(&m, &mp, T0));
	ck_assert_uint_eq(met_kept(), 2 * MET_CTR_FILES);
	ck_assert_int_ne(a->ctrs[0].dirs.memlim_fd, -1);
	ck_assert_int_ne(b->ctrs[0].dirs.quota_fd, -1);

	/* A third container, from B's cgroup: the limits are read at
	 * each refresh without a file kept, and read right. */
	pod_msg(&mp, "limits-c");
	pod_ctr(&mp, ID_B, 0, "/docker/" ID_B);
	ck_assert_ptr_nonnull(c = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(c->ctrs[0].dirs.quota_fd, -1);
	ck_assert_int_eq(c->ctrs[0].dirs.memlim_fd, -1);
	ck_assert_int_ne(c->ctrs[0].dirs.acct_fd, -1);
	a->ticks = b->ticks = 0;
	putf(V1_A, "memory", "/memory.limit_in_bytes", "1073741824\n");
	ck_assert_double_eq_tol(usage_at(a, T0 + SEC), 0.0, 1e-9);
	ck_assert_double_eq_tol(usage_at(b, T0 + SEC), 0.0, 1e-9);
	ck_assert_int_eq(a->ctrs[0].dirs.quota_fd, -1);
	ck_assert_int_eq(a->ctrs[0].dirs.period_fd, -1);
	ck_assert_int_eq(a->ctrs[0].dirs.memlim_fd, -1);
	ck_assert_int_eq(b->ctrs[0].dirs.memlim_fd, -1);
	ck_assert_uint_eq(a->ctrs[0].limits.mem, 1073741824);
	/* C's memory file, not kept while the bound was reached, takes a
	 * place freed: each container's two usage files are kept. */
	ck_assert_int_eq(c->ctrs[0].dirs.mem_fd, -1);
	ck_assert_double_eq_tol(usage_at(c, T0 + SEC), 0.0, 1e-9);
	ck_assert_int_ne(c->ctrs[0].dirs.mem_fd, -1);
	ck_assert_uint_eq(met_kept(), 6);
	ck_assert_int_eq(open_fds(), fds + 6);
	metrics_clear(&m);
	ck_assert_uint_eq(met_kept(), 0);
	ck_assert_int_eq(open_fds(), fds);
}
END_TEST

START_TEST(pod_counter_backwards)
{
	struct met_pod	 mp;
	struct mpod	*pod;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "db-2");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	putf(V1_A, "cpuacct", "/cpuacct.usage", "1000\n");
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + SEC));
	putf(V1_A, "cpuacct", "/cpuacct.usage", "100001000\n");
	ck_assert_double_eq_tol(usage_at(pod, T0 + 2 * SEC), 20.0, 1e-9);
}
END_TEST

START_TEST(pod_missing_controller)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	char		 cmd[3 * PATH_MAX];

	/* No memory hierarchy mounted, and v2 has no memory controller. */
	metrics_init(&m, tree("v1"));
	(void)snprintf(cmd, sizeof(cmd), "sed -i '/ - cgroup cgroup rw,memory"
	    "$/d' %s/proc/self/mountinfo", tmproot);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(cg_mounts_read(tmproot, &m.mounts), 0);
	ck_assert(!m.mounts.memory.present && m.mounts.cpuacct.present);
	node_figures_set();
	pod_msg(&mp, "cache-1");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(pod->ctrs[0].resolved, 0);
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + SEC));

	metrics_clear(&m);
	remove_tmp();
	metrics_init(&m, tree("v2"));
	node_figures_set();
	rm(V2_A "/memory.current");
	pod_msg(&mp, "cache-2");
	pod_ctr(&mp, ID_A, 4343, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_int_eq(pod->ctrs[0].resolved, 0);
}
END_TEST

START_TEST(pod_malformed)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	const char	*bad[] = { "", "abc\n", "-5\n", "1e9\n", "12 13\n",
	    "99999999999999999999999\n", "12\n\n" };
	const char	*bad_stat[] = { "", "user_usec 5\n", "usage_usec\n",
	    "usage_usec x\n", "usage_usec 18446744073709551615\n",
	    "usage_usec 5 6\n" };
	size_t		 i;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "bad-1");
	pod_ctr(&mp, ID_A, 4242, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
		putf(V1_A, "cpuacct", "/cpuacct.usage", bad[i]);
		ck_assert_msg(mpod_sample(&m, pod, T0 + SEC) == NULL, "%zu", i);
		ck_assert_int_eq(mpod_del(&m, "bad-1"), 0);
		putf(V1_A, "cpuacct", "/cpuacct.usage", "1\n");
	}
	/* A garbled /proc/<pid>/cgroup finds nothing. */
	put("/proc/4242/cgroup", "4:memory\n");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(pod->ctrs[0].resolved, 0);
	put("/proc/4242/cgroup", "4:memory:/docker/../../etc\n");
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_int_eq(pod->ctrs[0].resolved, 0);

	metrics_clear(&m);
	remove_tmp();
	metrics_init(&m, tree("v2"));
	node_figures_set();
	pod_msg(&mp, "bad-2");
	pod_ctr(&mp, ID_A, 4343, "");
	for (i = 0; i < sizeof(bad_stat) / sizeof(bad_stat[0]); i++) {
		ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
		put(V2_A "/cpu.stat", bad_stat[i]);
		ck_assert_msg(mpod_sample(&m, pod, T0 + SEC) == NULL, "%zu", i);
		ck_assert_int_eq(mpod_del(&m, "bad-2"), 0);
		put(V2_A "/cpu.stat", "usage_usec 1\n");
	}
	/* Garbled limits are unknown, not zero: the node's figures. */
	put(V2_A "/cpu.max", "fifty 100000\n");
	put(V2_A "/memory.max", "-1\n");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(pod->ctrs[0].limits.cpu_known, 0);
	ck_assert_int_eq(pod->ctrs[0].limits.mem_known, 0);
}
END_TEST

/* A pid that now belongs to another container's cgroup is not used. */
START_TEST(pod_pid_reused)
{
	struct met_pod	 mp;
	struct mpod	*pod;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "reuse-1");
	pod_ctr(&mp, ID_B, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_int_eq(pod->ctrs[0].resolved, 0);
	put("/proc/4242/cgroup", "1:cpu,cpuacct:/\n4:memory:/\n0::/\n");
	ck_assert_ptr_null(mpod_sample(&m, pod, T0 + SEC));
	ck_assert_int_eq(pod->ctrs[0].resolved, 0);
}
END_TEST

START_TEST(pod_messages_checked)
{
	struct met_pod	 mp, bad;

	pod_msg(&mp, "ok");
	pod_ctr(&mp, ID_A, 1, "/docker/x");
	ck_assert_int_eq(mpod_check(&mp), 0);

	bad = mp;
	memset(bad.instance, 'x', sizeof(bad.instance));
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	bad.instance[0] = '\0';
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	bad.ncontainers = RIK_CONTAINERS_MAX + 1;
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	bad.cpu_limit = NAN;
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	bad.cpu_limit = -1;
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	bad.memory_limit = -1;
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	memset(bad.containers[0].id, 'a', sizeof(bad.containers[0].id));
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	memset(bad.containers[0].cgroup, '/', sizeof(bad.containers[0].cgroup));
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	(void)strlcpy(bad.containers[0].cgroup, "docker/x",
	    sizeof(bad.containers[0].cgroup));
	ck_assert_int_eq(mpod_check(&bad), -1);
	bad = mp;
	bad.containers[0].pid = -1;
	ck_assert_int_eq(mpod_check(&bad), -1);
	/* Only the containers in use are looked at. */
	bad = mp;
	memset(bad.containers[1].id, 'a', sizeof(bad.containers[1].id));
	ck_assert_int_eq(mpod_check(&bad), 0);
}
END_TEST

START_TEST(pod_table)
{
	struct met_pod	 mp;
	struct mpod	*pod;
	char		 name[32];
	int		 i;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	for (i = 0; i < MET_PODS_MAX; i++) {
		(void)snprintf(name, sizeof(name), "p%d", i);
		pod_msg(&mp, name);
		ck_assert_ptr_nonnull(mpod_add(&m, &mp, T0));
	}
	pod_msg(&mp, "one-too-many");
	ck_assert_ptr_null(mpod_add(&m, &mp, T0));
	pod_msg(&mp, "p7");	/* a replacement is not a new pod */
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(pod = mpod_add(&m, &mp, T0));
	ck_assert_uint_eq(m.npods, MET_PODS_MAX);
	ck_assert_ptr_eq(mpod_find(&m, "p7"), pod);
	ck_assert_int_eq(mpod_del(&m, "p7"), 0);
	ck_assert_int_eq(mpod_del(&m, "p7"), -1);
	ck_assert_ptr_null(mpod_find(&m, "p7"));
	ck_assert_uint_eq(m.npods, MET_PODS_MAX - 1);
}
END_TEST

static int	 nreports;
static char	 last_report[RIK_METRICS_MAX];

static void
count_report(const struct mpod *pod, const char *json)
{
	(void)pod;
	nreports++;
	(void)strlcpy(last_report, json, sizeof(last_report));
}

/* A new pod is reported after its initial sample, not a whole tick. */
START_TEST(pod_initial_sample)
{
	struct met_pod	 mp;
	const uint64_t	 ms = SEC / 1000;

	metrics_init(&m, tree("v1"));
	node_figures_set();
	pod_msg(&mp, "new-1");
	pod_ctr(&mp, ID_A, 4242, "");
	ck_assert_ptr_nonnull(mpod_add(&m, &mp, T0));
	nreports = 0;
	/* A tick 50 ms after the add is too soon; the fresh timer is not
	 * due before 200 ms. */
	ck_assert_uint_eq(mpods_sample(&m, T0 + 50 * ms, 1, count_report), 1);
	ck_assert_uint_eq(mpods_sample(&m, T0 + 150 * ms, 0, count_report), 1);
	ck_assert_int_eq(nreports, 0);
	putf(V1_A, "cpuacct", "/cpuacct.usage", "652439755\n");
	ck_assert_uint_eq(mpods_sample(&m, T0 + 200 * ms, 0, count_report), 0);
	ck_assert_int_eq(nreports, 1);
	ck_assert_ptr_nonnull(strstr(last_report, "\"currentUsage\":100.0"));
	/* From then on only ticks report it. */
	ck_assert_uint_eq(mpods_sample(&m, T0 + 400 * ms, 0, count_report), 0);
	ck_assert_int_eq(nreports, 1);
	ck_assert_uint_eq(mpods_sample(&m, T0 + 1200 * ms, 1, count_report), 0);
	ck_assert_int_eq(nreports, 2);
	ck_assert_ptr_nonnull(strstr(last_report, "\"currentUsage\":0.0"));

	/* A fresh pod whose container goes before its report is left to
	 * the ticks, not polled between them. */
	mp.instance[0] = 'x';
	ck_assert_ptr_nonnull(mpod_add(&m, &mp, T0 + 1300 * ms));
	cg_remove("/sys/fs/cgroup/cpuacct/docker/" ID_A "/cpuacct.usage",
	    NULL);
	ck_assert_uint_eq(mpods_sample(&m, T0 + 1500 * ms, 0, count_report), 0);
	ck_assert_int_eq(nreports, 2);
}
END_TEST

START_TEST(json_numbers)
{
	struct pod_figures	 pf = { 0.5, 33.333333, 3000, 1000 };
	struct disk_sample	 ds = { 0 };
	struct node_figures	 nf = { 2, 12.346, { 1000, 333 }, &ds };
	char			*s;

	s = met_json_pod(&pf);
	ck_assert_str_eq(s, "{\"cpu\":{\"totalCpu\":0.5,\"currentUsage\":"
	    "33.33},\"memory\":{\"totalMemory\":3000,\"freeMemory\":2000,"
	    "\"freeMemoryAmount\":66.67}}");
	free(s);
	pf.total_cpu = 2.0;
	pf.cpu_pct = 150.0;	/* never above 100 */
	pf.mem_used = 4000;	/* nor below no memory */
	s = met_json_pod(&pf);
	ck_assert_str_eq(s, "{\"cpu\":{\"totalCpu\":2,\"currentUsage\":"
	    "100.0},\"memory\":{\"totalMemory\":3000,\"freeMemory\":0,"
	    "\"freeMemoryAmount\":0.0}}");
	free(s);
	ds.ndisks = 1;
	(void)strlcpy(ds.disks[0].name, "/dev/vda", sizeof(ds.disks[0].name));
	ds.disks[0].total = UINT64_C(270000000000);
	ds.disks[0].used = 1;
	ds.disks[0].avail = 2;
	s = met_json_node(&nf);
	ck_assert_str_eq(s, "{\"cpu\":{\"totalCpu\":2,\"currentUsage\":"
	    "12.35},\"memory\":{\"totalMemory\":1000,\"freeMemory\":333,"
	    "\"freeMemoryAmount\":33.3},\"disks\":[{\"diskName\":\"/dev/vda\","
	    "\"total\":270000000000,\"used\":1,\"available\":2}]}");
	free(s);
}
END_TEST

/*
 * A pod's document as met_json_pod() built it with jansson before it
 * was written by hand: the reference its bytes must match.
 */
static char *
jansson_pod(const struct pod_figures *pf)
{
	json_t		*total, *doc;
	uint64_t	 avail;
	double		 pct = pf->cpu_pct, free_pct;
	char		*s;

	avail = pf->mem_used < pf->mem_total ? pf->mem_total - pf->mem_used :
	    0;
	free_pct = pf->mem_total == 0 ? 0.0 :
	    100.0 * (double)avail / (double)pf->mem_total;
	if (pct < 0.0)
		pct = 0.0;
	if (pct > 100.0)
		pct = 100.0;
	if (pf->total_cpu == floor(pf->total_cpu) && pf->total_cpu < 1e9)
		total = json_integer((json_int_t)pf->total_cpu);
	else
		total = json_real(met_round2(pf->total_cpu));
	doc = json_pack("{s:{s:o, s:f}, s:{s:I, s:I, s:f}}",
	    "cpu", "totalCpu", total, "currentUsage", met_round2(pct),
	    "memory", "totalMemory", (json_int_t)(pf->mem_total > INT64_MAX ?
	    INT64_MAX : pf->mem_total), "freeMemory", (json_int_t)(avail >
	    INT64_MAX ? INT64_MAX : avail), "freeMemoryAmount",
	    met_round2(free_pct));
	if (doc == NULL)
		return NULL;
	s = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15) |
	    JSON_PRESERVE_ORDER);
	json_decref(doc);
	return s;
}

static void
pod_same(double total_cpu, double pct, uint64_t mem_total, uint64_t used)
{
	struct pod_figures	 pf = { total_cpu, pct, mem_total, used };
	char			*ours, *ref;

	ours = met_json_pod(&pf);
	ref = jansson_pod(&pf);
	if (ref == NULL)
		ck_assert_msg(ours == NULL, "%.17g %.17g %ju %ju: %s, jansson "
		    "none", total_cpu, pct, (uintmax_t)mem_total,
		    (uintmax_t)used, ours);
	else
		ck_assert_msg(ours != NULL && strcmp(ours, ref) == 0,
		    "%.17g %.17g %ju %ju: %s, jansson %s", total_cpu, pct,
		    (uintmax_t)mem_total, (uintmax_t)used,
		    ours != NULL ? ours : "none", ref);
	free(ours);
	free(ref);
}

/*
 * The pod document written by hand is jansson's, byte for byte: every
 * hundredth and every x.xx5 from 0 to 100, random figures, whole and
 * fractional CPU limits, memory from none to more than an int64, and
 * what jansson refuses (a figure that is not a number).
 */
START_TEST(json_pod_as_jansson)
{
	static const double	 totals[] = {
		0.5, 1.0, 2.0, 64.0, 0.01, 0.004, 0.005, 0.015, 0.125, 1.005,
		1.995, 1.999, 2.675, 3.3333333, 7.125, 999999.995, 123456.785,
		1e6, 999999999.0, 999999999.5, 1e9, 1e9 + 0.25, 4e12 + 0.5,
		1e13, 9999999999999.99, 12345678901234.56, 1e15 + 0.5, 1e17,
		1e300, -0.0, 0.0, -1.5
	};
	static const uint64_t	 mems[][2] = {
		{ 0, 0 }, { 1, 0 }, { 3000, 1000 }, { 3000, 4000 },
		{ 3000, 2999 }, { 3, 1 }, { 3, 2 }, { 7, 1 }, { 1000, 5 },
		{ 1000, 995 }, { 8 * GIB, 123456789 },
		{ UINT64_C(1) << 62, 1 }, { INT64_MAX, 0 },
		{ (uint64_t)INT64_MAX + 1, 3 }, { UINT64_MAX, 0 },
		{ UINT64_MAX, UINT64_MAX / 3 }
	};
	static const double	 odd[] = {
		-0.0, -1e-9, -5.0, 100.0, 100.004, 100.005, 150.0, 1e300,
		0.004999999, 0.005, 0.0049, 0.015, 0.025, 0.125, 1.005, 2.675,
		33.335, 99.995, 99.9949, 4.35, 8.345, NAN, INFINITY, -INFINITY
	};
	size_t			 i, j;
	unsigned short		 seed[3] = { 16, 450, 2026 };

	for (i = 0; i <= 100000; i++)
		pod_same(2.0, (double)i / 1000.0, 3000, 1000);
	for (i = 0; i < 5000; i++)
		pod_same(totals[i % NELEM(totals)], erand48(seed) * 100.0,
		    mems[i % NELEM(mems)][0], mems[i % NELEM(mems)][1]);
	for (i = 0; i < 5000; i++)
		pod_same(erand48(seed) * 64.0, erand48(seed) * 100.0,
		    (uint64_t)(erand48(seed) * 1e12),
		    (uint64_t)(erand48(seed) * 1e12));
	/* A total CPU is never infinite (mpod_limits): -inf would be cast
	 * to an integer, in jansson's builder as in this one. */
	for (i = 0; i < NELEM(totals); i++)
		for (j = 0; j < NELEM(odd); j++) {
			pod_same(totals[i], odd[j], 3000, 1000);
			if (!isinf(odd[j]))
				pod_same(odd[j], totals[i], 3000, 1000);
		}
	for (i = 0; i < NELEM(mems); i++)
		for (j = 0; j < NELEM(odd); j++)
			pod_same(1.5, odd[j], mems[i][0], mems[i][1]);
}
END_TEST

/* The node's document as met_json_node() built it with jansson. */
static char *
jansson_node(const struct node_figures *nf)
{
	json_t			*doc, *disks, *d;
	const struct disk_usage	*du;
	double			 pct = nf->cpu_pct, free_pct;
	size_t			 i;
	char			*s;

	ck_assert_ptr_nonnull(disks = json_array());
	for (i = 0; i < nf->disks->ndisks; i++) {
		du = &nf->disks->disks[i];
		d = json_pack("{s:s, s:I, s:I, s:I}", "diskName", du->name,
		    "total", (json_int_t)(du->total > INT64_MAX ? INT64_MAX :
		    du->total), "used", (json_int_t)(du->used > INT64_MAX ?
		    INT64_MAX : du->used), "available", (json_int_t)(du->avail >
		    INT64_MAX ? INT64_MAX : du->avail));
		if (d == NULL) {
			json_decref(disks);
			return NULL;
		}
		ck_assert_int_eq(json_array_append_new(disks, d), 0);
	}
	if (pct < 0.0)
		pct = 0.0;
	if (pct > 100.0)
		pct = 100.0;
	free_pct = nf->mem.total == 0 ? 0.0 :
	    100.0 * (double)nf->mem.avail / (double)nf->mem.total;
	doc = json_pack("{s:{s:I, s:f}, s:{s:I, s:I, s:f}, s:o}",
	    "cpu", "totalCpu", (json_int_t)nf->ncpu, "currentUsage",
	    met_round2(pct), "memory", "totalMemory",
	    (json_int_t)(nf->mem.total > INT64_MAX ? INT64_MAX : nf->mem.total),
	    "freeMemory", (json_int_t)(nf->mem.avail > INT64_MAX ? INT64_MAX :
	    nf->mem.avail), "freeMemoryAmount", met_round2(free_pct),
	    "disks", disks);
	if (doc == NULL)
		return NULL;
	s = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15) |
	    JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (s != NULL && strlen(s) >= RIK_METRICS_MAX) {
		free(s);
		return NULL;
	}
	return s;
}

/* 1 when there is a document, 0 when neither gives one. */
static int
node_same(const struct node_figures *nf)
{
	char	*ours, *ref;
	int	 some;

	ours = met_json_node(nf);
	ref = jansson_node(nf);
	if (ref == NULL)
		ck_assert_msg(ours == NULL, "%u %.17g %zu disks: %s, jansson "
		    "none", nf->ncpu, nf->cpu_pct, nf->disks->ndisks, ours);
	else
		ck_assert_msg(ours != NULL && strcmp(ours, ref) == 0,
		    "%u %.17g: %s, jansson %s", nf->ncpu, nf->cpu_pct,
		    ours != NULL ? ours : "none", ref);
	some = ref != NULL;
	free(ours);
	free(ref);
	return some;
}

/*
 * The node document written by hand is jansson's too: random figures,
 * no disk to three, disk names jansson escapes or refuses, and documents
 * around the largest a message takes.
 */
START_TEST(json_node_as_jansson)
{
	static const char *const names[] = {
		"/dev/vda", "/dev/mapper/vg0-root", "/dev/disk/by-id/a b",
		"", "/dev/\"q\"", "/dev/back\\slash", "/dev/tab\there",
		"/dev/\x01", "/dev/\x7f", "/dev/caf\xc3\xa9", "/dev/bad\xff",
		"/dev/sl/ash", "~!@#$%^&*()_+{}|:<>?`-=[];',."
	};
	static const double	 pcts[] = {
		0.0, -0.0, 100.0, 150.0, -1.0, 12.345, 12.355, 0.005, 99.995,
		NAN
	};
	struct disk_sample	*ds;
	struct node_figures	 nf;
	unsigned short		 seed[3] = { 2026, 12, 3 };
	size_t			 i, j, len, some = 0;

	ck_assert_ptr_nonnull(ds = calloc(1, sizeof(*ds)));
	nf.disks = ds;
	for (i = 0; i < 5000; i++) {
		nf.ncpu = (unsigned int)(erand48(seed) * 256) + 1;
		nf.cpu_pct = i < NELEM(pcts) ? pcts[i] : erand48(seed) * 100.0;
		nf.mem.total = (uint64_t)(erand48(seed) * 1e12);
		nf.mem.avail = (uint64_t)(erand48(seed) * (double)nf.mem.total);
		if (i % 7 == 0)
			nf.mem.total = nf.mem.avail = i % 2 ? UINT64_MAX : 0;
		ds->ndisks = i % 4;
		for (j = 0; j < ds->ndisks; j++) {
			(void)strlcpy(ds->disks[j].name,
			    names[(i + j) % NELEM(names)],
			    sizeof(ds->disks[j].name));
			ds->disks[j].total = (uint64_t)(erand48(seed) * 1e13);
			ds->disks[j].used = i % 5 == 0 ? UINT64_MAX :
			    (uint64_t)(erand48(seed) * 1e13);
			ds->disks[j].avail = (uint64_t)(erand48(seed) * 1e13);
		}
		(void)node_same(&nf);
	}
	/* 63 disks: the last one's name takes the document across
	 * RIK_METRICS_MAX. */
	nf.ncpu = 64;
	nf.cpu_pct = 50.0;
	nf.mem.total = 1000;
	nf.mem.avail = 500;
	ds->ndisks = 63;
	for (j = 0; j < ds->ndisks; j++) {
		memset(ds->disks[j].name, 'd', 173);
		ds->disks[j].name[173] = '\0';
		ds->disks[j].total = ds->disks[j].used = ds->disks[j].avail =
		    UINT64_C(1) << 40;
	}
	for (len = 0; len < sizeof(ds->disks[0].name); len++) {
		memset(ds->disks[62].name, 'e', len);
		ds->disks[62].name[len] = '\0';
		some += node_same(&nf);
	}
	/* Both sides of the bound were tried. */
	ck_assert_uint_gt(some, 0);
	ck_assert_uint_lt(some, len);
	free(ds);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc;
	int	 failed;

	tc = tcase_create("node");
	tcase_add_test(tc, node_document);
	tcase_add_test(tc, node_backwards);
	tcase_add_test(tc, node_malformed);
	tcase_add_test(tc, node_files_kept);
	suite_add_tcase(s, tc);
	tc = tcase_create("pod");
	tcase_add_checked_fixture(tc, NULL, forget_pods);
	tcase_add_test(tc, pod_v1);
	tcase_add_test(tc, pod_v1_two_containers);
	tcase_add_test(tc, pod_v1_layouts);
	tcase_add_test(tc, pod_v2);
	tcase_add_test(tc, pod_container_vanishes);
	tcase_add_test(tc, pod_files_kept);
	tcase_add_test(tc, pod_cgroup_replaced);
	tcase_add_test(tc, pod_container_changed);
	tcase_add_test(tc, pod_kept_bound);
	tcase_add_test(tc, pod_limits_kept_bound);
	tcase_add_test(tc, pod_counter_backwards);
	tcase_add_test(tc, pod_missing_controller);
	tcase_add_test(tc, pod_malformed);
	tcase_add_test(tc, pod_pid_reused);
	tcase_add_test(tc, pod_messages_checked);
	tcase_add_test(tc, pod_table);
	tcase_add_test(tc, pod_initial_sample);
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	/* Some 10^5 documents from jansson: seconds under the sanitizers. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, json_numbers);
	tcase_add_test(tc, json_pod_as_jansson);
	tcase_add_test(tc, json_node_as_jansson);
	suite_add_tcase(s, tc);

	/* The tests run in children that end with _exit(): their copies
	 * are removed here, whatever the outcome. */
	(void)strlcpy(tmpbase, "/tmp/test_metrics.XXXXXX", sizeof(tmpbase));
	if (mkdtemp(tmpbase) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	failed = check_run(s);
	(void)strlcpy(tmproot, tmpbase, sizeof(tmproot));
	remove_tmp();
	return failed;
}
