/*
 * libFuzzer target: every parent-side validator.  The input is a sequence
 * of messages as a compromised child could send them, each
 *	u8 child (agent, metrics, runtime, control), u8 type, u16 length,
 *	data
 * handed to msg_dispatch(), the walk over the children's tables
 * (riklet-parent/msgtable.h) as supervise.c does, so that a valid
 * message reaches the pod table and
 * the next one sees its effect.  Each child is connected, over a socket
 * pair nobody reads, so that what the parent sends it goes through as in
 * riklet (operations to the runtime are counted as sent and their results
 * taken, statuses reach the agent and their pods are freed).  The
 * children, the table, the status queue and the resolver are cleared
 * after each input.
 */
#include <sys/socket.h>

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "pods.h"
#include "prom.h"
#include "report.h"
#include "msgtable.h"
#include "riklet.h"
#include "scheduler.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct parent		*parent;
static struct parent	 fuzz_parent;
static int		 far_end[PROC_MAX];

/* Never called: the event loop does not run. */
static void
fuzz_io(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
}

static void
fuzz_connect(void)
{
	enum riklet_proc	 p;
	struct child		*c;
	int			 sp[2];

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		c = &parent->children[p];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0, sp) == -1)
			abort();
		imsgev_init(&c->iev, parent->base, sp[0], fuzz_io, c);
		far_end[p] = sp[1];
		c->connected = c->ready = 1;
	}
}

static void
fuzz_disconnect(void)
{
	enum riklet_proc	 p;
	struct child		*c;

	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		c = &parent->children[p];
		imsgev_clear(&c->iev);
		close(far_end[p]);
		c->connected = c->ready = 0;
	}
}

static void
fuzz_init(void)
{
	enum riklet_proc	 p;

	log_init(1, 0, LOG_DAEMON);
	log_procinit("parent");
	/* IMSG_CTL_RELOAD raises it, for riklet.c's handler. */
	(void)signal(SIGHUP, SIG_IGN);
	parent = &fuzz_parent;
	conf_defaults(&parent->conf);
	/* A literal address resolves at once, without a DNS query. */
	(void)strlcpy(parent->conf.scheduler, "127.0.0.1:9",
	    sizeof(parent->conf.scheduler));
	if ((parent->base = event_base_new()) == NULL)
		abort();
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		parent->children[p].proc = p;
		/* Never a real pid: child_violation() must not kill(0). */
		parent->children[p].pid = 0;
	}
	pods_init();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 inited;
	struct child	*c;
	struct imsg	 imsg;
	size_t		 off = 0, len;

	if (!inited) {
		fuzz_init();
		inited = 1;
	}
	fuzz_connect();
	while (size - off >= 4) {
		c = &parent->children[PROC_AGENT +
		    data[off] % (PROC_MAX - PROC_AGENT)];
		memset(&imsg, 0, sizeof(imsg));
		imsg.hdr.type = data[off + 1] % IMSG_MAX;
		len = (size_t)data[off + 2] | (size_t)data[off + 3] << 8;
		off += 4;
		if (len > size - off)
			len = size - off;
		imsg.hdr.len = (uint32_t)(IMSG_HEADER_SIZE + len);
		imsg.fd = -1;
		imsg.datalen = len;
		/* As imsg_get() leaves it: one spare NUL past the end. */
		if ((imsg.data = malloc(len + 1)) == NULL)
			abort();
		memcpy(imsg.data, data + off, len);
		((char *)imsg.data)[len] = '\0';
		off += len;
		/* Each CHILD_READY as from a child that was not ready. */
		if (imsg.hdr.type == IMSG_CHILD_READY && c->connected)
			c->ready = 0;
		(void)msg_dispatch(c, &imsg);
		imsg_free(&imsg);
	}
	prom_clear();
	pods_clear();
	report_clear();
	sched_clear();
	fuzz_disconnect();
	pods_init();
	return 0;
}
