/*
 * The node's figures: CPU from /proc/stat, memory from /proc/meminfo,
 * disks from mountinfo and statvfs(3).  The three files stay open
 * between ticks (struct metrics); the disks are looked for in mountinfo
 * again only when the mount table changed.
 */
#include <sys/statvfs.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

#define STAT_HEAD	(64 * 1024)	/* the cpu lines of /proc/stat */
#define MEMINFO_MAX	(16 * 1024)

static int	parse_cpu_line(const char *, struct cpu_sample *);
static int	meminfo_kb(const char *, const char *, uint64_t *);
static int	disks_find(struct metrics *);
static int	disk_wanted(const struct mnt_entry *);
static int	disk_statvfs(const char *, const char *, struct disk_usage *);

/*
 * The first line of /proc/stat sums every CPU; the cpuN lines that follow
 * are the online ones.  guest time is already counted in user and nice.
 */
int
node_read_cpu(struct metrics *m, struct cpu_sample *cs)
{
	static char	*buf;
	char		*line, *nl;
	int		 have_total = 0, ended = 0;

	if (buf == NULL && (buf = malloc(STAT_HEAD)) == NULL)
		return -1;
	if (met_open_read(&m->stat_fd, m->root, "/proc/stat", buf, STAT_HEAD,
	    1) == -1)
		return -1;
	memset(cs, 0, sizeof(*cs));
	for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if (strncmp(line, "cpu", 3) != 0) {
			ended = 1;
			break;
		}
		if (line[3] == ' ') {
			if (have_total || parse_cpu_line(line + 3, cs) == -1)
				goto bad;
			have_total = 1;
		} else if (line[3] >= '0' && line[3] <= '9')
			cs->ncpu++;
		else
			goto bad;
	}
	if (!ended || !have_total || cs->ncpu == 0)
		goto bad;
	return 0;
 bad:
	errno = EINVAL;
	return -1;
}

/* user nice system idle [iowait irq softirq steal [guest guest_nice]] */
static int
parse_cpu_line(const char *p, struct cpu_sample *cs)
{
	uint64_t	 v[8] = { 0 };
	int		 i;

	for (i = 0; i < 8; i++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (met_parse_u64(p, &v[i], &p) == -1 ||
		    (*p != ' ' && *p != '\0'))
			return -1;
	}
	if (i < 4)
		return -1;
	for (i = 0; i < 8; i++) {
		if (cs->total > UINT64_MAX - v[i])
			return -1;
		cs->total += v[i];
	}
	cs->busy = cs->total - v[3] - v[4];
	return 0;
}

/*
 * The busy share of the CPU time between two samples, 0-100.  -1 when
 * no time passed or a counter went backwards: the caller takes cur as a
 * new baseline and reports nothing for this interval.
 */
int
node_cpu_pct(const struct cpu_sample *prev, const struct cpu_sample *cur,
    double *pct)
{
	uint64_t	 dbusy, dtotal;

	if (cur->total <= prev->total || cur->busy < prev->busy)
		return -1;
	dbusy = cur->busy - prev->busy;
	dtotal = cur->total - prev->total;
	if (dbusy > dtotal)
		dbusy = dtotal;
	*pct = met_round2(100.0 * (double)dbusy / (double)dtotal);
	return 0;
}

/* MemAvailable is the kernel's estimate of what can be had without swap. */
int
node_read_mem(struct metrics *m, struct mem_sample *ms)
{
	char	 buf[MEMINFO_MAX];

	if (met_open_read(&m->meminfo_fd, m->root, "/proc/meminfo", buf,
	    sizeof(buf), 0) == -1)
		return -1;
	if (meminfo_kb(buf, "MemTotal:", &ms->total) == -1 ||
	    meminfo_kb(buf, "MemAvailable:", &ms->avail) == -1 ||
	    ms->total == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ms->avail > ms->total)
		ms->avail = ms->total;
	return 0;
}

static int
meminfo_kb(const char *buf, const char *key, uint64_t *bytes)
{
	const char	*p = buf;
	size_t		 len = strlen(key);
	uint64_t	 kb;

	for (;;) {
		if (strncmp(p, key, len) == 0)
			break;
		if ((p = strchr(p, '\n')) == NULL)
			return -1;
		p++;
	}
	for (p += len; *p == ' '; p++)
		;
	if (met_parse_u64(p, &kb, &p) == -1 || strncmp(p, " kB\n", 4) != 0 ||
	    kb > UINT64_MAX / 1024)
		return -1;
	*bytes = kb * 1024;
	return 0;
}

/*
 * The usage of the node's disks, into m->disks.  Which disks they are
 * comes from mountinfo, read again only when the mount table changed.
 */
int
node_read_disks(struct metrics *m)
{
	struct disk_sample	*ds = &m->disks;
	size_t			 i, j;
	int			 changed;

	ds->ndisks = 0;
	if ((changed = met_mountinfo_changed(&m->mnt, m->root)) == -1)
		return -1;
	if ((changed || !m->seen_known) && disks_find(m) == -1)
		return -1;
	for (i = 0, j = 0; i < m->nseen; i++) {
		if (m->seen[i].point[0] == '\0')
			continue;
		(void)strlcpy(ds->disks[j].name, m->seen[i].name,
		    sizeof(ds->disks[j].name));
		if (disk_statvfs(m->root, m->seen[i].point, &ds->disks[j]) == 0)
			j++;
	}
	ds->ndisks = j;
	return 0;
}

/*
 * Filesystems on block devices, each device once: a bind mount of the
 * same device adds nothing.  The mount of the device's root wins over a
 * bind mount of one of its directories.
 */
static int
disks_find(struct metrics *m)
{
	struct disk_seen	*seen;
	struct mnt_entry	 e;
	char			*cursor;
	size_t			 nseen = 0, i;
	int			 r;

	m->seen_known = 0;
	m->nseen = 0;
	if (m->seen == NULL && (m->seen = calloc(MET_DISKS_MAX,
	    sizeof(*m->seen))) == NULL)
		return -1;
	seen = m->seen;
	if ((cursor = met_mountinfo_reread(&m->mnt)) == NULL)
		return -1;
	while ((r = met_mountinfo_next(&cursor, &e)) != 0) {
		if (r == -1) {
			log_debug("mountinfo: malformed line skipped");
			continue;
		}
		if (!disk_wanted(&e))
			continue;
		for (i = 0; i < nseen; i++)
			if (seen[i].major == e.major &&
			    seen[i].minor == e.minor)
				break;
		if (i < nseen && (seen[i].whole || strcmp(e.root, "/") != 0))
			continue;
		if (i == nseen) {
			if (nseen == MET_DISKS_MAX) {
				log_debug("more than %d disks, the rest "
				    "skipped", MET_DISKS_MAX);
				break;
			}
			nseen++;
		}
		seen[i].major = e.major;
		seen[i].minor = e.minor;
		seen[i].whole = strcmp(e.root, "/") == 0;
		if (strlcpy(seen[i].point, e.point, sizeof(seen[i].point)) >=
		    sizeof(seen[i].point) ||
		    strlcpy(seen[i].name, e.source, sizeof(seen[i].name)) >=
		    sizeof(seen[i].name))
			seen[i].point[0] = '\0';
	}
	m->nseen = nseen;
	m->seen_known = 1;
	return 0;
}

static int
disk_wanted(const struct mnt_entry *e)
{
	static const char *const skip[] = {
		"proc", "sysfs", "tmpfs", "devtmpfs", "overlay", "cgroup",
		"cgroup2", "squashfs", "iso9660", "nsfs", "autofs"
	};
	size_t	 i;

	/* Major 0 is the kernel's "no device": nothing to put a pod on. */
	if (e->major == 0 || e->source[0] != '/')
		return 0;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(e->fstype, skip[i]) == 0)
			return 0;
	return 1;
}

static int
disk_statvfs(const char *root, const char *point, struct disk_usage *d)
{
	struct statvfs	 sv;
	char		 path[PATH_MAX];

	if (met_path(path, sizeof(path), root, point) == -1 ||
	    statvfs(path, &sv) == -1) {
		log_debug("disk %s on %s: %s", d->name, point,
		    strerror(errno));
		return -1;
	}
	d->total = (uint64_t)sv.f_blocks * sv.f_frsize;
	d->used = d->total - (uint64_t)sv.f_bfree * sv.f_frsize;
	d->avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

/*
 * One node report.  NULL when there is nothing true to say yet: the
 * first call only takes the CPU baseline.  The memory reading is kept
 * for the pods that have no limit of their own.
 */
char *
node_sample(struct metrics *m)
{
	struct cpu_sample	 cur;
	struct mem_sample	 mem;
	struct node_figures	 nf;
	int			 have_prev = m->cpu_have_prev, r, mem_ok;

	if (!(mem_ok = node_read_mem(m, &mem) == 0))
		log_debug("node: /proc/meminfo: %s", strerror(errno));
	else
		m->mem = mem;
	if (node_read_cpu(m, &cur) == -1) {
		log_debug("node: /proc/stat: %s", strerror(errno));
		return NULL;
	}
	r = have_prev ? node_cpu_pct(&m->cpu_prev, &cur, &nf.cpu_pct) : -1;
	m->cpu_prev = cur;
	m->cpu_have_prev = 1;
	if (r == -1) {
		if (have_prev)
			log_debug("node: CPU counters went backwards, "
			    "new baseline");
		return NULL;
	}
	if (!mem_ok)
		return NULL;
	if (node_read_disks(m) == -1) {
		log_debug("node: mountinfo: %s", strerror(errno));
		return NULL;
	}
	nf.ncpu = cur.ncpu;
	nf.mem = m->mem;
	nf.disks = &m->disks;
	return met_json_node(&nf);
}
