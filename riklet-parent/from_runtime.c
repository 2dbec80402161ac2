/*
 * What the runtime (riklet-runtime/) may send the parent, and what is
 * done with it: the table msgtable.c walks.
 */
#include "ctl.h"
#include "imagegc.h"
#include "infra.h"
#include "msgtable.h"
#include "podspec.h"
#include "pods.h"
#include "prom.h"
#include "registry.h"
#include "riklet.h"
#include "util.h"

#define TERMINATED(a)	strarray_terminated((a), sizeof(a))

static int	engine_valid(const void *, size_t);
static int	container_valid(const void *, size_t);
static int	result_valid(const void *, size_t);
static int	pull_valid(const void *, size_t);
static int	gc_result_valid(const void *, size_t);
static int	probe_valid(const void *, size_t);
static int	logs_data_valid(const void *, size_t);
static int	logs_end_valid(const void *, size_t);
static void	engine(struct child *, struct imsg *);
static void	container(struct child *, struct imsg *);
static void	result(struct child *, struct imsg *);
static void	list_begin(struct child *, struct imsg *);
static void	list_end(struct child *, struct imsg *);
static void	pull(struct child *, struct imsg *);
static void	gc_result(struct child *, struct imsg *);
static void	probe(struct child *, struct imsg *);
static void	runtime_ready(struct child *);
static void	runtime_gone(struct child *);

static const struct msg_rule rules[] = {
	MSG_READY,
	MSG_STRUCT(IMSG_RT_ENGINE, struct rt_engine, engine_valid, engine),
	MSG_STRUCT(IMSG_RT_CONTAINER, struct rt_container, container_valid,
	    container),
	MSG_STRUCT(IMSG_RT_POD_RESULT, struct rt_pod_result, result_valid,
	    result),
	MSG_EMPTY(IMSG_RT_LIST_BEGIN, list_begin),
	MSG_EMPTY(IMSG_RT_LIST_END, list_end),
	MSG_STRUCT(IMSG_RT_PULL, struct rt_pull, pull_valid, pull),
	MSG_STRUCT(IMSG_RT_GC_RESULT, struct rt_gc_result, gc_result_valid,
	    gc_result),
	MSG_STRUCT(IMSG_RT_PROBE, struct rt_probe, probe_valid, probe),
	MSG_RANGE(IMSG_RT_LOGS_DATA, sizeof(struct logs_data) + 1,
	    sizeof(struct logs_data) + LOGS_CHUNK_MAX, logs_data_valid,
	    ctl_logs_data),
	MSG_STRUCT(IMSG_RT_LOGS_END, struct logs_end, logs_end_valid,
	    ctl_logs_end),
};

MSG_TABLE(from_runtime, PROC_RUNTIME, rules, runtime_ready, runtime_gone);

static int
engine_valid(const void *data, size_t len)
{
	const struct rt_engine	*e = data;

	(void)len;
	return TERMINATED(e->name) && TERMINATED(e->version) &&
	    TERMINATED(e->api_version) &&
	    TERMINATED(e->message) && TERMINATED(e->root_dir) &&
	    (e->root_dir[0] == '\0' || e->root_dir[0] == '/');
}

static int
container_valid(const void *data, size_t len)
{
	const struct rt_container	*rc = data;

	(void)len;
	return TERMINATED(rc->instance) && TERMINATED(rc->pod_name) &&
	    TERMINATED(rc->name) && TERMINATED(rc->id) &&
	    TERMINATED(rc->image) && TERMINATED(rc->cgroup) &&
	    podspec_valid_id(rc->instance) && rc->name[0] != '\0' &&
	    rc->state < CONTAINER_STATE_MAX &&
	    rc->restart_policy < RESTART_MAX &&
	    rc->ncontainers <= RIK_CONTAINERS_MAX &&
	    rc->memory_limit >= 0 && rc->nano_cpus >= 0 &&
	    rc->role < ROLE_MAX;
}

static int
result_valid(const void *data, size_t len)
{
	const struct rt_pod_result	*r = data;

	(void)len;
	return TERMINATED(r->instance) && TERMINATED(r->reason) &&
	    TERMINATED(r->message) && r->op < POD_OP_MAX && r->ok <= 1 &&
	    (r->ok || r->reason[0] != '\0');
}

static int
pull_valid(const void *data, size_t len)
{
	const struct rt_pull	*pl = data;

	(void)len;
	return TERMINATED(pl->instance) && TERMINATED(pl->image) &&
	    pl->done >= 0 && pl->total >= 0 && pl->finished <= 1;
}

static int
gc_result_valid(const void *data, size_t len)
{
	const struct rt_gc_result	*gr = data;

	(void)len;
	return TERMINATED(gr->message) && gr->bytes >= 0;
}

static int
probe_valid(const void *data, size_t len)
{
	const struct rt_probe	*rp = data;

	(void)len;
	return TERMINATED(rp->instance) && TERMINATED(rp->name) &&
	    TERMINATED(rp->id) && TERMINATED(rp->message) &&
	    rp->role < RT_PROBE_ROLES && rp->ok <= 1 && rp->unhealthy <= 1;
}

static int
logs_data_valid(const void *data, size_t len)
{
	const struct logs_data	*d = data;

	(void)len;
	return d->stream == LOGS_STDOUT || d->stream == LOGS_STDERR;
}

static int
logs_end_valid(const void *data, size_t len)
{
	const struct logs_end	*e = data;

	(void)len;
	return TERMINATED(e->message) && e->ok <= 1 &&
	    (e->ok || e->message[0] != '\0');
}

static void
engine(struct child *c, struct imsg *imsg)
{
	(void)c;
	pods_engine(imsg->data);
	imagegc_engine(imsg->data);
}

static void
container(struct child *c, struct imsg *imsg)
{
	(void)c;
	pods_container(imsg->data);
}

static void
result(struct child *c, struct imsg *imsg)
{
	const struct rt_pod_result	*r = imsg->data;

	(void)c;
	pods_result(r);
	if (r->op == POD_OP_DESTROY && r->ok)
		imagegc_kick(0);
}

static void
list_begin(struct child *c, struct imsg *imsg)
{
	(void)c;
	(void)imsg;
	pods_list_begin();
}

static void
list_end(struct child *c, struct imsg *imsg)
{
	(void)c;
	(void)imsg;
	pods_list_end();
}

static void
pull(struct child *c, struct imsg *imsg)
{
	(void)c;
	prom_pull(imsg->data);
	pods_pull(imsg->data);
}

static void
gc_result(struct child *c, struct imsg *imsg)
{
	(void)c;
	imagegc_result(imsg->data);
}

static void
probe(struct child *c, struct imsg *imsg)
{
	(void)c;
	pods_probe(imsg->data);
}

static void
runtime_ready(struct child *c)
{
	(void)c;
	/* It lists the engine's containers by itself. */
	registry_send();
	infra_send_pause();
	pods_runtime_ready();
}

static void
runtime_gone(struct child *c)
{
	ctl_logs_gone(c->proc);
	imagegc_runtime_gone();
}
