/*
 * riklet-metrics: what the metrics process's files share.  Every reader
 * takes the root prefix in struct metrics ("" on a real node) so the unit
 * tests can feed it recorded /proc and /sys trees.
 */
#ifndef RIKLET_METRICS_H
#define RIKLET_METRICS_H

#include <sys/types.h>
#include <sys/tree.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "riklet_msg.h"

#define MET_PODS_MAX		4096
#define MET_DISKS_MAX		64
#define MET_DISK_NAME_MAX	256
#define MET_INITIAL_MS		200	/* first sample after start or add */
#define MET_INITIAL_MIN_MS	100	/* shortest window worth a report */
#define MET_LIMITS_EVERY	10	/* ticks between reads of the limits */
#define MET_KEPT_MAX		1024	/* counter files kept open, at most */
#define MET_CTR_FILES		5	/* a container's usage and limit files */
#define MET_FDS_SPARE		64	/* descriptors left for the rest */

/* The cpu line of /proc/stat, in clock ticks, and the online CPUs. */
struct cpu_sample {
	uint64_t	 busy;
	uint64_t	 total;
	unsigned int	 ncpu;
};

struct mem_sample {
	uint64_t	 total;		/* MemTotal, bytes */
	uint64_t	 avail;		/* MemAvailable, bytes */
};

struct disk_usage {
	char		 name[MET_DISK_NAME_MAX];
	uint64_t	 total;
	uint64_t	 used;
	uint64_t	 avail;		/* what an unprivileged user can use */
};

struct disk_sample {
	size_t			 ndisks;
	struct disk_usage	 disks[MET_DISKS_MAX];
};

/*
 * /proc/self/mountinfo kept open between ticks.  The kernel marks it
 * with POLLPRI once the mount table changes (proc(5)), so the table is
 * read again only then; a recorded tree's file (under a root prefix)
 * has no such mark and is read every time.
 */
struct mnt_watch {
	int	 fd;		/* -1: not open */
	int	 polled;	/* the kernel tells its changes (root "") */
};

/* A disk of the node, from mountinfo: where it is mounted, its name. */
struct disk_seen {
	unsigned int	 major, minor;
	int		 whole;		/* the mount of the device's root */
	char		 point[PATH_MAX];
	char		 name[MET_DISK_NAME_MAX];
};

/* One line of mountinfo, split in place. */
struct mnt_entry {
	unsigned int	 major;
	unsigned int	 minor;
	char		*root;
	char		*point;
	char		*fstype;
	char		*source;
	char		*superopts;
};

/* A figure ready for JSON: totals, free amounts and percentages. */
struct node_figures {
	unsigned int		 ncpu;
	double			 cpu_pct;
	struct mem_sample	 mem;
	const struct disk_sample *disks;
};

struct pod_figures {
	double		 total_cpu;	/* cores */
	double		 cpu_pct;	/* of total_cpu */
	uint64_t	 mem_total;
	uint64_t	 mem_used;
};

/* Where a cgroup v1 hierarchy or the v2 tree is mounted. */
struct cg_hier {
	char		 mnt[PATH_MAX];	/* root prefix included */
	char		 root[PATH_MAX];	/* the mount's root in the tree */
	int		 present;
};

struct cg_mounts {
	struct cg_hier	 cpu;
	struct cg_hier	 cpuacct;
	struct cg_hier	 memory;
	struct cg_hier	 unified;
};

enum cg_version {
	CG_NONE,
	CG_V1,
	CG_V2
};

/*
 * The directories of one container's cgroups, per role, and its files
 * kept open (-1: not open): the two usage files, and the limit files
 * while every container's five files fit the bound (cg_read_limits).
 * All zero when nothing was found: the descriptors count only where acct
 * and mem are set.
 */
struct cg_dirs {
	char		*acct;		/* CPU time used */
	char		*cpu;		/* CPU limit */
	char		*mem;		/* memory used and limit */
	enum cg_version	 acct_v, cpu_v, mem_v;
	int		 acct_fd;
	int		 mem_fd;
	int		 quota_fd;	/* cpu.cfs_quota_us, cpu.max */
	int		 period_fd;	/* cpu.cfs_period_us */
	int		 memlim_fd;	/* memory.limit_in_bytes, memory.max */
};

struct cg_usage {
	uint64_t	 cpu_ns;
	uint64_t	 mem_bytes;
};

/* A limit of 0 means none; known is 0 when it could not be read. */
struct cg_limits {
	double		 cpu;		/* cores */
	uint64_t	 mem;		/* bytes */
	int		 cpu_known;
	int		 mem_known;
};

struct met_ctr {
	char		 id[RIK_CONTAINER_ID_MAX];
	pid_t		 pid;
	char		 cgroup[RIK_CGROUP_MAX];
	struct cg_dirs	 dirs;
	int		 resolved;
	uint64_t	 prev_ns;	/* cumulative CPU time at last sample */
	int		 have_prev;
	struct cg_limits limits;
};

struct mpod {
	RB_ENTRY(mpod)	 entry;
	char		 instance[RIK_ID_MAX];
	double		 cpu_limit;	/* from the parent, 0: none */
	uint64_t	 mem_limit;
	uint64_t	 prev_ns;	/* monotonic time of the last sample */
	uint64_t	 added_ns;
	unsigned int	 ticks;		/* samples since limits were read */
	int		 fresh;		/* waiting for its initial sample */
	size_t		 nctrs;
	struct met_ctr	 ctrs[];
};

RB_HEAD(mpod_tree, mpod);
RB_PROTOTYPE(mpod_tree, mpod, entry, mpod_cmp)

struct metrics {
	const char		*root;
	struct cg_mounts	 mounts;
	struct mpod_tree		 pods;
	size_t			 npods;
	struct cpu_sample	 cpu_prev;
	int			 cpu_have_prev;
	struct mem_sample	 mem;	/* last node reading, for pods */
	struct disk_sample	 disks;
	int			 stat_fd;	/* /proc/stat, kept open */
	int			 meminfo_fd;	/* /proc/meminfo, kept open */
	struct mnt_watch	 mnt;
	struct disk_seen	*seen;		/* the disks of the last table */
	size_t			 nseen;
	int			 seen_known;	/* seen is the current table */
};

/* metrics_file.c */
int	 met_read_file(const char *, char *, size_t);
int	 met_read_head(const char *, char *, size_t);
int	 met_read_fd(int, char *, size_t, int);
int	 met_open_read(int *, const char *, const char *, char *, size_t,
	    int);
void	 met_fd_close(int *);
int	 met_path(char *, size_t, const char *, const char *);
int	 met_read_path(const char *, const char *, char *, size_t);
int	 met_parse_u64(const char *, uint64_t *, const char **);
int	 met_read_u64(int *, const char *, const char *, uint64_t *);
size_t	 met_kept_limit(size_t);
size_t	 met_kept(void);
size_t	 met_kept_max(void);
int	 met_kept_read(int *, const char *, const char *, char *, size_t);
void	 met_kept_close(int *);

/* metrics_mountinfo.c */
char	*met_mountinfo_read(const char *);
int	 met_mountinfo_changed(struct mnt_watch *, const char *);
char	*met_mountinfo_reread(struct mnt_watch *);
void	 met_mountinfo_close(struct mnt_watch *);
int	 met_mountinfo_next(char **, struct mnt_entry *);
int	 met_optlist_has(const char *, const char *);

/* metrics_node.c */
int	 node_read_cpu(struct metrics *, struct cpu_sample *);
int	 node_read_mem(struct metrics *, struct mem_sample *);
int	 node_read_disks(struct metrics *);
int	 node_cpu_pct(const struct cpu_sample *, const struct cpu_sample *,
	    double *);
char	*node_sample(struct metrics *);

/* metrics_cgroup.c */
int	 cg_mounts_read(const char *, struct cg_mounts *);
int	 cg_discover(const char *, const struct cg_mounts *, pid_t,
	    const char *, const char *, struct cg_dirs *);
void	 cg_dirs_free(struct cg_dirs *);
int	 cg_read_usage(struct cg_dirs *, struct cg_usage *);
void	 cg_read_limits(struct cg_dirs *, struct cg_limits *);

/* metrics_pod.c */
void	 metrics_init(struct metrics *, const char *);
void	 metrics_clear(struct metrics *);
int	 mpod_check(const struct met_pod *);
struct mpod *mpod_add(struct metrics *, const struct met_pod *, uint64_t);
int	 mpod_del(struct metrics *, const char *);
struct mpod *mpod_find(struct metrics *, const char *);
char	*mpod_sample(struct metrics *, struct mpod *, uint64_t);
size_t	 mpods_sample(struct metrics *, uint64_t, int,
	    void (*)(const struct mpod *, const char *));

/* metrics_json.c */
double	 met_round2(double);
char	*met_json_node(const struct node_figures *);
char	*met_json_pod(const struct pod_figures *);

#endif
