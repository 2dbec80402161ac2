/*
 * Defaults and receiver-side checks of struct riklet_conf.
 */
#include <string.h>

#include "riklet_conf.h"
#include "util.h"

void
conf_defaults(struct riklet_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	(void)strlcpy(conf->scheduler, "127.0.0.1:4995",
	    sizeof(conf->scheduler));
	conf->metric_resolution_ms = RIKLET_RESOLUTION_MS;
	(void)strlcpy(conf->docker_socket, RIKLET_DOCKER_SOCKET,
	    sizeof(conf->docker_socket));
	(void)strlcpy(conf->user, RIKLET_USER, sizeof(conf->user));
	(void)strlcpy(conf->chroot, RIKLET_CHROOT, sizeof(conf->chroot));
	(void)strlcpy(conf->control_socket, RIKLET_CONTROL_SOCKET,
	    sizeof(conf->control_socket));
	conf->stop_grace_ms = RIKLET_STOP_GRACE_MS;
	conf->create_parallel = RIKLET_CREATE_PARALLEL;
	conf->log_max_size = RIKLET_LOG_MAX_SIZE;
	conf->log_max_files = RIKLET_LOG_MAX_FILES;
	conf->gc_high = RIKLET_GC_HIGH;
	conf->gc_low = RIKLET_GC_LOW;
	conf->gc_min_age_ms = RIKLET_GC_MIN_AGE_MS;
}

/* A child calls this on what the parent sent before using any of it. */
int
conf_check_strings(const struct riklet_conf *c)
{
	uint32_t	 i;

	if (!strarray_terminated(c->scheduler, sizeof(c->scheduler)) ||
	    !strarray_terminated(c->tls_ca, sizeof(c->tls_ca)) ||
	    !strarray_terminated(c->tls_cert, sizeof(c->tls_cert)) ||
	    !strarray_terminated(c->tls_key, sizeof(c->tls_key)) ||
	    !strarray_terminated(c->hostname, sizeof(c->hostname)) ||
	    !strarray_terminated(c->docker_socket,
	    sizeof(c->docker_socket)) ||
	    !strarray_terminated(c->user, sizeof(c->user)) ||
	    !strarray_terminated(c->chroot, sizeof(c->chroot)) ||
	    !strarray_terminated(c->control_socket,
	    sizeof(c->control_socket)) ||
	    !strarray_terminated(c->infra_image, sizeof(c->infra_image)) ||
	    !strarray_terminated(c->host_address, sizeof(c->host_address)) ||
	    !strarray_terminated(c->metrics_listen,
	    sizeof(c->metrics_listen)))
		return -1;
	if (c->metric_resolution_ms == 0 || c->create_parallel == 0 ||
	    c->log_max_size == 0 || c->log_max_files == 0 ||
	    c->nvolume_allow > CONF_VOLUME_ALLOW_MAX ||
	    c->nregistries > CONF_REGISTRY_MAX || c->pull_fallback > 1 ||
	    c->gc_high > 100 || c->gc_low >= c->gc_high)
		return -1;
	for (i = 0; i < c->nregistries; i++)
		if (!strarray_terminated(c->registries[i].host,
		    sizeof(c->registries[i].host)) ||
		    !strarray_terminated(c->registries[i].username,
		    sizeof(c->registries[i].username)) ||
		    !strarray_terminated(c->registries[i].password_file,
		    sizeof(c->registries[i].password_file)) ||
		    !strarray_terminated(c->registries[i].token_file,
		    sizeof(c->registries[i].token_file)))
			return -1;
	for (i = 0; i < c->nvolume_allow; i++)
		if (!strarray_terminated(c->volume_allow[i],
		    sizeof(c->volume_allow[i])))
			return -1;
	return 0;
}
