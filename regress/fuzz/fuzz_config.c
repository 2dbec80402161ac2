/*
 * libFuzzer target: the riklet.conf parser.  The input is written to a
 * file and parsed; a configuration it accepts must print in a form that
 * parses again to the same settings, field by field, and prints the
 * same.  (test_config.c holds the golden printed forms.)
 */
#include <sys/stat.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[] = "/tmp/fuzz_config.XXXXXX";
static char	 path[64], path2[64];

/* What the seeds from regress/config include, relative to the file. */
static const struct {
	const char	*name;
	const char	*text;
} includes[] = {
	{ "inc/part.conf", "hostname \"from-include\"\nstop-grace 5s\n"
	    "metric-resolution $fromparent\ninclude \"deeper.conf\"\n" },
	{ "inc/deeper.conf", "user \"deep\"\n" },
	{ "inc/empty.conf", "# nothing\n" },
	{ "inc/bad.conf", "metric-resolution 0s\n" },
};

static char *
print_string(const struct riklet_conf *conf, size_t *len)
{
	char	*s;
	FILE	*f;

	if ((f = open_memstream(&s, len)) == NULL)
		abort();
	print_config(f, conf);
	if (fclose(f) != 0)
		abort();
	return s;
}

static void	write_file(const char *, const void *, size_t);
static void	fuzz_cleanup(void);

/*
 * Every setting, compared as a value: a string's bytes after its NUL
 * are what an earlier, longer setting left.  A new member of struct
 * riklet_conf changes its size: compare it here, then the size.
 */
static void
check_same(const struct riklet_conf *a, const struct riklet_conf *b)
{
	uint32_t	 i;

	_Static_assert(sizeof(struct riklet_conf) == 44240,
	    "compare the new member of struct riklet_conf");
	assert(strcmp(a->scheduler, b->scheduler) == 0);
	assert(a->tls == b->tls);
	assert(strcmp(a->tls_ca, b->tls_ca) == 0);
	assert(strcmp(a->tls_cert, b->tls_cert) == 0);
	assert(strcmp(a->tls_key, b->tls_key) == 0);
	assert(strcmp(a->hostname, b->hostname) == 0);
	assert(a->metric_resolution_ms == b->metric_resolution_ms);
	assert(strcmp(a->docker_socket, b->docker_socket) == 0);
	assert(strcmp(a->user, b->user) == 0);
	assert(strcmp(a->chroot, b->chroot) == 0);
	assert(strcmp(a->control_socket, b->control_socket) == 0);
	assert(a->stop_after_disconnect_ms == b->stop_after_disconnect_ms);
	assert(a->stop_grace_ms == b->stop_grace_ms);
	assert(a->create_parallel == b->create_parallel);
	assert(strcmp(a->host_address, b->host_address) == 0);
	assert(strcmp(a->metrics_listen, b->metrics_listen) == 0);
	assert(strcmp(a->infra_image, b->infra_image) == 0);
	assert(a->log_max_size == b->log_max_size);
	assert(a->log_max_files == b->log_max_files);
	assert(a->nvolume_allow == b->nvolume_allow);
	for (i = 0; i < a->nvolume_allow; i++)
		assert(strcmp(a->volume_allow[i], b->volume_allow[i]) == 0);
	assert(a->nregistries == b->nregistries);
	for (i = 0; i < a->nregistries; i++)
		assert(memcmp(&a->registries[i], &b->registries[i],
		    sizeof(a->registries[i])) == 0);
	assert(a->pull_fallback == b->pull_fallback);
	assert(a->gc_high == b->gc_high);
	assert(a->gc_low == b->gc_low);
	assert(a->gc_min_age_ms == b->gc_min_age_ms);
}

static void
fuzz_init(void)
{
	char	 name[128];
	size_t	 i;

	log_init(1, 0, LOG_DAEMON);
	log_procinit("");
	if (mkdtemp(dir) == NULL)
		abort();
	(void)atexit(fuzz_cleanup);
	(void)snprintf(path, sizeof(path), "%s/riklet.conf", dir);
	(void)snprintf(path2, sizeof(path2), "%s/again.conf", dir);
	(void)snprintf(name, sizeof(name), "%s/inc", dir);
	if (mkdir(name, 0700) == -1)
		abort();
	for (i = 0; i < sizeof(includes) / sizeof(includes[0]); i++) {
		(void)snprintf(name, sizeof(name), "%s/%s", dir,
		    includes[i].name);
		write_file(name, includes[i].text, strlen(includes[i].text));
	}
}

/* The directory goes when the fuzzer ends, as every test's does. */
static void
fuzz_cleanup(void)
{
	char	 name[128];
	size_t	 i;

	for (i = 0; i < sizeof(includes) / sizeof(includes[0]); i++) {
		(void)snprintf(name, sizeof(name), "%s/%s", dir,
		    includes[i].name);
		(void)unlink(name);
	}
	(void)snprintf(name, sizeof(name), "%s/inc", dir);
	(void)rmdir(name);
	(void)unlink(path);
	(void)unlink(path2);
	(void)rmdir(dir);
}

static void
write_file(const char *name, const void *data, size_t size)
{
	FILE	*f;

	if ((f = fopen(name, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct riklet_conf	 conf, again;
	char			*printed, *printed2;
	size_t			 plen, plen2;

	if (path[0] == '\0')
		fuzz_init();
	write_file(path, data, size);
	conf_defaults(&conf);
	if (parse_config(path, &conf) == -1)
		return 0;
	printed = print_string(&conf, &plen);
	write_file(path2, printed, plen);
	conf_defaults(&again);
	if (parse_config(path2, &again) == -1) {
		fprintf(stderr, "printed configuration does not parse:\n%s",
		    printed);
		abort();
	}
	check_same(&conf, &again);
	printed2 = print_string(&again, &plen2);
	assert(plen == plen2 && memcmp(printed, printed2, plen) == 0);
	free(printed);
	free(printed2);
	return 0;
}
