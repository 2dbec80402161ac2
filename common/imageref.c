/*
 * Image references as Docker's distribution/reference reads them, by a
 * hand-written scanner:
 *
 *	reference := name [':' tag] ['@' digest]
 *	name      := [host [':' port] '/'] component ['/' component]*
 *	component := [a-z0-9]+ (('.' | '_' | '__' | '-'+) [a-z0-9]+)*
 *	host      := label ('.' label)* | '[' [0-9A-Fa-f:]+ ']'
 *	label     := [A-Za-z0-9] | [A-Za-z0-9] [A-Za-z0-9-]* [A-Za-z0-9]
 *	port      := [0-9]+
 *	tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *	digest    := ("sha256" | "sha384" | "sha512") ':' lower-case hex
 *
 * As in Docker, the part before the first '/' is a host only when it
 * has a '.' or a port, is "localhost" or is in brackets; otherwise it
 * is a path component of docker.io.  The name is at most 255
 * characters, and 64 hex digits alone are an image id, not a name.
 * None of this lets through '%', '?', '#', a space or a dot segment, so
 * the reference is one segment of a URL once '/' and ':' are escaped.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "imageref.h"

static int		 lower_digit(char);
static int		 alnum(char);
static int		 hexdigit(char);
static size_t		 host_len(const char *);
static const char	*component(const char **);
static const char	*tag(const char **);
static const char	*digest(const char **);
static const char	*reference_error(const char *);

static int
lower_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
alnum(char c)
{
	return lower_digit(c) || (c >= 'A' && c <= 'Z');
}

static int
hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* The length of the host and port before the first '/' of s; 0: none. */
static size_t
host_len(const char *s)
{
	size_t	 i = 0, start;
	int	 host = 0;	/* not a path component */

	if (s[0] == '[') {
		for (i = 1; hexdigit(s[i]) || s[i] == ':'; i++)
			;
		if (i == 1 || s[i] != ']')
			return 0;
		i++;
		host = 1;
	} else {
		for (;;) {
			start = i;
			while (alnum(s[i]) || s[i] == '-')
				i++;
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return 0;
			if (s[i] != '.')
				break;
			i++;
			host = 1;
		}
		if (i == 9 && strncmp(s, "localhost", 9) == 0)
			host = 1;
	}
	if (s[i] == ':') {
		start = ++i;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return 0;
		host = 1;
	}
	return host && s[i] == '/' ? i : 0;
}

/* One path component at *pp, which moves past it. */
static const char *
component(const char **pp)
{
	const char	*p = *pp;

	for (;;) {
		if (!lower_digit(*p)) {
			if (*p >= 'A' && *p <= 'Z')
				return "upper case in the repository path";
			if (p == *pp && (*p == '\0' || *p == '/' || *p == ':' ||
			    *p == '@'))
				return "empty path component";
			return "a path component is lower-case letters and "
			    "digits joined by '.', '_', '__' or '-'";
		}
		while (lower_digit(*p))
			p++;
		if (p[0] == '_' && p[1] == '_')
			p += 2;
		else if (*p == '.' || *p == '_')
			p++;
		else if (*p == '-')
			while (*p == '-')
				p++;
		else
			break;
	}
	*pp = p;
	return NULL;
}

/* The tag after the ':' at *pp. */
static const char *
tag(const char **pp)
{
	const char	*p = *pp + 1, *start = p;

	if (*p == '\0' || *p == '@')
		return "empty tag";
	if (!alnum(*p) && *p != '_')
		return "a tag starts with a letter, a digit or '_'";
	while (alnum(*p) || *p == '_' || *p == '.' || *p == '-')
		p++;
	if ((size_t)(p - start) > IMAGEREF_TAG_MAX)
		return "tag longer than 128 characters";
	*pp = p;
	return NULL;
}

/* The digest after the '@' at *pp, which ends the reference. */
static const char *
digest(const char **pp)
{
	static const struct {
		const char	*algorithm;
		size_t		 hex;
		const char	*why;
	} algs[] = {
		{ "sha256", 64, "a sha256 digest is 64 lower-case hex digits" },
		{ "sha384", 96, "a sha384 digest is 96 lower-case hex digits" },
		{ "sha512", 128,
		    "a sha512 digest is 128 lower-case hex digits" },
	};
	const char	*p = *pp + 1;
	size_t		 i, j, n;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		n = strlen(algs[i].algorithm);
		if (strncmp(p, algs[i].algorithm, n) != 0 || p[n] != ':')
			continue;
		p += n + 1;
		for (j = 0; j < algs[i].hex; j++)
			if (!((p[j] >= '0' && p[j] <= '9') ||
			    (p[j] >= 'a' && p[j] <= 'f')))
				return algs[i].why;
		if (p[j] != '\0')
			return algs[i].why;
		*pp = p + j;
		return NULL;
	}
	return "a digest is sha256:, sha384: or sha512: and hex digits";
}

static const char *
reference_error(const char *s)
{
	const char	*p = s, *why;
	size_t		 n;

	if (*s == '\0')
		return "empty reference";
	if ((n = host_len(s)) > 0)
		p += n + 1;
	for (;;) {
		if ((why = component(&p)) != NULL)
			return why;
		if (*p != '/')
			break;
		p++;
	}
	if ((size_t)(p - s) > IMAGEREF_NAME_MAX)
		return "name longer than 255 characters";
	if (p - s == 64 && *p == '\0' && strspn(s, "0123456789abcdef") == 64)
		return "64 hex digits are an image id, not a name";
	if (*p == ':' && (why = tag(&p)) != NULL)
		return why;
	if (*p == '@' && (why = digest(&p)) != NULL)
		return why;
	if (*p >= 'A' && *p <= 'Z')
		return "upper case in the repository path";
	if (*p != '\0')
		return "a character outside the reference grammar";
	return NULL;
}

/*
 * Whether s is an image reference; if not and why is not NULL, *why
 * says what is wrong, in a phrase that quotes nothing of s.
 */
int
imageref_valid(const char *s, const char **why)
{
	const char	*w = reference_error(s);

	if (why != NULL)
		*why = w;
	return w == NULL;
}

/*
 * The registry a valid reference is pulled from, into host: its host
 * and port, or Docker Hub's name when it names none.  -1 when host is
 * too small.
 */
int
imageref_host(const char *ref, char *host, size_t size)
{
	size_t		 n = host_len(ref);
	const char	*name;

	if (n == 0)
		name = IMAGEREF_DOCKER_HUB;
	else {
		if (n >= size)
			return -1;
		memcpy(host, ref, n);
		host[n] = '\0';
		name = imageref_registry(host);
	}
	if (strlcpy(host, name, size) >= size)
		return -1;
	return 0;
}

/*
 * One name for a registry, as a reference or riklet.conf says it:
 * Docker Hub's several names are docker.io, as Docker itself takes them.
 */
const char *
imageref_registry(const char *host)
{
	if (strcasecmp(host, "docker.io") == 0 ||
	    strcasecmp(host, "index.docker.io") == 0 ||
	    strcasecmp(host, "registry-1.docker.io") == 0)
		return IMAGEREF_DOCKER_HUB;
	return host;
}

/*
 * Whether a valid reference names a tag that moves: no tag and no
 * digest, or the tag "latest" (Kubernetes pulls those Always).
 */
int
imageref_floating(const char *ref)
{
	const char	*p = ref + host_len(ref), *colon;

	if (strchr(p, '@') != NULL)
		return 0;
	if ((colon = strrchr(p, ':')) == NULL)
		return 1;
	return strcmp(colon + 1, "latest") == 0;
}
