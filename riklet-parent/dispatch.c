/*
 * What the parent does with the messages its children send, once
 * supervise.c has checked that the child may send that type.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "riklet.h"

/* A child (re)started: send it whatever state it needs. */
void
parent_child_ready(struct child *c)
{
	(void)c;
}

void
parent_dispatch(struct child *c, struct imsg *imsg)
{
	const char	*s;

	switch (imsg->hdr.type) {
	case IMSG_MET_NODE:
		if (imsg->datalen > RIK_METRICS_MAX ||
		    (s = imsg_string(imsg, 0)) == NULL) {
			child_violation(c, "MET_NODE: bad string");
			return;
		}
		log_debug("node metrics: %s", s);
		(void)child_send(PROC_AGENT, IMSG_NODE_METRICS, s,
		    strlen(s) + 1);
		break;
	default:
		log_debug("%s: %s from %s not handled yet", __func__,
		    imsg_type_name(imsg->hdr.type), proc_name(c->proc));
		break;
	}
}
