/*
 * What a scrape of the Prometheus endpoint reads that the rest of the
 * parent does not keep: the agents' counters added up, the image pulls,
 * and each process's memory and CPU time; the pod table (pods.c) counts
 * the containers' restarts.  A scrape never makes a child work: the
 * agent says when its counters change, the runtime when a pull ends, the
 * engine's events tell the restarts, and the parent reads /proc of its
 * children itself, at most once a second however often it is scraped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "pods.h"
#include "prom.h"
#include "report.h"
#include "riklet.h"
#include "util.h"

#define PROC_EVERY_MS		1000

static uint64_t	 sat_add(uint64_t, uint64_t);
static int	 read_small(const char *, char *, size_t);
static void	 procs_refresh(struct ctl_prom *);

static struct agent_counters	 agent_gone;	/* the agents that ended */
static struct agent_counters	 agent_now;	/* the one running */
static uint64_t			 pulls, pull_bytes, pull_ms;

/* The last reading of /proc, kept for PROC_EVERY_MS. */
static struct {
	uint64_t	 at_ms;
	int32_t		 pid[PROC_MAX];
	uint64_t	 rss_bytes[PROC_MAX];
	uint64_t	 cpu_ms[PROC_MAX];
} procs;

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	uint64_t	 sum;

	return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

/*
 * IMSG_AGENT_COUNTERS.  Within one agent a counter that goes back is a
 * lie, and the queue is bounded: both are protocol violations.
 */
void
prom_agent_counters(struct child *c, struct imsg *imsg)
{
	struct agent_counters	 ac;

	memcpy(&ac, imsg->data, sizeof(ac));
	if (ac.registrations < agent_now.registrations ||
	    ac.reconnects < agent_now.reconnects ||
	    ac.statuses_sent < agent_now.statuses_sent ||
	    ac.statuses_queued > RIK_AGENT_QUEUE_MAX) {
		child_violation(c, "AGENT_COUNTERS: bad contents");
		return;
	}
	agent_now = ac;
}

/* The agent's counters start again from 0 with the next one. */
void
prom_child_gone(enum riklet_proc proc)
{
	if (proc != PROC_AGENT)
		return;
	agent_gone.registrations = sat_add(agent_gone.registrations,
	    agent_now.registrations);
	agent_gone.reconnects = sat_add(agent_gone.reconnects,
	    agent_now.reconnects);
	agent_gone.statuses_sent = sat_add(agent_gone.statuses_sent,
	    agent_now.statuses_sent);
	memset(&agent_now, 0, sizeof(agent_now));
}

/* A pull that ended, well or not: its bytes and its time were spent. */
void
prom_pull(const struct rt_pull *pl)
{
	if (!pl->finished)
		return;
	pulls = sat_add(pulls, 1);
	pull_bytes = sat_add(pull_bytes, (uint64_t)pl->done);
	pull_ms = sat_add(pull_ms, pl->elapsed_ms);
}

static int
read_small(const char *path, char *buf, size_t size)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * A process's resident memory (statm) and CPU time, user and system
 * (stat, after the command name, which may hold anything but ends at
 * the last ')').
 */
int
prom_proc_read(int pid, uint64_t *rss_bytes, uint64_t *cpu_ms)
{
	char			 path[64], buf[1024], *p, *end;
	unsigned long long	 resident, utime, stime;
	long			 page, hz;
	int			 field;

	if ((page = sysconf(_SC_PAGESIZE)) <= 0 ||
	    (hz = sysconf(_SC_CLK_TCK)) <= 0)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if (read_small(path, buf, sizeof(buf)) == -1 ||
	    sscanf(buf, "%*u %llu", &resident) != 1)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)) == -1 ||
	    (p = strrchr(buf, ')')) == NULL)
		return -1;
	/* p ends field 2, each space starts one; utime is 14, stime 15. */
	for (field = 3; field <= 14; field++)
		if ((p = strchr(p + 1, ' ')) == NULL)
			return -1;
	errno = 0;
	utime = strtoull(p + 1, &end, 10);
	if (end == p + 1 || *end != ' ' || errno != 0)
		return -1;
	p = end;
	stime = strtoull(p + 1, &end, 10);
	if (end == p + 1 || *end != ' ' || errno != 0)
		return -1;
	*rss_bytes = (uint64_t)resident * (uint64_t)page;
	*cpu_ms = (uint64_t)(utime + stime) * 1000 / (uint64_t)hz;
	return 0;
}

/* Again when the last reading is old or a child is another process. */
static void
procs_refresh(struct ctl_prom *cp)
{
	enum riklet_proc	 p;
	uint64_t		 now = monotime_ms();
	int			 same = procs.at_ms != 0 &&
				    now - procs.at_ms < PROC_EVERY_MS;

	cp->pid[PROC_PARENT] = (int32_t)getpid();
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		cp->pid[p] = (int32_t)parent->children[p].pid;
	for (p = PROC_PARENT; p < PROC_MAX; p++)
		same = same && cp->pid[p] == procs.pid[p];
	if (!same) {
		for (p = PROC_PARENT; p < PROC_MAX; p++) {
			procs.pid[p] = cp->pid[p];
			procs.rss_bytes[p] = procs.cpu_ms[p] = 0;
			if (cp->pid[p] > 0 && prom_proc_read(cp->pid[p],
			    &procs.rss_bytes[p], &procs.cpu_ms[p]) == -1) {
				log_debug("%s (pid %d): cannot read /proc",
				    proc_name(p), (int)cp->pid[p]);
				procs.pid[p] = 0;
			}
		}
		procs.at_ms = now;
	}
	for (p = PROC_PARENT; p < PROC_MAX; p++) {
		cp->pid[p] = procs.pid[p];
		cp->rss_bytes[p] = procs.rss_bytes[p];
		cp->cpu_ms[p] = procs.cpu_ms[p];
	}
}

/*
 * The part of a scrape's answer that is the parent's own: CTL_PROM,
 * then a CTL_PROM_POD for every pod.  -1: the control child is gone or
 * cannot take more, the answer stops there.
 */
int
prom_answer(uint32_t peer)
{
	struct ctl_prom		 cp;
	struct ctl_prom_pod	 pp;
	struct pod		*p;
	enum riklet_proc	 i;
	size_t			 n;

	memset(&cp, 0, sizeof(cp));
	cp.registrations = sat_add(agent_gone.registrations,
	    agent_now.registrations);
	cp.reconnects = sat_add(agent_gone.reconnects, agent_now.reconnects);
	cp.statuses_sent = sat_add(agent_gone.statuses_sent,
	    agent_now.statuses_sent);
	cp.queued_agent = agent_now.statuses_queued;
	cp.queued_parent = report_queued();
	cp.pulls = pulls;
	cp.pull_bytes = pull_bytes;
	cp.pull_ms = pull_ms;
	for (i = PROC_AGENT; i < PROC_MAX; i++)
		cp.violations[i] = parent->children[i].violations;
	procs_refresh(&cp);
	if (ctl_reply(peer, IMSG_CTL_PROM, &cp, sizeof(cp)) == -1)
		return -1;

	for (p = pod_first(); p != NULL; p = pod_next(p)) {
		memset(&pp, 0, sizeof(pp));
		(void)strlcpy(pp.instance, p->instance, sizeof(pp.instance));
		pp.status = p->status;
		for (n = 0; n < p->ncontainers && n < RIK_CONTAINERS_MAX;
		    n++) {
			(void)strlcpy(pp.containers[n].name,
			    p->containers[n].name,
			    sizeof(pp.containers[n].name));
			pp.containers[n].restarts =
			    p->containers[n].runs_again;
		}
		pp.ncontainers = (uint32_t)n;
		if (ctl_reply(peer, IMSG_CTL_PROM_POD, &pp,
		    sizeof(pp)) == -1)
			return -1;
	}
	return 0;
}

/* Forgets every figure (at exit, and between fuzzing inputs). */
void
prom_clear(void)
{
	memset(&agent_gone, 0, sizeof(agent_gone));
	memset(&agent_now, 0, sizeof(agent_now));
	pulls = pull_bytes = pull_ms = 0;
	memset(&procs, 0, sizeof(procs));
}
