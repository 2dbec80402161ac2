/*
 * When probes run and what their results mean, apart from the engine so
 * that it can be tested alone.
 *
 * The gate bounds the execs under way for the whole node: a probe that
 * falls due while max are running waits, in order, for one to end.  A
 * probe is never twice in the gate: one still running or waiting when
 * its period comes round again is not started again (probe_gate_due).
 *
 * A probe first runs after its initialDelaySeconds and a jitter of up to
 * one period, so pods made together do not probe together; then once a
 * period after each start.  The startup probe, when there is one, runs
 * until it succeeds once, then the liveness probe takes over; failing
 * failureThreshold times in a row, either is a liveness failure.
 */
#include <string.h>

#include "runtime.h"

void
probe_gate_init(struct probe_gate *g, size_t max,
    void (*start)(struct probe_job *))
{
	TAILQ_INIT(&g->waiting);
	g->nwaiting = 0;
	g->inflight = 0;
	g->max = max;
	g->start = start;
}

void
probe_gate_due(struct probe_gate *g, struct probe_job *j)
{
	if (j->queued || j->running)
		return;
	if (g->inflight >= g->max) {
		TAILQ_INSERT_TAIL(&g->waiting, j, entry);
		g->nwaiting++;
		j->queued = 1;
		return;
	}
	g->inflight++;
	j->running = 1;
	g->start(j);
}

/* j's exec is over: its slot goes to the first that waits. */
void
probe_gate_done(struct probe_gate *g, struct probe_job *j)
{
	struct probe_job	*next;

	if (!j->running)
		return;
	j->running = 0;
	g->inflight--;
	while (g->inflight < g->max &&
	    (next = TAILQ_FIRST(&g->waiting)) != NULL) {
		TAILQ_REMOVE(&g->waiting, next, entry);
		g->nwaiting--;
		next->queued = 0;
		g->inflight++;
		next->running = 1;
		g->start(next);
	}
}

/* j goes away: out of the queue, or its slot freed. */
void
probe_gate_cancel(struct probe_gate *g, struct probe_job *j)
{
	if (j->queued) {
		TAILQ_REMOVE(&g->waiting, j, entry);
		g->nwaiting--;
		j->queued = 0;
	}
	probe_gate_done(g, j);
}

/* The first run: the delay and a jitter below one period (rnd's). */
uint64_t
probe_first_ms(const struct pod_probe *p, uint32_t rnd)
{
	uint64_t	 period = probe_period_ms(p);

	return (uint64_t)p->initial_delay_s * 1000 + rnd % period;
}

uint64_t
probe_period_ms(const struct pod_probe *p)
{
	return (uint64_t)(p->period_s > 0 ? p->period_s : 1) * 1000;
}

/* probes[]: the container's; the startup probe runs first if any. */
void
probe_state_init(struct probe_state *st, const struct pod_probe *probes)
{
	memset(st, 0, sizeof(*st));
	if (probes[PROBE_STARTUP].kind != PROBE_NONE)
		st->role = PROBE_STARTUP;
	else {
		st->role = PROBE_LIVENESS;
		st->started = 1;
	}
}

/*
 * One result of the probe st->role runs.  A failure always changes what
 * the parent shows (the count); a success only after a failure, the
 * first result, or the startup probe passing.
 */
enum probe_verdict
probe_state_result(struct probe_state *st, const struct pod_probe *probes,
    int ok, const char *message)
{
	const struct pod_probe	*p = &probes[st->role];
	int			 changed = !st->known || st->ok != (ok != 0);

	st->known = 1;
	st->ok = ok != 0;
	if (ok) {
		st->failures = 0;
		if (st->role == PROBE_STARTUP) {
			st->started = 1;
			st->role = PROBE_LIVENESS;
			changed = 1;
		}
		return changed ? VERDICT_CHANGED : VERDICT_SAME;
	}
	if (st->failures < UINT32_MAX)
		st->failures++;
	(void)strlcpy(st->message, message != NULL ? message : "",
	    sizeof(st->message));
	if (st->failures >= p->failure_threshold)
		return VERDICT_UNHEALTHY;
	return VERDICT_CHANGED;
}
