/*
 * libFuzzer target: the runtime's parsers of Docker Engine API responses
 * (riklet-runtime/runtime_docker.c).  The engine is trusted less than
 * it looks: its answers carry labels and names a container's creator
 * chose.  The first input byte picks the parser, the rest is the body.
 * Whatever a parser accepts must hold only terminated, valid strings.
 * The streamed listing (8) is fed in pieces cut where the first byte's
 * high bits say, and must give the same answer as at once; a pull's
 * progress (9) takes the body as lines, and its sums must never be
 * negative, which the parent would take for a protocol violation.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "runtime.h"

#define TERMINATED(a)	(memchr((a), '\0', sizeof(a)) != NULL)
#define LIST_MAX	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
static int	list_feed(struct docker_list *, const char *, size_t, size_t);
static void	fuzz_list(const char *, size_t, size_t);
static void	fuzz_pull(const char *, size_t);

/* The body in pieces of step bytes (0: at once). */
static int
list_feed(struct docker_list *dl, const char *p, size_t len, size_t step)
{
	size_t	 off, k;

	docker_list_init(dl, LIST_MAX);
	for (off = 0; off < len; off += k) {
		k = step == 0 || step > len - off ? len - off : step;
		if (docker_list_feed(dl, p + off, k) == -1)
			return -1;
	}
	return docker_list_end(dl);
}

static void
fuzz_list(const char *body, size_t len, size_t step)
{
	struct docker_list	 whole, cut;
	int			 a, b;
	size_t			 i;

	a = list_feed(&whole, body, len, 0);
	b = list_feed(&cut, body, len, step);
	assert(a == b);
	assert(TERMINATED(whole.error));
	if (a == 0) {
		assert(whole.nids == cut.nids && whole.nids <= LIST_MAX);
		for (i = 0; i < whole.nids; i++) {
			assert(docker_valid_id(whole.ids[i]));
			assert(strcmp(whole.ids[i], cut.ids[i]) == 0);
		}
	} else
		assert(whole.error[0] != '\0');
	assert(whole.elen <= LIST_ELEMENT_MAX);
	docker_list_free(&whole);
	docker_list_free(&cut);
}

static void
fuzz_pull(const char *body, size_t len)
{
	struct pull_progress	 pp;
	const char		*nl;
	size_t			 n;
	uint64_t		 now = 0;

	pull_init(&pp, now);
	while (len > 0) {
		n = (nl = memchr(body, '\n', len)) != NULL ?
		    (size_t)(nl - body) : len;
		(void)pull_line(&pp, body, n, now += 700);
		assert(pp.done >= 0 && pp.total >= 0);
		assert(pp.nlayers <= PULL_LAYERS_MAX);
		assert(TERMINATED(pp.error));
		if (n < len)
			n++;
		body += n;
		len -= n;
	}
}

static void
check_container(const struct rt_container *c)
{
	assert(TERMINATED(c->instance) && TERMINATED(c->pod_name) &&
	    TERMINATED(c->name) && TERMINATED(c->id) &&
	    TERMINATED(c->image) && TERMINATED(c->cgroup));
	assert(c->state < CONTAINER_STATE_MAX);
	assert(c->restart_policy < RESTART_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_container	 c;
	struct docker_event	 ev;
	struct docker_pull	 pull;
	char			 a[RIK_MESSAGE_MAX], b[RIK_MESSAGE_MAX];
	char			 e[RIK_MESSAGE_MAX];
	const char		*body, *driver;
	size_t			 len;

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	len = size - 1;
	driver = (data[0] & 0x80) ? "systemd" : "cgroupfs";
	switch (data[0] & 0xf) {
	case 0:
		if (docker_parse_version(body, len, a, sizeof(a), b, sizeof(b),
		    e, sizeof(e)) == 0)
			assert(strlen(a) < sizeof(a) && strlen(b) < sizeof(b));
		else
			assert(strlen(e) < sizeof(e));
		assert(docker_is_podman(body, len) <= 1);
		break;
	case 1:
		(void)docker_parse_info(body, len, a, 32, b, 32);
		assert(strlen(a) < 32);
		break;
	case 2:
		(void)docker_parse_message(body, len, a, sizeof(a));
		assert(strlen(a) < sizeof(a));
		break;
	case 3:
		if (docker_parse_id(body, len, a, RIK_CONTAINER_ID_MAX) == 0)
			assert(docker_valid_id(a));
		break;
	case 4:
	case 8:
		/* 4: the old whole-body listing seeds, cut in two. */
		fuzz_list(body, len, (data[0] & 0x8) ? (data[0] >> 4) + 1 :
		    len / 2 + 1);
		break;
	case 5:
		memset(&c, 0, sizeof(c));
		if (docker_parse_inspect(body, len, "fuzz-node", driver,
		    &c) == 0)
			check_container(&c);
		break;
	case 6:
		if (docker_parse_event(body, len, "fuzz-node", &ev) == 0) {
			assert(TERMINATED(ev.action) && TERMINATED(ev.id));
			assert(docker_valid_id(ev.id));
			if (ev.labels_ok)
				check_container(&ev.c);
		}
		break;
	case 7:
		if (docker_parse_pull(body, len, &pull) == 0)
			assert(TERMINATED(pull.layer) &&
			    TERMINATED(pull.error));
		break;
	case 9:
		fuzz_pull(body, len);
		break;
	}
	return 0;
}
