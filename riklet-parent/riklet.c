/*
 * riklet: the RIK node agent.  This is the privileged parent; each child
 * is its own executable under the libexec directory (libexec.c), started
 * by supervise.c.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ctl.h"
#include "imagegc.h"
#include "infra.h"
#include "log.h"
#include "parse.h"
#include "pods.h"
#include "prom.h"
#include "registry.h"
#include "report.h"
#include "scheduler.h"
#include "privsep.h"
#include "riklet.h"
#include "util.h"

static __dead void usage(void);
static void	parent_sig(int, short, void *);
static int	load_config(struct riklet_conf *);
static void	reload_config(void);
static void	prepare_chroot(const char *);

struct parent	*parent;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: riklet [-dnv] [-f file] "
	    "[--metric-resolution=duration]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "metric-resolution", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	static struct parent	 p;
	struct event		*ev_sig[5];
	const char		*errstr;
	int			 ch, noaction = 0, i;
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
				    SIGPIPE };

	parent = &p;
	p.conffile = RIKLET_CONF_FILE;
	while ((ch = getopt_long(argc, argv, "df:nv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			p.foreground = 1;
			break;
		case 'f':
			/* setproctitle() will reuse the argv area. */
			if ((p.conffile = strdup(optarg)) == NULL)
				err(1, NULL);
			break;
		case 'n':
			noaction = 1;
			break;
		case 'v':
			p.verbose++;
			break;
		case 'R':
			if (parse_duration(optarg, &p.resolution_override_ms,
			    &errstr) == -1)
				errx(1, "--metric-resolution=%s: %s", optarg,
				    errstr);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (noaction) {
		/* Plain messages: "file:line: message". */
		log_init(1, p.verbose, LOG_DAEMON);
		log_procinit("");
		if (load_config(&p.conf) == -1)
			exit(1);
		registry_clear();
		if (p.verbose)
			print_config(stdout, &p.conf);
		printf("configuration OK\n");
		exit(0);
	}

	if (geteuid() != 0)
		errx(1, "need root privileges");
	log_init(1, p.verbose, LOG_DAEMON);
	log_procinit("parent");
	if (load_config(&p.conf) == -1)
		exit(1);
	if (children_check_paths() == -1 ||
	    engine_socket_check(p.conf.docker_socket) == -1)
		exit(1);
	prepare_chroot(p.conf.chroot);
	control_open(p.conf.control_socket);
	prom_open(p.conf.metrics_listen);

	if (!p.foreground) {
		log_init(0, p.verbose, LOG_DAEMON);
		if (daemon(0, 0) == -1)
			fatal("daemon");
	}
	setproctitle_init(argc, argv, environ);
	setproctitle("parent");
	log_info("starting, scheduler %s, hostname %s", p.conf.scheduler,
	    p.conf.hostname);

	if ((p.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	p.started_ms = monotime_ms();
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++) {
		ev_sig[i] = evsignal_new(p.base, sigs[i], parent_sig, NULL);
		if (ev_sig[i] == NULL || evsignal_add(ev_sig[i], NULL) == -1)
			fatalx("evsignal");
	}
	pods_init();
	children_start();
	event_base_dispatch(p.base);

	children_stop();
	control_close();
	prom_close();
	prom_clear();
	pods_clear();
	report_clear();
	sched_clear();
	registry_clear();
	imagegc_clear();
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++)
		event_free(ev_sig[i]);
	event_base_free(p.base);
	log_info("terminating");
	return 0;
}

static void
parent_sig(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("received signal %d, stopping", sig);
		event_base_loopbreak(parent->base);
		break;
	case SIGHUP:
		reload_config();
		break;
	case SIGCHLD:
		children_reap();
		break;
	case SIGPIPE:
		break;
	}
}

/* The file, then the command line on top of it. */
static int
load_config(struct riklet_conf *conf)
{
	struct riklet_conf	 nconf;

	if (parse_config(parent->conffile, &nconf) == -1)
		return -1;
	if (parent->resolution_override_ms != 0)
		nconf.metric_resolution_ms = parent->resolution_override_ms;
	*conf = nconf;
	return 0;
}

/* SIGHUP: a broken file is reported and the running one kept. */
static void
reload_config(void)
{
	struct riklet_conf	 nconf = parent->conf;
	int			 restart_agent;

	log_info("reloading configuration from %s", parent->conffile);
	if (load_config(&nconf) == -1) {
		log_warnx("configuration not reloaded, keeping the old one");
		return;
	}
	if (strcmp(nconf.user, parent->conf.user) != 0 ||
	    strcmp(nconf.chroot, parent->conf.chroot) != 0)
		log_warnx("user and chroot changes take effect when each "
		    "child restarts");
	/* The socket was bound at start, as the control socket was. */
	if (strcmp(nconf.metrics_listen, parent->conf.metrics_listen) != 0) {
		log_warnx("metrics listen changes take effect when riklet "
		    "restarts");
		memcpy(nconf.metrics_listen, parent->conf.metrics_listen,
		    sizeof(nconf.metrics_listen));
	}
	restart_agent = strcmp(nconf.scheduler, parent->conf.scheduler) != 0 ||
	    nconf.tls != parent->conf.tls ||
	    strcmp(nconf.tls_ca, parent->conf.tls_ca) != 0 ||
	    strcmp(nconf.tls_cert, parent->conf.tls_cert) != 0 ||
	    strcmp(nconf.tls_key, parent->conf.tls_key) != 0;
	parent->conf = nconf;
	children_send_conf();
	registry_send();
	infra_send_pause();
	imagegc_kick(1);
	/* Its sandbox holds the old port, its TLS the old files. */
	if (restart_agent)
		child_restart(PROC_AGENT, "the scheduler's settings changed");
	log_info("configuration reloaded");
}

/* The agent's chroot: an empty directory only root may write to. */
static void
prepare_chroot(const char *dir)
{
	struct stat	 st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", dir);
	if (stat(dir, &st) == -1)
		fatal("stat %s", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("chroot %s must be a directory owned by root and "
		    "writable by nobody else", dir);
}
