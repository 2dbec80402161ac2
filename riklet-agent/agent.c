/*
 * riklet-agent: the only process that faces the network.  It talks to the
 * parent by imsg and to RIK's scheduler by gRPC (agent_grpc.c); every
 * instruction from the scheduler is parsed here (definition.c), so the
 * parent only ever sees a validated pod description.
 *
 * The agent runs chrooted in an empty directory, where no resolver works:
 * the parent resolves the scheduler's name and sends the addresses as a
 * gRPC target (IMSG_SCHED_TARGET, "ipv4:a:p,b:p" or "ipv6:[a]:p"); after
 * every failed attempt the agent asks it to resolve again
 * (IMSG_SCHED_RESOLVE).  TLS material comes from the parent the same way,
 * and the host part of conf.scheduler is the name the certificate must
 * carry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent.h"
#include "imsgev.h"
#include "log.h"
#include "privsep.h"

__dead void	agent_main(int, char **);
static void	agent_imsg(struct imsg *);
static void	pod_status(struct imsg *);
static void	node_metrics(struct imsg *);
static void	pod_create(const char *, const char *, size_t);
static void	queue_or_overflow(uint32_t, const char *, uint32_t, uint32_t,
		    const char *);

static struct riklet_conf	 conf;
static struct imsgev		 iev_parent;
static char			*node_json;

__dead void
agent_main(int argc, char **argv)
{
	struct event_base	*base;

	child_setup(PROC_AGENT, argc, argv);
	child_read_conf(&conf);
	priv_drop(&conf, PROC_AGENT, conf.chroot, (gid_t)-1);
	sandbox_child(PROC_AGENT);
	base = child_event_init(&iev_parent, agent_imsg);
	/* gRPC starts its threads here: after the drop, never before. */
	sched_init(base, &conf);
	event_base_dispatch(base);
	exit(0);
}

/* One message from the parent. */
static void
agent_imsg(struct imsg *imsg)
{
	const char	*s;

	switch (imsg->hdr.type) {
	case IMSG_CONF:
		child_conf_imsg(imsg, &conf);
		break;
	case IMSG_VERBOSE:
		child_verbose_imsg(imsg);
		break;
	case IMSG_TLS_CA:
	case IMSG_TLS_CERT:
	case IMSG_TLS_KEY:
		if ((s = imsg_string(imsg, 0)) == NULL ||
		    strlen(s) > AGENT_PEM_MAX)
			fatalx("%s: bad %s", __func__,
			    imsg_type_name(imsg->hdr.type));
		sched_set_pem(imsg->hdr.type - IMSG_TLS_CA, s);
		break;
	case IMSG_SCHED_TARGET:
		if ((s = imsg_string(imsg, 0)) == NULL ||
		    *s == '\0' || strlen(s) >= AGENT_TARGET_MAX)
			fatalx("%s: bad IMSG_SCHED_TARGET", __func__);
		sched_set_target(s);
		break;
	case IMSG_POD_STATUS:
		pod_status(imsg);
		break;
	case IMSG_NODE_METRICS:
		node_metrics(imsg);
		break;
	default:
		fatalx("%s: unexpected %s from the parent", __func__,
		    imsg_type_name(imsg->hdr.type));
	}
}

/*
 * Statuses that arrive while we are not registered are dropped: on the
 * next registration the parent sends the state of every pod again.
 */
static void
pod_status(struct imsg *imsg)
{
	struct pod_status	 ps;
	const char		*metrics;

	if (imsg->datalen < sizeof(ps) ||
	    (metrics = imsg_string(imsg, sizeof(ps))) == NULL ||
	    strlen(metrics) >= RIK_METRICS_MAX)
		fatalx("%s: bad IMSG_POD_STATUS", __func__);
	memcpy(&ps, imsg->data, sizeof(ps));
	if (memchr(ps.instance, '\0', sizeof(ps.instance)) == NULL ||
	    !podspec_valid_id(ps.instance) || ps.status >= RIK_STATUS_MAX ||
	    ps.transition > 1)
		fatalx("%s: bad IMSG_POD_STATUS", __func__);
	if (!sched_registered()) {
		/* A state change waits for the connection; a sample not. */
		if (ps.transition && queue_push(STATUS_INSTANCE, ps.instance,
		    ps.status, 1, metrics) == 0)
			return;
		log_debug("not registered: status %s of %s not kept",
		    rik_status_name(ps.status), ps.instance);
		return;
	}
	queue_or_overflow(STATUS_INSTANCE, ps.instance, ps.status,
	    ps.transition, metrics);
}

static void
node_metrics(struct imsg *imsg)
{
	const char	*s;

	if ((s = imsg_string(imsg, 0)) == NULL ||
	    strlen(s) >= RIK_METRICS_MAX)
		fatalx("%s: bad IMSG_NODE_METRICS", __func__);
	free(node_json);
	if ((node_json = strdup(s)) == NULL)
		fatal("%s", __func__);
	if (sched_registered())
		queue_or_overflow(STATUS_WORKER, NULL, RIK_RUNNING, 0, s);
}

static void
queue_or_overflow(uint32_t kind, const char *instance, uint32_t status,
    uint32_t transition, const char *metrics)
{
	if (queue_push(kind, instance, status, transition, metrics) == -1) {
		sched_overflow();
		return;
	}
	sched_kick();
}

/* The node metrics for the next WorkerMetric RUNNING. */
const char *
agent_node_metrics(void)
{
	return node_json != NULL ? node_json : "{}";
}

void
agent_to_parent(uint32_t type, const void *data, size_t len)
{
	if (imsgev_compose(&iev_parent, type, 0, -1, data, len) == -1)
		fatal("%s: %s", __func__, imsg_type_name(type));
}

void
agent_conn_state(enum agent_conn st, uint32_t backoff_ms, const char *why)
{
	struct agent_state	 as;

	memset(&as, 0, sizeof(as));
	as.state = st;
	as.backoff_ms = backoff_ms;
	(void)strlcpy(as.reason, why, sizeof(as.reason));
	agent_to_parent(IMSG_AGENT_STATE, &as, sizeof(as));
}

/*
 * A FAILED status that the agent itself gives: the instruction never
 * reached the parent.  The metrics carry {"reason", "message"}.
 */
void
agent_report_failed(const char *instance, const char *reason,
    const char *message)
{
	json_t	*o;
	char	*js;

	log_warnx("instance %s: %s: %s", instance, reason, message);
	o = json_pack("{s:s, s:s}", "reason", reason, "message", message);
	if (o == NULL || (js = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("%s: json", __func__);
	json_decref(o);
	queue_or_overflow(STATUS_INSTANCE, instance, RIK_FAILED, 1, js);
	free(js);
}

static void
pod_create(const char *instance, const char *definition, size_t len)
{
	struct pod_spec	 ps;
	unsigned char	*buf;
	size_t		 buflen;
	const char	*reason;
	char		 err[RIK_MESSAGE_MAX];

	if (definition_parse_reason(instance, definition, len, &ps, &reason,
	    err, sizeof(err)) == -1) {
		podspec_free(&ps);
		agent_report_failed(instance, reason, err);
		return;
	}
	if (podspec_encode(&ps, &buf, &buflen) == -1)
		fatal("%s: podspec_encode", __func__);
	podspec_free(&ps);
	if (buflen > IMSG_MAX_SIZE - IMSG_HEADER_SIZE) {
		free(buf);
		agent_report_failed(instance, REASON_INVALID_DEFINITION,
		    "pod description too large");
		return;
	}
	log_info("instance %s: create", instance);
	agent_to_parent(IMSG_POD_CREATE, buf, buflen);
	free(buf);
}

/* One instruction from the scheduler, as received: nothing is trusted. */
void
agent_instruction(const char *instance, const char *definition, size_t len,
    int action)
{
	char	 shown[RIK_ID_MAX];
	size_t	 i;

	if (strlen(instance) >= RIK_ID_MAX || !podspec_valid_id(instance)) {
		/* Echo a printable, bounded form of what we were given. */
		for (i = 0; instance[i] != '\0' && i < sizeof(shown) - 1; i++)
			shown[i] = instance[i] > ' ' && instance[i] < 0x7f ?
			    instance[i] : '?';
		shown[i] = '\0';
		agent_report_failed(shown, REASON_INVALID_INSTANCE,
		    "instance id must be 1-95 of [A-Za-z0-9._-]");
		return;
	}
	switch (action) {
	case 0:		/* common.WorkloadRequestKind CREATE */
		pod_create(instance, definition, len);
		break;
	case 1:		/* DESTROY */
		log_info("instance %s: destroy", instance);
		agent_to_parent(IMSG_POD_DESTROY, instance,
		    strlen(instance) + 1);
		break;
	default:
		agent_report_failed(instance, REASON_UNKNOWN_ACTION,
		    "action is neither CREATE nor DESTROY");
		break;
	}
}
