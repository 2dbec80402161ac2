/*
 * A container's cgroups, v1 or v2: where they are and what they say.
 *
 * A cgroup path ("/docker/<id>", "/system.slice/docker-<id>.scope") is
 * relative to the root of a hierarchy; /proc/<pid>/cgroup gives one per
 * hierarchy and mountinfo says where each hierarchy is mounted, so no
 * layout is assumed.  v1 is preferred for a controller where it is
 * mounted, as the kernel only lets a controller be in one of the two.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

#define PROC_CGROUP_MAX	(8 * 1024)
#define MEM_UNLIMITED	(UINT64_C(1) << 62)	/* v1 says "none" so */

/* The paths one process's /proc/<pid>/cgroup gives, per hierarchy. */
struct cg_paths {
	const char	*cpu;
	const char	*cpuacct;
	const char	*memory;
	const char	*unified;
};

static int	 parse_proc_cgroup(char *, struct cg_paths *);
static int	 path_ok(const char *);
static char	*role_dir(const struct cg_hier *, const char *, const char *,
		    const char *);
static int	 read_limit(const char *, int *, const char *, char *, size_t);

/* Containers whose cgroups were found: each may keep MET_CTR_FILES open. */
static size_t	 nfound;

int
cg_mounts_read(const char *root, struct cg_mounts *cm)
{
	struct mnt_entry	 e;
	struct {
		const char	*opt;
		struct cg_hier	*h;
	} v1[] = {
		{ "cpu", &cm->cpu },
		{ "cpuacct", &cm->cpuacct },
		{ "memory", &cm->memory },
	};
	struct cg_hier		*h;
	char			*cursor;
	size_t			 i;
	int			 r;

	memset(cm, 0, sizeof(*cm));
	if ((cursor = met_mountinfo_read(root)) == NULL)
		return -1;
	while ((r = met_mountinfo_next(&cursor, &e)) != 0) {
		if (r == -1)
			continue;
		for (i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
			h = NULL;
			if (strcmp(e.fstype, "cgroup") == 0 &&
			    met_optlist_has(e.superopts, v1[i].opt))
				h = v1[i].h;
			else if (i == 0 && strcmp(e.fstype, "cgroup2") == 0)
				h = &cm->unified;
			if (h == NULL || h->present)
				continue;
			if (met_path(h->mnt, sizeof(h->mnt), root, e.point) ==
			    -1 || strlcpy(h->root, e.root, sizeof(h->root)) >=
			    sizeof(h->root))
				continue;
			h->present = 1;
		}
	}
	return 0;
}

/*
 * Finds the cgroups of a container from the path the engine gave
 * (cgpath, "" if none) or else from its process.  A path found from a
 * process must name the container, so a reused pid is never measured.
 */
int
cg_discover(const char *root, const struct cg_mounts *cm, pid_t pid,
    const char *cgpath, const char *id, struct cg_dirs *d)
{
	struct cg_paths	 p;
	char		 buf[PROC_CGROUP_MAX], file[64];
	const char	*need = NULL;
	struct role {
		char			**dir;
		enum cg_version		 *version;
		const struct cg_hier	 *v1;
		const char		**v1_path;
		const char		 *v1_probe;
		const char		 *v2_probe;
	} roles[] = {
		{ &d->acct, &d->acct_v, &cm->cpuacct, &p.cpuacct,
		    "/cpuacct.usage", "/cpu.stat" },
		{ &d->cpu, &d->cpu_v, &cm->cpu, &p.cpu,
		    "/cpu.cfs_quota_us", "/cpu.max" },
		{ &d->mem, &d->mem_v, &cm->memory, &p.memory,
		    "/memory.usage_in_bytes", "/memory.current" },
	}, *r;
	size_t		 i;

	memset(d, 0, sizeof(*d));
	if (cgpath[0] != '\0') {
		if (!path_ok(cgpath)) {
			errno = EINVAL;
			return -1;
		}
		p.cpu = p.cpuacct = p.memory = p.unified = cgpath;
	} else if (pid > 0) {
		(void)snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
		if (met_read_path(root, file, buf, sizeof(buf)) == -1 ||
		    parse_proc_cgroup(buf, &p) == -1)
			return -1;
		need = id;
	} else {
		errno = ENOENT;
		return -1;
	}

	/* Each role from its v1 hierarchy where mounted, else from v2. */
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		r = &roles[i];
		if ((*r->dir = role_dir(r->v1, *r->v1_path, need,
		    r->v1_probe)) != NULL)
			*r->version = CG_V1;
		else if ((*r->dir = role_dir(&cm->unified, p.unified, need,
		    r->v2_probe)) != NULL)
			*r->version = CG_V2;
	}

	/* Without CPU time or memory there is no pod report; a limit may
	 * come from the parent instead. */
	if (d->acct == NULL || d->mem == NULL) {
		cg_dirs_free(d);
		errno = ENOENT;
		return -1;
	}
	/* Opened at the first reading, by cg_read_usage() and
	 * cg_read_limits(). */
	d->acct_fd = d->mem_fd = -1;
	d->quota_fd = d->period_fd = d->memlim_fd = -1;
	nfound++;
	return 0;
}

void
cg_dirs_free(struct cg_dirs *d)
{
	if (d->acct != NULL && d->mem != NULL) {
		met_kept_close(&d->acct_fd);
		met_kept_close(&d->mem_fd);
		met_kept_close(&d->quota_fd);
		met_kept_close(&d->period_fd);
		met_kept_close(&d->memlim_fd);
		nfound--;
	}
	free(d->acct);
	free(d->cpu);
	free(d->mem);
	memset(d, 0, sizeof(*d));
}

/* "hierarchy-id:controller,list:path" lines; "0::path" is v2's. */
static int
parse_proc_cgroup(char *buf, struct cg_paths *p)
{
	char	*line, *nl, *ctrls, *path;

	memset(p, 0, sizeof(*p));
	for (line = buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			return -1;
		*nl = '\0';
		if ((ctrls = strchr(line, ':')) == NULL ||
		    (path = strchr(ctrls + 1, ':')) == NULL)
			return -1;
		*ctrls++ = '\0';
		*path++ = '\0';
		if (!path_ok(path))
			return -1;
		if (strcmp(line, "0") == 0 && *ctrls == '\0')
			p->unified = path;
		if (met_optlist_has(ctrls, "cpu"))
			p->cpu = path;
		if (met_optlist_has(ctrls, "cpuacct"))
			p->cpuacct = path;
		if (met_optlist_has(ctrls, "memory"))
			p->memory = path;
	}
	return 0;
}

/* Absolute, no "." or ".." component: it stays inside the hierarchy. */
static int
path_ok(const char *path)
{
	const char	*c;
	size_t		 len;

	if (path[0] != '/')
		return 0;
	for (c = path + 1; *c != '\0'; c += len + (c[len] == '/')) {
		len = strcspn(c, "/");
		if ((len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
	}
	return 1;
}

/*
 * The directory of cgroup path in hierarchy h, when h is mounted, the
 * path lies under the mount's root, names need (when not NULL), and the
 * file probe is there to read.
 */
static char *
role_dir(const struct cg_hier *h, const char *path, const char *need,
    const char *probe)
{
	char		 dir[PATH_MAX], file[PATH_MAX];
	const char	*rel = path;
	size_t		 rlen;

	if (!h->present || path == NULL)
		return NULL;
	if (need != NULL && (strcmp(path, "/") == 0 ||
	    (need[0] != '\0' && strstr(path, need) == NULL)))
		return NULL;
	if (strcmp(h->root, "/") != 0) {
		rlen = strlen(h->root);
		if (strncmp(path, h->root, rlen) != 0 ||
		    (path[rlen] != '/' && path[rlen] != '\0'))
			return NULL;
		rel = path + rlen;
	}
	if (strcmp(rel, "/") == 0)
		rel = "";
	if (met_path(dir, sizeof(dir), h->mnt, rel) == -1 ||
	    met_path(file, sizeof(file), dir, probe) == -1 ||
	    access(file, R_OK) == -1)
		return NULL;
	return strdup(dir);
}

/* A read error closes the file that gave it (met_kept_read()). */
int
cg_read_usage(struct cg_dirs *d, struct cg_usage *u)
{
	char		 buf[2048];
	const char	*p;
	uint64_t	 usec;

	if (d->acct_v == CG_V1) {
		if (met_read_u64(&d->acct_fd, d->acct, "/cpuacct.usage",
		    &u->cpu_ns) == -1)
			return -1;
	} else {
		if (met_kept_read(&d->acct_fd, d->acct, "/cpu.stat", buf,
		    sizeof(buf)) == -1)
			return -1;
		if (strncmp(buf, "usage_usec ", 11) == 0)
			p = buf + 11;
		else if ((p = strstr(buf, "\nusage_usec ")) != NULL)
			p += 12;
		else
			goto bad;
		if (met_parse_u64(p, &usec, &p) == -1 ||
		    (*p != '\n' && *p != '\0') || usec > UINT64_MAX / 1000)
			goto bad;
		u->cpu_ns = usec * 1000;
	}
	if (met_read_u64(&d->mem_fd, d->mem, d->mem_v == CG_V1 ?
	    "/memory.usage_in_bytes" : "/memory.current", &u->mem_bytes) == -1)
		return -1;
	return 0;
 bad:
	errno = EINVAL;
	return -1;
}

/*
 * What the kernel enforces.  An unreadable limit stays unknown.  The
 * limit files stay open from one reading to the next while every
 * container found can keep its MET_CTR_FILES files within the bound, so
 * that they never take the place of a usage file, read at every sample;
 * past that they are closed at their next reading, and opened at each.
 */
void
cg_read_limits(struct cg_dirs *d, struct cg_limits *l)
{
	char		 quota[64], period[64];
	uint64_t	 q, per, mem;
	const char	*p;

	memset(l, 0, sizeof(*l));
	if (d->cpu_v == CG_V1 &&
	    read_limit(d->cpu, &d->quota_fd, "/cpu.cfs_quota_us", quota,
	    sizeof(quota)) == 0 &&
	    read_limit(d->cpu, &d->period_fd, "/cpu.cfs_period_us", period,
	    sizeof(period)) == 0 &&
	    met_parse_u64(period, &per, NULL) == 0 && per > 0) {
		if (strcmp(quota, "-1\n") == 0)
			l->cpu_known = 1;
		else if (met_parse_u64(quota, &q, NULL) == 0) {
			l->cpu = (double)q / (double)per;
			l->cpu_known = 1;
		}
	} else if (d->cpu_v == CG_V2 &&
	    read_limit(d->cpu, &d->quota_fd, "/cpu.max", quota,
	    sizeof(quota)) == 0) {
		if (strncmp(quota, "max ", 4) == 0)
			l->cpu_known = 1;
		else if (met_parse_u64(quota, &q, &p) == 0 && *p == ' ' &&
		    met_parse_u64(p + 1, &per, NULL) == 0 && per > 0) {
			l->cpu = (double)q / (double)per;
			l->cpu_known = 1;
		}
	}

	if (read_limit(d->mem, &d->memlim_fd, d->mem_v == CG_V1 ?
	    "/memory.limit_in_bytes" : "/memory.max", quota,
	    sizeof(quota)) == -1)
		return;
	if (strcmp(quota, "max\n") == 0)
		l->mem_known = 1;
	else if (met_parse_u64(quota, &mem, NULL) == 0) {
		l->mem = mem >= MEM_UNLIMITED ? 0 : mem;
		l->mem_known = 1;
	}
}

static int
read_limit(const char *dir, int *fd, const char *file, char *buf,
    size_t size)
{
	if (dir == NULL)
		return -1;
	if (nfound > met_kept_max() / MET_CTR_FILES) {
		met_kept_close(fd);
		return met_read_path(dir, file, buf, size);
	}
	return met_kept_read(fd, dir, file, buf, size);
}
