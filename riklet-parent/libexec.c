/*
 * Where the children's executables are.  The directory is fixed when
 * riklet is built (RIKLET_LIBEXECDIR): never taken from the environment
 * or the configuration, since whoever chooses it chooses what runs as
 * root.  The Makefile builds this file twice, for the build tree (what
 * the tests run) and for the installed tree.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "riklet.h"

#ifndef RIKLET_LIBEXECDIR
#error "RIKLET_LIBEXECDIR must be set by the Makefile"
#endif

/* The executable of the child NAME ("agent"). */
const char *
child_path(const char *name)
{
	static char	 path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/riklet-%s",
	    RIKLET_LIBEXECDIR, name);
	return path;
}

/* A file only root may change, in a directory only root may change. */
static int
root_only(const char *path, int want_dir)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		log_warnx("%s: not a %s", path, want_dir ? "directory" :
		    "regular file");
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_warnx("%s: must be owned by root and writable by nobody "
		    "else (owner uid %u, mode %03o)", path,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	if (!want_dir && (st.st_mode & S_IXUSR) == 0) {
		log_warnx("%s: not executable", path);
		return -1;
	}
	return 0;
}

/* At start: every child's executable is there and safe to run as root. */
int
children_check_paths(void)
{
	enum riklet_proc	 p;
	int			 rc;

	rc = root_only(RIKLET_LIBEXECDIR, 1);
	for (p = PROC_PARENT + 1; p < PROC_MAX; p++)
		if (root_only(child_path(proc_name(p)), 0) == -1)
			rc = -1;
	if (rc == -1)
		log_warnx("cannot start the children from %s: reinstall "
		    "riklet", RIKLET_LIBEXECDIR);
	return rc;
}
