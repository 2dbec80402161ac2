/*
 * riklet-metrics: samples the node and the pods the parent names at the
 * metric resolution and sends the parent one JSON document each: the
 * node's alone, the pods' together in one message per tick (samples.h).
 *
 * The tick is a CLOCK_MONOTONIC timerfd with the resolution as its
 * interval, so the kernel keeps the period and the work of a sample
 * never delays the next one.
 */
#include <sys/timerfd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "metrics.h"
#include "privsep.h"
#include "samples.h"
#include "util.h"

#define MET_FRESH_POLL_MS	50
#define MET_QUEUE_MAX		(4 * 1024 * 1024)	/* unsent reports */

__dead void	metrics_main(int, char **);
static void	metrics_imsg(struct imsg *);
static void	metrics_tick(int, short, void *);
static void	metrics_fresh(int, short, void *);
static void	fresh_schedule(size_t);
static void	timer_arm(uint64_t, uint64_t);
static void	report_pod(const struct mpod *, const char *);
static void	reports_send(void);
static void	parent_flush(void);
static uint64_t	now_ns(void);

static struct riklet_conf	 conf;
static struct imsgev		 iev_parent;
static struct metrics		 met;
static struct event		*ev_tick, *ev_fresh;
static struct samples		 batch;	/* this tick's pod samples */
static int			 tick_fd = -1;
static uint64_t			 tick_ms;	/* what the timer runs at */

__dead void
metrics_main(int argc, char **argv)
{
	struct event_base	*base;
	char			 res[32];
	size_t			 kept;

	child_setup(PROC_METRICS, argc, argv);
	child_read_conf(&conf);
	/* No chroot: the process reads /proc and /sys. */
	priv_drop(&conf, PROC_METRICS, NULL, (gid_t)-1);
	kept = met_kept_limit(MET_KEPT_MAX);
	sandbox_child(PROC_METRICS);
	base = child_event_init(&iev_parent, metrics_imsg);

	metrics_init(&met, "");
	free(node_sample(&met));	/* the baseline */
	if ((tick_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	/* The first report comes after a short interval, not a full one. */
	timer_arm(conf.metric_resolution_ms < MET_INITIAL_MS ?
	    conf.metric_resolution_ms : MET_INITIAL_MS,
	    conf.metric_resolution_ms);
	if ((ev_tick = event_new(base, tick_fd, EV_READ | EV_PERSIST,
	    metrics_tick, NULL)) == NULL || event_add(ev_tick, NULL) == -1)
		fatalx("tick event");
	if ((ev_fresh = evtimer_new(base, metrics_fresh, NULL)) == NULL)
		fatalx("evtimer_new");
	fmt_duration(tick_ms, res, sizeof(res));
	log_info("sampling every %s", res);
	log_debug("at most %zu cgroup counter files kept open", kept);
	event_base_dispatch(base);
	exit(0);
}

/* One message from the parent. */
static void
metrics_imsg(struct imsg *imsg)
{
	struct met_pod	 mp;
	const char	*s;
	int		 known;

	switch (imsg->hdr.type) {
	case IMSG_CONF:
		if (conf_from_imsg(imsg->data, imsg->datalen, &conf) == -1)
			fatalx("%s: bad IMSG_CONF", __func__);
		if (conf.metric_resolution_ms != tick_ms)
			log_debug("resolution changes to %llums at "
			    "the next tick", (unsigned long long)
			    conf.metric_resolution_ms);
		break;
	case IMSG_VERBOSE:
		child_verbose_imsg(imsg);
		break;
	case IMSG_MET_POD:
		if (imsg->datalen != sizeof(mp))
			fatalx("%s: IMSG_MET_POD: bad size %zu",
			    __func__, imsg->datalen);
		memcpy(&mp, imsg->data, sizeof(mp));
		if (mpod_check(&mp) == -1)
			fatalx("%s: IMSG_MET_POD: bad pod", __func__);
		known = mpod_find(&met, mp.instance) != NULL;
		if (mpod_add(&met, &mp, now_ns()) != NULL && !known)
			log_info("pod %s: measuring %u containers",
			    mp.instance, mp.ncontainers);
		fresh_schedule(1);
		break;
	case IMSG_MET_POD_DEL:
		if (imsg->datalen > RIK_ID_MAX ||
		    (s = imsg_string(imsg, 0)) == NULL)
			fatalx("%s: IMSG_MET_POD_DEL: bad instance",
			    __func__);
		if (mpod_del(&met, s) == -1)
			log_debug("pod %s: not measured, nothing to "
			    "remove", s);
		else
			log_info("pod %s: no longer measured", s);
		break;
	default:
		log_debug("%s: unexpected %s", __func__,
		    imsg_type_name(imsg->hdr.type));
		break;
	}
}

static void
metrics_tick(int fd, short event, void *arg)
{
	uint64_t	 expirations;
	ssize_t		 n;
	char		*json;

	(void)event;
	(void)arg;
	if ((n = read(fd, &expirations, sizeof(expirations))) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		fatal("%s: read", __func__);
	}
	if (n != sizeof(expirations))
		fatalx("%s: short read", __func__);
	if (expirations > 1)
		log_debug("%llu ticks missed",
		    (unsigned long long)expirations - 1);
	if (conf.metric_resolution_ms != tick_ms) {
		timer_arm(conf.metric_resolution_ms, conf.metric_resolution_ms);
		log_info("resolution now %llums",
		    (unsigned long long)tick_ms);
	}
	if (imsgbuf_queued(&iev_parent.ibuf) > MET_QUEUE_MAX) {
		log_warnx("the parent does not read: this tick's reports "
		    "dropped");
		return;
	}
	if ((json = node_sample(&met)) != NULL) {
		if (imsg_compose(&iev_parent.ibuf, IMSG_MET_NODE, 0, 0, -1,
		    json, strlen(json) + 1) == -1)
			log_warn("node report");
		free(json);
	}
	fresh_schedule(mpods_sample(&met, now_ns(), 1, report_pod));
	reports_send();
	parent_flush();
}

/* Pods waiting for their initial sample, reported between ticks. */
static void
metrics_fresh(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	fresh_schedule(mpods_sample(&met, now_ns(), 0, report_pod));
	reports_send();
	parent_flush();
}

static void
fresh_schedule(size_t waiting)
{
	struct timeval	 tv = { 0, MET_FRESH_POLL_MS * 1000 };

	if (waiting > 0 && !evtimer_pending(ev_fresh, NULL))
		evtimer_add(ev_fresh, &tv);
}

/*
 * A pod's sample joins the batch the parent gets in one message
 * (reports_send); a full batch goes first.
 */
static void
report_pod(const struct mpod *pod, const char *json)
{
	struct met_pod_sample	 s;

	memset(&s, 0, sizeof(s));
	(void)strlcpy(s.instance, pod->instance, sizeof(s.instance));
	if (samples_add(&batch, &s, sizeof(s), json) == 0)
		return;
	if (errno == EMSGSIZE && batch.len > 0) {
		reports_send();
		if (samples_add(&batch, &s, sizeof(s), json) == 0)
			return;
	}
	log_warn("pod %s: report", pod->instance);
}

static void
reports_send(void)
{
	if (batch.len == 0)
		return;
	if (imsg_compose(&iev_parent.ibuf, IMSG_MET_POD_SAMPLES, 0, 0, -1,
	    batch.buf, batch.len) == -1)
		log_warn("pod reports");
	samples_reset(&batch);
}

/*
 * The reports queued by a tick go out at its end, in one write, rather
 * than at the next turn of the loop: no write event to add and take away
 * around every tick.  What the socket does not take, or an error, is
 * left to the write event as before (imsgev_update).
 */
static void
parent_flush(void)
{
	if (imsgbuf_queued(&iev_parent.ibuf) > 0)
		(void)imsgbuf_write(&iev_parent.ibuf);
	imsgev_update(&iev_parent);
}

static void
timer_arm(uint64_t first_ms, uint64_t interval_ms)
{
	struct itimerspec	 its;

	its.it_value.tv_sec = (time_t)(first_ms / 1000);
	its.it_value.tv_nsec = (long)(first_ms % 1000) * 1000000;
	its.it_interval.tv_sec = (time_t)(interval_ms / 1000);
	its.it_interval.tv_nsec = (long)(interval_ms % 1000) * 1000000;
	if (timerfd_settime(tick_fd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
	tick_ms = interval_ms;
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}
