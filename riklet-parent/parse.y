/*
 * Interim riklet.conf reader (being replaced by the full grammar):
 * one "keyword value" per line.
 */
%{
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "util.h"

int	yylex(void);
void	yyerror(const char *);
%}
%token DUMMY
%%
grammar	: /* empty */ ;
%%
int yylex(void) { return 0; }
void yyerror(const char *s) { (void)s; }

int
parse_config(const char *file, struct riklet_conf *out)
{
	struct riklet_conf	 conf;
	FILE			*f;
	char			 line[1024], k1[64], k2[64], v[1024];
	const char		*errstr;
	int			 lineno = 0, errors = 0;

	conf_defaults(&conf);
	if ((f = fopen(file, "r")) == NULL) {
		log_warn("%s", file);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%63s %63s \"%1023[^\"]\"", k1, k2, v) == 3) {
			if (strcmp(k1, "docker") == 0)
				strlcpy(conf.docker_socket, v, sizeof(conf.docker_socket));
			else if (strcmp(k1, "control") == 0)
				strlcpy(conf.control_socket, v, sizeof(conf.control_socket));
			continue;
		}
		if (sscanf(line, "%63s \"%1023[^\"]\"", k1, v) == 2 ||
		    sscanf(line, "%63s %1023s", k1, v) == 2) {
			if (strcmp(k1, "scheduler") == 0)
				strlcpy(conf.scheduler, v, sizeof(conf.scheduler));
			else if (strcmp(k1, "hostname") == 0)
				strlcpy(conf.hostname, v, sizeof(conf.hostname));
			else if (strcmp(k1, "user") == 0)
				strlcpy(conf.user, v, sizeof(conf.user));
			else if (strcmp(k1, "chroot") == 0)
				strlcpy(conf.chroot, v, sizeof(conf.chroot));
			else if (strcmp(k1, "metric-resolution") == 0) {
				if (parse_duration(v, &conf.metric_resolution_ms, &errstr) == -1) {
					log_warnx("%s:%d: %s", file, lineno, errstr);
					errors++;
				}
			} else if (strcmp(k1, "stop-after-disconnect") == 0) {
				if (parse_duration(v, &conf.stop_after_disconnect_ms, &errstr) == -1) {
					log_warnx("%s:%d: %s", file, lineno, errstr);
					errors++;
				}
			} else {
				log_warnx("%s:%d: syntax error", file, lineno);
				errors++;
			}
			continue;
		}
		log_warnx("%s:%d: syntax error", file, lineno);
		errors++;
	}
	fclose(f);
	if (conf.hostname[0] == '\0')
		gethostname(conf.hostname, sizeof(conf.hostname) - 1);
	if (errors)
		return -1;
	*out = conf;
	return 0;
}

void
print_config(FILE *f, const struct riklet_conf *c)
{
	fprintf(f, "scheduler \"%s\"\nhostname \"%s\"\n", c->scheduler, c->hostname);
}
