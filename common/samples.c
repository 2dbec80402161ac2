/*
 * Batches of pod samples (samples.h): the sender's builder and the
 * receiver's walk, one reading of the format for every process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "riklet_msg.h"
#include "samples.h"

/*
 * Appends a record: hdrlen bytes of hdr, then json and its NUL.  -1 with
 * EMSGSIZE when it does not fit after what is there (send, reset, add
 * again) or the JSON is too long for any message, ENOMEM without memory.
 */
int
samples_add(struct samples *s, const void *hdr, size_t hdrlen,
    const char *json)
{
	size_t	 jlen = strlen(json) + 1;

	if (jlen > RIK_METRICS_MAX || hdrlen + jlen > RIK_SAMPLES_MAX ||
	    s->len > RIK_SAMPLES_MAX - hdrlen - jlen) {
		errno = EMSGSIZE;
		return -1;
	}
	if (s->buf == NULL && (s->buf = malloc(RIK_SAMPLES_MAX)) == NULL)
		return -1;
	memcpy(s->buf + s->len, hdr, hdrlen);
	memcpy(s->buf + s->len + hdrlen, json, jlen);
	s->len += hdrlen + jlen;
	return 0;
}

/* Empties the batch; the buffer is kept for the next tick. */
void
samples_reset(struct samples *s)
{
	s->len = 0;
}

/*
 * The record at *off of the len bytes at data, whose header is hdrlen
 * bytes: 1 and *hdr, *json set and *off past it, 0 at the end, -1 when
 * what is left is not a whole record.  The header is not aligned: copy
 * it out before reading its members.
 */
int
samples_next(const void *data, size_t len, size_t hdrlen, size_t *off,
    const void **hdr, const char **json)
{
	const char	*p = (const char *)data + *off;
	const char	*nul;
	size_t		 left;

	if (*off == len)
		return 0;
	if (*off > len || len - *off <= hdrlen)
		return -1;
	left = len - *off - hdrlen;
	if (left > RIK_METRICS_MAX)
		left = RIK_METRICS_MAX;
	if ((nul = memchr(p + hdrlen, '\0', left)) == NULL)
		return -1;
	*hdr = p;
	*json = p + hdrlen;
	*off += hdrlen + (size_t)(nul - *json) + 1;
	return 1;
}

/*
 * True when the len bytes at data are one record or more, each whole
 * and each header accepted by valid (given a copy, aligned).
 */
int
samples_valid(const void *data, size_t len, size_t hdrlen,
    int (*valid)(const void *))
{
	union {
		char		 bytes[512];
		long double	 align;
	}		 copy;
	const void	*hdr;
	const char	*json;
	size_t		 off = 0;
	int		 r, n = 0;

	if (hdrlen > sizeof(copy.bytes))
		return 0;
	while ((r = samples_next(data, len, hdrlen, &off, &hdr, &json)) == 1) {
		memcpy(copy.bytes, hdr, hdrlen);
		if (!valid(copy.bytes))
			return 0;
		n++;
	}
	return r == 0 && n > 0;
}
