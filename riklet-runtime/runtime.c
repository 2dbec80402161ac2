/*
 * riklet-runtime: entry point of the runtime process.
 */
#include <stdlib.h>
#include <string.h>

#include "imsgev.h"
#include "log.h"
#include "privsep.h"

__dead void	runtime_main(int, char **);
static void	runtime_dispatch_parent(int, short, void *);

static struct riklet_conf	 conf;
static struct imsgev		 iev_parent;

__dead void
runtime_main(int argc, char **argv)
{
	struct event_base	*base;

	child_setup(PROC_RUNTIME, argc, argv);
	child_read_conf(&conf);
	priv_drop(&conf, PROC_RUNTIME, NULL, (gid_t)-1);
	sandbox_child(PROC_RUNTIME);
	base = child_event_init(&iev_parent, runtime_dispatch_parent, NULL);
	event_base_dispatch(base);
	exit(0);
}

static void
runtime_dispatch_parent(int fd, short event, void *arg)
{
	struct imsg	 imsg;
	ssize_t		 n;

	(void)fd;
	(void)arg;
	if (imsgev_io(&iev_parent, event) == -1)
		fatalx("parent is gone");
	for (;;) {
		if ((n = imsg_get(&iev_parent.ibuf, &imsg)) == -1)
			fatal("%s: imsg_get", __func__);
		if (n == 0)
			break;
		switch (imsg.hdr.type) {
		case IMSG_CONF:
			if (conf_from_imsg(imsg.data, imsg.datalen, &conf) == -1)
				fatalx("%s: bad IMSG_CONF", __func__);
			log_debug("configuration updated");
			break;
		default:
			log_debug("%s: unexpected %s", __func__,
			    imsg_type_name(imsg.hdr.type));
			break;
		}
		imsg_free(&imsg);
	}
	imsgev_update(&iev_parent);
}
