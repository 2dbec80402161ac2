/*
 * The metrics documents of DESIGN.md, built with jansson: camelCase
 * names, bytes as integers, percentages with at most two decimals.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

static json_t	*cpu_object(json_t *, double);
static json_t	*memory_object(uint64_t, uint64_t);
static json_int_t bytes(uint64_t);
static char	*dump(json_t *);

double
met_round2(double v)
{
	return round(v * 100.0) / 100.0;
}

char *
met_json_node(const struct node_figures *nf)
{
	json_t			*doc, *disks, *d;
	const struct disk_usage	*du;
	size_t			 i;

	if ((disks = json_array()) == NULL)
		return NULL;
	for (i = 0; i < nf->disks->ndisks; i++) {
		du = &nf->disks->disks[i];
		d = json_pack("{s:s, s:I, s:I, s:I}", "diskName", du->name,
		    "total", bytes(du->total), "used", bytes(du->used),
		    "available", bytes(du->avail));
		if (d == NULL || json_array_append_new(disks, d) == -1) {
			json_decref(disks);
			return NULL;
		}
	}
	doc = json_pack("{s:o, s:o, s:o}",
	    "cpu", cpu_object(json_integer(nf->ncpu), nf->cpu_pct),
	    "memory", memory_object(nf->mem.total, nf->mem.avail),
	    "disks", disks);
	return dump(doc);
}

/* A pod's totalCpu is a whole number when it can be, as the node's is. */
char *
met_json_pod(const struct pod_figures *pf)
{
	json_t	*total;
	json_t	*doc;

	if (pf->total_cpu == floor(pf->total_cpu) && pf->total_cpu < 1e9)
		total = json_integer((json_int_t)pf->total_cpu);
	else
		total = json_real(met_round2(pf->total_cpu));
	doc = json_pack("{s:o, s:o}",
	    "cpu", cpu_object(total, pf->cpu_pct),
	    "memory", memory_object(pf->mem_total,
	    pf->mem_used < pf->mem_total ? pf->mem_total - pf->mem_used : 0));
	return dump(doc);
}

static json_t *
cpu_object(json_t *total, double pct)
{
	if (pct < 0.0)
		pct = 0.0;
	if (pct > 100.0)
		pct = 100.0;
	return json_pack("{s:o, s:f}", "totalCpu", total, "currentUsage",
	    met_round2(pct));
}

static json_t *
memory_object(uint64_t total, uint64_t avail)
{
	double	 pct = total == 0 ? 0.0 : 100.0 * (double)avail / (double)total;

	return json_pack("{s:I, s:I, s:f}", "totalMemory", bytes(total),
	    "freeMemory", bytes(avail), "freeMemoryAmount", met_round2(pct));
}

static json_int_t
bytes(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (json_int_t)v;
}

/*
 * 15 significant digits print 33.33 as 33.33, not as the nearest
 * double's 17 digits.
 */
static char *
dump(json_t *doc)
{
	char	*s;

	if (doc == NULL) {
		log_warnx("metrics: cannot build a JSON document");
		return NULL;
	}
	s = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15) |
	    JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (s != NULL && strlen(s) >= RIK_METRICS_MAX) {
		log_warnx("metrics: document of %zu bytes is too large",
		    strlen(s));
		free(s);
		return NULL;
	}
	return s;
}
