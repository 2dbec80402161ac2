/*
 * libFuzzer target: the runtime's parsers of Docker Engine API responses
 * (riklet-runtime/runtime_docker.c).  The engine is trusted less than
 * it looks: its answers carry labels and names a container's creator
 * chose.  The first input byte picks the parser, the rest is the body.
 * Whatever a parser accepts must hold only terminated, valid strings.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "runtime.h"

#define TERMINATED(a)	(memchr((a), '\0', sizeof(a)) != NULL)
#define LIST_MAX	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	static char		 ids[LIST_MAX][RIK_CONTAINER_ID_MAX];
	struct rt_container	 c;
	struct docker_event	 ev;
	struct docker_pull	 pull;
	char			 a[RIK_MESSAGE_MAX], b[RIK_MESSAGE_MAX];
	char			 e[RIK_MESSAGE_MAX];
	const char		*body, *driver;
	size_t			 len, n, i;

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	len = size - 1;
	driver = (data[0] & 0x80) ? "systemd" : "cgroupfs";
	switch (data[0] & 0x7) {
	case 0:
		if (docker_parse_version(body, len, a, sizeof(a), b, sizeof(b),
		    e, sizeof(e)) == 0)
			assert(strlen(a) < sizeof(a) && strlen(b) < sizeof(b));
		else
			assert(strlen(e) < sizeof(e));
		break;
	case 1:
		(void)docker_parse_info(body, len, a, 32);
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
		if (docker_parse_list(body, len, ids, LIST_MAX, &n) == 0) {
			assert(n <= LIST_MAX);
			for (i = 0; i < n; i++)
				assert(docker_valid_id(ids[i]));
		}
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
	}
	return 0;
}
