/*
 * The metrics documents of DESIGN.md: camelCase names, bytes as
 * integers, percentages with at most two decimals.  They are written out
 * by hand, one per pod and one for the node at every tick, with the very
 * bytes jansson gives (json_dumps with JSON_COMPACT |
 * JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER), and the unit tests
 * compare the two; a node document with a disk name that is not plain
 * printable ASCII, or too long, is left to jansson.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"

#define POD_DOC_MAX	512	/* a pod's document, which is far shorter */

/* A document being written into a buffer; failed when it overflowed. */
struct out {
	char	*p;
	char	*end;
	int	 failed;
};

static json_t	*cpu_object(json_t *, double);
static json_t	*memory_object(uint64_t, uint64_t);
static double	 pct_clamp(double);
static double	 free_pct(uint64_t, uint64_t);
static json_int_t bytes(uint64_t);
static char	*dump(json_t *);
static char	*node_jansson(const struct node_figures *);
static void	 out_memory(struct out *, uint64_t, uint64_t);
static void	 out_plain(struct out *, const char *);
static void	 out_str(struct out *, const char *);
static void	 out_int(struct out *, json_int_t);
static void	 out_real2(struct out *, double);
static void	 out_real(struct out *, double);

double
met_round2(double v)
{
	return round(v * 100.0) / 100.0;
}

char *
met_json_node(const struct node_figures *nf)
{
	static char			 doc[RIK_METRICS_MAX];
	struct out			 o = { doc, doc + sizeof(doc), 0 };
	const struct disk_usage		*du;
	size_t				 i;

	out_str(&o, "{\"cpu\":{\"totalCpu\":");
	out_int(&o, nf->ncpu);
	out_str(&o, ",\"currentUsage\":");
	out_real2(&o, pct_clamp(nf->cpu_pct));
	out_memory(&o, nf->mem.total, nf->mem.avail);
	out_str(&o, ",\"disks\":[");
	for (i = 0; i < nf->disks->ndisks; i++) {
		du = &nf->disks->disks[i];
		out_str(&o, i == 0 ? "{\"diskName\":\"" : ",{\"diskName\":\"");
		out_plain(&o, du->name);
		out_str(&o, "\",\"total\":");
		out_int(&o, bytes(du->total));
		out_str(&o, ",\"used\":");
		out_int(&o, bytes(du->used));
		out_str(&o, ",\"available\":");
		out_int(&o, bytes(du->avail));
		out_str(&o, "}");
	}
	out_str(&o, "]}");
	if (o.failed)
		return node_jansson(nf);
	*o.p = '\0';
	return strdup(doc);
}

/* The node's document from jansson, which says why it gives none. */
static char *
node_jansson(const struct node_figures *nf)
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

/*
 * A pod's totalCpu is a whole number when it can be, as the node's is.
 * The bytes jansson would give for the same figures (see the head of
 * this file), without its objects, its allocations and printf(3).
 */
char *
met_json_pod(const struct pod_figures *pf)
{
	char		 doc[POD_DOC_MAX];
	struct out	 o = { doc, doc + sizeof(doc), 0 };
	uint64_t	 avail;

	avail = pf->mem_used < pf->mem_total ? pf->mem_total - pf->mem_used :
	    0;
	out_str(&o, "{\"cpu\":{\"totalCpu\":");
	if (pf->total_cpu == floor(pf->total_cpu) && pf->total_cpu < 1e9)
		out_int(&o, (json_int_t)pf->total_cpu);
	else
		out_real2(&o, pf->total_cpu);
	out_str(&o, ",\"currentUsage\":");
	out_real2(&o, pct_clamp(pf->cpu_pct));
	out_memory(&o, pf->mem_total, avail);
	out_str(&o, "}");
	if (o.failed || o.p == o.end) {
		log_warnx("metrics: cannot build a JSON document");
		return NULL;
	}
	*o.p = '\0';
	return strdup(doc);
}

static json_t *
cpu_object(json_t *total, double pct)
{
	return json_pack("{s:o, s:f}", "totalCpu", total, "currentUsage",
	    met_round2(pct_clamp(pct)));
}

static json_t *
memory_object(uint64_t total, uint64_t avail)
{
	return json_pack("{s:I, s:I, s:f}", "totalMemory", bytes(total),
	    "freeMemory", bytes(avail), "freeMemoryAmount",
	    met_round2(free_pct(total, avail)));
}

static double
pct_clamp(double pct)
{
	if (pct < 0.0)
		return 0.0;
	if (pct > 100.0)
		return 100.0;
	return pct;
}

static double
free_pct(uint64_t total, uint64_t avail)
{
	return total == 0 ? 0.0 : 100.0 * (double)avail / (double)total;
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

/* The memory object, after the cpu object it closes. */
static void
out_memory(struct out *o, uint64_t total, uint64_t avail)
{
	out_str(o, "},\"memory\":{\"totalMemory\":");
	out_int(o, bytes(total));
	out_str(o, ",\"freeMemory\":");
	out_int(o, bytes(avail));
	out_str(o, ",\"freeMemoryAmount\":");
	out_real2(o, free_pct(total, avail));
	out_str(o, "}");
}

/*
 * A string jansson writes as it is: printable ASCII but for the two it
 * escapes, '"' and '\\'.  Anything else fails the document, which jansson
 * then writes (or refuses, for what is not UTF-8).
 */
static void
out_plain(struct out *o, const char *s)
{
	const char	*c;

	for (c = s; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\') {
			o->failed = 1;
			return;
		}
	out_str(o, s);
}

static void
out_str(struct out *o, const char *s)
{
	size_t	 len = strlen(s);

	if (o->failed || (size_t)(o->end - o->p) <= len) {
		o->failed = 1;
		return;
	}
	memcpy(o->p, s, len);
	o->p += len;
}

/* jansson's JSON_INTEGER_FORMAT, "%lld". */
static void
out_int(struct out *o, json_int_t v)
{
	char		 digits[24], *d = digits + sizeof(digits);
	uint64_t	 u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	*--d = '\0';
	do {
		*--d = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--d = '-';
	out_str(o, d);
}

/*
 * met_round2(v) as jansson prints it.  v * 100 rounded is a whole number
 * n; below 10^15 it has at most 15 digits, and the double nearest n / 100
 * is within half a unit of its 15th significant digit of it, so
 * jansson's 15 significant digits give n / 100 exactly: its integer
 * part, then one or two decimals without a trailing zero, or ".0" for a
 * whole number.  Anything else (not finite, negative, huge) is left to
 * jansson (out_real).
 */
static void
out_real2(struct out *o, double v)
{
	double		 r = round(v * 100.0);
	uint64_t	 n;
	char		 frac[4] = ".00";

	if (!(r >= 0.0 && r < 1e15) || signbit(r)) {
		out_real(o, met_round2(v));
		return;
	}
	n = (uint64_t)r;
	out_int(o, (json_int_t)(n / 100));
	frac[1] = (char)('0' + n % 100 / 10);
	frac[2] = n % 10 == 0 ? '\0' : (char)('0' + n % 10);
	out_str(o, frac);
}

/*
 * A real as jansson dumps it, from jansson itself: the rare values
 * out_real2() does not write.  One that is not finite fails the
 * document, as jansson has no real for it.
 */
static void
out_real(struct out *o, double v)
{
	json_t	*j;
	char	*s = NULL;

	if ((j = json_real(v)) != NULL) {
		s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT |
		    JSON_REAL_PRECISION(15));
		json_decref(j);
	}
	if (s == NULL) {
		o->failed = 1;
		return;
	}
	out_str(o, s);
	free(s);
}
