/*
 * rikletctl's text output: riklet answers in JSON (what -j prints); this
 * turns each answer into aligned tables for a person.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rikletctl.h"

#define NUMBUF	32

static const char	*str(json_t *, const char *);
static json_int_t	 num(json_t *, const char *);
static const char	*numstr(json_t *, const char *, char *);
static const char	*age(json_t *, const char *, char *);
static const char	*bytes(json_t *, char *);
static void		 metrics_row(struct table *, const char *, json_t *);
static const char	*pull(json_t *, char *, size_t);
static void		 health(json_t *, char *, size_t);

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *
numstr(json_t *o, const char *key, char *buf)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v))
		return NULL;
	(void)snprintf(buf, NUMBUF, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(v));
	return buf;
}

/* A duration in milliseconds, in its two largest units. */
static const char *
age(json_t *o, const char *key, char *buf)
{
	json_t		*v = json_object_get(o, key);
	uint64_t	 ms, s;

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return NULL;
	ms = (uint64_t)json_integer_value(v);
	s = ms / 1000;
	if (ms < 1000)
		(void)snprintf(buf, NUMBUF, "%" PRIu64 "ms", ms);
	else if (s < 60)
		(void)snprintf(buf, NUMBUF, "%" PRIu64 "s", s);
	else if (s < 3600)
		(void)snprintf(buf, NUMBUF, "%" PRIu64 "m%02" PRIu64 "s",
		    s / 60, s % 60);
	else if (s < 86400)
		(void)snprintf(buf, NUMBUF, "%" PRIu64 "h%02" PRIu64 "m",
		    s / 3600, s % 3600 / 60);
	else
		(void)snprintf(buf, NUMBUF, "%" PRIu64 "d%02" PRIu64 "h",
		    s / 86400, s % 86400 / 3600);
	return buf;
}

static const char *
bytes(json_t *v, char *buf)
{
	static const char	 units[] = "BKMGTP";
	double			 d;
	size_t			 u = 0;

	if (!json_is_number(v) || json_number_value(v) < 0)
		return NULL;
	d = json_number_value(v);
	while (d >= 1024 && u + 1 < sizeof(units) - 1) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, NUMBUF, "%.0fB", d);
	else
		(void)snprintf(buf, NUMBUF, "%.1f%c", d, units[u]);
	return buf;
}

/* "nginx:1.25 12.3M/45.6M" while the pod's image is pulled, else NULL. */
static const char *
pull(json_t *p, char *buf, size_t len)
{
	json_t		*pl = json_object_get(p, "pull");
	char		 done[NUMBUF], total[NUMBUF];

	if (str(pl, "image") == NULL)
		return NULL;
	(void)snprintf(buf, len, "%s %s/%s", str(pl, "image"),
	    bytes(json_object_get(pl, "done"), done) ? done : "?",
	    num(pl, "total") > 0 &&
	    bytes(json_object_get(pl, "total"), total) ? total : "?");
	return buf;
}

void
show_status(json_t *a)
{
	struct table	 t;
	json_t		*sched = json_object_get(a, "scheduler");
	json_t		*eng = json_object_get(a, "engine"), *c;
	json_t		*gc = json_object_get(a, "image_gc");
	char		 b1[NUMBUF], b2[NUMBUF], b3[NUMBUF], b4[NUMBUF];
	char		 b5[NUMBUF], state[128], engine[256], gcrun[1400];
	size_t		 i;

	(void)snprintf(state, sizeof(state), "%s for %s",
	    str(sched, "state") ? str(sched, "state") : "?",
	    age(sched, "since_ms", b1) ? b1 : "?");
	if (eng == NULL || str(eng, "state") == NULL ||
	    strcmp(str(eng, "state"), "unknown") == 0)
		(void)snprintf(engine, sizeof(engine), "unknown");
	else if (strcmp(str(eng, "state"), "up") == 0)
		(void)snprintf(engine, sizeof(engine), "up, %s %s, API %s",
		    str(eng, "name") ? str(eng, "name") : "?",
		    str(eng, "version") ? str(eng, "version") : "?",
		    str(eng, "api_version") ? str(eng, "api_version") : "?");
	else
		(void)snprintf(engine, sizeof(engine), "down: %s",
		    str(eng, "message") ? str(eng, "message") : "?");

	table_init(&t, 2);
	table_row(&t, "Scheduler:", str(sched, "address"));
	table_row(&t, "Connection:", state);
	if (num(sched, "backoff_ms") > 0)
		table_row(&t, "Retry in:", age(sched, "backoff_ms", b2));
	/* Why it is not registered; once registered, nothing to explain. */
	if (str(sched, "reason") && *str(sched, "reason") &&
	    str(sched, "state") && strcmp(str(sched, "state"), "registered"))
		table_row(&t, "Reason:", str(sched, "reason"));
	table_row(&t, "Hostname:", str(a, "hostname"));
	table_row(&t, "Uptime:", age(a, "uptime_ms", b3));
	table_row(&t, "Engine:", engine);
	table_row(&t, "Pods:", numstr(a, "pods", b4));
	table_row(&t, "Log:", str(a, "log"));
	if (json_is_object(gc)) {
		(void)snprintf(gcrun, sizeof(gcrun), "%s ago, %s%% full: "
		    "%" JSON_INTEGER_FORMAT " images removed, %"
		    JSON_INTEGER_FORMAT " bytes%s%s", age(gc, "age_ms", b5),
		    numstr(gc, "used_pct", b1), num(gc, "removed"),
		    num(gc, "bytes"), str(gc, "message") &&
		    *str(gc, "message") ? "; " : "",
		    str(gc, "message") ? str(gc, "message") : "");
		table_row(&t, "Image GC:", gcrun);
	}
	table_print(&t, stdout);

	printf("\n");
	table_init(&t, 5);
	table_row(&t, "PROCESS", "PID", "READY", "RESTARTS", "UPTIME");
	json_array_foreach(json_object_get(a, "children"), i, c)
		table_row(&t, str(c, "name"), num(c, "pid") > 0 ?
		    numstr(c, "pid", b1) : NULL,
		    json_is_true(json_object_get(c, "ready")) ? "yes" : "no",
		    numstr(c, "restarts", b2), age(c, "uptime_ms", b3));
	table_print(&t, stdout);
}

void
show_pods(json_t *a)
{
	struct table	 t;
	json_t		*p;
	char		 ready[2 * NUMBUF], b1[NUMBUF], b2[NUMBUF];
	char		 pulling[512];
	size_t		 i;

	table_init(&t, 7);
	table_row(&t, "INSTANCE", "NAME", "STATUS", "READY", "RESTARTS", "AGE",
	    "REASON");
	json_array_foreach(json_object_get(a, "pods"), i, p) {
		(void)snprintf(ready, sizeof(ready), "%" JSON_INTEGER_FORMAT
		    "/%" JSON_INTEGER_FORMAT, num(p, "running"),
		    num(p, "ncontainers"));
		/* While pulling there is no failure to show. */
		table_row(&t, str(p, "instance"), str(p, "name"),
		    str(p, "status"), ready, numstr(p, "restarts", b1),
		    age(p, "age_ms", b2),
		    pull(p, pulling, sizeof(pulling)) ? pulling :
		    str(p, "reason"));
	}
	table_print(&t, stdout);
}

/* A container's health in a word: ok, failing N, unhealthy; "" if none. */
static void
health(json_t *pr, char *buf, size_t len)
{
	char	 n[NUMBUF];

	buf[0] = '\0';
	if (pr == NULL)
		return;
	if (json_is_true(json_object_get(pr, "unhealthy")))
		(void)strlcpy(buf, "unhealthy", len);
	else if (str(pr, "last") != NULL &&
	    strcmp(str(pr, "last"), "success") == 0)
		(void)strlcpy(buf, "ok", len);
	else
		(void)snprintf(buf, len, "failing %s",
		    numstr(pr, "failures", n) ? n : "?");
}

void
show_pod(json_t *a)
{
	struct table	 t;
	json_t		*p = json_object_get(a, "pod"), *c;
	char		 b1[NUMBUF], b2[NUMBUF], b3[NUMBUF], b4[NUMBUF];
	char		 id[13], pulling[512], hbuf[64];
	json_t		*pr;
	size_t		 i;
	int		 probed;

	table_init(&t, 2);
	table_row(&t, "Instance:", str(p, "instance"));
	table_row(&t, "Name:", str(p, "name"));
	table_row(&t, "Status:", str(p, "status"));
	table_row(&t, "Restart policy:", str(p, "restart_policy"));
	table_row(&t, "Restarts:", numstr(p, "restarts", b1));
	table_row(&t, "Age:", age(p, "age_ms", b2));
	if (pull(p, pulling, sizeof(pulling)) != NULL)
		table_row(&t, "Pulling:", pulling);
	if (str(p, "reason") && *str(p, "reason")) {
		table_row(&t, "Reason:", str(p, "reason"));
		table_row(&t, "Message:", str(p, "message"));
		table_row(&t, "Exit code:", numstr(p, "exit_code", b3));
	}
	table_print(&t, stdout);

	printf("\n");
	/* A HEALTH column only when a probe has spoken. */
	probed = 0;
	json_array_foreach(json_object_get(p, "containers"), i, c)
		if (json_object_get(c, "probe") != NULL)
			probed = 1;
	table_init(&t, probed ? 7 : 6);
	table_row(&t, "CONTAINER", "ID", "IMAGE", "STATE", "EXIT", "PID",
	    "HEALTH");
	json_array_foreach(json_object_get(p, "containers"), i, c) {
		/* The short id docker ps shows. */
		(void)strlcpy(id, str(c, "id") ? str(c, "id") : "",
		    sizeof(id));
		health(json_object_get(c, "probe"), hbuf, sizeof(hbuf));
		table_row(&t, str(c, "name"), id, str(c, "image"),
		    str(c, "state"), numstr(c, "exit_code", b3),
		    num(c, "pid") > 0 ? numstr(c, "pid", b4) : NULL,
		    hbuf[0] != '\0' ? hbuf : NULL);
	}
	table_print(&t, stdout);
	/* The last failure of each container's probes, in full. */
	json_array_foreach(json_object_get(p, "containers"), i, c) {
		pr = json_object_get(c, "probe");
		if (str(pr, "message") != NULL && *str(pr, "message") != '\0')
			printf("%s: %s: %s\n", str(c, "name"),
			    str(pr, "probe"), str(pr, "message"));
	}
}

/* One line of the metrics table, from the seed's metrics JSON. */
static void
metrics_row(struct table *t, const char *what, json_t *m)
{
	json_t	*doc = json_object_get(m, "metrics");
	json_t	*cpu = json_object_get(doc, "cpu");
	json_t	*mem = json_object_get(doc, "memory");
	json_t	*v;
	char	 cpus[NUMBUF], usage[NUMBUF], total[NUMBUF], freeb[NUMBUF];
	char	 b[NUMBUF];
	int	 have_cpus, have_usage;

	v = json_object_get(cpu, "totalCpu");
	if ((have_cpus = json_is_number(v)))
		(void)snprintf(cpus, sizeof(cpus), "%g", json_number_value(v));
	v = json_object_get(cpu, "currentUsage");
	if ((have_usage = json_is_number(v)))
		(void)snprintf(usage, sizeof(usage), "%.1f%%",
		    json_number_value(v));
	table_row(t, what, have_cpus ? cpus : NULL,
	    have_usage ? usage : NULL,
	    bytes(json_object_get(mem, "totalMemory"), total),
	    bytes(json_object_get(mem, "freeMemory"), freeb),
	    age(m, "age_ms", b));
}

void
show_metrics(json_t *a)
{
	struct table	 t;
	json_t		*node = json_object_get(a, "node"), *p;
	size_t		 i;

	table_init(&t, 6);
	table_row(&t, "WHAT", "CPUS", "CPU", "MEMORY", "FREE", "AGE");
	if (json_is_object(node))
		metrics_row(&t, "node", node);
	json_array_foreach(json_object_get(a, "pods"), i, p)
		metrics_row(&t, str(p, "instance"), p);
	table_print(&t, stdout);
}

/* log and reload: what riklet did. */
void
show_done(json_t *a)
{
	if (str(a, "log") != NULL)
		printf("log level set to %s\n", str(a, "log"));
	else if (str(a, "reload") != NULL)
		printf("reload %s\n", str(a, "reload"));
}
