/*
 * Every message riklet's processes exchange.  The parent is the hub: each
 * child talks only to it.  Fixed-size structs carry fixed, NUL-terminated
 * strings; variable parts follow a struct and are checked by the receiver
 * (exact sizes, terminating NULs, enum ranges, known instances).
 */
#ifndef RIKLET_MSG_H
#define RIKLET_MSG_H

#include <stdint.h>

#define RIK_ID_MAX		128	/* instance id, NUL included */
#define RIK_NAME_MAX		64	/* pod and container names */
#define RIK_IMAGE_MAX		256
#define RIK_CONTAINER_ID_MAX	72	/* 64 hex digits and a NUL */
#define RIK_REASON_MAX		64
#define RIK_MESSAGE_MAX		1024
#define RIK_CGROUP_MAX		512
#define RIK_VERSION_MAX		32
#define RIK_CONTAINERS_MAX	16	/* per pod */
#define RIK_DEFINITION_MAX	(32 * 1024)
#define RIK_METRICS_MAX		(16 * 1024)	/* one metrics JSON document */
#define RIK_SAMPLES_MAX		(60 * 1024)	/* pod samples in one message */
#define RIK_AGENT_QUEUE_MAX	16384	/* agent.h's AGENT_QUEUE_MAX */

/* The processes, in the order the parent starts them. */
enum riklet_proc {
	PROC_PARENT,
	PROC_AGENT,
	PROC_METRICS,
	PROC_RUNTIME,
	PROC_CONTROL,
	PROC_MAX
};

/* common.ResourceStatus, with RIK's numbers. */
enum rik_status {
	RIK_UNKNOWN = 0,
	RIK_PENDING = 1,
	RIK_RUNNING = 2,
	RIK_FAILED = 3,
	RIK_TERMINATED = 4,
	RIK_CREATING = 5,
	RIK_DESTROYING = 6,
	RIK_STATUS_MAX
};

enum restart_policy {
	RESTART_NEVER,
	RESTART_ON_FAILURE,
	RESTART_ALWAYS,
	RESTART_MAX
};

enum imsg_type {
	IMSG_NONE,

	/* parent -> every child */
	IMSG_CONF,		/* struct riklet_conf */
	IMSG_VERBOSE,		/* int: new log verbosity */

	/* every child -> parent */
	IMSG_CHILD_READY,	/* empty: privilege dropped, configured */

	/* parent -> agent */
	IMSG_TLS_CA,		/* file contents (PEM), NUL-terminated */
	IMSG_TLS_CERT,
	IMSG_TLS_KEY,
	IMSG_SCHED_TARGET,	/* resolved gRPC target, NUL-terminated */
	IMSG_POD_STATUS,	/* struct pod_status + metrics JSON */
	IMSG_NODE_METRICS,	/* node metrics JSON, NUL-terminated */
	IMSG_POD_SAMPLES,	/* pod samples, samples.h: struct pod_status */
	IMSG_SCHED_HOSTADDR,	/* the node's address towards the scheduler */

	/* agent -> parent */
	IMSG_SCHED_RESOLVE,	/* empty: resolve the scheduler again */
	IMSG_AGENT_STATE,	/* struct agent_state */
	IMSG_AGENT_COUNTERS,	/* struct agent_counters */
	IMSG_POD_CREATE,	/* podspec encoding (podspec.h); also -> runtime */
	IMSG_POD_DESTROY,	/* instance id, NUL-terminated; also -> runtime */

	/* parent -> runtime */
	IMSG_CONTAINER_RESTART,	/* struct container_ref */
	IMSG_POD_RESTART,	/* instance id, NUL-terminated: the whole pod */
	IMSG_RT_PAUSE,		/* riklet-pause (fd), or none and why (string) */
	IMSG_RT_REGISTRY,	/* struct rt_registry + X-Registry-Auth value */
	IMSG_RT_GC,		/* struct rt_gc: free so many bytes of images */

	/* runtime -> parent */
	IMSG_RT_ENGINE,		/* struct rt_engine */
	IMSG_RT_CONTAINER,	/* struct rt_container: event or listing */
	IMSG_RT_POD_RESULT,	/* struct rt_pod_result */
	IMSG_RT_LIST_BEGIN,	/* empty: a full listing follows */
	IMSG_RT_LIST_END,	/* empty: the listing is complete */
	IMSG_RT_PULL,		/* struct rt_pull: image pull progress */
	IMSG_RT_GC_RESULT,	/* struct rt_gc_result: an image gc run ended */
	IMSG_RT_PROBE,		/* struct rt_probe: a probe's state changed */

	/* parent -> metrics */
	IMSG_MET_POD,		/* struct met_pod: add or replace */
	IMSG_MET_POD_DEL,	/* instance id, NUL-terminated */

	/* metrics -> parent */
	IMSG_MET_NODE,		/* node metrics JSON, NUL-terminated */
	IMSG_MET_POD_SAMPLES,	/* samples.h: struct met_pod_sample records */

	/*
	 * The control socket (rikletctl).  peerid is the control process's
	 * connection number; the parent's answers carry it back.
	 */
	IMSG_CTL_LISTEN,	/* parent -> control: the listening socket (fd) */
	IMSG_CTL_SHOW_STATUS,	/* control -> parent: empty */
	IMSG_CTL_SHOW_PODS,	/* control -> parent: empty */
	IMSG_CTL_SHOW_POD,	/* control -> parent: instance id, NUL-terminated */
	IMSG_CTL_SHOW_METRICS,	/* control -> parent: empty */
	IMSG_CTL_LOG_VERBOSE,	/* control -> parent: int32_t verbosity */
	IMSG_CTL_RELOAD,	/* control -> parent: empty */
	IMSG_CTL_STATUS,	/* parent -> control: struct ctl_status */
	IMSG_CTL_CHILD,		/* parent -> control: struct ctl_child */
	IMSG_CTL_POD,		/* parent -> control: struct ctl_pod */
	IMSG_CTL_CONTAINER,	/* parent -> control: struct ctl_container */
	IMSG_CTL_METRICS,	/* parent -> control: struct ctl_metrics + JSON */
	IMSG_CTL_ERROR,		/* parent -> control: message, NUL-terminated */
	IMSG_CTL_END,		/* parent -> control: empty, the answer is whole */

	/*
	 * The Prometheus endpoint, served by the control process.  One scrape
	 * at a time is asked of the parent, with a peerid of CTL_PEER_PROM
	 * and a generation; the answer is a CTL_STATUS with its CTL_CHILDs,
	 * a CTL_PROM, a CTL_PROM_POD per pod, the CTL_METRICS, a CTL_END.
	 */
	IMSG_PROM_LISTEN,	/* parent -> control: the TCP listener (fd) */
	IMSG_CTL_SHOW_PROM,	/* control -> parent: empty */
	IMSG_CTL_PROM,		/* parent -> control: struct ctl_prom */
	IMSG_CTL_PROM_POD,	/* parent -> control: struct ctl_prom_pod */

	/*
	 * rikletctl logs: control -> parent -> runtime and back.  On the
	 * control side reqid is the connection (and equals peerid); on the
	 * runtime side it is the parent's request number.
	 */
	IMSG_CTL_LOGS,		/* control -> parent: struct ctl_logs */
	IMSG_CTL_LOGS_ACK,	/* control -> parent: struct logs_ack */
	IMSG_CTL_LOGS_CANCEL,	/* control -> parent: uint32_t reqid */
	IMSG_CTL_LOGS_DATA,	/* parent -> control: struct logs_data + bytes */
	IMSG_CTL_LOGS_END,	/* parent -> control: struct logs_end */
	IMSG_RT_LOGS,		/* parent -> runtime: struct rt_logs */
	IMSG_RT_LOGS_ACK,	/* parent -> runtime: struct logs_ack */
	IMSG_RT_LOGS_CANCEL,	/* parent -> runtime: uint32_t reqid */
	IMSG_RT_LOGS_DATA,	/* runtime -> parent: struct logs_data + bytes */
	IMSG_RT_LOGS_END,	/* runtime -> parent: struct logs_end */

	IMSG_MAX
};

/* IMSG_POD_STATUS: one status of one pod, for the scheduler. */
struct pod_status {
	char		 instance[RIK_ID_MAX];
	uint32_t	 status;	/* enum rik_status */
	uint32_t	 transition;	/* 1: a state change, never dropped */
	/* followed by the metrics string, NUL-terminated (may be "") */
};

enum agent_conn {
	AGENT_DISCONNECTED,
	AGENT_CONNECTING,
	AGENT_REGISTERED,
	AGENT_CONN_MAX
};

/* IMSG_AGENT_STATE: the agent's view of the scheduler connection. */
struct agent_state {
	uint32_t	 state;		/* enum agent_conn */
	uint32_t	 backoff_ms;	/* current retry delay */
	char		 reason[RIK_MESSAGE_MAX];
};

/*
 * IMSG_AGENT_COUNTERS: what the agent has done since it started, sent
 * when it changes (at most every second).  Counters never go back while
 * the agent lives; the parent adds up the agents it has had.
 */
struct agent_counters {
	uint64_t	 registrations;	/* sessions the scheduler took */
	uint64_t	 reconnects;	/* connection attempts after a failure */
	uint64_t	 statuses_sent;	/* WorkerStatus messages gRPC took */
	uint64_t	 statuses_queued;	/* waiting now, RIK_AGENT_QUEUE_MAX */
};

/* IMSG_CONTAINER_RESTART */
struct container_ref {
	char		 instance[RIK_ID_MAX];
	char		 id[RIK_CONTAINER_ID_MAX];
};

/* IMSG_RT_ENGINE */
#define RIK_PATH_MAX		1024	/* CONF_PATH_MAX */
#define RIK_ENGINE_NAME_MAX	16
struct rt_engine {
	uint32_t	 up;
	char		 name[RIK_ENGINE_NAME_MAX];	/* Docker, Podman */
	char		 version[RIK_VERSION_MAX];
	char		 api_version[RIK_VERSION_MAX];
	char		 message[RIK_MESSAGE_MAX];
	char		 root_dir[RIK_PATH_MAX];	/* DockerRootDir, "" */
};

/*
 * IMSG_RT_GC: the parent measured the engine's filesystem above
 * image-gc high; the runtime removes unused images, least recently used
 * first, until their sizes add up to bytes (to bring it to low).
 */
struct rt_gc {
	int64_t		 bytes;		/* to free, > 0 */
	uint64_t	 min_age_ms;	/* image-gc min-age */
	uint32_t	 used_pct;	/* what the parent measured, for the log */
};

/* IMSG_RT_GC_RESULT */
struct rt_gc_result {
	uint32_t	 removed;	/* images */
	uint32_t	 failed;	/* the engine refused to remove */
	int64_t		 bytes;		/* the removed images' sizes */
	uint64_t	 elapsed_ms;
	char		 message[RIK_MESSAGE_MAX];	/* "": ran whole */
};

enum container_state {
	CONTAINER_CREATED,
	CONTAINER_RUNNING,
	CONTAINER_EXITED,
	CONTAINER_REMOVED,
	CONTAINER_STATE_MAX
};

/* A container's part in its pod (the label riklet.role). */
enum container_role {
	ROLE_ALONE,		/* no label: a pod made without infra */
	ROLE_MEMBER,		/* joins the pod's infra container */
	ROLE_INFRA,		/* holds the pod's namespaces and ports */
	ROLE_MAX
};

/* IMSG_RT_CONTAINER: what the engine says about one riklet container. */
struct rt_container {
	char		 instance[RIK_ID_MAX];
	char		 pod_name[RIK_NAME_MAX];
	char		 name[RIK_NAME_MAX];
	char		 id[RIK_CONTAINER_ID_MAX];
	char		 image[RIK_IMAGE_MAX];
	char		 cgroup[RIK_CGROUP_MAX];	/* "" if unknown */
	uint32_t	 state;		/* enum container_state */
	int32_t		 exit_code;
	uint32_t	 oom_killed;
	int32_t		 pid;		/* 0 unless running */
	uint32_t	 restart_policy;	/* from the labels */
	uint32_t	 index;		/* the container's place in the pod */
	uint32_t	 ncontainers;	/* how many the pod has */
	int64_t		 memory_limit;	/* bytes, 0: none */
	int64_t		 nano_cpus;	/* 0: none */
	uint32_t	 role;		/* enum container_role */
};

/* IMSG_RT_POD_RESULT: the end of a create, a destroy or a restart. */
enum pod_op {
	POD_OP_CREATE,
	POD_OP_DESTROY,
	POD_OP_RESTART,		/* the whole pod, its infra container first */
	POD_OP_MAX
};

struct rt_pod_result {
	char		 instance[RIK_ID_MAX];
	uint32_t	 op;		/* enum pod_op */
	uint32_t	 ok;
	char		 reason[RIK_REASON_MAX];
	char		 message[RIK_MESSAGE_MAX];
};

/*
 * IMSG_RT_REGISTRY: one registry's credentials, as the Engine API's
 * X-Registry-Auth header value (base64url JSON, NUL-terminated) after
 * the struct.  The parent sends them all, index 0 to count - 1, after
 * each configuration; index 0 replaces what the runtime had, and a
 * count of 0 (one message, no host, an empty value) says there are none.
 */
#define RT_REGISTRY_AUTH_MAX	16384

struct rt_registry {
	uint32_t	 index;
	uint32_t	 count;
	char		 host[256];	/* CONF_HOST_MAX, imageref_registry() */
};

/* IMSG_RT_PULL */
struct rt_pull {
	char		 instance[RIK_ID_MAX];
	char		 image[RIK_IMAGE_MAX];
	int64_t		 done;		/* bytes */
	int64_t		 total;		/* bytes, 0 if not known yet */
	uint64_t	 elapsed_ms;	/* since the pull began */
	uint32_t	 finished;
};

/*
 * IMSG_RT_PROBE: a container's health, sent when it changes (a failure,
 * a success after one, the startup probe passing), not on every success.
 * unhealthy: the container fails its liveness (or startup) probe or its
 * image's HEALTHCHECK, and the runtime is stopping it; its exit is the
 * restart policy's, with the reason Unhealthy.
 */
#define RT_PROBE_LIVENESS	0	/* enum probe_role (podspec.h) */
#define RT_PROBE_STARTUP	1
#define RT_PROBE_HEALTHCHECK	2	/* the image's, through the engine */
#define RT_PROBE_ROLES		3

struct rt_probe {
	char		 instance[RIK_ID_MAX];
	char		 name[RIK_NAME_MAX];	/* the container's */
	char		 id[RIK_CONTAINER_ID_MAX];
	uint32_t	 role;		/* RT_PROBE_* */
	uint32_t	 ok;		/* the last result */
	uint32_t	 failures;	/* in a row */
	uint32_t	 unhealthy;	/* being stopped for it */
	char		 message[RIK_MESSAGE_MAX];	/* the last failure */
};

/*
 * IMSG_MET_POD: the containers of one pod and where their cgroups are.
 * cgroup, when known, is the path inside each hierarchy as
 * /proc/<pid>/cgroup shows it ("/docker/<id>"); otherwise the metrics
 * process finds it from pid (0: not running), and then only a path that
 * names the container id is taken, so a reused pid is never measured.
 */
struct met_container {
	char		 id[RIK_CONTAINER_ID_MAX];
	int32_t		 pid;
	char		 cgroup[RIK_CGROUP_MAX];
};

struct met_pod {
	char			 instance[RIK_ID_MAX];
	uint32_t		 ncontainers;
	double			 cpu_limit;	/* cores, 0: none */
	int64_t			 memory_limit;	/* bytes, 0: none */
	struct met_container	 containers[RIK_CONTAINERS_MAX];
};

/* A record of IMSG_MET_POD_SAMPLES (samples.h) */
struct met_pod_sample {
	char		 instance[RIK_ID_MAX];
	/* followed by the pod metrics JSON, NUL-terminated */
};

/*
 * IMSG_CTL_*: what rikletctl shows.  Durations are milliseconds before
 * the answer was made, so neither side needs the other's clock.
 */
#define CTL_HOST_MAX		256	/* CONF_HOST_MAX */

struct ctl_status {
	char		 scheduler[CTL_HOST_MAX];
	char		 hostname[CTL_HOST_MAX];
	uint32_t	 agent_state;	/* enum agent_conn */
	uint32_t	 agent_backoff_ms;
	uint64_t	 agent_since_ms;	/* in that state for so long */
	char		 agent_reason[RIK_MESSAGE_MAX];
	uint64_t	 uptime_ms;
	uint32_t	 engine_known;	/* the runtime has said something */
	uint32_t	 engine_up;
	char		 engine_name[RIK_ENGINE_NAME_MAX];
	char		 engine_version[RIK_VERSION_MAX];
	char		 engine_api_version[RIK_VERSION_MAX];
	char		 engine_message[RIK_MESSAGE_MAX];
	uint32_t	 npods;
	int32_t		 verbose;
	uint32_t	 nchildren;	/* IMSG_CTL_CHILD messages that follow */
	uint32_t	 gc_runs;	/* image gc runs ended; 0: none yet */
	uint64_t	 gc_age_ms;	/* the last one ended so long ago */
	uint32_t	 gc_removed;	/* ... removed so many images */
	uint32_t	 gc_failed;
	int64_t		 gc_bytes;	/* ... of these sizes */
	uint32_t	 gc_used_pct;	/* ... with the filesystem so full */
	char		 gc_message[RIK_MESSAGE_MAX];
};

struct ctl_child {
	uint32_t	 proc;		/* enum riklet_proc */
	int32_t		 pid;		/* 0: not running */
	uint32_t	 ready;
	uint32_t	 restarts;
	uint64_t	 uptime_ms;
};

struct ctl_pod {
	char		 instance[RIK_ID_MAX];
	char		 name[RIK_NAME_MAX];
	uint32_t	 status;	/* enum rik_status */
	uint32_t	 restart_policy;
	uint32_t	 ncontainers;
	uint32_t	 nrunning;
	uint32_t	 restarts;
	int32_t		 exit_code;
	uint64_t	 age_ms;
	char		 reason[RIK_REASON_MAX];
	char		 message[RIK_MESSAGE_MAX];
	char		 pull_image[RIK_IMAGE_MAX];	/* "": not pulling */
	int64_t		 pull_done;	/* bytes */
	int64_t		 pull_total;	/* bytes, 0: not known yet */
};

/* Only for "show pod ID": one per container, after its ctl_pod. */
struct ctl_container {
	char		 instance[RIK_ID_MAX];
	char		 name[RIK_NAME_MAX];
	char		 id[RIK_CONTAINER_ID_MAX];
	char		 image[RIK_IMAGE_MAX];
	uint32_t	 state;		/* enum container_state, or _MAX: none */
	int32_t		 exit_code;
	uint32_t	 oom_killed;
	int32_t		 pid;
	int64_t		 memory_limit;
	int64_t		 nano_cpus;
	uint32_t	 probe_known;	/* a probe has said something */
	uint32_t	 probe_role;	/* RT_PROBE_*: the one that spoke */
	uint32_t	 probe_ok;
	uint32_t	 probe_failures;
	uint32_t	 unhealthy;	/* stopped for a failed probe */
	char		 probe_message[RIK_MESSAGE_MAX];
};

struct ctl_metrics {
	char		 instance[RIK_ID_MAX];	/* "": the node */
	uint64_t	 age_ms;
	/* followed by the metrics JSON, NUL-terminated */
};

/*
 * A scrape of the Prometheus endpoint.  The high bit of the peerid tells
 * a scrape from a rikletctl connection; the rest is its generation.
 */
#define CTL_PEER_PROM		UINT32_C(0x80000000)

/* IMSG_CTL_PROM: the parent's own figures. */
struct ctl_prom {
	uint64_t	 registrations;		/* every agent's, added up */
	uint64_t	 reconnects;
	uint64_t	 statuses_sent;
	uint64_t	 queued_agent;		/* statuses waiting in the agent */
	uint64_t	 queued_parent;		/* ... and in the parent */
	uint64_t	 pulls;			/* image pulls ended */
	uint64_t	 pull_bytes;
	uint64_t	 pull_ms;
	/* Per process, PROC_PARENT included; 0 pid: not running. */
	int32_t		 pid[PROC_MAX];
	uint32_t	 violations[PROC_MAX];
	uint64_t	 rss_bytes[PROC_MAX];
	uint64_t	 cpu_ms[PROC_MAX];
};

/* IMSG_CTL_PROM_POD: one pod, its state and its containers' restarts. */
struct ctl_prom_ctr {
	char		 name[RIK_NAME_MAX];
	uint64_t	 restarts;
};

struct ctl_prom_pod {
	char			 instance[RIK_ID_MAX];
	uint32_t		 status;	/* enum rik_status */
	uint32_t		 ncontainers;
	struct ctl_prom_ctr	 containers[RIK_CONTAINERS_MAX];
};

/*
 * A container's output, as rikletctl logs asks for it.  The runtime has
 * at most LOGS_UNACKED_MAX bytes of a request on their way to the client
 * at once; the client's side acknowledges what it has written out.
 */
#define LOGS_CHUNK_MAX		(16 * 1024)	/* bytes in one LOGS_DATA */
#define LOGS_UNACKED_MAX	(256 * 1024)
#define LOGS_TAIL_MAX		10000	/* lines */
#define LOGS_TAIL_ALL		(-1)
#define LOGS_REQUESTS_MAX	8	/* at once, for the whole node */

enum logs_stream {
	LOGS_STDOUT = 1,
	LOGS_STDERR = 2
};

/* IMSG_CTL_LOGS */
struct ctl_logs {
	char		 instance[RIK_ID_MAX];
	char		 container[RIK_NAME_MAX];	/* "": the first */
	int32_t		 tail;		/* lines, or LOGS_TAIL_ALL */
	uint32_t	 follow;
};

/* IMSG_RT_LOGS */
struct rt_logs {
	uint32_t	 reqid;
	char		 id[RIK_CONTAINER_ID_MAX];
	int32_t		 tail;
	uint32_t	 follow;
};

/* IMSG_*_LOGS_DATA, followed by 1 to LOGS_CHUNK_MAX bytes of output */
struct logs_data {
	uint32_t	 reqid;
	uint32_t	 stream;	/* enum logs_stream */
};

/* IMSG_*_LOGS_END: the output is whole (ok) or broke off (message). */
struct logs_end {
	uint32_t	 reqid;
	uint32_t	 ok;
	char		 message[RIK_MESSAGE_MAX];
};

/* IMSG_*_LOGS_ACK: so many more bytes are out of the way. */
struct logs_ack {
	uint32_t	 reqid;
	uint32_t	 bytes;
};

const char	*imsg_type_name(uint32_t);
const char	*proc_name(enum riklet_proc);
const char	*rik_status_name(uint32_t);

#endif
