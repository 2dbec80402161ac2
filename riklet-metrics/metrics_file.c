/*
 * Reading the small text files of /proc and /sys: whole, bounded, and
 * refused when they do not fit, so a parser never sees a cut line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

static int	read_bounded(const char *, char *, size_t, int);

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
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd, saved;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (off == size - 1) {
			if (head)
				break;
			close(fd);
			errno = EFBIG;
			return -1;
		}
		n = read(fd, buf + off, size - 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		/* /proc, sysfs and cgroupfs give what they have in one
		 * read: a short one is the end, and saves a read per file. */
		if ((size_t)n < size - 1 - (off - (size_t)n))
			break;
	}
	close(fd);
	buf[off] = '\0';
	return 0;
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

/* A cgroup file that holds one number, like cpuacct.usage. */
int
met_read_u64(const char *dir, const char *file, uint64_t *v)
{
	char	 buf[64];

	if (met_read_path(dir, file, buf, sizeof(buf)) == -1)
		return -1;
	if (met_parse_u64(buf, v, NULL) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
