/*
 * The parent's side of rikletctl.  The parent opens the control socket as
 * root before any child starts, but never reads from a client: the
 * unprivileged control child (riklet-control/) accepts the connections,
 * parses the untrusted requests and asks here by imsg.  The answers are
 * fixed structs, and whatever "show status" and "show metrics" need that
 * the pod table does not hold is kept here, fed by hooks from dispatch.c
 * and report.c.
 *
 * rikletctl logs is relayed: the control child asks for a pod's
 * container, the parent checks both and asks the runtime by its own
 * request number, then passes the output, the acknowledgements and the
 * end between them.  A dead runtime ends the open requests with an
 * error; a dead control child cancels them.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/queue.h>
#include <sys/tree.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "podspec.h"
#include "pods.h"
#include "prom.h"
#include "riklet.h"
#include "util.h"

#define CONTROL_BACKLOG		16

_Static_assert(CTL_HOST_MAX == CONF_HOST_MAX, "ctl_status host size");

/*
 * What rikletctl shows of one pod beyond the pod table: the last metrics
 * document forwarded and the image pull under way.
 */
struct kept {
	RB_ENTRY(kept)		 entry;
	char			 instance[RIK_ID_MAX];
	char			*json;		/* NULL: none yet */
	uint64_t		 at_ms;
	char			 pull_image[RIK_IMAGE_MAX];
	int64_t			 pull_done;
	int64_t			 pull_total;
};

/* One rikletctl logs under way. */
struct logs_relay {
	TAILQ_ENTRY(logs_relay)	 entry;
	uint32_t		 reqid;		/* with the runtime */
	uint32_t		 peer;		/* the control connection */
	char			 instance[RIK_ID_MAX];
	char			 container[RIK_NAME_MAX];
};

RB_HEAD(kept_tree, kept);
RB_PROTOTYPE(kept_tree, kept, entry, kept_cmp)

static int	kept_cmp(struct kept *, struct kept *);
static struct kept *kept_get(const char *);
static void	kept_prune(void);
static int	ctl_reply(uint32_t, uint32_t, const void *, size_t);
static int	ctl_replyv(uint32_t, uint32_t, const struct iovec *, int);
static void	ctl_error(uint32_t, const char *);
static int	send_status(uint32_t);
static void	show_status(uint32_t);
static void	show_pods(uint32_t, const char *);
static int	send_metrics(uint32_t);
static void	show_metrics(uint32_t);
static void	show_prom(uint32_t);
static void	set_verbose(uint32_t, int32_t);
static void	control_bind(int, const char *);
static void	pod_to_ctl(const struct pod *, struct ctl_pod *, uint64_t);
static void	logs_request(struct child *, uint32_t, struct imsg *);
static void	logs_client(struct child *, uint32_t, struct imsg *);
static struct logs_relay *logs_find(uint32_t, int);
static void	logs_forget(struct logs_relay *);
static const struct pod_ctr *logs_container(const struct pod *,
		    const char *, char *, size_t);

RB_GENERATE(kept_tree, kept, entry, kept_cmp)

static int			 listen_fd = -1;
static char			 listen_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct kept_tree		 kept = RB_INITIALIZER(&kept);
static size_t			 nkept;
static char			*node_json;
static uint64_t			 node_at_ms;
static struct agent_state	 agent;
static uint64_t			 agent_since_ms;
static struct rt_engine		 engine;
static int			 engine_known;
static TAILQ_HEAD(, logs_relay)	 relays = TAILQ_HEAD_INITIALIZER(relays);
static size_t			 nrelays;
static uint32_t			 relay_next = 1;

static int
kept_cmp(struct kept *a, struct kept *b)
{
	return strcmp(a->instance, b->instance);
}

/*
 * Binds the control socket: 0660 and owned by root, so only root (or a
 * group the operator gives it) may connect.  A socket left by a dead
 * riklet is replaced; one a live riklet answers on is not.
 */
void
control_open(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		fatalx("control socket %s: path too long", path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("control socket %s exists and is not a socket",
			    path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			fatal("socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			fatalx("control socket %s: another riklet is "
			    "listening on it", path);
		close(fd);
		log_debug("replacing the stale control socket %s", path);
	} else if (errno != ENOENT)
		fatal("lstat %s", path);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		fatal("socket");
	control_bind(fd, path);
	if (listen(fd, CONTROL_BACKLOG) == -1)
		fatal("listen %s", path);
	listen_fd = fd;
	(void)strlcpy(listen_path, path, sizeof(listen_path));
	log_debug("control socket %s", path);
}

/*
 * The socket has its mode and owner before its path exists: it is bound
 * under its own name in a directory of its own that only root may enter,
 * under a umask that leaves 0660, given to root there (a set-group-ID
 * directory would give it its group), then renamed into place, over a
 * stale one if need be.  Binding from inside that directory keeps the
 * address short and the socket's own name.
 */
static void
control_bind(int fd, const char *path)
{
	struct sockaddr_un	 sun;
	const char		*base;
	char			 tmp[PATH_MAX];
	mode_t			 old;
	int			 cwd, dfd = -1, n, rc = -1, saved;

	base = (base = strrchr(path, '/')) == NULL ? path : base + 1;
	n = snprintf(tmp, sizeof(tmp), "%.*s.riklet.XXXXXX",
	    (int)(base - path), path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		fatalx("control socket %s: path too long", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, base, sizeof(sun.sun_path));
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("control socket %s: open .", path);
	if (mkdtemp(tmp) == NULL)
		fatal("control socket %s: mkdtemp %s", path, tmp);
	if ((dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1 &&
	    fchdir(dfd) == 0) {
		old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
		rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
		(void)umask(old);
		if (fchdir(cwd) == -1)
			fatal("control socket %s: fchdir", path);
	}
	if (rc == -1 || fchownat(dfd, base, 0, 0, AT_SYMLINK_NOFOLLOW) == -1 ||
	    renameat(dfd, base, AT_FDCWD, path) == -1) {
		saved = errno;
		if (dfd != -1)
			(void)unlinkat(dfd, base, 0);
		(void)rmdir(tmp);
		errno = saved;
		fatal("control socket %s", path);
	}
	close(dfd);
	close(cwd);
	if (rmdir(tmp) == -1)
		log_warn("rmdir %s", tmp);
}

void
control_close(void)
{
	struct kept		*k, *tmp;

	if (listen_fd != -1) {
		close(listen_fd);
		listen_fd = -1;
		if (unlink(listen_path) == -1 && errno != ENOENT)
			log_warn("unlink %s", listen_path);
	}
	RB_FOREACH_SAFE(k, kept_tree, &kept, tmp) {
		RB_REMOVE(kept_tree, &kept, k);
		free(k->json);
		free(k);
	}
	nkept = 0;
	free(node_json);
	node_json = NULL;
}

/* Each new control child gets its own copy of the listening socket. */
void
control_child_ready(void)
{
	struct child	*c = &parent->children[PROC_CONTROL];
	int		 fd;

	if (listen_fd == -1)
		return;
	/* Close-on-exec until it is sent: no other child may inherit it. */
	if ((fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("%s: dup", __func__);
		return;
	}
	/* imsg closes fd once it is sent. */
	if (imsgev_compose(&c->iev, IMSG_CTL_LISTEN, 0, fd, NULL, 0) == -1) {
		log_warn("%s: compose", __func__);
		close(fd);
	}
}

void
control_agent_state(const struct agent_state *st)
{
	if (st->state != agent.state || agent_since_ms == 0)
		agent_since_ms = monotime_ms();
	agent = *st;
}

void
control_engine(const struct rt_engine *e)
{
	engine = *e;
	engine_known = 1;
}

void
control_node_metrics(const char *json)
{
	char	*s;

	if ((s = strdup(json)) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	free(node_json);
	node_json = s;
	node_at_ms = monotime_ms();
}

/* The entry of a pod that exists, made if need be; NULL otherwise. */
static struct kept *
kept_get(const char *instance)
{
	struct kept	 key, *k;

	if (pod_find(instance) == NULL)
		return NULL;
	(void)strlcpy(key.instance, instance, sizeof(key.instance));
	if ((k = RB_FIND(kept_tree, &kept, &key)) != NULL)
		return k;
	if (nkept >= PODS_MAX)
		kept_prune();
	if (nkept >= PODS_MAX || (k = calloc(1, sizeof(*k))) == NULL) {
		log_warnx("pod %s: not kept for rikletctl", instance);
		return NULL;
	}
	(void)strlcpy(k->instance, instance, sizeof(k->instance));
	RB_INSERT(kept_tree, &kept, k);
	nkept++;
	return k;
}

void
control_pod_metrics(const char *instance, const char *json)
{
	struct kept	*k;
	char		*s;

	if ((k = kept_get(instance)) == NULL)
		return;
	if ((s = strdup(json)) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	free(k->json);
	k->json = s;
	k->at_ms = monotime_ms();
}

void
control_pull(const struct rt_pull *pl)
{
	struct kept	*k;

	if ((k = kept_get(pl->instance)) == NULL)
		return;
	if (pl->finished) {
		k->pull_image[0] = '\0';
		return;
	}
	(void)strlcpy(k->pull_image, pl->image, sizeof(k->pull_image));
	k->pull_done = pl->done;
	k->pull_total = pl->total;
}

/* Forgets what was kept of pods that are gone. */
static void
kept_prune(void)
{
	struct kept		*k, *tmp;

	RB_FOREACH_SAFE(k, kept_tree, &kept, tmp) {
		if (pod_find(k->instance) != NULL)
			continue;
		RB_REMOVE(kept_tree, &kept, k);
		free(k->json);
		free(k);
		nkept--;
	}
}

/*
 * Requests from the control child, which parsed them from a client; each
 * is checked again here: the control child is not trusted either.
 */
void
control_dispatch(struct child *c, struct imsg *imsg)
{
	uint32_t	 peer = imsg->hdr.peerid;
	const char	*s;
	int32_t		 v;

	switch (imsg->hdr.type) {
	case IMSG_CTL_SHOW_STATUS:
	case IMSG_CTL_SHOW_PODS:
	case IMSG_CTL_SHOW_METRICS:
	case IMSG_CTL_SHOW_PROM:
	case IMSG_CTL_RELOAD:
		if (imsg->datalen != 0) {
			child_violation(c, "%s: bad size",
			    imsg_type_name(imsg->hdr.type));
			return;
		}
		break;
	case IMSG_CTL_SHOW_POD:
		if ((s = imsg_string(imsg, 0)) == NULL ||
		    !podspec_valid_id(s)) {
			child_violation(c, "CTL_SHOW_POD: bad instance id");
			return;
		}
		show_pods(peer, s);
		return;
	case IMSG_CTL_LOGS:
		logs_request(c, peer, imsg);
		return;
	case IMSG_CTL_LOGS_ACK:
	case IMSG_CTL_LOGS_CANCEL:
		logs_client(c, peer, imsg);
		return;
	case IMSG_CTL_LOG_VERBOSE:
		if (imsg->datalen != sizeof(v)) {
			child_violation(c, "CTL_LOG_VERBOSE: bad size");
			return;
		}
		memcpy(&v, imsg->data, sizeof(v));
		if (v < 0 || v > 3) {
			child_violation(c, "CTL_LOG_VERBOSE: bad level %d", v);
			return;
		}
		set_verbose(peer, v);
		return;
	default:
		fatalx("%s: unexpected %s", __func__,
		    imsg_type_name(imsg->hdr.type));
	}

	switch (imsg->hdr.type) {
	case IMSG_CTL_SHOW_STATUS:
		show_status(peer);
		break;
	case IMSG_CTL_SHOW_PODS:
		show_pods(peer, NULL);
		break;
	case IMSG_CTL_SHOW_METRICS:
		show_metrics(peer);
		break;
	case IMSG_CTL_SHOW_PROM:
		show_prom(peer);
		break;
	case IMSG_CTL_RELOAD:
		log_info("reload requested through the control socket");
		/* The same path as a SIGHUP from the operator. */
		(void)raise(SIGHUP);
		(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
		break;
	}
}

static int
ctl_reply(uint32_t peer, uint32_t type, const void *data, size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	return ctl_replyv(peer, type, &iov, len == 0 ? 0 : 1);
}

static int
ctl_replyv(uint32_t peer, uint32_t type, const struct iovec *iov, int cnt)
{
	struct child	*c = &parent->children[PROC_CONTROL];

	if (!c->connected)
		return -1;
	if (imsgev_composev(&c->iev, type, peer, -1, iov, cnt) == -1) {
		log_warn("%s: %s to control", __func__, imsg_type_name(type));
		return -1;
	}
	return 0;
}

/* One message of an answer, for prom_figures.c. */
int
control_answer(uint32_t peer, uint32_t type, const void *data, size_t len)
{
	return ctl_reply(peer, type, data, len);
}

static void
ctl_error(uint32_t peer, const char *msg)
{
	(void)ctl_reply(peer, IMSG_CTL_ERROR, msg, strlen(msg) + 1);
}

/* CTL_STATUS and a CTL_CHILD per child; -1 when they could not go. */
static int
send_status(uint32_t peer)
{
	struct ctl_status	 cs;
	struct ctl_child	 cc;
	struct child		*c;
	enum riklet_proc	 p;
	uint64_t		 now = monotime_ms();

	memset(&cs, 0, sizeof(cs));
	(void)strlcpy(cs.scheduler, parent->conf.scheduler,
	    sizeof(cs.scheduler));
	(void)strlcpy(cs.hostname, parent->conf.hostname, sizeof(cs.hostname));
	cs.agent_state = agent.state;
	cs.agent_backoff_ms = agent.backoff_ms;
	cs.agent_since_ms = now - (agent_since_ms ? agent_since_ms :
	    parent->started_ms);
	(void)strlcpy(cs.agent_reason, agent.reason, sizeof(cs.agent_reason));
	cs.uptime_ms = now - parent->started_ms;
	cs.engine_known = engine_known;
	cs.engine_up = engine.up;
	(void)strlcpy(cs.engine_name, engine.name, sizeof(cs.engine_name));
	(void)strlcpy(cs.engine_version, engine.version,
	    sizeof(cs.engine_version));
	(void)strlcpy(cs.engine_api_version, engine.api_version,
	    sizeof(cs.engine_api_version));
	(void)strlcpy(cs.engine_message, engine.message,
	    sizeof(cs.engine_message));
	cs.npods = (uint32_t)pod_count();
	cs.verbose = log_getverbose();
	cs.nchildren = PROC_MAX - PROC_AGENT;
	if (ctl_reply(peer, IMSG_CTL_STATUS, &cs, sizeof(cs)) == -1)
		return -1;
	for (p = PROC_AGENT; p < PROC_MAX; p++) {
		c = &parent->children[p];
		memset(&cc, 0, sizeof(cc));
		cc.proc = p;
		cc.pid = (int32_t)c->pid;
		cc.ready = c->connected && c->ready;
		cc.restarts = c->restarts;
		cc.uptime_ms = c->pid > 0 ? now - c->started_ms : 0;
		if (ctl_reply(peer, IMSG_CTL_CHILD, &cc, sizeof(cc)) == -1)
			return -1;
	}
	return 0;
}

static void
show_status(uint32_t peer)
{
	if (send_status(peer) == 0)
		(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
}

static void
pod_to_ctl(const struct pod *p, struct ctl_pod *cp, uint64_t now)
{
	struct kept	 key, *k;
	size_t		 i;

	memset(cp, 0, sizeof(*cp));
	(void)strlcpy(cp->instance, p->instance, sizeof(cp->instance));
	(void)strlcpy(cp->name, p->name, sizeof(cp->name));
	cp->status = p->status;
	cp->restart_policy = p->restart_policy;
	cp->ncontainers = (uint32_t)p->ncontainers;
	for (i = 0; i < p->ncontainers; i++)
		if (p->containers[i].state == CONTAINER_RUNNING)
			cp->nrunning++;
	cp->restarts = p->restarts;
	cp->exit_code = p->exit_code;
	cp->age_ms = p->created_ms ? now - p->created_ms : 0;
	(void)strlcpy(cp->reason, p->reason, sizeof(cp->reason));
	(void)strlcpy(cp->message, p->message, sizeof(cp->message));
	(void)strlcpy(key.instance, p->instance, sizeof(key.instance));
	if ((k = RB_FIND(kept_tree, &kept, &key)) != NULL &&
	    k->pull_image[0] != '\0') {
		(void)strlcpy(cp->pull_image, k->pull_image,
		    sizeof(cp->pull_image));
		cp->pull_done = k->pull_done;
		cp->pull_total = k->pull_total;
	}
}

/* Every pod, or one with its containers. */
static void
show_pods(uint32_t peer, const char *instance)
{
	struct ctl_pod		 cp;
	struct ctl_container	 cc;
	const struct pod_ctr	*pc;
	struct pod		*p;
	uint64_t		 now = monotime_ms();
	size_t			 i;
	char			 msg[RIK_ID_MAX + 32];

	if (instance == NULL) {
		RB_FOREACH(p, pod_tree, &pods) {
			pod_to_ctl(p, &cp, now);
			if (ctl_reply(peer, IMSG_CTL_POD, &cp, sizeof(cp)) ==
			    -1)
				return;
		}
		(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
		return;
	}
	if ((p = pod_find(instance)) == NULL) {
		(void)snprintf(msg, sizeof(msg), "no pod %s", instance);
		ctl_error(peer, msg);
		return;
	}
	pod_to_ctl(p, &cp, now);
	if (ctl_reply(peer, IMSG_CTL_POD, &cp, sizeof(cp)) == -1)
		return;
	for (i = 0; i < p->ncontainers; i++) {
		pc = &p->containers[i];
		memset(&cc, 0, sizeof(cc));
		(void)strlcpy(cc.instance, p->instance, sizeof(cc.instance));
		(void)strlcpy(cc.name, pc->name, sizeof(cc.name));
		(void)strlcpy(cc.id, pc->id, sizeof(cc.id));
		(void)strlcpy(cc.image, pc->image, sizeof(cc.image));
		cc.state = pc->state;
		cc.exit_code = pc->exit_code;
		cc.oom_killed = pc->oom_killed;
		cc.pid = pc->pid;
		cc.memory_limit = pc->memory_limit;
		cc.nano_cpus = pc->nano_cpus;
		if (ctl_reply(peer, IMSG_CTL_CONTAINER, &cc, sizeof(cc)) == -1)
			return;
	}
	(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
}

/* A CTL_METRICS for the node and each pod; -1 when they could not go. */
static int
send_metrics(uint32_t peer)
{
	struct ctl_metrics	 cm;
	struct kept		*k;
	struct iovec		 iov[2];
	uint64_t		 now = monotime_ms();

	kept_prune();
	iov[0].iov_base = &cm;
	iov[0].iov_len = sizeof(cm);
	if (node_json != NULL) {
		memset(&cm, 0, sizeof(cm));
		cm.age_ms = now - node_at_ms;
		iov[1].iov_base = node_json;
		iov[1].iov_len = strlen(node_json) + 1;
		if (ctl_replyv(peer, IMSG_CTL_METRICS, iov, 2) == -1)
			return -1;
	}
	RB_FOREACH(k, kept_tree, &kept) {
		if (k->json == NULL)
			continue;
		memset(&cm, 0, sizeof(cm));
		(void)strlcpy(cm.instance, k->instance, sizeof(cm.instance));
		cm.age_ms = now - k->at_ms;
		iov[1].iov_base = k->json;
		iov[1].iov_len = strlen(k->json) + 1;
		if (ctl_replyv(peer, IMSG_CTL_METRICS, iov, 2) == -1)
			return -1;
	}
	return 0;
}

static void
show_metrics(uint32_t peer)
{
	if (send_metrics(peer) == 0)
		(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
}

/*
 * A scrape of the Prometheus endpoint: what "show status" and "show
 * metrics" answer, with prom_figures.c's in between; the control child
 * makes the text of it.
 */
static void
show_prom(uint32_t peer)
{
	if (send_status(peer) == 0 && prom_answer(peer) == 0 &&
	    send_metrics(peer) == 0)
		(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
}

/*
 * "log verbose|brief": the parent's own level, the level restarted
 * children are given, and IMSG_VERBOSE for the running ones.
 */
static void
set_verbose(uint32_t peer, int32_t v)
{
	enum riklet_proc	 p;
	int			 iv = v;

	log_setverbose(iv);
	parent->verbose = iv;
	log_info("log level set to %s (verbosity %d) through the control "
	    "socket", iv > 0 ? "verbose" : "brief", iv);
	for (p = PROC_AGENT; p < PROC_MAX; p++)
		(void)child_send(p, IMSG_VERBOSE, &iv, sizeof(iv));
	(void)ctl_reply(peer, IMSG_CTL_END, NULL, 0);
}

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

static void
logs_request(struct child *c, uint32_t peer, struct imsg *imsg)
{
	struct ctl_logs		 cl;
	struct rt_logs		 rl;
	struct logs_relay	*lr;
	const struct pod_ctr	*pc;
	struct pod		*p;
	char			 msg[RIK_ID_MAX + RIK_NAME_MAX + 64];

	if (imsg->datalen != sizeof(cl)) {
		child_violation(c, "CTL_LOGS: bad size");
		return;
	}
	memcpy(&cl, imsg->data, sizeof(cl));
	if (!strarray_terminated(cl.instance, sizeof(cl.instance)) ||
	    !strarray_terminated(cl.container, sizeof(cl.container)) ||
	    !podspec_valid_id(cl.instance) ||
	    (cl.container[0] != '\0' && !podspec_valid_name(cl.container)) ||
	    cl.tail < LOGS_TAIL_ALL || cl.tail > LOGS_TAIL_MAX ||
	    cl.follow > 1) {
		child_violation(c, "CTL_LOGS: bad contents");
		return;
	}
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
	if (!parent->children[PROC_RUNTIME].connected ||
	    !parent->children[PROC_RUNTIME].ready) {
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

/* An acknowledgement or a cancellation: the client is ahead of us. */
static void
logs_client(struct child *c, uint32_t peer, struct imsg *imsg)
{
	struct logs_relay	*lr;
	struct logs_ack		 a;
	uint32_t		 reqid;

	if (imsg->hdr.type == IMSG_CTL_LOGS_ACK) {
		if (imsg->datalen != sizeof(a)) {
			child_violation(c, "CTL_LOGS_ACK: bad size");
			return;
		}
		memcpy(&a, imsg->data, sizeof(a));
		reqid = a.reqid;
	} else {
		if (imsg->datalen != sizeof(reqid)) {
			child_violation(c, "CTL_LOGS_CANCEL: bad size");
			return;
		}
		memcpy(&reqid, imsg->data, sizeof(reqid));
	}
	if (reqid != peer) {
		child_violation(c, "%s: request %u on connection %u",
		    imsg_type_name(imsg->hdr.type), reqid, peer);
		return;
	}
	/* Ended meanwhile: nothing left to tell. */
	if ((lr = logs_find(peer, 1)) == NULL)
		return;
	if (imsg->hdr.type == IMSG_CTL_LOGS_ACK) {
		a.reqid = lr->reqid;
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

/* IMSG_RT_LOGS_DATA and _END from the runtime, on to the client. */
void
control_logs_runtime(struct child *c, struct imsg *imsg)
{
	struct logs_relay	*lr;
	struct logs_data	 d;
	struct logs_end		 e;
	struct iovec		 iov[2];

	if (imsg->hdr.type == IMSG_RT_LOGS_DATA) {
		if (imsg->datalen <= sizeof(d) ||
		    imsg->datalen > sizeof(d) + LOGS_CHUNK_MAX) {
			child_violation(c, "RT_LOGS_DATA: bad size");
			return;
		}
		memcpy(&d, imsg->data, sizeof(d));
		if (d.stream != LOGS_STDOUT && d.stream != LOGS_STDERR) {
			child_violation(c, "RT_LOGS_DATA: stream %u",
			    d.stream);
			return;
		}
		/* Cancelled while it was on its way. */
		if ((lr = logs_find(d.reqid, 0)) == NULL)
			return;
		d.reqid = lr->peer;
		iov[0].iov_base = &d;
		iov[0].iov_len = sizeof(d);
		iov[1].iov_base = (unsigned char *)imsg->data + sizeof(d);
		iov[1].iov_len = imsg->datalen - sizeof(d);
		(void)ctl_replyv(lr->peer, IMSG_CTL_LOGS_DATA, iov, 2);
		return;
	}
	if (imsg->datalen != sizeof(e)) {
		child_violation(c, "RT_LOGS_END: bad size");
		return;
	}
	memcpy(&e, imsg->data, sizeof(e));
	if (!strarray_terminated(e.message, sizeof(e.message)) || e.ok > 1 ||
	    (!e.ok && e.message[0] == '\0')) {
		child_violation(c, "RT_LOGS_END: bad contents");
		return;
	}
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
control_child_gone(enum riklet_proc proc)
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
