/*
 * What the agent has done since it started, for the Prometheus endpoint:
 * registrations, connection attempts after a failure, statuses sent and
 * the length of the queue.  The parent hears of a change at once, then
 * at most every second, so a scrape never has to ask the agent.
 */
#include <string.h>

#include <event2/event.h>

#include "agent.h"
#include "log.h"
#include "util.h"

#define COUNTERS_EVERY_MS	1000

_Static_assert(AGENT_QUEUE_MAX == RIK_AGENT_QUEUE_MAX, "queue bound");

static void	counters_send(int, short, void *);

static struct agent_counters	 counters, sent;
static struct event		*ev_counters;
static uint64_t			 sent_ms;

void
counters_init(struct event_base *base)
{
	if ((ev_counters = evtimer_new(base, counters_send, NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
}

void
counters_add(enum agent_counter which)
{
	switch (which) {
	case COUNTER_REGISTRATIONS:
		counters.registrations++;
		break;
	case COUNTER_RECONNECTS:
		counters.reconnects++;
		break;
	case COUNTER_SENT:
		counters.statuses_sent++;
		break;
	}
	counters_touch();
}

/* Something may have changed, the queue's length for one. */
void
counters_touch(void)
{
	struct timeval	 tv = { 0, 0 };
	uint64_t	 now, due;

	if (ev_counters == NULL || evtimer_pending(ev_counters, NULL))
		return;
	now = monotime_ms();
	due = sent_ms + COUNTERS_EVERY_MS;
	if (sent_ms != 0 && due > now) {
		tv.tv_sec = (time_t)((due - now) / 1000);
		tv.tv_usec = (suseconds_t)((due - now) % 1000) * 1000;
	}
	evtimer_add(ev_counters, &tv);
}

static void
counters_send(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	counters.statuses_queued = queue_length();
	if (memcmp(&counters, &sent, sizeof(counters)) == 0)
		return;
	sent = counters;
	sent_ms = monotime_ms();
	agent_to_parent(IMSG_AGENT_COUNTERS, &counters, sizeof(counters));
}
