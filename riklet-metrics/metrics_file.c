/*
 * Reading the small text files of /proc and /sys: whole, bounded, and
 * refused when they do not fit, so a parser never sees a cut line.  The
 * counter files read at every sample stay open between samples, a bounded
 * number of them: reading again what is open saves the path walk, the
 * permission checks and the kernel's set-up and release of an open file.
 */
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

static int	read_bounded(const char *, char *, size_t, int);

/* The counter files kept open (met_kept_read), and how many may be. */
static size_t	kept_n, kept_max = MET_KEPT_MAX;

/* Reads path into buf, NUL-terminated.  -1 with errno on any failure. */
int
met_read_file(const char *path, char *buf, size_t size)
{
	return read_bounded(path, buf, size, 0);
}

/*
 * The first size - 1 bytes of path, for files whose interesting lines
 * come first (/proc/stat ends with long interrupt counters).
 */
int
met_read_head(const char *path, char *buf, size_t size)
{
	return read_bounded(path, buf, size, 1);
}

static int
read_bounded(const char *path, char *buf, size_t size, int head)
{
	int	 fd, r, saved;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = met_read_fd(fd, buf, size, head);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/*
 * The file from its start, whatever was read from it before: pread(2),
 * so a file kept open is read again with one call.  head: as
 * met_read_head().
 */
int
met_read_fd(int fd, char *buf, size_t size, int head)
{
	size_t	 off = 0;
	ssize_t	 n;

	for (;;) {
		if (off == size - 1) {
			if (head)
				break;
			errno = EFBIG;
			return -1;
		}
		n = pread(fd, buf + off, size - 1 - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		off += (size_t)n;
		/* /proc, sysfs and cgroupfs give what they have in one
		 * read: a short one is the end, and saves a read per file. */
		if ((size_t)n < size - 1 - (off - (size_t)n))
			break;
	}
	buf[off] = '\0';
	return 0;
}

/*
 * root and path read through *fd (-1: not open), which stays open for
 * the next read: the node's /proc files, read at every tick, a few and
 * not counted among the kept counter files.  A file that cannot be read
 * is closed, and opened again at the next call.  head: as met_read_head().
 */
int
met_open_read(int *fd, const char *root, const char *path, char *buf,
    size_t size, int head)
{
	char	 full[PATH_MAX];
	int	 saved;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if (*fd == -1) {
		if (met_path(full, sizeof(full), root, path) == -1 ||
		    (*fd = open(full, O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
	}
	if (met_read_fd(*fd, buf, size, head) == 0)
		return 0;
	saved = errno;
	met_fd_close(fd);
	errno = saved;
	return -1;
}

/* Closes *fd when open, and marks it closed. */
void
met_fd_close(int *fd)
{
	if (*fd == -1)
		return;
	close(*fd);
	*fd = -1;
}

/*
 * At most max counter files stay open, and fewer when RLIMIT_NOFILE
 * would not leave MET_FDS_SPARE descriptors for everything else.  Called
 * before the seccomp filter, which has no getrlimit.
 */
size_t
met_kept_limit(size_t max)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur !=
	    RLIM_INFINITY && rl.rlim_cur < max + MET_FDS_SPARE)
		max = rl.rlim_cur > MET_FDS_SPARE ?
		    (size_t)rl.rlim_cur - MET_FDS_SPARE : 0;
	kept_max = max;
	return kept_max;
}

/* How many counter files are open now. */
size_t
met_kept(void)
{
	return kept_n;
}

/* How many may be. */
size_t
met_kept_max(void)
{
	return kept_max;
}

/*
 * dir/file read through *fd (-1: not open), which it opens and keeps
 * open for the next read while fewer than the bound are, or else opens
 * for this read only.  A kept file that cannot be read is closed, and
 * the caller looks for the cgroup again: the files of a removed cgroup
 * fail with ENODEV, and one made anew at the same path is another file.
 */
int
met_kept_read(int *fd, const char *dir, const char *file, char *buf,
    size_t size)
{
	char	 path[PATH_MAX];
	int	 saved;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if (*fd == -1) {
		if (met_path(path, sizeof(path), dir, file) == -1)
			return -1;
		if (kept_n >= kept_max)
			return met_read_file(path, buf, size);
		if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
		kept_n++;
	}
	if (met_read_fd(*fd, buf, size, 0) == 0)
		return 0;
	saved = errno;
	met_kept_close(fd);
	errno = saved;
	return -1;
}

void
met_kept_close(int *fd)
{
	if (*fd == -1)
		return;
	met_fd_close(fd);
	kept_n--;
}

/* dir and path joined into buf; -1 when it does not fit. */
int
met_path(char *buf, size_t size, const char *dir, const char *path)
{
	int	 n;

	n = snprintf(buf, size, "%s%s", dir, path);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* met_read_file() of a path under a directory or root prefix. */
int
met_read_path(const char *dir, const char *path, char *buf, size_t size)
{
	char	 full[PATH_MAX];

	if (met_path(full, sizeof(full), dir, path) == -1)
		return -1;
	return met_read_file(full, buf, size);
}

/*
 * Decimal digits only, no sign, no overflow.  *end, when not NULL,
 * receives where the digits stop; otherwise only a newline may follow.
 */
int
met_parse_u64(const char *s, uint64_t *v, const char **end)
{
	uint64_t	 n = 0;
	const char	*p;

	if (*s < '0' || *s > '9')
		return -1;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (end != NULL)
		*end = p;
	else if (!(*p == '\0' || (*p == '\n' && p[1] == '\0')))
		return -1;
	*v = n;
	return 0;
}

/* A counter file that holds one number, like cpuacct.usage. */
int
met_read_u64(int *fd, const char *dir, const char *file, uint64_t *v)
{
	char	 buf[64];

	if (met_kept_read(fd, dir, file, buf, sizeof(buf)) == -1)
		return -1;
	if (met_parse_u64(buf, v, NULL) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
