/*
 * The configuration as the parent parses it and sends it, whole, to every
 * child in one IMSG_CONF.  Every string is a fixed, NUL-terminated array
 * so a receiver can check it without trusting the sender.
 */
#ifndef RIKLET_CONF_H
#define RIKLET_CONF_H

#include <stdint.h>

#define RIKLET_CONF_FILE	"/etc/riklet/riklet.conf"
#define RIKLET_USER		"_riklet"
#define RIKLET_CHROOT		"/var/empty"
#define RIKLET_DOCKER_SOCKET	"/var/run/docker.sock"
#define RIKLET_CONTROL_SOCKET	"/var/run/riklet.sock"
#define RIKLET_RESOLUTION_MS	5000
#define RIKLET_STOP_GRACE_MS	10000
#define RIKLET_CREATE_PARALLEL	8
#define RIKLET_LOG_MAX_SIZE	(10 * 1024 * 1024)	/* per log file */
#define RIKLET_LOG_MAX_FILES	3

#define CONF_PATH_MAX		1024
#define CONF_HOST_MAX		256
#define CONF_USER_MAX		64
#define CONF_IMAGE_MAX		256	/* RIK_IMAGE_MAX */
#define CONF_VOLUME_ALLOW_MAX	16	/* volume allow prefixes */
#define CONF_ADDR_MAX		64	/* an IPv4 or IPv6 address, text */
#define CONF_REGISTRY_MAX	8	/* registry blocks */
#define RIKLET_GC_HIGH		85	/* image-gc high, percent */
#define RIKLET_GC_LOW		70
#define RIKLET_GC_MIN_AGE_MS	(2 * 60 * 1000)

/*
 * A registry's credentials, by the files that hold them: the files'
 * contents stay in the parent (registry.c), this struct goes to every
 * child.
 */
struct conf_registry {
	char		 host[CONF_HOST_MAX];	/* "host[:port]", docker.io */
	char		 username[CONF_HOST_MAX];	/* "": a token */
	char		 password_file[CONF_PATH_MAX];
	char		 token_file[CONF_PATH_MAX];
};

struct riklet_conf {
	char		 scheduler[CONF_HOST_MAX];	/* "host:port" */
	uint32_t	 tls;
	char		 tls_ca[CONF_PATH_MAX];
	char		 tls_cert[CONF_PATH_MAX];
	char		 tls_key[CONF_PATH_MAX];
	char		 hostname[CONF_HOST_MAX];
	uint64_t	 metric_resolution_ms;
	char		 docker_socket[CONF_PATH_MAX];
	char		 user[CONF_USER_MAX];
	char		 chroot[CONF_PATH_MAX];
	char		 control_socket[CONF_PATH_MAX];
	char		 metrics_listen[CONF_HOST_MAX];	/* "": none */
	uint64_t	 stop_after_disconnect_ms;	/* 0: never */
	uint64_t	 stop_grace_ms;
	uint32_t	 create_parallel;
	char		 infra_image[CONF_IMAGE_MAX];	/* "": riklet's own */
	uint64_t	 log_max_size;	/* bytes per container log file */
	uint32_t	 log_max_files;
	uint32_t	 nvolume_allow;
	char		 volume_allow[CONF_VOLUME_ALLOW_MAX][CONF_PATH_MAX];
	char		 host_address[CONF_ADDR_MAX];	/* "": learned */
	uint32_t	 nregistries;
	struct conf_registry registries[CONF_REGISTRY_MAX];
	uint32_t	 pull_fallback;	/* Always may start a local image */
	uint32_t	 gc_high;	/* percent of the image filesystem */
	uint32_t	 gc_low;
	uint64_t	 gc_min_age_ms;
};

void	conf_defaults(struct riklet_conf *);
int	conf_check_strings(const struct riklet_conf *);

#endif
