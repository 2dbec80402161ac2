/*
 * Registry credentials.  riklet.conf names files; parse.y has each one
 * read here while it parses (so a bad file is a "file:line:" error),
 * and the secrets stay in this file's arrays, beside the configuration's
 * registries and in their order, never in struct riklet_conf, which
 * every child gets.  The runtime alone is sent, per registry, the
 * Engine API's X-Registry-Auth value its pulls need.  A secret that is
 * replaced or dropped is zeroed first.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imageref.h"
#include "log.h"
#include "registry.h"
#include "riklet_msg.h"

/* Docker Hub's server address in its credentials, as docker login has it. */
#define DOCKER_HUB_SERVER	"https://index.docker.io/v1/"

static void	 secrets_clear(char **);
static int	 json_put(char *, size_t, size_t *, const char *);
static int	 json_put_string(char *, size_t, size_t *, const char *);
static size_t	 base64url(char *, size_t, const unsigned char *, size_t);

static char	*secrets[CONF_REGISTRY_MAX];	/* the configuration's */
static char	*pending[CONF_REGISTRY_MAX];	/* the parse's */

/*
 * Reads a password or token file into buf: a regular file of the user
 * riklet runs as (root), which neither its group nor others may read or
 * write, of at most size - 1 bytes; a last newline is not part of it.
 * On error *errstr says why (and buf holds nothing of the file).
 */
int
registry_read_secret(const char *path, char *buf, size_t size,
    const char **errstr)
{
	static char	 why[128];
	struct stat	 st;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	*errstr = why;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		(void)snprintf(why, sizeof(why), "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		(void)snprintf(why, sizeof(why), "not a regular file");
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		(void)snprintf(why, sizeof(why), "not owned by uid %u",
		    (unsigned int)geteuid());
		goto fail;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		(void)snprintf(why, sizeof(why), "mode %03o: readable or "
		    "writable by group or others (chmod 600 it)",
		    (unsigned int)(st.st_mode & 0777));
		goto fail;
	}
	for (;;) {
		n = read(fd, buf + len, size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)snprintf(why, sizeof(why), "%s",
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size) {
			(void)snprintf(why, sizeof(why), "longer than %zu "
			    "bytes", size - 1);
			goto fail;
		}
	}
	close(fd);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (len == 0 || memchr(buf, '\0', len) != NULL ||
	    strpbrk(buf, "\n\r") != NULL) {
		explicit_bzero(buf, size);
		(void)snprintf(why, sizeof(why), "%s", len == 0 ? "empty" :
		    "not one line of text");
		return -1;
	}
	return 0;
fail:
	explicit_bzero(buf, size);
	close(fd);
	return -1;
}

/* The parse's secret for its registry idx (a copy). */
void
registry_pending(uint32_t idx, const char *secret)
{
	if (idx >= CONF_REGISTRY_MAX)
		fatalx("%s: index %u", __func__, idx);
	if (pending[idx] != NULL)
		freezero(pending[idx], strlen(pending[idx]));
	if ((pending[idx] = strdup(secret)) == NULL)
		fatal("%s", __func__);
}

static void
secrets_clear(char **s)
{
	uint32_t	 i;

	for (i = 0; i < CONF_REGISTRY_MAX; i++)
		if (s[i] != NULL) {
			freezero(s[i], strlen(s[i]));
			s[i] = NULL;
		}
}

/* The parse succeeded: its secrets are the configuration's now. */
void
registry_commit(void)
{
	secrets_clear(secrets);
	memcpy(secrets, pending, sizeof(secrets));
	memset(pending, 0, sizeof(pending));
}

/* The parse failed: the configuration keeps its secrets. */
void
registry_discard(void)
{
	secrets_clear(pending);
}

void
registry_clear(void)
{
	secrets_clear(pending);
	secrets_clear(secrets);
}

/* Appends s to buf at *off; -1 when it does not fit. */
static int
json_put(char *buf, size_t size, size_t *off, const char *s)
{
	size_t	 n = strlen(s);

	if (n >= size - *off)
		return -1;
	memcpy(buf + *off, s, n + 1);
	*off += n;
	return 0;
}

/* s as a JSON string, quoted and escaped. */
static int
json_put_string(char *buf, size_t size, size_t *off, const char *s)
{
	char	 esc[8];

	if (json_put(buf, size, off, "\"") == -1)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			esc[2] = '\0';
		} else if ((unsigned char)*s < 0x20)
			(void)snprintf(esc, sizeof(esc), "\\u%04x",
			    (unsigned int)(unsigned char)*s);
		else {
			esc[0] = *s;
			esc[1] = '\0';
		}
		if (json_put(buf, size, off, esc) == -1)
			return -1;
	}
	return json_put(buf, size, off, "\"");
}

/* RFC 4648 section 5, padded, as the engine decodes it. */
static size_t
base64url(char *out, size_t size, const unsigned char *in, size_t len)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t			 i, o = 0;
	uint32_t		 v;

	if ((len + 2) / 3 * 4 >= size)
		return 0;
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = abc[(v >> 18) & 63];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/*
 * The X-Registry-Auth value for registry r with its secret: base64url
 * of {"username", "password", "serveraddress"}, or of
 * {"identitytoken", "serveraddress"} for a token.  -1 when it does not
 * fit out.  Every intermediate copy is zeroed.
 */
int
registry_auth(const struct conf_registry *r, const char *secret, char *out,
    size_t size)
{
	char		 json[RT_REGISTRY_AUTH_MAX / 4 * 3];
	const char	*server;
	size_t		 off = 0;
	int		 rv = -1;

	server = strcmp(imageref_registry(r->host), IMAGEREF_DOCKER_HUB) == 0 ?
	    DOCKER_HUB_SERVER : r->host;
	json[0] = '\0';
	if (r->username[0] != '\0') {
		if (json_put(json, sizeof(json), &off, "{\"username\":") ||
		    json_put_string(json, sizeof(json), &off, r->username) ||
		    json_put(json, sizeof(json), &off, ",\"password\":") ||
		    json_put_string(json, sizeof(json), &off, secret))
			goto out;
	} else if (json_put(json, sizeof(json), &off,
	    "{\"identitytoken\":") ||
	    json_put_string(json, sizeof(json), &off, secret))
		goto out;
	if (json_put(json, sizeof(json), &off, ",\"serveraddress\":") ||
	    json_put_string(json, sizeof(json), &off, server) ||
	    json_put(json, sizeof(json), &off, "}"))
		goto out;
	if (base64url(out, size, (const unsigned char *)json, off) > 0)
		rv = 0;
out:
	explicit_bzero(json, sizeof(json));
	return rv;
}

/* The configuration's secret for its registry idx; NULL: none. */
const char *
registry_secret(uint32_t idx)
{
	return idx < CONF_REGISTRY_MAX ? secrets[idx] : NULL;
}
