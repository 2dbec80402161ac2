/*
 * Registry credentials (registry.c): read while riklet.conf is parsed,
 * kept in the parent, sent to the runtime only.
 */
#ifndef RIKLET_REGISTRY_H
#define RIKLET_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "riklet_conf.h"

#define REGISTRY_SECRET_MAX	4096	/* a password or token, NUL included */

int	registry_read_secret(const char *, char *, size_t, const char **);
void	registry_pending(uint32_t, const char *);
void	registry_commit(void);
void	registry_discard(void);
void	registry_clear(void);
int	registry_auth(const struct conf_registry *, const char *, char *,
	    size_t);
const char *registry_secret(uint32_t);
void	registry_send(void);

#endif
