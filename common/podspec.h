/*
 * A validated, bounded pod description: what the agent makes of an
 * untrusted RIK definition, and what the parent and the runtime accept.
 * It travels as a flat, length-prefixed encoding (podspec_encode) that
 * every receiver decodes and checks again (podspec_decode).
 */
#ifndef RIKLET_PODSPEC_H
#define RIKLET_PODSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "riklet_msg.h"

#define POD_ENV_MAX		64	/* variables per container */
#define POD_ARGV_MAX		64	/* command or args words */
#define POD_PORTS_MAX		16
#define POD_STRING_MAX		4096	/* one env entry or argv word */
#define POD_VOLUMES_MAX		16
#define POD_MOUNTS_MAX		16	/* per container */
#define POD_PATH_MAX		1024	/* a mount or host path, NUL included */
#define POD_GRACE_MAX		3600	/* terminationGracePeriodSeconds */
#define POD_INFRA_NAME		"pod"	/* its container is rik-<instance>-pod */

enum port_proto {
	PORT_TCP,
	PORT_UDP,
	PORT_PROTO_MAX
};

/* imagePullPolicy */
enum pull_policy {
	PULL_IF_NOT_PRESENT,
	PULL_ALWAYS,
	PULL_NEVER,
	PULL_POLICY_MAX
};

struct pod_port {
	uint16_t	 port;		/* on the node */
	uint16_t	 target_port;	/* in the container */
	uint32_t	 proto;		/* enum port_proto */
};

enum volume_kind {
	VOLUME_EMPTYDIR,	/* an engine volume, rik-<instance>-<name> */
	VOLUME_HOSTPATH,	/* a directory of the node */
	VOLUME_KIND_MAX
};

struct pod_volume {
	char		 name[RIK_NAME_MAX];
	uint32_t	 kind;		/* enum volume_kind */
	char		*path;		/* hostPath; NULL for an emptyDir */
};

struct pod_mount {
	char		 volume[RIK_NAME_MAX];
	char		*path;		/* in the container, absolute, plain */
	uint32_t	 readonly;
};

/*
 * A liveness or startup probe (Kubernetes' words).  Every probe runs
 * through the engine: exec in the container, or riklet-pause's probe
 * subcommand in the pod's infra container for httpGet and tcpSocket.
 */
#define PROBE_ARGV_MAX		16	/* exec command words */
#define PROBE_PATH_MAX		256	/* httpGet path, NUL included */
#define PROBE_SECONDS_MAX	3600	/* delay, period, timeout */
#define PROBE_THRESHOLD_MAX	100	/* failureThreshold */
#define PROBE_PERIOD_DEFAULT	10
#define PROBE_TIMEOUT_DEFAULT	1
#define PROBE_FAILURES_DEFAULT	3

enum probe_kind {
	PROBE_NONE,
	PROBE_EXEC,
	PROBE_HTTP,
	PROBE_TCP,
	PROBE_KIND_MAX
};

enum probe_role {
	PROBE_LIVENESS,
	PROBE_STARTUP,
	PROBE_ROLE_MAX
};

struct pod_probe {
	uint32_t	 kind;		/* enum probe_kind */
	uint32_t	 port;		/* httpGet, tcpSocket: 1-65535 */
	char		 path[PROBE_PATH_MAX];	/* httpGet */
	size_t		 ncommand;	/* exec */
	char		*command[PROBE_ARGV_MAX];
	uint32_t	 initial_delay_s;
	uint32_t	 period_s;
	uint32_t	 timeout_s;
	uint32_t	 failure_threshold;
	uint32_t	 success_threshold;	/* 1 */
};

struct pod_container {
	char		 name[RIK_NAME_MAX];
	char		 image[RIK_IMAGE_MAX];
	uint32_t	 pull_policy;	/* enum pull_policy */
	int64_t		 memory_limit;	/* bytes, 0: none */
	int64_t		 nano_cpus;	/* 1e9 per core, 0: none */
	size_t		 nenv;
	char		*env[POD_ENV_MAX];	/* "NAME=value" */
	size_t		 ncommand;
	char		*command[POD_ARGV_MAX];
	size_t		 nargs;
	char		*args[POD_ARGV_MAX];
	size_t		 nports;
	struct pod_port	 ports[POD_PORTS_MAX];
	size_t		 nmounts;
	struct pod_mount mounts[POD_MOUNTS_MAX];
	struct pod_probe probes[PROBE_ROLE_MAX];	/* kind NONE: none */
};

struct pod_spec {
	char			 instance[RIK_ID_MAX];
	char			 name[RIK_NAME_MAX];
	uint32_t		 restart_policy;	/* enum restart_policy */
	char			*definition;		/* the original JSON */
	size_t			 ncontainers;
	struct pod_container	 containers[RIK_CONTAINERS_MAX];
	uint32_t		 has_grace;	/* 0: stop-grace applies */
	uint32_t		 grace_s;	/* 0 to POD_GRACE_MAX */
	size_t			 nvolumes;
	struct pod_volume	 volumes[POD_VOLUMES_MAX];
};

int	podspec_encode(const struct pod_spec *, unsigned char **, size_t *);
int	podspec_decode(const void *, size_t, struct pod_spec *, char *,
	    size_t);
int	podspec_validate(const struct pod_spec *, char *, size_t);
void	podspec_free(struct pod_spec *);
int	podspec_valid_id(const char *);
int	podspec_valid_name(const char *);
const struct pod_volume *podspec_volume(const struct pod_spec *,
	    const char *);
const char *restart_policy_name(uint32_t);
int	restart_policy_parse(const char *, uint32_t *);
const char *pull_policy_name(uint32_t);
uint32_t pull_policy_parse(const char *);
uint32_t pull_policy_default(const char *);
int	 probe_validate(const struct pod_probe *, char *, size_t);
void	 probe_defaults(struct pod_probe *);
const char *probe_role_name(uint32_t);
const char *probe_kind_name(uint32_t);

#endif
