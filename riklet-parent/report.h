/*
 * Statuses for the scheduler, through the agent.  While the agent is
 * away, state changes wait in a bounded queue so that none is lost.
 */
#ifndef RIKLET_REPORT_H
#define RIKLET_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "failure.h"

#define REPORT_QUEUE_MAX	65536
#define REPORT_NO_EXIT		FAILURE_NO_EXIT

/* report_state() */
#define REPORT_SENT		0
#define REPORT_QUEUED		1
#define REPORT_LOST		2

uint64_t report_status(const char *, uint32_t, const char *, const char *,
	    int32_t);
int	report_state(uint64_t);
void	report_metrics(const char *, uint32_t, const char *);
void	report_metrics_flush(void);
void	report_node_metrics(const char *);
void	report_flush(void);
void	report_agent_ready(void);
void	report_clear(void);
size_t	report_queued(void);
const char *report_node_json(uint64_t *);

#endif
