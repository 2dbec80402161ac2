/*
 * The metrics of a FAILED status, as the scheduler reads them:
 * {"reason": ..., "message": ..., "exitCode": N}, exitCode only when a
 * container's exit gave one.  The parent's and the agent's alike.
 */
#ifndef RIKLET_FAILURE_H
#define RIKLET_FAILURE_H

#include <stdint.h>

#define FAILURE_NO_EXIT		INT32_MIN

char	*failure_json(const char *, const char *, int32_t);

#endif
