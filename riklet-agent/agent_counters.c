/*
 * What the agent has done since it started, for the Prometheus endpoint:
 * registrations, connection attempts after a failure, statuses sent and
 * the length of the queue.  The parent hears of a registration or a
 * reconnect at once, then at most every second, so a scrape never has to
 * ask the agent.  Statuses sent and queued change with every tick's
 * samples: those go at most every COUNTERS_LAZY_MS, when the main thread
 * is awake anyway (it sends a tick's samples), or by a timer a second
 * later; each message wakes the parent, which at a 1 s resolution would
 * be a wake-up a second of its own.
 */
#include <string.h>

#include <event2/event.h>

#include "agent.h"
#include "log.h"
#include "util.h"

#define COUNTERS_EVERY_MS	1000
#define COUNTERS_LAZY_MS	5000

_Static_assert(AGENT_QUEUE_MAX == RIK_AGENT_QUEUE_MAX, "queue bound");

static void	counters_fire(int, short, void *);
static void	counters_send(void);

static struct agent_counters	 counters, sent;
static struct event		*ev_counters;
static uint64_t			 sent_ms;

void
counters_init(struct event_base *base)
{
	if ((ev_counters = evtimer_new(base, counters_fire, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}

void
counters_add(enum agent_counter which, uint64_t n)
{
	switch (which) {
	case COUNTER_REGISTRATIONS:
		counters.registrations += n;
		break;
	case COUNTER_RECONNECTS:
		counters.reconnects += n;
		break;
	case COUNTER_SENT:
		counters.statuses_sent += n;
		break;
	}
	counters_touch();
}

/* Something may have changed, the queue's length for one. */
void
counters_touch(void)
{
	struct timeval	 tv;
	uint64_t	 now, due, ms;
	int		 lazy;

	if (ev_counters == NULL)
		return;
	counters.statuses_queued = queue_length();
	if (memcmp(&counters, &sent, sizeof(counters)) == 0)
		return;
	lazy = counters.registrations == sent.registrations &&
	    counters.reconnects == sent.reconnects;
	now = monotime_ms();
	due = sent_ms + (lazy ? COUNTERS_LAZY_MS : COUNTERS_EVERY_MS);
	if (sent_ms == 0 || now >= due) {
		counters_send();
		return;
	}
	ms = due - now + (lazy ? COUNTERS_EVERY_MS : 0);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev_counters, &tv);
}

static void
counters_fire(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	counters.statuses_queued = queue_length();
	if (memcmp(&counters, &sent, sizeof(counters)) != 0)
		counters_send();
}

static void
counters_send(void)
{
	evtimer_del(ev_counters);
	sent = counters;
	sent_ms = monotime_ms();
	agent_to_parent(IMSG_AGENT_COUNTERS, &counters, sizeof(counters));
}
