/*
 * A container listing, streamed (see runtime.h): GET /containers/json
 * as a raw stream, its body cut into the array's elements as it comes.
 * Only the brackets and the strings are followed here, enough to find
 * where an element ends; each element is then parsed whole, and checked,
 * by docker_parse_id().  The request is the paging the Engine API does
 * not offer: it filters by label as any listing does, and holds one
 * element at a time instead of the body.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

enum list_state {
	LIST_OPEN,		/* before the '[' */
	LIST_FIRST,		/* after it: an element or the ']' */
	LIST_ELEMENT,		/* inside an element */
	LIST_NEXT,		/* after an element: ',' or ']' */
	LIST_COMMA,		/* after a ',': an element */
	LIST_CLOSED,		/* after the ']' */
	LIST_FAILED
};

static int	 list_fail(struct docker_list *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static int	 list_keep(struct docker_list *);
static size_t	 list_element(struct docker_list *, const char *, size_t);
static int	 list_add(struct docker_list *, const char *, size_t);
static void	 list_data(struct http_req *, const char *, size_t, void *);
static void	 list_done(struct http_req *, void *);
static int	 list_begin(struct rt_list *, const char *, size_t, int,
		    list_done_cb, void *);

void
docker_list_init(struct docker_list *dl, size_t max)
{
	memset(dl, 0, sizeof(*dl));
	dl->state = LIST_OPEN;
	dl->max = max;
}

void
docker_list_free(struct docker_list *dl)
{
	free(dl->elem);
	free(dl->ids);
	free(dl->members);
	dl->elem = NULL;
	dl->ids = NULL;
	dl->members = NULL;
	dl->elen = dl->ecap = dl->nids = dl->idcap = 0;
}

static int
list_fail(struct docker_list *dl, const char *fmt, ...)
{
	va_list	 ap;

	if (dl->state != LIST_FAILED) {
		va_start(ap, fmt);
		(void)vsnprintf(dl->error, sizeof(dl->error), fmt, ap);
		va_end(ap);
	}
	dl->state = LIST_FAILED;
	return -1;
}

/* Appends n bytes to the element, at most LIST_ELEMENT_MAX in all. */
static int
list_add(struct docker_list *dl, const char *p, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (n > LIST_ELEMENT_MAX - dl->elen)
		return list_fail(dl, "a container's summary is larger than "
		    "%zu bytes", (size_t)LIST_ELEMENT_MAX);
	if (dl->elen + n > dl->ecap) {
		ncap = dl->ecap ? dl->ecap : 4096;
		while (ncap < dl->elen + n)
			ncap *= 2;
		if ((nb = realloc(dl->elem, ncap)) == NULL)
			return list_fail(dl, "out of memory for %zu bytes",
			    ncap);
		dl->elem = nb;
		dl->ecap = ncap;
	}
	memcpy(dl->elem + dl->elen, p, n);
	dl->elen += n;
	return 0;
}

/*
 * Takes what belongs to the element being cut; returns how much, or 0
 * on failure.  At its last '}' the element is parsed and its id kept.
 */
static size_t
list_element(struct docker_list *dl, const char *p, size_t n)
{
	size_t	 i;
	int	 whole = 0;

	for (i = 0; i < n && !whole; i++) {
		if (dl->in_string) {
			if (dl->escaped)
				dl->escaped = 0;
			else if (p[i] == '\\')
				dl->escaped = 1;
			else if (p[i] == '"')
				dl->in_string = 0;
		} else if (p[i] == '"')
			dl->in_string = 1;
		else if (p[i] == '{' || p[i] == '[')
			dl->depth++;
		else if ((p[i] == '}' || p[i] == ']') && --dl->depth == 0)
			whole = 1;
	}
	if (list_add(dl, p, i) == -1 || (whole && list_keep(dl) == -1))
		return 0;
	return i;
}

/* The element is whole: its id (its member), one more of at most max. */
static int
list_keep(struct docker_list *dl)
{
	char			(*nids)[RIK_CONTAINER_ID_MAX];
	struct pod_member	*nm;
	size_t			 ncap;

	if (dl->nids == dl->idcap) {
		if (dl->nids >= dl->max)
			return list_fail(dl, "more than %zu containers",
			    dl->max);
		ncap = dl->idcap ? dl->idcap * 2 : 64;
		if (ncap > dl->max)
			ncap = dl->max;
		if ((nids = reallocarray(dl->ids, ncap, sizeof(*nids))) ==
		    NULL)
			return list_fail(dl, "out of memory for %zu ids",
			    ncap);
		dl->ids = nids;
		if (dl->with_members) {
			if ((nm = reallocarray(dl->members, ncap,
			    sizeof(*nm))) == NULL)
				return list_fail(dl, "out of memory for %zu "
				    "containers", ncap);
			dl->members = nm;
		}
		dl->idcap = ncap;
	}
	if (dl->with_members) {
		if (docker_parse_member(dl->elem, dl->elen,
		    &dl->members[dl->nids]) == -1)
			return list_fail(dl, "container %zu of the listing "
			    "is not an object with a valid Id", dl->nids + 1);
		(void)strlcpy(dl->ids[dl->nids], dl->members[dl->nids].id,
		    sizeof(dl->ids[0]));
	} else if (docker_parse_id(dl->elem, dl->elen, dl->ids[dl->nids],
	    sizeof(dl->ids[0])) == -1)
		return list_fail(dl, "container %zu of the listing is not an "
		    "object with a valid Id", dl->nids + 1);
	dl->nids++;
	dl->elen = 0;
	dl->state = LIST_NEXT;
	return 0;
}

/* Takes the body in pieces cut anywhere.  -1 once it is not a listing. */
int
docker_list_feed(struct docker_list *dl, const char *p, size_t n)
{
	size_t	 k;
	char	 c;

	while (n > 0 && dl->state != LIST_FAILED) {
		if (dl->state == LIST_ELEMENT) {
			if ((k = list_element(dl, p, n)) == 0)
				break;
			p += k;
			n -= k;
			continue;
		}
		c = *p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			p++;
			n--;
			continue;
		}
		switch (dl->state) {
		case LIST_OPEN:
			if (c != '[')
				return list_fail(dl, "the listing is not a "
				    "JSON array");
			dl->state = LIST_FIRST;
			break;
		case LIST_FIRST:
		case LIST_COMMA:
			if (c == ']' && dl->state == LIST_FIRST) {
				dl->state = LIST_CLOSED;
				break;
			}
			if (c != '{')
				return list_fail(dl, "container %zu of the "
				    "listing is not an object", dl->nids + 1);
			dl->state = LIST_ELEMENT;
			dl->depth = 0;
			dl->in_string = dl->escaped = 0;
			dl->elen = 0;
			continue;	/* the '{' is the element's */
		case LIST_NEXT:
			if (c == ',')
				dl->state = LIST_COMMA;
			else if (c == ']')
				dl->state = LIST_CLOSED;
			else
				return list_fail(dl, "junk after container "
				    "%zu of the listing", dl->nids);
			break;
		default:
			return list_fail(dl, "junk after the listing's end, "
			    "%zu containers", dl->nids);
		}
		p++;
		n--;
	}
	return dl->state == LIST_FAILED ? -1 : 0;
}

/* The body is over: it must have been a whole array. */
int
docker_list_end(struct docker_list *dl)
{
	if (dl->state == LIST_FAILED)
		return -1;
	if (dl->state != LIST_CLOSED)
		return list_fail(dl, "the listing ends early, after %zu "
		    "containers", dl->nids);
	return 0;
}

/*
 * Lists riklet's containers of this node, of one instance when instance
 * is not NULL, at most max of them.  done is called once, unless
 * list_free() comes first: with no error, the ids are in l->dl.  -1 if
 * the request cannot even start, l->dl.error saying why.
 */
int
list_start(struct rt_list *l, const char *instance, size_t max,
    list_done_cb done, void *arg)
{
	return list_begin(l, instance, max, 0, done, arg);
}

/* The same, keeping each container's labels too (l->dl.members). */
int
list_members_start(struct rt_list *l, const char *instance, size_t max,
    list_done_cb done, void *arg)
{
	return list_begin(l, instance, max, 1, done, arg);
}

static int
list_begin(struct rt_list *l, const char *instance, size_t max,
    int with_members, list_done_cb done, void *arg)
{
	char	 path[4096];

	list_free(l);
	docker_list_init(&l->dl, max);
	l->dl.with_members = with_members;
	l->done = done;
	l->arg = arg;
	if (docker_filters_path(path, sizeof(path), DOCKER_API_PREFIX
	    "/containers/json", runtime_conf.hostname, instance) == -1) {
		(void)strlcpy(l->dl.error, "listing path too long",
		    sizeof(l->dl.error));
		return -1;
	}
	if ((l->req = http_raw(path, LIST_TIMEOUT_MS, NULL, list_data,
	    list_done, l)) == NULL) {
		(void)strlcpy(l->dl.error, "engine request queue full",
		    sizeof(l->dl.error));
		return -1;
	}
	return 0;
}

/* Cancels the request, if any, and forgets the ids. */
void
list_free(struct rt_list *l)
{
	http_cancel(l->req);
	l->req = NULL;
	docker_list_free(&l->dl);
}

static void
list_data(struct http_req *r, const char *p, size_t n, void *arg)
{
	struct rt_list	*l = arg;

	if (docker_list_feed(&l->dl, p, n) == 0)
		return;
	/* No need to read the rest of what is not a listing. */
	http_cancel(r);
	l->req = NULL;
	/* May free l: the last use. */
	l->done(l, NULL, l->dl.error, l->arg);
}

static void
list_done(struct http_req *r, void *arg)
{
	const struct http_result	*res = http_result(r);
	struct rt_list			*l = arg;
	char				 msg[RIK_MESSAGE_MAX];

	l->req = NULL;
	if (res->error != NULL || res->status != 200) {
		docker_error(res, msg, sizeof(msg));
		l->done(l, res, msg, l->arg);
	} else if (docker_list_end(&l->dl) == -1)
		l->done(l, NULL, l->dl.error, l->arg);
	else
		l->done(l, NULL, NULL, l->arg);
}
