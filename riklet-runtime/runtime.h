/*
 * What the runtime's files share: the HTTP client over the engine socket
 * (runtime_http.c), the Engine API's requests and responses
 * (runtime_docker.c), the streamed container listings (runtime_list.c),
 * the pod operations (runtime_pod.c) and the /events watcher with the
 * full listings the parent rebuilds its pod table from
 * (runtime_events.c).
 */
#ifndef RIKLET_RUNTIME_H
#define RIKLET_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include <sys/queue.h>

#include <event2/event.h>
#include <jansson.h>

#include "podspec.h"
#include "riklet_conf.h"
#include "riklet_msg.h"

#define DOCKER_API_MIN_MAJOR	1
#define DOCKER_API_MIN_MINOR	41
#define DOCKER_API_PREFIX	"/v1.41"

#define HTTP_MAX_ACTIVE		16	/* requests on the wire at once */
#define HTTP_MAX_PENDING	512	/* requests waiting for a slot */
#define HTTP_BODY_MAX		(1024 * 1024)	/* a usual response */
#define HTTP_LINE_MAX		(64 * 1024)	/* one line of a stream */
#define HTTP_TIMEOUT_MS		30000
#define HTTP_CONNECT_MS		2000
#define PULL_TIMEOUT_MS		(10 * 60 * 1000)
#define LIST_TIMEOUT_MS		(5 * 60 * 1000)	/* a listing, however long */
#define OPS_MAX			256	/* queued and running pod ops */

/* One HTTP exchange with the engine. */
struct http_req;

typedef void	(*http_done_cb)(struct http_req *, void *);
typedef void	(*http_line_cb)(struct http_req *, const char *, size_t,
		    void *);
typedef void	(*http_open_cb)(struct http_req *, long, void *);
typedef void	(*http_data_cb)(struct http_req *, const char *, size_t,
		    void *);

struct http_result {
	long		 status;	/* HTTP status, 0: no answer */
	const char	*body;		/* NUL-terminated, "" for streams */
	size_t		 len;
	const char	*error;		/* transport error, NULL if none */
};

void	 http_init(struct event_base *, const char *);
void	 http_shutdown(void);
struct http_req *http_request(const char *, const char *, const char *,
	    long, size_t, http_done_cb, void *);
struct http_req *http_stream(const char *, const char *, long,
	    http_open_cb, http_line_cb, http_done_cb, void *);
struct http_req *http_raw(const char *, long, http_open_cb, http_data_cb,
	    http_done_cb, void *);
struct http_req *http_upload(const char *, const char *, const void *,
	    size_t, const char *, long, size_t, http_done_cb, void *);
int	 http_header(struct http_req *, const char *);
struct http_req *http_raw_post(const char *, const char *, long,
	    http_data_cb, http_done_cb, void *);
void	 http_pause(struct http_req *, int);
const char *http_content_type(const struct http_req *);
void	 http_cancel(struct http_req *);
const struct http_result *http_result(const struct http_req *);

/* runtime_docker.c: Engine API requests and responses, no I/O. */
struct docker_event {
	char		 action[32];	/* "health_status: unhealthy" */
	char		 id[RIK_CONTAINER_ID_MAX];
	int		 has_exit_code;
	int32_t		 exit_code;
	struct rt_container c;		/* from the event's attributes */
	int		 labels_ok;
};

struct docker_pull {
	char		 layer[80];
	int64_t		 current;
	int64_t		 total;
	int		 done;		/* this layer is complete */
	char		 error[RIK_MESSAGE_MAX];
};

json_t	*docker_load(const char *, size_t);
int	 docker_uint_label(json_t *, const char *, uint32_t *, uint32_t);
int	 docker_parse_version(const char *, size_t, char *, size_t, char *,
	    size_t, char *, size_t);
int	 docker_parse_info(const char *, size_t, char *, size_t, char *,
	    size_t);
int	 docker_is_podman(const char *, size_t);
int	 docker_no_init(const char *);
int	 docker_body_labels(const char *, const char *,
	    struct rt_container *);
int	 docker_parse_message(const char *, size_t, char *, size_t);
int	 docker_parse_id(const char *, size_t, char *, size_t);
int	 docker_parse_inspect(const char *, size_t, const char *,
	    const char *, struct rt_container *);
int	 docker_parse_event(const char *, size_t, const char *,
	    struct docker_event *);
int	 docker_parse_pull(const char *, size_t, struct docker_pull *);
/* How a pod's container is made (docker_create_body). */
struct create_opts {
	const char	*node;
	const char	*infra_id;	/* the pod's infra container; NULL: none */
	uint64_t	 log_max_size;	/* bytes, 0: the engine's own setting */
	uint32_t	 log_max_files;
	int		 no_init;	/* the engine has no init: none */
};

char	*docker_create_body(const struct pod_spec *, size_t,
	    const struct create_opts *);
json_t	*docker_pod_labels(const struct pod_spec *, const char *, size_t,
	    const char *, const char *);
int	 docker_create_ports(json_t *, json_t *, const struct pod_container *);
int	 docker_filters_path(char *, size_t, const char *, const char *,
	    const char *);
int	 docker_volumes_path(char *, size_t, const char *, const char *);
int	 docker_events_path(char *, size_t);
int	 docker_image_path(char *, size_t, const char *, const char *);
int	 docker_pull_path(char *, size_t, const char *);
int	 docker_valid_id(const char *);
int	 docker_api_ok(const char *);
size_t	 docker_escape(char *, size_t, const char *);
void	 docker_error(const struct http_result *, char *, size_t);

/*
 * runtime_podapi.c: the Engine API's bodies and answers for what makes a
 * pod more than its containers: the infra container, how a container
 * joins it, the volumes, the listing of a pod's parts.
 */
#define VOLUME_NAME_MAX		(RIK_ID_MAX + RIK_NAME_MAX + 8)

struct pod_member {
	char		 id[RIK_CONTAINER_ID_MAX];
	uint32_t	 role;		/* enum container_role */
	uint32_t	 index;		/* its place in the pod */
	int		 running;
	int		 has_grace;	/* the pod's own, else stop-grace */
	uint32_t	 grace_s;
};

char	*docker_infra_body(const struct pod_spec *, const char *,
	    const struct create_opts *);
int	 docker_join_pod(json_t *, const struct pod_spec *,
	    const struct pod_container *, const struct create_opts *);
int	 docker_log_config(json_t *, const struct create_opts *);
int	 docker_volume_name(char *, size_t, const char *, const char *);
char	*docker_volume_body(const struct pod_spec *, const struct pod_volume *,
	    const char *);
int	 docker_parse_member(const char *, size_t, struct pod_member *);
int	 docker_parse_members(const char *, size_t, struct pod_member *,
	    size_t, size_t *);
int	 docker_parse_volumes(const char *, size_t, const char *, const char *,
	    char (*)[VOLUME_NAME_MAX], size_t, size_t *);
unsigned int docker_port_in_use(const char *, const struct pod_spec *);

/*
 * runtime_list.c: GET /containers/json of riklet's containers on this
 * node (or of one instance), parsed as it streams in.  Every container
 * carries its pod's definition as a label (up to RIK_DEFINITION_MAX), so
 * a listing of a full node is far larger than any response kept whole:
 * the body is cut into the array's elements, each parsed alone (at most
 * LIST_ELEMENT_MAX bytes), and only the ids are kept (and, for an
 * instance's operation, its members' labels).  Memory is one
 * element and the ids, whatever the node holds.  A listing is whole or
 * it fails: a malformed body, or more than its max containers, is an
 * error, never a listing cut short.
 *
 * Streamed rather than paged or slimmed: the Engine API cannot page a
 * listing (limit= gives the newest n with no offset, and before=/since=
 * move when a container goes mid-way), and keeping only a digest of the
 * definition in the label would put the definition in a file of the
 * parent's, a second record that can disagree with the engine after a
 * crash.  Streamed, the engine stays the one record and the cost is one
 * element in memory.
 *
 * LIST_CONTAINERS_MAX is the parent's pod table full (PODS_MAX in
 * riklet-parent/pods.h, test_list.c checks) of pods of RIK_CONTAINERS_MAX
 * containers.
 */
#define LIST_CONTAINERS_MAX	(4096 * RIK_CONTAINERS_MAX)
#define LIST_ELEMENT_MAX	HTTP_BODY_MAX	/* one container's summary */

struct docker_list {
	int		 state;
	size_t		 depth;		/* in the element being cut */
	int		 in_string;
	int		 escaped;
	char		*elem;		/* the element so far */
	size_t		 elen, ecap;
	char		(*ids)[RIK_CONTAINER_ID_MAX];
	int		 with_members;	/* keep each one's labels too */
	struct pod_member *members;	/* with_members: beside ids */
	size_t		 nids, idcap, max;
	char		 error[128];
};

void	 docker_list_init(struct docker_list *, size_t);
int	 docker_list_feed(struct docker_list *, const char *, size_t);
int	 docker_list_end(struct docker_list *);
void	 docker_list_free(struct docker_list *);

struct rt_list;
typedef void	(*list_done_cb)(struct rt_list *, const struct http_result *,
		    const char *, void *);

struct rt_list {
	struct docker_list	 dl;	/* the ids, once done says so */
	struct http_req		*req;
	list_done_cb		 done;
	void			*arg;
};

int	 list_start(struct rt_list *, const char *, size_t, list_done_cb,
	    void *);
int	 list_members_start(struct rt_list *, const char *, size_t,
	    list_done_cb, void *);
void	 list_free(struct rt_list *);

/* runtime_pull.c: an image pull's progress */
#define PULL_LAYERS_MAX		64
#define PULL_REPORT_MS		1000	/* to the parent */
#define PULL_LOG_MS		5000	/* to the log */
#define PULL_UNREACHABLE	"RegistryUnavailable"
#define PULL_NOT_FOUND		"ImageNotFound"
#define PULL_REPORT		0x1
#define PULL_LOG		0x2

struct pull_layer {
	char		 id[80];
	int64_t		 current;
	int64_t		 total;
};

struct pull_progress {
	struct pull_layer layers[PULL_LAYERS_MAX];
	size_t		 nlayers;
	int64_t		 done;		/* bytes, all layers */
	int64_t		 total;
	uint64_t	 start_ms;
	int		 reported;	/* the parent has had figures */
	uint64_t	 reported_ms;
	uint64_t	 logged_ms;
	char		 error[RIK_MESSAGE_MAX];
};

void	 pull_init(struct pull_progress *, uint64_t);
int	 pull_line(struct pull_progress *, const char *, size_t, uint64_t);
const char *pull_reason(long, const char *);
int	 pull_unreachable(const char *);

/* runtime_gc.c: image garbage collection */
#define GC_IMAGES_MAX		4096	/* of the engine's, looked at */

struct gc_image {
	char		 id[80];	/* "sha256:" and 64 hex digits */
	char		 name[RIK_IMAGE_MAX];	/* its first tag, for the log */
	int64_t		 created;	/* unix seconds */
	int64_t		 last_used;	/* by a pod here; 0: not known */
	int64_t		 size;		/* bytes */
	int		 keep;		/* the infra image */
};

void	 gc_image_used(const char *);
int	 gc_parse_images(const char *, size_t, const char *,
	    struct gc_image *, size_t, size_t *);
size_t	 gc_select(const struct gc_image *, size_t, int64_t, int64_t,
	    size_t *);
void	 gc_start(const struct rt_gc *);

/* runtime_registry.c: the credentials pulls send */
int	 registry_imsg(const void *, size_t);
const char *registry_auth_for(const char *);
void	 registry_of(const char *, char *, size_t);

/* runtime.c */
extern struct riklet_conf	 runtime_conf;
void	 runtime_send(uint32_t, const void *, size_t);
int	 runtime_engine_up(void);
void	 runtime_engine_lost(const char *);

/* runtime_pod.c */
void	 pod_create(const void *, size_t);
void	 pod_destroy(const char *);
void	 pod_restart(const struct container_ref *);
void	 pod_restart_whole(const char *);
void	 pod_engine_up(void);
void	 pod_schedule(void);

/* runtime_infra.c: the infra image */
#define INFRA_IMAGE_REPO	"riklet/pause"

const char *infra_image(void);
int	 infra_is_ours(void);
int	 infra_ready(void);
const char *infra_unavailable(void);
void	 infra_pause(int, const char *);
void	 infra_engine_up(void);
struct http_req *infra_import(http_done_cb, void *);
int	 infra_import_error(const struct http_result *, char *, size_t);
int	 infra_image_current(const char *, size_t, const char *);
int	 tar_one_file(const char *, unsigned int, const void *, size_t,
	    unsigned char **, size_t *);
void	 pod_listing_over(void);

/*
 * runtime_logs.c: a container's output.  Without a TTY the engine
 * multiplexes stdout and stderr in frames of an 8-byte header (the
 * stream, three zero bytes, a big-endian length) and the bytes; with a
 * TTY the output is raw.  The demultiplexer takes the body in chunks cut
 * anywhere and hands out the frames' bytes as they come.
 */
#define LOGS_FRAME_MAX		(1024 * 1024)	/* a sane frame length */

enum logs_mode {
	LOGS_MODE_DETECT,	/* decided by the first four bytes */
	LOGS_MODE_MUX,
	LOGS_MODE_RAW
};

typedef void	(*logs_out_cb)(uint32_t, const char *, size_t, void *);

struct logs_demux {
	enum logs_mode	 mode;
	unsigned char	 hdr[8];
	size_t		 hdrlen;
	uint32_t	 stream;	/* of the current frame */
	uint32_t	 left;		/* bytes of the current frame to come */
	char		 sys[256];	/* the engine's in-band error */
	size_t		 syslen;
	char		 error[sizeof("engine: ") + 256];
};

void	 logs_demux_init(struct logs_demux *, enum logs_mode);
int	 logs_demux_feed(struct logs_demux *, const char *, size_t,
	    logs_out_cb, void *);
int	 logs_demux_end(struct logs_demux *, logs_out_cb, void *);
void	 logs_start(const struct rt_logs *);
void	 logs_ack(const struct logs_ack *);
void	 logs_cancel(uint32_t);

/*
 * Probes (runtime_probe.c, with probe_sched.c and runtime_probeapi.c).
 * A container's probes travel with it as labels (riklet.probe.liveness,
 * riklet.probe.startup), so the engine stays the one record: a runtime
 * that starts again re-arms them from its listing.  Each probe is an
 * exec through the Engine API: in the container for exec, riklet-pause
 * in the pod's infra container for httpGet and tcpSocket.
 */
#define PROBES_INFLIGHT_MAX	8	/* execs under way, whole node */
#define PROBES_MAX		LIST_CONTAINERS_MAX	/* containers probed */
#define PROBE_OUTPUT_MAX	200	/* kept of an exec's output */
#define PROBE_EXTRA_MS		2000	/* beyond timeoutSeconds */
#define PROBE_LABEL_MAX		(16 * 1024)

/* The scheduling and the thresholds, without an engine. */
struct probe_job {
	TAILQ_ENTRY(probe_job)	 entry;
	int			 queued;	/* waits for a slot */
	int			 running;	/* holds a slot */
};

TAILQ_HEAD(probe_jobs, probe_job);

struct probe_gate {
	struct probe_jobs	 waiting;
	size_t			 nwaiting;
	size_t			 inflight;
	size_t			 max;
	void			(*start)(struct probe_job *);
};

enum probe_verdict {
	VERDICT_SAME,		/* nothing new to tell */
	VERDICT_CHANGED,	/* the parent hears of it */
	VERDICT_UNHEALTHY	/* kill the container */
};

struct probe_state {
	uint32_t	 role;		/* the probe that runs now */
	uint32_t	 started;	/* the startup probe has passed */
	uint32_t	 failures;	/* in a row */
	uint32_t	 known;		/* a result has come */
	uint32_t	 ok;		/* the last one */
	char		 message[RIK_MESSAGE_MAX];	/* the last failure */
};

void	 probe_gate_init(struct probe_gate *, size_t,
	    void (*)(struct probe_job *));
void	 probe_gate_due(struct probe_gate *, struct probe_job *);
void	 probe_gate_done(struct probe_gate *, struct probe_job *);
void	 probe_gate_cancel(struct probe_gate *, struct probe_job *);
uint64_t probe_first_ms(const struct pod_probe *, uint32_t);
uint64_t probe_period_ms(const struct pod_probe *);
void	 probe_state_init(struct probe_state *, const struct pod_probe *);
enum probe_verdict probe_state_result(struct probe_state *,
	    const struct pod_probe *, int, const char *);

/* runtime_probeapi.c: labels, exec bodies and answers, no I/O. */
int	 docker_probe_labels(json_t *, const struct pod_container *);
int	 docker_parse_probes(const char *, size_t, struct pod_probe *,
	    uint32_t *);
void	 docker_probes_free(struct pod_probe *);
char	*docker_probe_exec_body(const struct pod_probe *);
int	 docker_parse_exec(const char *, size_t, int *, int32_t *);
int	 docker_parse_health(const char *, size_t, char *, size_t, char *,
	    size_t);

/* runtime_probe.c */
void	 probe_init(struct event_base *);
void	 probe_container(const struct rt_container *, const char *, size_t,
	    int);
void	 probe_forget(const char *);
void	 probe_forget_instance(const char *);
void	 probe_health(const struct rt_container *, const char *, size_t);
void	 probe_list_begin(void);
void	 probe_list_end(void);

/* runtime_events.c */
void	 watch_init(struct event_base *);
void	 watch_start(const char *);
void	 watch_stop(void);
int	 watch_listing(void);

/* runtime_known.c: riklet's containers by id, what their labels say. */
void	 known_add(const struct rt_container *);
int	 known_find(const char *, struct rt_container *);
void	 known_forget(const char *);
void	 known_listing(void);
void	 known_sweep(void);

/* runtime.c: what differs between engines, found at engine up. */
int	 runtime_engine_podman(void);
int	 runtime_engine_init(void);
void	 runtime_engine_no_init(const char *);

#endif
