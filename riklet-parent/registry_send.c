/*
 * The runtime's half of the registry credentials: the X-Registry-Auth
 * values, built from the secrets registry.c keeps, sent over the
 * runtime's socket only.
 */
#include <sys/uio.h>

#include <stdlib.h>
#include <string.h>

#include "imageref.h"
#include "log.h"
#include "registry.h"
#include "riklet.h"

/*
 * The runtime's credentials, after every configuration it is sent: one
 * message per registry (a count of 0 when there is none).
 */
void
registry_send(void)
{
	const struct riklet_conf	*conf = &parent->conf;
	struct child			*c = &parent->children[PROC_RUNTIME];
	struct rt_registry		 m;
	struct iovec			 iov[2];
	char				*auth;
	uint32_t			 i;

	if (!c->connected || !c->ready)
		return;
	if ((auth = malloc(RT_REGISTRY_AUTH_MAX)) == NULL)
		fatal("%s", __func__);
	i = 0;
	do {
		memset(&m, 0, sizeof(m));
		auth[0] = '\0';
		m.index = i;
		m.count = conf->nregistries;
		if (i < conf->nregistries) {
			(void)strlcpy(m.host,
			    imageref_registry(conf->registries[i].host),
			    sizeof(m.host));
			if (registry_secret(i) == NULL ||
			    registry_auth(&conf->registries[i],
			    registry_secret(i), auth,
			    RT_REGISTRY_AUTH_MAX) == -1)
				fatalx("%s: registry %s has no usable "
				    "credentials", __func__, m.host);
		}
		iov[0].iov_base = &m;
		iov[0].iov_len = sizeof(m);
		iov[1].iov_base = auth;
		iov[1].iov_len = strlen(auth) + 1;
		if (child_sendv(PROC_RUNTIME, IMSG_RT_REGISTRY, iov, 2) == -1)
			log_warnx("%s: registry credentials not sent",
			    __func__);
	} while (++i < conf->nregistries);
	freezero(auth, RT_REGISTRY_AUTH_MAX);
}
