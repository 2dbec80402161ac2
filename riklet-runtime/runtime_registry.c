/*
 * The registries' credentials the parent sends (IMSG_RT_REGISTRY), and
 * which one a pull of an image needs: the registry its reference names
 * (imageref_host: Docker Hub's names are one).  The values are the
 * Engine API's X-Registry-Auth header, kept only here and zeroed when
 * replaced.
 */
#include <stdlib.h>
#include <string.h>

#include "imageref.h"
#include "log.h"
#include "runtime.h"

struct rt_cred {
	char		 host[sizeof(((struct rt_registry *)0)->host)];
	char		*auth;
};

static void	 creds_clear(void);

static struct rt_cred	 creds[CONF_REGISTRY_MAX];
static uint32_t		 ncreds;

static void
creds_clear(void)
{
	uint32_t	 i;

	for (i = 0; i < CONF_REGISTRY_MAX; i++) {
		if (creds[i].auth != NULL)
			freezero(creds[i].auth, strlen(creds[i].auth));
		creds[i].auth = NULL;
		creds[i].host[0] = '\0';
	}
	ncreds = 0;
}

/* One IMSG_RT_REGISTRY; -1 when it is malformed. */
int
registry_imsg(const void *data, size_t len)
{
	struct rt_registry	 m;
	const char		*auth;
	size_t			 alen;

	if (len <= sizeof(m) || len > sizeof(m) + RT_REGISTRY_AUTH_MAX)
		return -1;
	memcpy(&m, data, sizeof(m));
	auth = (const char *)data + sizeof(m);
	alen = len - sizeof(m);
	if (auth[alen - 1] != '\0' || strlen(auth) != alen - 1 ||
	    memchr(m.host, '\0', sizeof(m.host)) == NULL ||
	    m.count > CONF_REGISTRY_MAX ||
	    (m.count == 0 && (m.index != 0 || alen != 1)) ||
	    (m.count > 0 && (m.index >= m.count || m.host[0] == '\0' ||
	    alen == 1 || strspn(auth, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_=") != alen - 1)))
		return -1;
	if (m.index == 0)
		creds_clear();
	if (m.count == 0)
		return 0;
	if (m.index != ncreds)
		return -1;
	(void)strlcpy(creds[m.index].host, m.host, sizeof(creds[0].host));
	if ((creds[m.index].auth = strdup(auth)) == NULL)
		fatal("%s", __func__);
	ncreds++;
	log_debug("credentials for registry %s", m.host);
	return 0;
}

/* The X-Registry-Auth value a pull of image needs; NULL: none. */
const char *
registry_auth_for(const char *image)
{
	char		 host[sizeof(creds[0].host)];
	uint32_t	 i;

	if (imageref_host(image, host, sizeof(host)) == -1)
		return NULL;
	for (i = 0; i < ncreds; i++)
		if (strcasecmp(creds[i].host, host) == 0)
			return creds[i].auth;
	return NULL;
}

/* The registry a pull of image talks to, for messages. */
void
registry_of(const char *image, char *host, size_t len)
{
	if (imageref_host(image, host, len) == -1)
		(void)strlcpy(host, "?", len);
}
