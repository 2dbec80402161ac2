/*
 * rikletctl logs, relayed: the control child asks for a pod's container,
 * the parent checks both and asks the runtime by its own request number,
 * then passes the output, the acknowledgements and the end between them.
 * A dead runtime ends the open requests with an error; a dead control
 * child cancels them.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "pods.h"
#include "riklet.h"

/* One rikletctl logs under way. */
struct logs_relay {
	TAILQ_ENTRY(logs_relay)	 entry;
	uint32_t		 reqid;		/* with the runtime */
	uint32_t		 peer;		/* the control connection */
	char			 instance[RIK_ID_MAX];
	char			 container[RIK_NAME_MAX];
};

static struct logs_relay *logs_find(uint32_t, int);
static void	logs_forget(struct logs_relay *);
static const struct pod_ctr *logs_container(const struct pod *,
		    const char *, char *, size_t);
static void	logs_client(struct child *, uint32_t, uint32_t, uint32_t,
		    uint32_t);

static TAILQ_HEAD(, logs_relay)	 relays = TAILQ_HEAD_INITIALIZER(relays);
static size_t			 nrelays;
static uint32_t			 relay_next = 1;

/* The relay of a control connection (by_peer) or of a runtime request. */
static struct logs_relay *
logs_find(uint32_t id, int by_peer)
{
	struct logs_relay	*lr;

	TAILQ_FOREACH(lr, &relays, entry)
		if ((by_peer ? lr->peer : lr->reqid) == id)
			return lr;
	return NULL;
}

static void
logs_forget(struct logs_relay *lr)
{
	TAILQ_REMOVE(&relays, lr, entry);
	nrelays--;
	free(lr);
}

/* The named container, or the pod's first one when name is "". */
static const struct pod_ctr *
logs_container(const struct pod *p, const char *name, char *msg,
    size_t len)
{
	const struct pod_ctr	*pc = NULL;
	size_t			 i;

	for (i = 0; i < p->ncontainers; i++)
		if (name[0] == '\0' ||
		    strcmp(p->containers[i].name, name) == 0) {
			pc = &p->containers[i];
			break;
		}
	if (pc == NULL) {
		if (name[0] == '\0')
			(void)snprintf(msg, len, "pod %s has no container",
			    p->instance);
		else
			(void)snprintf(msg, len, "pod %s has no container %s",
			    p->instance, name);
		return NULL;
	}
	if (pc->id[0] == '\0' || pc->state == CONTAINER_REMOVED) {
		(void)snprintf(msg, len, "container %s of pod %s does not "
		    "exist in the engine", pc->name, p->instance);
		return NULL;
	}
	return pc;
}

/* IMSG_CTL_LOGS, its size and contents checked (from_control.c). */
void
ctl_logs_request(struct child *c, struct imsg *imsg)
{
	uint32_t		 peer = imsg->hdr.peerid;
	struct ctl_logs		 cl;
	struct rt_logs		 rl;
	struct logs_relay	*lr;
	const struct pod_ctr	*pc;
	struct pod		*p;
	char			 msg[RIK_ID_MAX + RIK_NAME_MAX + 64];

	memcpy(&cl, imsg->data, sizeof(cl));
	if (logs_find(peer, 1) != NULL) {
		child_violation(c, "CTL_LOGS: connection %u asks twice", peer);
		return;
	}
	if ((p = pod_find(cl.instance)) == NULL) {
		(void)snprintf(msg, sizeof(msg), "no pod %s", cl.instance);
		ctl_error(peer, msg);
		return;
	}
	if ((pc = logs_container(p, cl.container, msg, sizeof(msg))) == NULL) {
		ctl_error(peer, msg);
		return;
	}
	if (!child_ready(PROC_RUNTIME)) {
		ctl_error(peer, "the runtime process is not running");
		return;
	}
	if (nrelays >= LOGS_REQUESTS_MAX) {
		log_warnx("pod %s: logs refused: %d requests already",
		    p->instance, LOGS_REQUESTS_MAX);
		ctl_error(peer, "too many log requests at once");
		return;
	}
	if ((lr = calloc(1, sizeof(*lr))) == NULL) {
		log_warn("%s", __func__);
		ctl_error(peer, "out of memory");
		return;
	}
	/* Never 0, never one still open. */
	do {
		lr->reqid = relay_next++;
	} while (lr->reqid == 0 || logs_find(lr->reqid, 0) != NULL);
	lr->peer = peer;
	(void)strlcpy(lr->instance, p->instance, sizeof(lr->instance));
	(void)strlcpy(lr->container, pc->name, sizeof(lr->container));
	memset(&rl, 0, sizeof(rl));
	rl.reqid = lr->reqid;
	(void)strlcpy(rl.id, pc->id, sizeof(rl.id));
	rl.tail = cl.tail;
	rl.follow = cl.follow;
	if (child_send(PROC_RUNTIME, IMSG_RT_LOGS, &rl, sizeof(rl)) == -1) {
		free(lr);
		ctl_error(peer, "the runtime process is not running");
		return;
	}
	TAILQ_INSERT_TAIL(&relays, lr, entry);
	nrelays++;
	log_debug("pod %s: logs of %s for client %u (request %u)",
	    lr->instance, lr->container, peer, lr->reqid);
}

/*
 * An acknowledgement (bytes > 0 is its count) or a cancellation: the
 * client is ahead of us.
 */
static void
logs_client(struct child *c, uint32_t type, uint32_t peer, uint32_t reqid,
    uint32_t bytes)
{
	struct logs_relay	*lr;
	struct logs_ack		 a;

	if (reqid != peer) {
		child_violation(c, "%s: request %u on connection %u",
		    imsg_type_name(type), reqid, peer);
		return;
	}
	/* Ended meanwhile: nothing left to tell. */
	if ((lr = logs_find(peer, 1)) == NULL)
		return;
	if (type == IMSG_CTL_LOGS_ACK) {
		a.reqid = lr->reqid;
		a.bytes = bytes;
		(void)child_send(PROC_RUNTIME, IMSG_RT_LOGS_ACK, &a,
		    sizeof(a));
		return;
	}
	log_debug("pod %s: logs of %s cancelled by client %u", lr->instance,
	    lr->container, peer);
	(void)child_send(PROC_RUNTIME, IMSG_RT_LOGS_CANCEL, &lr->reqid,
	    sizeof(lr->reqid));
	logs_forget(lr);
}

void
ctl_logs_ack(struct child *c, struct imsg *imsg)
{
	struct logs_ack	 a;

	memcpy(&a, imsg->data, sizeof(a));
	logs_client(c, imsg->hdr.type, imsg->hdr.peerid, a.reqid, a.bytes);
}

void
ctl_logs_cancel(struct child *c, struct imsg *imsg)
{
	uint32_t	 reqid;

	memcpy(&reqid, imsg->data, sizeof(reqid));
	logs_client(c, imsg->hdr.type, imsg->hdr.peerid, reqid, 0);
}

/* IMSG_RT_LOGS_DATA from the runtime, on to the client. */
void
ctl_logs_data(struct child *c, struct imsg *imsg)
{
	struct logs_relay	*lr;
	struct logs_data	 d;
	struct iovec		 iov[2];

	(void)c;
	memcpy(&d, imsg->data, sizeof(d));
	/* Cancelled while it was on its way. */
	if ((lr = logs_find(d.reqid, 0)) == NULL)
		return;
	d.reqid = lr->peer;
	iov[0].iov_base = &d;
	iov[0].iov_len = sizeof(d);
	iov[1].iov_base = (unsigned char *)imsg->data + sizeof(d);
	iov[1].iov_len = imsg->datalen - sizeof(d);
	(void)ctl_replyv(lr->peer, IMSG_CTL_LOGS_DATA, iov, 2);
}

/* IMSG_RT_LOGS_END: the output is whole, or broke off. */
void
ctl_logs_end(struct child *c, struct imsg *imsg)
{
	struct logs_relay	*lr;
	struct logs_end		 e;

	(void)c;
	memcpy(&e, imsg->data, sizeof(e));
	if ((lr = logs_find(e.reqid, 0)) == NULL)
		return;
	if (!e.ok)
		log_warnx("pod %s: logs of %s: %s", lr->instance,
		    lr->container, e.message);
	e.reqid = lr->peer;
	(void)ctl_reply(lr->peer, IMSG_CTL_LOGS_END, &e, sizeof(e));
	logs_forget(lr);
}

/*
 * The runtime died: its transfers are gone, the clients hear why.  The
 * control child died: its clients are gone, the transfers stop.
 */
void
ctl_logs_gone(enum riklet_proc proc)
{
	struct logs_relay	*lr;
	struct logs_end		 e;

	if (proc != PROC_RUNTIME && proc != PROC_CONTROL)
		return;
	while ((lr = TAILQ_FIRST(&relays)) != NULL) {
		if (proc == PROC_RUNTIME) {
			memset(&e, 0, sizeof(e));
			e.reqid = lr->peer;
			(void)strlcpy(e.message, "the runtime process died",
			    sizeof(e.message));
			(void)ctl_reply(lr->peer, IMSG_CTL_LOGS_END, &e,
			    sizeof(e));
		} else
			(void)child_send(PROC_RUNTIME, IMSG_RT_LOGS_CANCEL,
			    &lr->reqid, sizeof(lr->reqid));
		logs_forget(lr);
	}
}
