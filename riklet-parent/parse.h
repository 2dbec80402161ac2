/*
 * riklet.conf(5): parse.y reads it, printconf.c prints it back.
 */
#ifndef RIKLET_PARSE_H
#define RIKLET_PARSE_H

#include <stdio.h>

#include "riklet_conf.h"

/*
 * Reads file into conf (defaults first).  Every error is logged as
 * "file:line: message"; returns 0, or -1 when there was any error, in
 * which case conf is left as it was.
 */
int	parse_config(const char *, struct riklet_conf *);
/* Prints conf in a form that parse_config() reads back identically. */
void	print_config(FILE *, const struct riklet_conf *);

#endif
