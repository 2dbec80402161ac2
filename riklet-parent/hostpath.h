#ifndef RIKLET_HOSTPATH_H
#define RIKLET_HOSTPATH_H

#include <stddef.h>

#include "podspec.h"
#include "riklet_conf.h"

#define REASON_VOLUME_NOT_ALLOWED	"VolumeNotAllowed"

int	hostpath_check(const struct riklet_conf *, const char *, char *,
	    size_t, char *, size_t);
int	hostpath_spec(const struct riklet_conf *, struct pod_spec *, char *,
	    size_t);

#endif
