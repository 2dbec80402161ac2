/*
 * What the metrics child (riklet-metrics/) may send the parent, and what
 * is done with it: the table msgtable.c walks.
 */
#include "log.h"
#include "msgtable.h"
#include "pods.h"
#include "report.h"
#include "riklet.h"
#include "util.h"

static int	pod_sample_valid(const void *, size_t);
static void	node_sample(struct child *, struct imsg *);
static void	pod_sample(struct child *, struct imsg *);
static void	metrics_ready(struct child *);

static const struct msg_rule rules[] = {
	MSG_READY,
	MSG_STRING(IMSG_MET_NODE, RIK_METRICS_MAX, NULL, node_sample),
	MSG_STRUCT_STRING(IMSG_MET_POD_SAMPLE, struct met_pod_sample,
	    RIK_METRICS_MAX, pod_sample_valid, pod_sample),
};

MSG_TABLE(from_metrics, PROC_METRICS, rules, metrics_ready, NULL);

static int
pod_sample_valid(const void *data, size_t len)
{
	const struct met_pod_sample	*ps = data;

	(void)len;
	return strarray_terminated(ps->instance, sizeof(ps->instance));
}

static void
node_sample(struct child *c, struct imsg *imsg)
{
	(void)c;
	log_debug("node metrics: %s", (const char *)imsg->data);
	report_node_metrics(imsg->data);
}

static void
pod_sample(struct child *c, struct imsg *imsg)
{
	const struct met_pod_sample	*ps = imsg->data;
	const char			*json;

	(void)c;
	json = (const char *)imsg->data + sizeof(*ps);
	log_debug("pod %s metrics: %s", ps->instance, json);
	pods_metrics_sample(ps->instance, json);
}

static void
metrics_ready(struct child *c)
{
	(void)c;
	pods_metrics_ready();
}
