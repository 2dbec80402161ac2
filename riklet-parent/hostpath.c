/*
 * hostPath volumes: the one place where what a scheduler sends names a
 * path of the node, so the parent, not the agent, decides.  A hostPath
 * must be absolute, hold no "..", lie under a "volume allow" directory of
 * riklet.conf (none by default) and still do so once every symbolic
 * link on the way is followed.  The runtime is handed the resolved path,
 * so a link changed afterwards does not move the mount elsewhere.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostpath.h"
#include "path.h"

static int	within_some(const struct riklet_conf *, const char *, int);

/*
 * Whether path lies under one of the allowed directories, as written
 * (resolve 0) or with each one's symbolic links followed (resolve 1).
 */
static int
within_some(const struct riklet_conf *conf, const char *path, int resolve)
{
	char		 real[PATH_MAX];
	const char	*prefix;
	uint32_t	 i;

	for (i = 0; i < conf->nvolume_allow; i++) {
		prefix = conf->volume_allow[i];
		if (resolve) {
			if (realpath(prefix, real) == NULL)
				continue;	/* not there: allows nothing */
			prefix = real;
		}
		if (path_within(path, prefix))
			return 1;
	}
	return 0;
}

/*
 * Checks one hostPath; on 0, resolved holds what to mount, on -1 why
 * says what is wrong, naming the path.
 */
int
hostpath_check(const struct riklet_conf *conf, const char *path,
    char *resolved, size_t len, char *why, size_t whylen)
{
	char		 plain[PATH_MAX], real[PATH_MAX];
	const char	*err;

	if (conf->nvolume_allow == 0) {
		(void)snprintf(why, whylen, "hostPath %s: this node allows no "
		    "hostPath (volume allow in riklet.conf)", path);
		return -1;
	}
	if (path_normalise(path, plain, sizeof(plain), &err) == -1) {
		(void)snprintf(why, whylen, "hostPath %s: %s", path, err);
		return -1;
	}
	if (!within_some(conf, plain, 0)) {
		(void)snprintf(why, whylen, "hostPath %s: outside the "
		    "directories this node allows", path);
		return -1;
	}
	if (realpath(plain, real) == NULL) {
		(void)snprintf(why, whylen, "hostPath %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!within_some(conf, real, 1)) {
		(void)snprintf(why, whylen, "hostPath %s: leads to %s, outside "
		    "the directories this node allows", path, real);
		return -1;
	}
	if (strlcpy(resolved, real, len) >= len) {
		(void)snprintf(why, whylen, "hostPath %s: resolves to a path "
		    "too long", path);
		return -1;
	}
	return 0;
}

/*
 * Every hostPath of the pod, each replaced by what it resolves to; on -1
 * msg names the first refused.
 */
int
hostpath_spec(const struct riklet_conf *conf, struct pod_spec *ps, char *msg,
    size_t msglen)
{
	struct pod_volume	*v;
	char			 real[POD_PATH_MAX];
	char			*p;
	size_t			 i;

	for (i = 0; i < ps->nvolumes; i++) {
		v = &ps->volumes[i];
		if (v->kind != VOLUME_HOSTPATH)
			continue;
		if (hostpath_check(conf, v->path, real, sizeof(real), msg,
		    msglen) == -1)
			return -1;
		if ((p = strdup(real)) == NULL) {
			(void)snprintf(msg, msglen, "out of memory");
			return -1;
		}
		free(v->path);
		v->path = p;
	}
	return 0;
}
