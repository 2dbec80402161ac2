/*
 * Prints a configuration in the riklet.conf(5) syntax that parse.y reads
 * back to the same struct: every setting, in a fixed order.
 */
#include <stdio.h>

#include "parse.h"
#include "riklet_conf.h"
#include "util.h"

static void	print_setting(FILE *, const char *, const char *);
static void	print_string(FILE *, const char *);
static void	print_duration(FILE *, const char *, uint64_t);
static void	print_size(FILE *, const char *, uint64_t);

void
print_config(FILE *f, const struct riklet_conf *conf)
{
	const struct conf_registry	*r;
	char				 buf[32];
	uint32_t			 i;

	fputs("scheduler ", f);
	print_string(f, conf->scheduler);
	if (conf->tls) {
		fputs(" tls ca ", f);
		print_string(f, conf->tls_ca);
		if (conf->tls_cert[0] != '\0') {
			fputs(" cert ", f);
			print_string(f, conf->tls_cert);
			fputs(" key ", f);
			print_string(f, conf->tls_key);
		}
	}
	fputc('\n', f);
	print_setting(f, "hostname", conf->hostname);
	if (conf->host_address[0] != '\0')
		print_setting(f, "host address", conf->host_address);
	print_duration(f, "metric-resolution", conf->metric_resolution_ms);
	print_setting(f, "engine socket", conf->docker_socket);
	print_setting(f, "user", conf->user);
	print_setting(f, "chroot", conf->chroot);
	print_setting(f, "control socket", conf->control_socket);
	if (conf->metrics_listen[0] != '\0')
		print_setting(f, "metrics listen", conf->metrics_listen);
	if (conf->stop_after_disconnect_ms == 0)
		fputs("stop-after-disconnect off\n", f);
	else
		print_duration(f, "stop-after-disconnect",
		    conf->stop_after_disconnect_ms);
	print_duration(f, "stop-grace", conf->stop_grace_ms);
	fprintf(f, "create-parallel %u\n", conf->create_parallel);
	if (conf->infra_image[0] != '\0')
		print_setting(f, "infra image", conf->infra_image);
	for (i = 0; i < conf->nvolume_allow; i++)
		print_setting(f, "volume allow", conf->volume_allow[i]);
	print_size(f, "log max-size", conf->log_max_size);
	fprintf(f, "log max-files %u\n", conf->log_max_files);
	/* The files' names only: their contents are secrets. */
	for (i = 0; i < conf->nregistries; i++) {
		r = &conf->registries[i];
		fputs("registry ", f);
		print_string(f, r->host);
		if (r->username[0] != '\0') {
			fputs(" { username ", f);
			print_string(f, r->username);
			fputs(" password-file ", f);
			print_string(f, r->password_file);
		} else {
			fputs(" { identity-token-file ", f);
			print_string(f, r->token_file);
		}
		fputs(" }\n", f);
	}
	fprintf(f, "pull-fallback %s\n", conf->pull_fallback ? "yes" : "no");
	fprintf(f, "image-gc high %u%% low %u%% min-age ", conf->gc_high,
	    conf->gc_low);
	fmt_duration(conf->gc_min_age_ms, buf, sizeof(buf));
	fprintf(f, "%s\n", buf);
}

static void
print_setting(FILE *f, const char *keyword, const char *value)
{
	fprintf(f, "%s ", keyword);
	print_string(f, value);
	fputc('\n', f);
}

/* Quoted, with the two characters the lexer treats as special escaped. */
static void
print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
print_duration(FILE *f, const char *keyword, uint64_t ms)
{
	char	 buf[32];

	fmt_duration(ms, buf, sizeof(buf));
	fprintf(f, "%s %s\n", keyword, buf);
}

/* In the largest unit that says it exactly. */
static void
print_size(FILE *f, const char *keyword, uint64_t bytes)
{
	static const char	 units[] = "GMK";
	int			 i;

	for (i = 0; units[i] != '\0'; i++) {
		uint64_t u = UINT64_C(1) << (10 * (3 - i));

		if (bytes % u == 0) {
			fprintf(f, "%s %llu%c\n", keyword,
			    (unsigned long long)(bytes / u), units[i]);
			return;
		}
	}
	fprintf(f, "%s %llu\n", keyword, (unsigned long long)bytes);
}
