/*
 * riklet-control: the unprivileged process that serves the control
 * socket.  Requests are one line of text; answers one line of JSON, or
 * for "logs" a line of JSON per piece of output and a last one.
 */
#ifndef RIKLET_CONTROL_PROC_H
#define RIKLET_CONTROL_PROC_H

#include <stddef.h>

#include <event2/listener.h>
#include <jansson.h>

#include "riklet_msg.h"

#define CTL_REQUEST_MAX		512	/* bytes in a request line */
#define CTL_CONNS_MAX		32	/* clients at once */
#define CTL_TIMEOUT_S		10	/* for a whole request and answer */
#define CTL_ITEMS_MAX		8192	/* pods, containers... in one answer */

enum ctl_cmd {
	CTL_SHOW_STATUS,
	CTL_SHOW_PODS,
	CTL_SHOW_POD,
	CTL_SHOW_METRICS,
	CTL_LOG_VERBOSE,
	CTL_LOG_BRIEF,
	CTL_RELOAD,
	CTL_LOGS,
	CTL_CMD_MAX
};

struct ctl_request {
	enum ctl_cmd	 cmd;
	char		 instance[RIK_ID_MAX];	/* CTL_SHOW_POD, CTL_LOGS */
	char		 container[RIK_NAME_MAX];	/* CTL_LOGS: "": first */
	int32_t		 tail;		/* CTL_LOGS: LOGS_TAIL_ALL or lines */
	int		 follow;	/* CTL_LOGS */
};

/* A listening socket from the parent (control_listen.c). */
struct ctl_listener {
	struct evconnlistener	*l;
	struct event		*resume;	/* after an accept error */
	const char		*what;
};

void	 ctl_listen(struct ctl_listener *, struct event_base *, int,
	    evconnlistener_cb, const char *);

/* control_request.c */
int	 ctl_request_parse(const char *, size_t, struct ctl_request *,
	    const char **);

/* control_json.c */
json_t	*ctl_json_status(const struct ctl_status *);
json_t	*ctl_json_child(const struct ctl_child *);
json_t	*ctl_json_pod(const struct ctl_pod *);
json_t	*ctl_json_container(const struct ctl_container *);
json_t	*ctl_json_metrics(const struct ctl_metrics *, const char *);
json_t	*ctl_json_error(const char *);
json_t	*ctl_json_logs(uint32_t, const char *, size_t);
size_t	 ctl_utf8_cut(const char *, size_t);

#endif
