/*
 * Image garbage collection, the parent's half: it measures the
 * filesystem of the engine's data root (DockerRootDir, which the runtime
 * learns from GET /info; the runtime's sandbox cannot statvfs it) and,
 * when it is fuller than image-gc high, asks the runtime to remove
 * unused images until it would be down to low (runtime_gc.c chooses).
 * A check runs every IMAGEGC_PERIOD_MS, after a reload, and after a pod
 * is removed, but never twice within IMAGEGC_MIN_GAP_MS unless a reload
 * asks.  The last run's figures are for rikletctl show status.
 */
#include <sys/statvfs.h>

#include <string.h>

#include "imagegc.h"
#include "log.h"
#include "riklet.h"
#include "util.h"

#define IMAGEGC_PERIOD_MS	(5 * 60 * 1000)
#define IMAGEGC_MIN_GAP_MS	(30 * 1000)

static void	 imagegc_timer(int, short, void *);
static void	 imagegc_arm(uint64_t);
static void	 imagegc_check(void);

static struct {
	char			 root[RIK_PATH_MAX];	/* "": not known */
	struct event		*ev;
	uint64_t		 checked_ms;	/* 0: never */
	int			 running;
	uint32_t		 used_pct;	/* at the running one's start */
	uint32_t		 runs;
	uint64_t		 ended_ms;
	uint32_t		 last_pct;
	struct rt_gc_result	 last;
} gc;

/*
 * What share of the filesystem is used, and how many bytes must go for
 * it to be at low percent; 0 bytes when it is not above high.  -1 when
 * there is nothing to measure.
 */
int
imagegc_need(uint64_t total, uint64_t avail, uint32_t high, uint32_t low,
    uint32_t *pct, int64_t *bytes)
{
	uint64_t	 used, target;

	*bytes = 0;
	*pct = 0;
	if (total == 0 || avail > total)
		return -1;
	used = total - avail;
	*pct = (uint32_t)((unsigned __int128)used * 100 / total);
	if ((unsigned __int128)used * 100 <= (unsigned __int128)total * high)
		return 0;
	target = (uint64_t)((unsigned __int128)total * low / 100);
	if (used > target)
		*bytes = used - target > INT64_MAX ? INT64_MAX :
		    (int64_t)(used - target);
	return 0;
}

static void
imagegc_arm(uint64_t ms)
{
	struct timeval	 tv;

	if (gc.ev == NULL && (gc.ev = evtimer_new(parent->base, imagegc_timer,
	    NULL)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(gc.ev, &tv);
}

static void
imagegc_timer(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	imagegc_check();
	imagegc_arm(IMAGEGC_PERIOD_MS);
}

/* Measures now and asks the runtime when the filesystem is too full. */
static void
imagegc_check(void)
{
	const struct riklet_conf	*conf = &parent->conf;
	struct statvfs			 sv;
	struct rt_gc			 req;
	uint32_t			 pct;
	int64_t				 bytes;

	if (gc.root[0] == '\0' || gc.running)
		return;
	gc.checked_ms = monotime_ms();
	if (statvfs(gc.root, &sv) == -1) {
		log_warn("image gc: statvfs %s", gc.root);
		return;
	}
	if (imagegc_need((uint64_t)sv.f_blocks * sv.f_frsize,
	    (uint64_t)sv.f_bavail * sv.f_frsize, conf->gc_high, conf->gc_low,
	    &pct, &bytes) == -1 || bytes == 0) {
		log_debug("image gc: %s is %u%% full (high %u%%)", gc.root,
		    pct, conf->gc_high);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.bytes = bytes;
	req.min_age_ms = conf->gc_min_age_ms;
	req.used_pct = pct;
	if (child_send(PROC_RUNTIME, IMSG_RT_GC, &req, sizeof(req)) == -1)
		return;
	log_info("image gc: %s is %u%% full, above %u%%: freeing %lld bytes "
	    "to reach %u%%", gc.root, pct, conf->gc_high, (long long)bytes,
	    conf->gc_low);
	gc.running = 1;
	gc.used_pct = pct;
}

/*
 * A check soon: now (force, a reload) or once IMAGEGC_MIN_GAP_MS has
 * passed since the last one.
 */
void
imagegc_kick(int force)
{
	uint64_t	 now = monotime_ms();

	if (force || gc.checked_ms == 0 ||
	    now - gc.checked_ms >= IMAGEGC_MIN_GAP_MS) {
		imagegc_check();
		imagegc_arm(IMAGEGC_PERIOD_MS);
	} else
		imagegc_arm(IMAGEGC_MIN_GAP_MS - (now - gc.checked_ms));
}

/* The engine said where its data is (or is down: root is ""). */
void
imagegc_engine(const struct rt_engine *e)
{
	int	 fresh = strcmp(gc.root, e->root_dir) != 0;

	(void)strlcpy(gc.root, e->up ? e->root_dir : "", sizeof(gc.root));
	if (fresh && gc.root[0] != '\0')
		imagegc_kick(0);
}

/* The runtime is gone: a run it had is over. */
void
imagegc_runtime_gone(void)
{
	gc.running = 0;
}

/* IMSG_RT_GC_RESULT */
void
imagegc_result(const struct rt_gc_result *r)
{
	gc.running = 0;
	gc.runs++;
	gc.ended_ms = monotime_ms();
	gc.last = *r;
	gc.last_pct = gc.used_pct;
	log_info("image gc: removed %u images, %lld bytes, in %llu ms%s%s",
	    r->removed, (long long)r->bytes,
	    (unsigned long long)r->elapsed_ms, r->message[0] != '\0' ?
	    ": " : "", r->message);
}

/* The last run, for rikletctl show status. */
void
imagegc_status(struct ctl_status *cs)
{
	cs->gc_runs = gc.runs;
	if (gc.runs == 0)
		return;
	cs->gc_age_ms = monotime_ms() - gc.ended_ms;
	cs->gc_removed = gc.last.removed;
	cs->gc_failed = gc.last.failed;
	cs->gc_bytes = gc.last.bytes;
	cs->gc_used_pct = gc.last_pct;
	(void)strlcpy(cs->gc_message, gc.last.message,
	    sizeof(cs->gc_message));
}

void
imagegc_clear(void)
{
	if (gc.ev != NULL)
		event_free(gc.ev);
	memset(&gc, 0, sizeof(gc));
}
