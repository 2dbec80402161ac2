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
 *
 * Its sandbox lets it connect over TCP to the scheduler's port alone
 * (Landlock, where the kernel has network rules), and that cannot be
 * undone: when a reload names another scheduler, the parent restarts it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>


#include "agent.h"
#include "failure.h"
#include "hostport.h"
#include "imsgev.h"
#include "log.h"
#include "privsep.h"
#include "samples.h"

__dead void	agent_main(int, char **);
static void	agent_imsg(struct imsg *);
static void	pod_status(struct imsg *);
static void	pod_samples(struct imsg *);
static int	pod_sample_valid(const void *);
static void	node_metrics(struct imsg *);
static uint16_t	scheduler_port(const struct riklet_conf *);
static void	queue_status(uint32_t, const char *, uint32_t, uint32_t,
		    const char *);

static struct riklet_conf	 conf;
static struct imsgev		 iev_parent;
static char			*node_json;
static uint16_t			 sandbox_port;

__dead void
agent_main(int argc, char **argv)
{
	struct event_base	*base;

	child_setup(PROC_AGENT, argc, argv);
	child_read_conf(&conf);
	priv_drop(&conf, PROC_AGENT, conf.chroot, (gid_t)-1);
	sandbox_port = scheduler_port(&conf);
	sandbox_child_connect(PROC_AGENT, sandbox_port);
	base = child_event_init(&iev_parent, agent_imsg);
	counters_init(base);
	/* gRPC starts its threads here: after the drop, never before. */
	sched_init(base, &conf);
	event_base_dispatch(base);
	exit(0);
}

/* The port of conf->scheduler, "host:port" (parse.y checked it). */
static uint16_t
scheduler_port(const struct riklet_conf *c)
{
	char		 host[CONF_HOST_MAX];
	const char	*errstr;
	uint16_t	 port;

	if (hostport_parse(c->scheduler, host, sizeof(host), &port,
	    &errstr) != HOSTPORT_OK)
		fatalx("scheduler %s: %s", c->scheduler, errstr);
	return port;
}

/* One message from the parent. */
static void
agent_imsg(struct imsg *imsg)
{
	const char	*s;

	switch (imsg->hdr.type) {
	case IMSG_CONF:
		child_conf_imsg(imsg, &conf);
		if (scheduler_port(&conf) != sandbox_port)
			log_info("scheduler %s: this process may only connect "
			    "to port %u; the parent restarts it",
			    conf.scheduler, sandbox_port);
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
	case IMSG_SCHED_HOSTADDR:
		if ((s = imsg_string(imsg, 0)) == NULL ||
		    sched_set_host_address(s) == -1)
			fatalx("%s: bad IMSG_SCHED_HOSTADDR", __func__);
		break;
	case IMSG_POD_STATUS:
		pod_status(imsg);
		break;
	case IMSG_NODE_METRICS:
		node_metrics(imsg);
		break;
	case IMSG_POD_SAMPLES:
		pod_samples(imsg);
		break;
	default:
		fatalx("%s: unexpected %s from the parent", __func__,
		    imsg_type_name(imsg->hdr.type));
	}
}

/*
 * A state change that comes while we are not registered waits for the
 * connection (agent_queue.c keeps every pod's latest, however long the
 * scheduler is away); a sample does not, it would be stale.
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
	if (!sched_registered() && !ps.transition)
		return;
	queue_status(STATUS_INSTANCE, ps.instance, ps.status, ps.transition,
	    metrics);
}

/*
 * A tick's samples (samples.h), all checked before any is queued; like
 * a lone sample, dropped while we are not registered.
 */
static void
pod_samples(struct imsg *imsg)
{
	struct pod_status	 ps;
	const void		*hdr;
	const char		*metrics;
	size_t			 off = 0;

	if (!samples_valid(imsg->data, imsg->datalen, sizeof(ps),
	    pod_sample_valid))
		fatalx("%s: bad IMSG_POD_SAMPLES", __func__);
	if (!sched_registered())
		return;
	while (samples_next(imsg->data, imsg->datalen, sizeof(ps), &off,
	    &hdr, &metrics) == 1) {
		memcpy(&ps, hdr, sizeof(ps));
		if (queue_push(STATUS_INSTANCE, ps.instance, ps.status, 0,
		    metrics) == -1)
			log_debug("status %s of %s not queued",
			    rik_status_name(ps.status), ps.instance);
	}
	sched_kick();
}

static int
pod_sample_valid(const void *hdr)
{
	const struct pod_status	*ps = hdr;

	return memchr(ps->instance, '\0', sizeof(ps->instance)) != NULL &&
	    podspec_valid_id(ps->instance) && ps->status < RIK_STATUS_MAX &&
	    ps->transition == 0;
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
	sched_node_sample();
}

static void
queue_status(uint32_t kind, const char *instance, uint32_t status,
    uint32_t transition, const char *metrics)
{
	if (queue_push(kind, instance, status, transition, metrics) == -1)
		log_debug("status %s of %s not queued",
		    rik_status_name(status), instance);
	sched_kick();
}

/*
 * The latest node sample, for the next WorkerMetric RUNNING; NULL until
 * the parent has sent one (it sends the latest to every new agent).
 */
const char *
agent_node_metrics(void)
{
	return node_json;
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
	char	*js;

	log_warnx("instance %s: %s: %s", instance, reason, message);
	if ((js = failure_json(reason, message, FAILURE_NO_EXIT)) == NULL)
		fatalx("%s: json", __func__);
	queue_status(STATUS_INSTANCE, instance, RIK_FAILED, 1, js);
	free(js);
}

/* One instruction from the scheduler, checked by instruction_read(). */
void
agent_instruction(const struct instruction *in)
{
	switch (in->kind) {
	case INSTR_CREATE:
		log_info("instance %s: create", in->instance);
		agent_to_parent(IMSG_POD_CREATE, in->podspec, in->podspec_len);
		break;
	case INSTR_DESTROY:
		log_info("instance %s: destroy", in->instance);
		agent_to_parent(IMSG_POD_DESTROY, in->instance,
		    strlen(in->instance) + 1);
		break;
	default:
		agent_report_failed(in->instance, in->reason, in->message);
		break;
	}
}
