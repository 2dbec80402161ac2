/*
 * What the control child (riklet-control/) may send the parent: the
 * requests it parsed from rikletctl and Prometheus clients, checked
 * again here, for the control child is not trusted either.  The table
 * msgtable.c walks; the answers are in ctl_show.c, the logs relay in
 * ctl_logs.c.
 */
#include "ctl.h"
#include "msgtable.h"
#include "podspec.h"
#include "prom.h"
#include "riklet.h"
#include "util.h"

static int	verbose_valid(const void *, size_t);
static int	logs_valid(const void *, size_t);
static void	control_ready(struct child *);
static void	control_gone(struct child *);

static const struct msg_rule rules[] = {
	MSG_READY,
	MSG_EMPTY(IMSG_CTL_SHOW_STATUS, ctl_show_status),
	MSG_EMPTY(IMSG_CTL_SHOW_PODS, ctl_show_pods),
	MSG_STRING(IMSG_CTL_SHOW_POD, RIK_ID_MAX, msg_valid_instance,
	    ctl_show_pod),
	MSG_EMPTY(IMSG_CTL_SHOW_METRICS, ctl_show_metrics),
	MSG_EMPTY(IMSG_CTL_SHOW_PROM, ctl_show_prom),
	MSG_EMPTY(IMSG_CTL_RELOAD, ctl_reload),
	MSG_STRUCT(IMSG_CTL_LOG_VERBOSE, int32_t, verbose_valid,
	    ctl_log_verbose),
	MSG_STRUCT(IMSG_CTL_LOGS, struct ctl_logs, logs_valid,
	    ctl_logs_request),
	MSG_STRUCT(IMSG_CTL_LOGS_ACK, struct logs_ack, NULL, ctl_logs_ack),
	MSG_STRUCT(IMSG_CTL_LOGS_CANCEL, uint32_t, NULL, ctl_logs_cancel),
};

MSG_TABLE(from_control, PROC_CONTROL, rules, control_ready, control_gone);

static int
verbose_valid(const void *data, size_t len)
{
	const int32_t	*v = data;

	(void)len;
	return *v >= 0 && *v <= 3;
}

static int
logs_valid(const void *data, size_t len)
{
	const struct ctl_logs	*cl = data;

	(void)len;
	return strarray_terminated(cl->instance, sizeof(cl->instance)) &&
	    strarray_terminated(cl->container, sizeof(cl->container)) &&
	    podspec_valid_id(cl->instance) &&
	    (cl->container[0] == '\0' || podspec_valid_name(cl->container)) &&
	    cl->tail >= LOGS_TAIL_ALL && cl->tail <= LOGS_TAIL_MAX &&
	    cl->follow <= 1;
}

static void
control_ready(struct child *c)
{
	(void)c;
	/* Each control child gets its own copies of the sockets. */
	if (ctl_listen_fd() != -1)
		(void)child_send_fd(PROC_CONTROL, IMSG_CTL_LISTEN,
		    ctl_listen_fd());
	if (prom_listen_fd() != -1)
		(void)child_send_fd(PROC_CONTROL, IMSG_PROM_LISTEN,
		    prom_listen_fd());
}

static void
control_gone(struct child *c)
{
	ctl_logs_gone(c->proc);
}
