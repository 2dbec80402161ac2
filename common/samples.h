/*
 * A tick's pod samples in one message (IMSG_MET_POD_SAMPLES from the
 * metrics child, IMSG_POD_SAMPLES to the agent): records back to back,
 * each a fixed header (struct met_pod_sample, struct pod_status) then
 * that pod's metrics JSON, NUL-terminated, shorter than RIK_METRICS_MAX.
 * A message holds at most RIK_SAMPLES_MAX bytes; the sender starts
 * another when the next record does not fit.
 */
#ifndef RIKLET_SAMPLES_H
#define RIKLET_SAMPLES_H

#include <stddef.h>

struct samples {
	char	*buf;		/* RIK_SAMPLES_MAX bytes once used */
	size_t	 len;
};

int	samples_add(struct samples *, const void *, size_t, const char *);
void	samples_reset(struct samples *);
int	samples_next(const void *, size_t, size_t, size_t *, const void **,
	    const char **);
int	samples_valid(const void *, size_t, size_t,
	    int (*)(const void *));

#endif
