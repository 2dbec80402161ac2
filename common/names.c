/*
 * Names for log lines.
 */
#include <stddef.h>

#include "riklet_msg.h"

static const char *const imsg_names[IMSG_MAX] = {
	[IMSG_NONE] = "NONE",
	[IMSG_CONF] = "CONF",
	[IMSG_VERBOSE] = "VERBOSE",
	[IMSG_CHILD_READY] = "CHILD_READY",
	[IMSG_TLS_CA] = "TLS_CA",
	[IMSG_TLS_CERT] = "TLS_CERT",
	[IMSG_TLS_KEY] = "TLS_KEY",
	[IMSG_SCHED_TARGET] = "SCHED_TARGET",
	[IMSG_POD_STATUS] = "POD_STATUS",
	[IMSG_NODE_METRICS] = "NODE_METRICS",
	[IMSG_SCHED_RESOLVE] = "SCHED_RESOLVE",
	[IMSG_AGENT_STATE] = "AGENT_STATE",
	[IMSG_POD_CREATE] = "POD_CREATE",
	[IMSG_POD_DESTROY] = "POD_DESTROY",
	[IMSG_CONTAINER_RESTART] = "CONTAINER_RESTART",
	[IMSG_RT_ENGINE] = "RT_ENGINE",
	[IMSG_RT_CONTAINER] = "RT_CONTAINER",
	[IMSG_RT_POD_RESULT] = "RT_POD_RESULT",
	[IMSG_RT_LIST_BEGIN] = "RT_LIST_BEGIN",
	[IMSG_RT_LIST_END] = "RT_LIST_END",
	[IMSG_RT_PULL] = "RT_PULL",
	[IMSG_MET_POD] = "MET_POD",
	[IMSG_MET_POD_DEL] = "MET_POD_DEL",
	[IMSG_MET_NODE] = "MET_NODE",
	[IMSG_MET_POD_SAMPLE] = "MET_POD_SAMPLE",
	[IMSG_CTL_LISTEN] = "CTL_LISTEN",
	[IMSG_CTL_SHOW_STATUS] = "CTL_SHOW_STATUS",
	[IMSG_CTL_SHOW_PODS] = "CTL_SHOW_PODS",
	[IMSG_CTL_SHOW_POD] = "CTL_SHOW_POD",
	[IMSG_CTL_SHOW_METRICS] = "CTL_SHOW_METRICS",
	[IMSG_CTL_LOG_VERBOSE] = "CTL_LOG_VERBOSE",
	[IMSG_CTL_RELOAD] = "CTL_RELOAD",
	[IMSG_CTL_STATUS] = "CTL_STATUS",
	[IMSG_CTL_CHILD] = "CTL_CHILD",
	[IMSG_CTL_POD] = "CTL_POD",
	[IMSG_CTL_CONTAINER] = "CTL_CONTAINER",
	[IMSG_CTL_METRICS] = "CTL_METRICS",
	[IMSG_CTL_ERROR] = "CTL_ERROR",
	[IMSG_CTL_END] = "CTL_END",
	[IMSG_CTL_LOGS] = "CTL_LOGS",
	[IMSG_CTL_LOGS_ACK] = "CTL_LOGS_ACK",
	[IMSG_CTL_LOGS_CANCEL] = "CTL_LOGS_CANCEL",
	[IMSG_CTL_LOGS_DATA] = "CTL_LOGS_DATA",
	[IMSG_CTL_LOGS_END] = "CTL_LOGS_END",
	[IMSG_RT_LOGS] = "RT_LOGS",
	[IMSG_RT_LOGS_ACK] = "RT_LOGS_ACK",
	[IMSG_RT_LOGS_CANCEL] = "RT_LOGS_CANCEL",
	[IMSG_RT_LOGS_DATA] = "RT_LOGS_DATA",
	[IMSG_RT_LOGS_END] = "RT_LOGS_END",
	[IMSG_RT_PAUSE] = "RT_PAUSE",
	[IMSG_POD_RESTART] = "POD_RESTART",
};

const char *
imsg_type_name(uint32_t type)
{
	if (type >= IMSG_MAX || imsg_names[type] == NULL)
		return "unknown";
	return imsg_names[type];
}

const char *
proc_name(enum riklet_proc p)
{
	switch (p) {
	case PROC_PARENT:
		return "parent";
	case PROC_AGENT:
		return "agent";
	case PROC_METRICS:
		return "metrics";
	case PROC_RUNTIME:
		return "runtime";
	case PROC_CONTROL:
		return "control";
	case PROC_MAX:
		break;
	}
	return "unknown";
}

const char *
rik_status_name(uint32_t s)
{
	static const char *const names[RIK_STATUS_MAX] = {
		"UNKNOWN", "PENDING", "RUNNING", "FAILED", "TERMINATED",
		"CREATING", "DESTROYING"
	};

	return s < RIK_STATUS_MAX ? names[s] : "INVALID";
}
