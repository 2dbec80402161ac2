/*
 * What the metrics child (riklet-metrics/) may send the parent, and what
 * is done with it: the table msgtable.c walks.
 */
#include "log.h"
#include "msgtable.h"
#include "pods.h"
#include "report.h"
#include "riklet.h"
#include "samples.h"
#include "util.h"

static int	pod_samples_valid(const void *, size_t);
static int	pod_sample_valid(const void *);
static void	node_sample(struct child *, struct imsg *);
static void	pod_samples(struct child *, struct imsg *);
static void	metrics_ready(struct child *);

static const struct msg_rule rules[] = {
	MSG_READY,
	MSG_STRING(IMSG_MET_NODE, RIK_METRICS_MAX, NULL, node_sample),
	MSG_RANGE(IMSG_MET_POD_SAMPLES, sizeof(struct met_pod_sample) + 1,
	    RIK_SAMPLES_MAX, pod_samples_valid, pod_samples),
};

MSG_TABLE(from_metrics, PROC_METRICS, rules, metrics_ready, NULL);

/* Every record whole, every instance terminated (samples.h). */
static int
pod_samples_valid(const void *data, size_t len)
{
	return samples_valid(data, len, sizeof(struct met_pod_sample),
	    pod_sample_valid);
}

static int
pod_sample_valid(const void *hdr)
{
	const struct met_pod_sample	*ps = hdr;

	return strarray_terminated(ps->instance, sizeof(ps->instance));
}

static void
node_sample(struct child *c, struct imsg *imsg)
{
	(void)c;
	log_debug("node metrics: %s", (const char *)imsg->data);
	report_node_metrics(imsg->data);
}

/* A tick's samples, validated whole; the agent gets them in one message. */
static void
pod_samples(struct child *c, struct imsg *imsg)
{
	const struct met_pod_sample	*ps;
	const void			*hdr;
	const char			*json;
	size_t				 off = 0;

	(void)c;
	while (samples_next(imsg->data, imsg->datalen, sizeof(*ps), &off,
	    &hdr, &json) == 1) {
		ps = hdr;	/* only chars: any alignment will do */
		log_debug("pod %s metrics: %s", ps->instance, json);
		pods_metrics_sample(ps->instance, json);
	}
	report_metrics_flush();
}

static void
metrics_ready(struct child *c)
{
	(void)c;
	pods_metrics_ready();
}
