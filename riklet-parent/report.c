/*
 * Sends pod statuses to the agent, in order.  A state change is never
 * dropped: when the agent is not there it is queued (bounded) and sent,
 * still in order, once a new agent is ready.  Metrics are not queued: the
 * next sample replaces them anyway.  The latest node sample is kept for a
 * new agent, whose first WorkerMetric must carry one.
 */
#include <sys/queue.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "failure.h"
#include "log.h"
#include "report.h"
#include "riklet.h"
#include "samples.h"
#include "util.h"

struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint64_t		 seq;
	struct pod_status	 ps;
	char			*metrics;
};

/*
 * Statuses are numbered as they are queued and leave the queue only at
 * its head, sent or dropped: the queue holds the numbers from its head's
 * to seq_next, without a gap.
 */
static TAILQ_HEAD(, pending)	 pendq = TAILQ_HEAD_INITIALIZER(pendq);
static size_t			 npending;
static int			 overflow_logged;
static char			*node_json;
static uint64_t			 node_at_ms;
static uint64_t			 seq_next = 1;
static uint64_t			 seq_dropped;	/* the last one dropped */
static struct samples		 samples;	/* for report_metrics_flush */

static int	send_status(const struct pod_status *, const char *);

static int
send_status(const struct pod_status *ps, const char *metrics)
{
	struct iovec	 iov[2];

	iov[0].iov_base = (void *)(uintptr_t)ps;
	iov[0].iov_len = sizeof(*ps);
	iov[1].iov_base = (void *)(uintptr_t)metrics;
	iov[1].iov_len = strlen(metrics) + 1;
	return child_sendv(PROC_AGENT, IMSG_POD_STATUS, iov, 2);
}

/* Queues a state change for the agent; returns its number. */
uint64_t
report_status(const char *instance, uint32_t status, const char *reason,
    const char *message, int32_t exit_code)
{
	struct pending	*p;
	char		*json = NULL;
	uint64_t	 seq;

	if (reason != NULL &&
	    (json = failure_json(reason, message, exit_code)) == NULL)
		fatalx("%s: json", __func__);
	log_info("pod %s: %s%s%s%s%s", instance, rik_status_name(status),
	    reason ? " (" : "", reason ? reason : "",
	    message && *message ? ": " : "", message && *message ? message :
	    reason ? "" : "");
	if (reason != NULL)
		log_debug("pod %s: %s", instance, json);

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("%s", __func__);
	p->seq = seq = seq_next++;
	(void)strlcpy(p->ps.instance, instance, sizeof(p->ps.instance));
	p->ps.status = status;
	p->ps.transition = 1;
	p->metrics = json ? json : strdup("");
	if (p->metrics == NULL)
		fatal("%s", __func__);
	if (npending >= REPORT_QUEUE_MAX) {
		struct pending *old = TAILQ_FIRST(&pendq);

		if (!overflow_logged)
			log_warnx("agent away too long: dropping the oldest "
			    "queued statuses (their pods' current state is "
			    "re-sent on registration)");
		overflow_logged = 1;
		seq_dropped = old->seq;
		TAILQ_REMOVE(&pendq, old, entry);
		free(old->metrics);
		free(old);
		npending--;
	}
	TAILQ_INSERT_TAIL(&pendq, p, entry);
	npending++;
	report_flush();
	return seq;
}

/*
 * Where the status numbered seq is: REPORT_SENT once it is in the
 * agent's hands, REPORT_QUEUED while it waits here, REPORT_LOST when the
 * queue has overflowed since (it may have been dropped: say it again).
 */
int
report_state(uint64_t seq)
{
	struct pending	*p;

	if ((p = TAILQ_FIRST(&pendq)) != NULL && seq >= p->seq)
		return REPORT_QUEUED;
	return seq <= seq_dropped ? REPORT_LOST : REPORT_SENT;
}

/* Sends what waits, in order, as far as the agent takes it. */
void
report_flush(void)
{
	struct pending	*p;

	while (child_ready(PROC_AGENT) && (p = TAILQ_FIRST(&pendq)) != NULL) {
		if (send_status(&p->ps, p->metrics) == -1)
			return;
		TAILQ_REMOVE(&pendq, p, entry);
		free(p->metrics);
		free(p);
		npending--;
	}
	if (npending == 0)
		overflow_logged = 0;
}

/*
 * A pod's sample, for the agent's next IMSG_POD_SAMPLES: the caller sends
 * what it gathered with report_metrics_flush(), before any state change
 * can be queued after it.
 */
void
report_metrics(const char *instance, uint32_t status, const char *json)
{
	struct pod_status	 ps;

	if (!child_ready(PROC_AGENT))
		return;
	memset(&ps, 0, sizeof(ps));
	(void)strlcpy(ps.instance, instance, sizeof(ps.instance));
	ps.status = status;
	ps.transition = 0;
	if (samples_add(&samples, &ps, sizeof(ps), json) == 0)
		return;
	if (errno == EMSGSIZE && samples.len > 0) {
		report_metrics_flush();
		if (samples_add(&samples, &ps, sizeof(ps), json) == 0)
			return;
	}
	log_warn("pod %s: sample", instance);
}

/* The samples report_metrics() gathered, to the agent in one message. */
void
report_metrics_flush(void)
{
	if (samples.len > 0 && child_ready(PROC_AGENT))
		(void)child_send(PROC_AGENT, IMSG_POD_SAMPLES, samples.buf,
		    samples.len);
	samples_reset(&samples);
}

void
report_node_metrics(const char *json)
{
	char	*s;

	if ((s = strdup(json)) == NULL)
		fatal("%s", __func__);
	free(node_json);
	node_json = s;
	node_at_ms = monotime_ms();
	if (child_ready(PROC_AGENT))
		(void)child_send(PROC_AGENT, IMSG_NODE_METRICS, json,
		    strlen(json) + 1);
}

/* A new agent: the latest node sample, then the statuses that wait. */
void
report_agent_ready(void)
{
	if (node_json != NULL)
		(void)child_send(PROC_AGENT, IMSG_NODE_METRICS, node_json,
		    strlen(node_json) + 1);
	report_flush();
}

/* The latest node sample and when it came; NULL: none yet. */
const char *
report_node_json(uint64_t *at_ms)
{
	*at_ms = node_at_ms;
	return node_json;
}

/* State changes waiting for an agent. */
size_t
report_queued(void)
{
	return npending;
}

void
report_clear(void)
{
	struct pending	*p;

	while ((p = TAILQ_FIRST(&pendq)) != NULL) {
		TAILQ_REMOVE(&pendq, p, entry);
		free(p->metrics);
		free(p);
	}
	npending = 0;
	free(node_json);
	node_json = NULL;
	free(samples.buf);
	samples.buf = NULL;
	samples.len = 0;
	seq_dropped = seq_next - 1;
}
