/*
 * Test harness: runs one riklet child (build/riklet-ROLE) on a socketpair
 * and plays the parent, so a test can drive that child alone.
 */
#ifndef RIKLET_HARNESS_H
#define RIKLET_HARNESS_H

#include <sys/types.h>

#include "imsg.h"
#include "riklet_conf.h"

struct harness {
	pid_t		 pid;
	struct imsgbuf	 ibuf;
	int		 runtime;	/* plays the runtime's parent */
};

const char	*harness_riklet(void);
int		 test_tmpname(char *, size_t, const char *);
int		 harness_role_path(const char *, char *, size_t);
void		 harness_conf(struct riklet_conf *);
int		 harness_start(struct harness *, const char *,
		    const struct riklet_conf *);
int		 harness_send(struct harness *, uint32_t, const void *, size_t);
int		 harness_recv(struct harness *, struct imsg *, int);
int		 harness_wait(struct harness *, uint32_t, struct imsg *, int);
int		 harness_stop(struct harness *);

#endif
