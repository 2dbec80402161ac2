/*
 * The connection to RIK's scheduler with the gRPC C core.
 *
 * gRPC's I/O only makes progress while some thread waits on its
 * completion queue (the callback queue stalls until a 5 s backup poller),
 * so one thread blocks in grpc_completion_queue_next and hands each
 * completion to the event loop through an eventfd.  Every gRPC call is
 * made on the main thread, with one exception: the samples of a tick.
 * Each is its own WorkerStatus message (RIK's protocol), and gRPC takes
 * one message at a time; handing every completion back to the main
 * thread costs two thread wake-ups a message, most of the agent's CPU at
 * a 1 s resolution with many pods.  So the main thread packs the samples
 * that follow the message it sends into the outbox, and the queue thread
 * sends each as the previous one completes (the send is done by the time
 * the batch starts: no wake-up at all).  Every message but the last of a
 * run carries GRPC_WRITE_BUFFER_HINT, so a tick's samples leave in one
 * TCP write; each is still its own length-prefixed gRPC message, the
 * bytes on the stream are the same.  Only samples go to the outbox: they
 * are dropped with a lost connection anyway, and a state change is never
 * overtaken.  The main thread sees one send, and its completion only
 * when it has more to send: else the queue thread keeps it, and the main
 * thread settles it when it next sends (one wake-up of each thread a
 * tick, not two of the main thread).
 *
 * A session is one registration: the Register server stream that brings
 * instructions, and the SendStatusUpdates client stream that carries
 * statuses, one message in flight at a time.  When either ends the session
 * is cancelled, and freed once all its batches have completed; then we
 * back off (1 s doubling to 30 s, with jitter), ask the parent to resolve
 * the scheduler again, and start over.  The scheduler being away is never
 * a reason to exit.
 */
#include <sys/eventfd.h>

#include <arpa/inet.h>

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>

#include "agent.h"
#include "backoff.h"
#include "log.h"
#include "util.h"
#include "worker.pb-c.h"

#define BACKOFF_MIN_MS		1000
#define BACKOFF_MAX_MS		30000
#define CONNECT_TIMEOUT_MS	10000
/* Pings every 10 s, 10 s to answer: a frozen scheduler is seen in 20 s. */
#define KEEPALIVE_MS		10000
#define KEEPALIVE_MAX_MS	(5 * 60 * 1000)
#define KEEPALIVE_TIMEOUT_MS	10000
/*
 * A server with gRPC's default policy counts pings that come with no data
 * as strikes: an idle stream gets a WorkerMetric this often, which the
 * scheduler takes as a fresh node report.
 */
#define HEARTBEAT_MS		5000
/*
 * Register's headers say the scheduler took the registration, unless a
 * status follows at once (a refusal is headers and status together).
 * grpcio sends headers with the first message only: without headers, no
 * status for a while after the request was sent means taken too.
 */
#define HEADERS_GRACE_MS	100
#define REGISTER_GRACE_MS	1000
#define CQ_EVENTS_MAX		256
/* Samples packed ahead of their turn: a tick of 127 pods and the node. */
#define OUTBOX_MAX		128

enum op_kind {
	OP_REG_SEND,
	OP_REG_HEADERS,
	OP_REG_RECV,
	OP_REG_STATUS,
	OP_ST_START,
	OP_ST_RECV,
	OP_ST_STATUS,
	OP_ST_SEND,
	OP_WATCH,
	OP_MAX
};

struct session;

/* A batch's tag: which batch, of which session. */
struct gop {
	enum op_kind	 kind;
	struct session	*s;
};

struct session {
	grpc_call		*reg;
	grpc_call		*st;
	int			 pending;	/* batches not completed */
	int			 dead;
	int			 headers;	/* Register's headers came */
	grpc_metadata_array	 reg_md, reg_trailers, st_md, st_trailers;
	grpc_byte_buffer	*reg_req, *reg_msg, *st_msg, *st_out;
	grpc_status_code	 reg_code, st_code;
	grpc_slice		 reg_details, st_details;
	struct gop		 ops[OP_MAX];
};

enum conn_state {
	CONN_IDLE,		/* no target yet */
	CONN_CONNECTING,	/* waiting for the channel to be ready */
	CONN_REGISTERING,
	CONN_REGISTERED,
	CONN_BACKOFF
};

struct cq_event {
	void		*tag;
	int		 ok;
};

static void	*cq_thread(void *);
static void	 cq_wakeup(int, short, void *);
static void	 grpc_log(gpr_log_func_args *);
static void	 arg_int(grpc_arg *, const char *, int);
static void	 channel_open(void);
static void	 sched_connect(void);
static void	 watch(grpc_connectivity_state);
static void	 watch_done(int);
static void	 sched_fail(const char *);
static void	 backoff_fire(int, short, void *);
static void	 grace_fire(int, short, void *);
static void	 heartbeat_fire(int, short, void *);
static int	 batch(struct session *, grpc_call *, enum op_kind,
		    grpc_op *, size_t);
static int	 await_status(struct session *, grpc_call *, enum op_kind,
		    grpc_metadata_array *, grpc_status_code *, grpc_slice *);
static void	 session_start(void);
static void	 session_end(struct session *);
static void	 session_free(struct session *);
static void	 op_done(struct gop *, int);
static int	 outbox_next(struct gop *, int *);
static size_t	 outbox_fill(void);
static void	 outbox_flush(void);
static void	 outbox_drop(void);
static int	 send_settle(void);
static void	 send_ended(struct session *, int);
static void	 send_next(int, short, void *);
static void	 heartbeat_arm(void);
static void	 registered(void);
static void	 worker_metric(void);
static void	 reg_recv(struct session *);
static void	 reg_message(struct session *);
static const char *call_status(grpc_status_code, grpc_slice, char *,
		    size_t);
static grpc_byte_buffer *pack_status(const struct status_entry *);
static void	 scheduler_host(char *, size_t);

static const struct riklet_conf	*conf;
static struct event_base	*sched_base;
static grpc_completion_queue	*cq;
static pthread_t		 cq_tid;
static pthread_mutex_t		 cq_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct cq_event		 cq_events[CQ_EVENTS_MAX];
static size_t			 cq_nevents;
static int			 cq_fd = -1;
/* The outbox, under cq_mtx: filled by the main thread while no send is
 * in flight, emptied by the queue thread. */
static grpc_byte_buffer		*outbox[OUTBOX_MAX];
static size_t			 outbox_head, outbox_len;
static size_t			 outbox_sent;	/* sent from it, not counted */
static struct session		*outbox_s;	/* whose messages they are */
/* The last send of a run that went well, its completion kept by the
 * queue thread: the main thread settles it when it next sends. */
static struct gop		*outbox_done;
static int			 outbox_wanted;	/* main waits for the end */
static struct event		*ev_cq, *ev_backoff, *ev_grace, *ev_heartbeat,
				*ev_kick;

static grpc_channel		*chan;
static char			 target[AGENT_TARGET_MAX];
static char			 host_address[CONF_ADDR_MAX];	/* learned */
static char			*pem[3];	/* CA, certificate, key */
static struct gop		 watch_op = { OP_WATCH, NULL };
static gpr_timespec		 connect_deadline;

static enum conn_state		 state = CONN_IDLE;
static struct session		*cur;
static int			 send_inflight;
static struct backoff		 backoff;
static int			 outage_logged;
static int			 worker_first;	/* no WorkerMetric yet */
static atomic_int		 grpc_quiet;
static int			 keepalive_ms = KEEPALIVE_MS;

void
sched_init(struct event_base *base, const struct riklet_conf *c)
{
	sigset_t	 all, old;

	backoff_init(&backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS);
	conf = c;
	sched_base = base;
	gpr_set_log_function(grpc_log);
	gpr_set_log_verbosity(log_getverbose() > 1 ? GPR_LOG_SEVERITY_INFO :
	    GPR_LOG_SEVERITY_ERROR);
	/*
	 * gRPC starts eight threads that allocate little and seldom: one
	 * malloc arena for all of them, not one each (smaps: eight arenas of
	 * 4 to 28 KiB resident each, idle).
	 */
	if (mallopt(M_ARENA_MAX, 1) != 1)
		log_debug("mallopt M_ARENA_MAX failed");
	grpc_init();
	if ((cq = grpc_completion_queue_create_for_next(NULL)) == NULL)
		fatalx("%s: completion queue", __func__);
	if ((cq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("%s: eventfd", __func__);
	if ((ev_cq = event_new(base, cq_fd, EV_READ | EV_PERSIST, cq_wakeup,
	    NULL)) == NULL || event_add(ev_cq, NULL) == -1 ||
	    (ev_backoff = evtimer_new(base, backoff_fire, NULL)) == NULL ||
	    (ev_grace = evtimer_new(base, grace_fire, NULL)) == NULL ||
	    (ev_heartbeat = evtimer_new(base, heartbeat_fire, NULL)) == NULL ||
	    (ev_kick = event_new(base, -1, 0, send_next, NULL)) == NULL)
		fatalx("%s: event", __func__);
	/* Signals are the event loop's business, not the queue thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if ((errno = pthread_create(&cq_tid, NULL, cq_thread, NULL)) != 0)
		fatal("%s: pthread_create", __func__);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * gRPC's own log lines, as ours: they say why a handshake failed.  Its
 * errors are warnings once per outage, like ours (this runs on gRPC's
 * threads, hence the atomic).
 */
static void
grpc_log(gpr_log_func_args *a)
{
	if (a->severity == GPR_LOG_SEVERITY_ERROR && !atomic_load(&grpc_quiet))
		log_warnx("grpc: %s", a->message);
	else
		log_debug("grpc: %s", a->message);
}

static void *
cq_thread(void *arg)
{
	grpc_event	 ev;
	uint64_t	 one = 1;
	int		 wake;

	(void)arg;
	for (;;) {
		ev = grpc_completion_queue_next(cq,
		    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		pthread_mutex_lock(&cq_mtx);
		if (outbox_next(ev.tag, &ev.success)) {
			pthread_mutex_unlock(&cq_mtx);
			continue;
		}
		/* Batches in flight are few and bounded: this cannot fill. */
		if (cq_nevents == CQ_EVENTS_MAX)
			fatalx("%s: completion backlog", __func__);
		cq_events[cq_nevents].tag = ev.tag;
		cq_events[cq_nevents].ok = ev.success;
		wake = cq_nevents++ == 0;
		pthread_mutex_unlock(&cq_mtx);
		if (wake && write(cq_fd, &one, sizeof(one)) == -1 &&
		    errno != EAGAIN)
			fatal("%s: eventfd write", __func__);
	}
	return NULL;
}

static void
cq_wakeup(int fd, short event, void *arg)
{
	struct cq_event	 evs[CQ_EVENTS_MAX];
	uint64_t	 n;
	size_t		 i, nevs;

	(void)event;
	(void)arg;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		fatal("%s: eventfd read", __func__);
	pthread_mutex_lock(&cq_mtx);
	nevs = cq_nevents;
	memcpy(evs, cq_events, nevs * sizeof(evs[0]));
	cq_nevents = 0;
	pthread_mutex_unlock(&cq_mtx);
	for (i = 0; i < nevs; i++) {
		if (evs[i].tag == &watch_op)
			watch_done(evs[i].ok);
		else
			op_done(evs[i].tag, evs[i].ok);
	}
}

/* IMSG_TLS_*: which is 0 for the CA, 1 the certificate, 2 the key. */
void
sched_set_pem(uint32_t which, const char *s)
{
	if (which >= 3)
		return;
	if (pem[which] != NULL)
		freezero(pem[which], strlen(pem[which]));
	if ((pem[which] = strdup(s)) == NULL)
		fatal("%s", __func__);
}

void
sched_set_target(const char *t)
{
	if (strcmp(t, target) != 0) {
		log_info("scheduler %s is at %s", conf->scheduler, t);
		(void)strlcpy(target, t, sizeof(target));
	}
	if (state == CONN_IDLE)
		sched_connect();
}

/*
 * The node's address as the parent learned it, sent in every status's
 * host_address unless riklet.conf names one (newer RIK schedulers reach
 * the node there; older ones skip the field).
 */
int
sched_set_host_address(const char *s)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (strlen(s) >= sizeof(host_address) ||
	    (inet_pton(AF_INET, s, &a4) != 1 &&
	    inet_pton(AF_INET6, s, &a6) != 1))
		return -1;
	if (strcmp(s, host_address) != 0)
		log_debug("host address %s", s);
	(void)strlcpy(host_address, s, sizeof(host_address));
	return 0;
}

int
sched_registered(void)
{
	return state == CONN_REGISTERED;
}

/* The host part of "host:port" or "[v6]:port", for TLS name checks. */
static void
scheduler_host(char *host, size_t size)
{
	const char	*s = conf->scheduler, *end;

	if (*s == '[' && (end = strchr(s, ']')) != NULL)
		s++;
	else if ((end = strrchr(s, ':')) == NULL)
		end = s + strlen(s);
	(void)snprintf(host, size, "%.*s", (int)(end - s), s);
}

/* grpc_arg's key is not const, though gRPC never writes it. */
static void
arg_int(grpc_arg *a, const char *key, int value)
{
	a->type = GRPC_ARG_INTEGER;
	a->key = (char *)(uintptr_t)key;
	a->value.integer = value;
}

static void
channel_open(void)
{
	grpc_channel_credentials	*creds;
	grpc_ssl_pem_key_cert_pair	 pair;
	grpc_channel_args		 args;
	grpc_arg			 a[8];
	char				 host[CONF_HOST_MAX];
	size_t				 n = 0;

	if (chan != NULL)
		grpc_channel_destroy(chan);
	arg_int(&a[n++], GRPC_ARG_KEEPALIVE_TIME_MS, keepalive_ms);
	arg_int(&a[n++], GRPC_ARG_KEEPALIVE_TIMEOUT_MS, KEEPALIVE_TIMEOUT_MS);
	/* Our backoff decides when to retry, not the channel's own. */
	arg_int(&a[n++], GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
	    BACKOFF_MIN_MS);
	arg_int(&a[n++], GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, BACKOFF_MAX_MS);
	arg_int(&a[n++], GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
	    AGENT_RECV_MAX);
	arg_int(&a[n++], GRPC_ARG_ENABLE_RETRIES, 0);
	if (conf->tls) {
		scheduler_host(host, sizeof(host));
		a[n].type = GRPC_ARG_STRING;
		a[n].key = (char *)(uintptr_t)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
		a[n++].value.string = host;
		if (pem[0] == NULL)
			log_warnx("tls: no CA from the parent; the scheduler's "
			    "certificate cannot be checked in the chroot");
		pair.cert_chain = pem[1];
		pair.private_key = pem[2];
		creds = grpc_ssl_credentials_create(pem[0],
		    pem[1] != NULL && pem[2] != NULL ? &pair : NULL, NULL,
		    NULL);
	} else
		creds = grpc_insecure_credentials_create();
	args.num_args = n;
	args.args = a;
	if (creds == NULL ||
	    (chan = grpc_channel_create(target, creds, &args)) == NULL)
		fatalx("%s: cannot create a channel to %s", __func__, target);
	grpc_channel_credentials_release(creds);
	log_debug("channel to %s (%s, keepalive %d ms)", target,
	    conf->tls ? "tls" : "insecure", keepalive_ms);
}

static void
sched_connect(void)
{
	grpc_connectivity_state	 cs;

	if (target[0] == '\0') {
		state = CONN_IDLE;
		return;
	}
	/*
	 * A fresh channel for every attempt: its state then shows this
	 * attempt's failure at once (a failed channel stays in
	 * TRANSIENT_FAILURE while it retries on its own), and our backoff,
	 * not the channel's, decides when to try again.
	 */
	channel_open();
	state = CONN_CONNECTING;
	agent_conn_state(AGENT_CONNECTING, (uint32_t)backoff_peek(&backoff),
	    "connecting");
	connect_deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis(CONNECT_TIMEOUT_MS, GPR_TIMESPAN));
	cs = grpc_channel_check_connectivity_state(chan, 1);
	if (cs == GRPC_CHANNEL_READY)
		session_start();
	else
		watch(cs);
}

static void
watch(grpc_connectivity_state cs)
{
	grpc_channel_watch_connectivity_state(chan, cs, connect_deadline, cq,
	    &watch_op);
}

static void
watch_done(int ok)
{
	grpc_connectivity_state	 cs;

	if (state != CONN_CONNECTING)
		return;
	/* 1: an idle channel must be told to connect again. */
	cs = grpc_channel_check_connectivity_state(chan, 1);
	switch (cs) {
	case GRPC_CHANNEL_READY:
		session_start();
		break;
	case GRPC_CHANNEL_TRANSIENT_FAILURE:
	case GRPC_CHANNEL_SHUTDOWN:
		sched_fail(conf->tls ? "cannot connect (connection or TLS "
		    "handshake failed)" : "cannot connect");
		break;
	default:
		if (!ok)
			sched_fail("connection timed out");
		else
			watch(cs);
		break;
	}
}

/* Every way a connection ends comes here, once per session. */
static void
sched_fail(const char *why)
{
	struct timeval	 tv;
	uint32_t	 delay;
	uint64_t	 ms;

	/* First: it settles a send whose end the queue thread kept. */
	outbox_flush();
	send_inflight = 0;
	if (cur != NULL) {
		session_end(cur);
		cur = NULL;
	}
	evtimer_del(ev_grace);
	evtimer_del(ev_heartbeat);
	queue_drop_samples();
	counters_touch();
	if (!outage_logged) {
		log_warnx("scheduler %s (%s): %s; retrying", conf->scheduler,
		    target, why);
		outage_logged = 1;
		atomic_store(&grpc_quiet, 1);
	} else
		log_debug("scheduler %s: %s", conf->scheduler, why);
	state = CONN_BACKOFF;
	ms = backoff_next(&backoff);
	agent_conn_state(AGENT_DISCONNECTED, (uint32_t)ms, why);
	/* Addresses change: have the parent look again, once per step. */
	agent_to_parent(IMSG_SCHED_RESOLVE, NULL, 0);
	/* Full jitter on the upper half: no herd of workers in step. */
	delay = (uint32_t)ms / 2 + arc4random_uniform((uint32_t)ms / 2 + 1);
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(ev_backoff, &tv);
}

static void
backoff_fire(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (state != CONN_BACKOFF)
		return;
	counters_add(COUNTER_RECONNECTS, 1);
	sched_connect();
}

static int
batch(struct session *s, grpc_call *call, enum op_kind kind, grpc_op *ops,
    size_t nops)
{
	grpc_call_error	 e;

	s->ops[kind].kind = kind;
	s->ops[kind].s = s;
	if ((e = grpc_call_start_batch(call, ops, nops, &s->ops[kind],
	    NULL)) != GRPC_CALL_OK) {
		log_warnx("%s: batch %d: %s", __func__, kind,
		    grpc_call_error_to_string(e));
		return -1;
	}
	s->pending++;
	return 0;
}

/* The batch that completes when the call ends, with its status. */
static int
await_status(struct session *s, grpc_call *call, enum op_kind kind,
    grpc_metadata_array *trailers, grpc_status_code *code,
    grpc_slice *details)
{
	grpc_op	 op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	op.data.recv_status_on_client.trailing_metadata = trailers;
	op.data.recv_status_on_client.status = code;
	op.data.recv_status_on_client.status_details = details;
	return batch(s, call, kind, &op, 1);
}

static void
session_start(void)
{
	struct session		*s;
	Common__WorkerRegistration reg;
	grpc_op			 ops[3];
	grpc_slice		 sl;
	gpr_timespec		 never = gpr_inf_future(GPR_CLOCK_REALTIME);
	size_t			 len;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	grpc_metadata_array_init(&s->reg_md);
	grpc_metadata_array_init(&s->reg_trailers);
	grpc_metadata_array_init(&s->st_md);
	grpc_metadata_array_init(&s->st_trailers);
	s->reg_details = grpc_empty_slice();
	s->st_details = grpc_empty_slice();
	cur = s;
	state = CONN_REGISTERING;

	common__worker_registration__init(&reg);
	reg.hostname = (char *)(uintptr_t)conf->hostname;
	len = common__worker_registration__get_packed_size(&reg);
	sl = grpc_slice_malloc(len);
	common__worker_registration__pack(&reg, GRPC_SLICE_START_PTR(sl));
	s->reg_req = grpc_raw_byte_buffer_create(&sl, 1);
	grpc_slice_unref(sl);

	/* Infinite deadlines: both streams live as long as the session. */
	s->reg = grpc_channel_create_call(chan, NULL, GRPC_PROPAGATE_DEFAULTS,
	    cq, grpc_slice_from_static_string("/worker.Worker/Register"),
	    NULL, never, NULL);
	s->st = grpc_channel_create_call(chan, NULL, GRPC_PROPAGATE_DEFAULTS,
	    cq, grpc_slice_from_static_string(
	    "/worker.Worker/SendStatusUpdates"), NULL, never, NULL);
	if (s->reg == NULL || s->st == NULL)
		fatalx("%s: cannot create calls", __func__);

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = s->reg_req;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	if (batch(s, s->reg, OP_REG_SEND, ops, 3) == -1)
		goto fail;
	if (await_status(s, s->reg, OP_REG_STATUS, &s->reg_trailers,
	    &s->reg_code, &s->reg_details) == -1)
		goto fail;
	/* Apart from the request: grpcio may hold headers back for long. */
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[0].data.recv_initial_metadata.recv_initial_metadata = &s->reg_md;
	if (batch(s, s->reg, OP_REG_HEADERS, ops, 1) == -1)
		goto fail;
	reg_recv(s);

	/*
	 * The status stream's end must be awaited from the start, or a dead
	 * scheduler is never noticed on it.
	 */
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].flags = GRPC_INITIAL_METADATA_WAIT_FOR_READY;
	if (batch(s, s->st, OP_ST_START, ops, 1) == -1)
		goto fail;
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[0].data.recv_initial_metadata.recv_initial_metadata = &s->st_md;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &s->st_msg;
	if (batch(s, s->st, OP_ST_RECV, ops, 2) == -1)
		goto fail;
	if (await_status(s, s->st, OP_ST_STATUS, &s->st_trailers,
	    &s->st_code, &s->st_details) == -1)
		goto fail;
	log_debug("registering as %s", conf->hostname);
	return;
 fail:
	sched_fail("cannot start the calls");
}

static void
reg_recv(struct session *s)
{
	grpc_op	 op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &s->reg_msg;
	if (batch(s, s->reg, OP_REG_RECV, &op, 1) == -1)
		sched_fail("cannot read the instruction stream");
}

static void
session_end(struct session *s)
{
	s->dead = 1;
	grpc_call_cancel(s->reg, NULL);
	grpc_call_cancel(s->st, NULL);
	if (s->pending == 0)
		session_free(s);
}

static void
session_free(struct session *s)
{
	grpc_call_unref(s->reg);
	grpc_call_unref(s->st);
	grpc_metadata_array_destroy(&s->reg_md);
	grpc_metadata_array_destroy(&s->reg_trailers);
	grpc_metadata_array_destroy(&s->st_md);
	grpc_metadata_array_destroy(&s->st_trailers);
	if (s->reg_req != NULL)
		grpc_byte_buffer_destroy(s->reg_req);
	if (s->reg_msg != NULL)
		grpc_byte_buffer_destroy(s->reg_msg);
	if (s->st_msg != NULL)
		grpc_byte_buffer_destroy(s->st_msg);
	if (s->st_out != NULL)
		grpc_byte_buffer_destroy(s->st_out);
	grpc_slice_unref(s->reg_details);
	grpc_slice_unref(s->st_details);
	free(s);
}

static const char *
call_status(grpc_status_code code, grpc_slice details, char *buf,
    size_t size)
{
	size_t	 len = GRPC_SLICE_LENGTH(details);

	if (len > 200)
		len = 200;
	(void)snprintf(buf, size, "status %d%s%.*s", (int)code,
	    len ? ": " : "", (int)len,
	    (const char *)GRPC_SLICE_START_PTR(details));
	return buf;
}

static void
op_done(struct gop *g, int ok)
{
	struct session	*s = g->s;
	struct timeval	 grace = { REGISTER_GRACE_MS / 1000,
			    (REGISTER_GRACE_MS % 1000) * 1000 };
	struct timeval	 hgrace = { 0, HEADERS_GRACE_MS * 1000 };
	char		 why[RIK_MESSAGE_MAX];

	s->pending--;
	if (s->dead) {
		if (s->pending == 0)
			session_free(s);
		return;
	}
	switch (g->kind) {
	case OP_REG_SEND:
		if (!ok)
			sched_fail("cannot send the registration");
		else if (!s->headers)
			evtimer_add(ev_grace, &grace);
		break;
	case OP_REG_HEADERS:
		if (ok && state == CONN_REGISTERING) {
			s->headers = 1;
			evtimer_add(ev_grace, &hgrace);
		}
		break;
	case OP_REG_RECV:
		/* No message: the stream ended, its status says why. */
		if (ok && s->reg_msg != NULL) {
			if (state == CONN_REGISTERING)
				registered();
			reg_message(s);
			if (!s->dead)
				reg_recv(s);
		}
		break;
	case OP_REG_STATUS:
		call_status(s->reg_code, s->reg_details, why, sizeof(why));
		if (s->reg_code == GRPC_STATUS_FAILED_PRECONDITION)
			log_warnx("scheduler refused to register hostname "
			    "\"%s\": %s", conf->hostname, why);
		else if (s->reg_code == GRPC_STATUS_ALREADY_EXISTS)
			log_warnx("scheduler says hostname \"%s\" is already "
			    "registered: %s", conf->hostname, why);
		sched_fail(why);
		break;
	case OP_ST_STATUS:
		call_status(s->st_code, s->st_details, why, sizeof(why));
		if (strstr(why, "too_many_pings") != NULL &&
		    keepalive_ms < KEEPALIVE_MAX_MS) {
			/* What other gRPC clients do: ping less. */
			keepalive_ms *= 2;
			log_info("scheduler wants fewer pings: keepalive "
			    "now %d ms", keepalive_ms);
		}
		sched_fail(why);
		break;
	case OP_ST_SEND:
		send_ended(s, ok);
		/* A failed send ends the call: its status follows. */
		if (ok)
			sched_kick();
		break;
	case OP_ST_START:
	case OP_ST_RECV:
	case OP_WATCH:
	case OP_MAX:
		break;
	}
}

static void
grace_fire(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (state == CONN_REGISTERING)
		registered();
}

static void
registered(void)
{
	size_t		 n;

	evtimer_del(ev_grace);
	state = CONN_REGISTERED;
	backoff_reset(&backoff);
	outage_logged = 0;
	atomic_store(&grpc_quiet, 0);
	log_info("registered with scheduler %s as %s", conf->scheduler,
	    conf->hostname);
	heartbeat_arm();
	worker_first = 1;
	worker_metric();
	if ((n = queue_dropped()) > 0)
		log_warnx("%zu intermediate state changes dropped since the "
		    "last registration: the status queue was full", n);
	sched_kick();
	counters_add(COUNTER_REGISTRATIONS, 1);
	agent_conn_state(AGENT_REGISTERED, 0, "registered");
}

/*
 * RIK marks a worker Ready only on a WorkerMetric RUNNING, and reads its
 * metrics as the node's: it carries the latest node sample, never an
 * empty one.  The first after registering goes before the state changes
 * that waited for the connection; with no sample yet (riklet just
 * started), the first sample to come goes first.
 */
static void
worker_metric(void)
{
	const char	*m;

	if ((m = agent_node_metrics()) == NULL) {
		log_debug("no node sample yet: the WorkerMetric waits");
		return;
	}
	if (queue_push(STATUS_WORKER, NULL, RIK_RUNNING, 0, m) == -1)
		return;
	if (worker_first)
		queue_last_to_head();
	worker_first = 0;
	sched_kick();
}

/* A new node sample from the parent. */
void
sched_node_sample(void)
{
	if (state == CONN_REGISTERED)
		worker_metric();
}

/* Every send puts the heartbeat off: it fires after HEARTBEAT_MS idle. */
static void
heartbeat_arm(void)
{
	struct timeval	 tv = { HEARTBEAT_MS / 1000, 0 };

	evtimer_add(ev_heartbeat, &tv);
}

static void
heartbeat_fire(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (state != CONN_REGISTERED)
		return;
	if (queue_length() > 0)
		heartbeat_arm();	/* a send is due anyway */
	else
		worker_metric();
}

/* One InstanceScheduling: read and checked, then handed on. */
static void
reg_message(struct session *s)
{
	grpc_byte_buffer_reader	 rd;
	grpc_slice		 sl;
	struct instruction	 in;

	if (!grpc_byte_buffer_reader_init(&rd, s->reg_msg)) {
		log_warnx("scheduler: unreadable instruction");
		goto done;
	}
	sl = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	if (instruction_read(GRPC_SLICE_START_PTR(sl), GRPC_SLICE_LENGTH(sl),
	    &in) == -1)
		log_warnx("scheduler: %s", in.message);
	else {
		agent_instruction(&in);
		instruction_free(&in);
	}
	grpc_slice_unref(sl);
 done:
	grpc_byte_buffer_destroy(s->reg_msg);
	s->reg_msg = NULL;
}

static grpc_byte_buffer *
pack_status(const struct status_entry *e)
{
	Common__WorkerStatus	 ws;
	Common__WorkerMetric	 wm;
	Common__InstanceMetric	 im;
	grpc_byte_buffer	*bb;
	grpc_slice		 sl;

	common__worker_status__init(&ws);
	ws.identifier = (char *)(uintptr_t)conf->hostname;
	ws.host_address = (char *)(uintptr_t)(conf->host_address[0] != '\0' ?
	    conf->host_address : host_address);
	if (e->kind == STATUS_WORKER) {
		common__worker_metric__init(&wm);
		wm.status = (Common__ResourceStatus)e->status;
		wm.metrics = (char *)(uintptr_t)e->metrics;
		ws.status_case = COMMON__WORKER_STATUS__STATUS_WORKER;
		ws.worker = &wm;
	} else {
		common__instance_metric__init(&im);
		im.status = (Common__ResourceStatus)e->status;
		im.metrics = (char *)(uintptr_t)e->metrics;
		im.instance_id = (char *)(uintptr_t)e->instance;
		ws.status_case = COMMON__WORKER_STATUS__STATUS_INSTANCE;
		ws.instance = &im;
	}
	sl = grpc_slice_malloc(common__worker_status__get_packed_size(&ws));
	common__worker_status__pack(&ws, GRPC_SLICE_START_PTR(sl));
	bb = grpc_raw_byte_buffer_create(&sl, 1);
	grpc_slice_unref(sl);
	return bb;
}

/*
 * Something was queued: it goes once the event loop is done with the
 * messages read with it, so that a tick's node and pod samples, which
 * come in one read, leave in one run.
 */
void
sched_kick(void)
{
	event_active(ev_kick, EV_TIMEOUT, 1);
}

/* Sends the next queued status unless one is in flight. */
static void
send_next(int fd, short event, void *arg)
{
	struct status_entry	*e;
	grpc_op			 op;

	(void)fd;
	(void)event;
	(void)arg;
	if (state != CONN_REGISTERED || cur == NULL ||
	    (e = queue_first()) == NULL || !send_settle()) {
		counters_touch();
		return;
	}
	cur->st_out = pack_status(e);
	log_debug("send %s %s%s%s", e->kind == STATUS_WORKER ? "worker" :
	    "instance", rik_status_name(e->status), e->instance[0] ? " " : "",
	    e->instance);
	queue_remove(e);
	memset(&op, 0, sizeof(op));
	if (outbox_fill() > 0)
		op.flags = GRPC_WRITE_BUFFER_HINT;
	op.op = GRPC_OP_SEND_MESSAGE;
	op.data.send_message.send_message = cur->st_out;
	if (batch(cur, cur->st, OP_ST_SEND, &op, 1) == -1) {
		sched_fail("cannot send a status");
		return;
	}
	send_inflight = 1;
	heartbeat_arm();
	counters_touch();
}

/*
 * Main thread: 1 when no send is in flight (the end of a run the queue
 * thread kept is settled here), else 0 and the queue thread hands us the
 * send's end, as the queue is not empty.
 */
static int
send_settle(void)
{
	struct gop	*g;

	if (!send_inflight)
		return 1;
	pthread_mutex_lock(&cq_mtx);
	if ((g = outbox_done) == NULL)
		outbox_wanted = 1;
	outbox_done = NULL;
	pthread_mutex_unlock(&cq_mtx);
	if (g == NULL)
		return 0;
	g->s->pending--;
	send_ended(g->s, 1);
	return 1;
}

/* Main thread: the send in flight ended, ok or not; those of its run. */
static void
send_ended(struct session *s, int ok)
{
	size_t	 sent;

	grpc_byte_buffer_destroy(s->st_out);
	s->st_out = NULL;
	send_inflight = 0;
	pthread_mutex_lock(&cq_mtx);
	sent = outbox_sent + (ok ? 1 : 0);
	outbox_sent = 0;
	pthread_mutex_unlock(&cq_mtx);
	counters_add(COUNTER_SENT, sent);
}

/*
 * Main thread, no send in flight: the samples at the head of the queue,
 * packed, go to the outbox, up to the first state change.  Returns how
 * many it holds.
 */
static size_t
outbox_fill(void)
{
	struct status_entry	*e;
	grpc_byte_buffer	*bb;
	size_t			 n;

	pthread_mutex_lock(&cq_mtx);
	outbox_s = cur;
	while (outbox_len < OUTBOX_MAX && (e = queue_first()) != NULL &&
	    !e->transition) {
		bb = pack_status(e);
		log_debug("send %s %s%s%s", e->kind == STATUS_WORKER ?
		    "worker" : "instance", rik_status_name(e->status),
		    e->instance[0] ? " " : "", e->instance);
		queue_remove(e);
		outbox[(outbox_head + outbox_len++) % OUTBOX_MAX] = bb;
	}
	/* A state change, or more than the outbox holds, waits for us. */
	outbox_wanted = queue_first() != NULL;
	outbox_done = NULL;
	n = outbox_len;
	pthread_mutex_unlock(&cq_mtx);
	return n;
}

/* Main thread: the session is over, its samples are stale. */
static void
outbox_flush(void)
{
	struct gop	*g;

	pthread_mutex_lock(&cq_mtx);
	outbox_drop();
	outbox_sent = 0;
	outbox_s = NULL;
	g = outbox_done;
	outbox_done = NULL;
	pthread_mutex_unlock(&cq_mtx);
	/* The end of a run kept by the queue thread: the send is over. */
	if (g != NULL) {
		g->s->pending--;
		grpc_byte_buffer_destroy(g->s->st_out);
		g->s->st_out = NULL;
	}
}

/* cq_mtx held: the samples not sent go. */
static void
outbox_drop(void)
{
	while (outbox_len > 0) {
		grpc_byte_buffer_destroy(outbox[outbox_head]);
		outbox_head = (outbox_head + 1) % OUTBOX_MAX;
		outbox_len--;
	}
}

/*
 * Queue thread, cq_mtx held: a send of the outbox's session that went
 * well is followed by the outbox's next message, on the same call with
 * the same tag.  Returns 1 when the completion stays here, 0 when the
 * main thread must have it (*ok 0 if the next could not be sent).
 */
static int
outbox_next(struct gop *g, int *ok)
{
	struct session	*s;
	grpc_op		 op;
	grpc_call_error	 e;

	if (g == &watch_op || g->kind != OP_ST_SEND || !*ok ||
	    g->s != outbox_s)
		return 0;
	if (outbox_len == 0) {
		/* The run is over: the main thread settles it when it next
		 * sends, unless it waits for it now. */
		if (outbox_wanted)
			return 0;
		outbox_done = g;
		return 1;
	}
	s = g->s;
	grpc_byte_buffer_destroy(s->st_out);
	s->st_out = outbox[outbox_head];
	outbox_head = (outbox_head + 1) % OUTBOX_MAX;
	outbox_len--;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_MESSAGE;
	op.data.send_message.send_message = s->st_out;
	/* More to come: gRPC may hold it for one write with the last. */
	if (outbox_len > 0)
		op.flags = GRPC_WRITE_BUFFER_HINT;
	if ((e = grpc_call_start_batch(s->st, &op, 1, g, NULL)) !=
	    GRPC_CALL_OK) {
		/*
		 * The main thread gets the last completion, as a failure;
		 * the rest of the outbox goes, or it would follow what the
		 * main thread sends next.
		 */
		log_warnx("%s: %s", __func__, grpc_call_error_to_string(e));
		outbox_drop();
		*ok = 0;
		return 0;
	}
	outbox_sent++;
	return 1;
}
