/*
 * /proc/self/mountinfo, one line at a time, for the disks of the node and
 * the places of the cgroup hierarchies.  See proc(5) for the fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MOUNTINFO_MAX	(1024 * 1024)	/* about 7,000 mounts */

static char	*table_buf(void);
static char	*next_field(char **);
static void	 unescape(char *);

/* The buffer the table is read into, one for this file. */
static char *
table_buf(void)
{
	static char	*buf;

	if (buf == NULL)
		buf = malloc(MOUNTINFO_MAX);
	return buf;
}

/* The whole table in a buffer of this file; NULL with errno on failure. */
char *
met_mountinfo_read(const char *root)
{
	char	*buf;

	if ((buf = table_buf()) == NULL)
		return NULL;
	if (met_read_path(root, "/proc/self/mountinfo", buf,
	    MOUNTINFO_MAX) == -1)
		return NULL;
	return buf;
}

/*
 * Whether the mount table may have changed since the last call: 1 yes
 * (always on the first call, which opens the file, and always under a
 * root prefix: a recorded tree's file is a plain file the kernel tells
 * nothing of), 0 no, -1 with errno when it cannot be opened.  The
 * kernel's mark is taken by the poll(2) that sees it, so a caller that
 * gets 1 reads the table again (met_mountinfo_reread) before it asks
 * again; a change after that poll is told by the next one.
 */
int
met_mountinfo_changed(struct mnt_watch *w, const char *root)
{
	struct pollfd	 pfd;
	char		 path[PATH_MAX];

	if (w->fd == -1) {
		if (met_path(path, sizeof(path), root,
		    "/proc/self/mountinfo") == -1 ||
		    (w->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
		w->polled = root[0] == '\0';
		return 1;
	}
	if (!w->polled)
		return 1;
	pfd.fd = w->fd;
	pfd.events = POLLPRI;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1)
		return 1;
	return (pfd.revents & (POLLPRI | POLLERR)) != 0;
}

/*
 * The table from the file met_mountinfo_changed() keeps open, in the
 * buffer of met_mountinfo_read().  A failed read closes the file: the
 * next met_mountinfo_changed() opens it again and says 1.
 */
char *
met_mountinfo_reread(struct mnt_watch *w)
{
	char	*buf;
	int	 saved;

	if ((buf = table_buf()) == NULL)
		return NULL;
	if (w->fd == -1) {
		errno = EBADF;
		return NULL;
	}
	if (met_read_fd(w->fd, buf, MOUNTINFO_MAX, 0) == 0)
		return buf;
	saved = errno;
	met_mountinfo_close(w);
	errno = saved;
	return NULL;
}

void
met_mountinfo_close(struct mnt_watch *w)
{
	met_fd_close(&w->fd);
	w->polled = 0;
}

/*
 * Splits the line at *cursor in place into e.  1: an entry, 0: the end,
 * -1: a malformed line (the cursor has moved past it).
 */
int
met_mountinfo_next(char **cursor, struct mnt_entry *e)
{
	char		*line = *cursor, *nl, *f, *dev;
	const char	*end;
	uint64_t	 major, minor;
	int		 i;

	if (*line == '\0')
		return 0;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*cursor = nl + 1;
	} else
		*cursor = line + strlen(line);

	memset(e, 0, sizeof(*e));
	/* mount id, parent id */
	for (i = 0; i < 2; i++)
		if (next_field(&line) == NULL)
			return -1;
	if ((dev = next_field(&line)) == NULL ||
	    met_parse_u64(dev, &major, &end) == -1 || *end != ':' ||
	    met_parse_u64(end + 1, &minor, &end) == -1 || *end != '\0' ||
	    major > UINT32_MAX || minor > UINT32_MAX)
		return -1;
	e->major = (unsigned int)major;
	e->minor = (unsigned int)minor;
	if ((e->root = next_field(&line)) == NULL ||
	    (e->point = next_field(&line)) == NULL ||
	    next_field(&line) == NULL)	/* mount options */
		return -1;
	/* optional fields, up to the lone "-" */
	for (;;) {
		if ((f = next_field(&line)) == NULL)
			return -1;
		if (strcmp(f, "-") == 0)
			break;
	}
	if ((e->fstype = next_field(&line)) == NULL ||
	    (e->source = next_field(&line)) == NULL ||
	    (e->superopts = next_field(&line)) == NULL)
		return -1;
	unescape(e->root);
	unescape(e->point);
	unescape(e->source);
	return 1;
}

/* True when the comma-separated list holds word. */
int
met_optlist_has(const char *list, const char *word)
{
	size_t	 len = strlen(word);

	while (*list != '\0') {
		if (strncmp(list, word, len) == 0 &&
		    (list[len] == ',' || list[len] == '\0'))
			return 1;
		if ((list = strchr(list, ',')) == NULL)
			break;
		list++;
	}
	return 0;
}

static char *
next_field(char **p)
{
	char	*s = *p, *e;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	if ((e = strchr(s, ' ')) != NULL) {
		*e = '\0';
		*p = e + 1;
	} else
		*p = s + strlen(s);
	return s;
}

/* The kernel writes space, tab, newline and backslash as \ooo. */
static void
unescape(char *s)
{
	char	*d = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			    (s[3] - '0'));
			s += 3;
		} else
			*d++ = *s;
	}
	*d = '\0';
}
