/*
 * Absolute paths in their plain form, as riklet takes them from its
 * configuration (volume allow) and from definitions (mountPath,
 * hostPath): one '/' between components, no "." component, no '/' at
 * the end, and no ".." (whose meaning depends on the symbolic links on
 * the way, so it is refused, not resolved).
 */
#include <string.h>

#include "path.h"

/*
 * Writes the plain form of path into out.  On -1, *why says what is
 * wrong (not absolute, "..", too long).
 */
int
path_normalise(const char *path, char *out, size_t size, const char **why)
{
	const char	*p = path, *end;
	size_t		 n, len = 0;

	if (*p != '/') {
		*why = "not an absolute path";
		return -1;
	}
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			*why = "a \"..\" component";
			return -1;
		}
		if (len + 1 + n >= size) {
			*why = "too long";
			return -1;
		}
		out[len++] = '/';
		memcpy(out + len, p, n);
		len += n;
		p = end;
	}
	if (len == 0) {
		if (size < 2) {
			*why = "too long";
			return -1;
		}
		out[len++] = '/';
	}
	out[len] = '\0';
	return 0;
}

/* Whether path is already in its plain form. */
int
path_is_normal(const char *path)
{
	char		 buf[PATH_NORMAL_MAX];
	const char	*why;

	return path_normalise(path, buf, sizeof(buf), &why) == 0 &&
	    strcmp(buf, path) == 0;
}

/* Whether path is prefix or below it; both are plain forms. */
int
path_within(const char *path, const char *prefix)
{
	size_t	 n = strlen(prefix);

	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}
