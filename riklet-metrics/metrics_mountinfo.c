/*
 * /proc/self/mountinfo, one line at a time, for the disks of the node and
 * the places of the cgroup hierarchies.  See proc(5) for the fields.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MOUNTINFO_MAX	(1024 * 1024)	/* about 7,000 mounts */

static char	*next_field(char **);
static void	 unescape(char *);

/* The whole table in a buffer of this file; NULL with errno on failure. */
char *
met_mountinfo_read(const char *root)
{
	static char	*buf;

	if (buf == NULL && (buf = malloc(MOUNTINFO_MAX)) == NULL)
		return NULL;
	if (met_read_path(root, "/proc/self/mountinfo", buf,
	    MOUNTINFO_MAX) == -1)
		return NULL;
	return buf;
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
