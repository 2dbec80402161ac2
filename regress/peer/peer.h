/*
 * The test fixture of riklet-agent: the scheduler peer (scheduler.py, a
 * real grpcio server) and the agent run by the harness, with its log in
 * the peer's directory.  Used by regress/unit/test_agent.c and
 * bench/status.c.  Functions return -1 (or 0 for "did not happen") on
 * failure; the caller asserts.
 */
#ifndef RIKLET_PEER_H
#define RIKLET_PEER_H

#include <sys/types.h>

#include <stdint.h>

#include "../lib/harness.h"
#include "riklet_conf.h"

#define PEER_EXTRA_MAX	4

struct peer {
	pid_t		 pid;
	int		 port;
	char		 dir[64];
	char		 extra[PEER_EXTRA_MAX][256];
	int		 nextra;
};

struct agent {
	struct harness	 h;
	char		 log[96];
};

int	peer_dir(struct peer *);
int	peer_start(struct peer *);
void	peer_kill(struct peer *, int);
void	peer_done(struct peer *);
int	peer_count(struct peer *, ...);
int	peer_wait(struct peer *, int, int, ...);
int	peer_command(struct peer *, const char *, const char *, const char *);

int	agent_start(struct agent *, struct peer *, struct riklet_conf *);
int	agent_node_sample(struct agent *, const char *);
int	agent_target(struct agent *, struct peer *);
int	agent_wait_state(struct agent *, uint32_t, int);
int	agent_log_contains(struct agent *, const char *, int);
int	agent_send_status(struct agent *, const char *, uint32_t, uint32_t,
	    const char *);
long	agent_rss_kb(struct agent *);
long	cpu_ms(pid_t);

#endif
