/*
 * rikletctl: a plain client of riklet's control socket.
 */
#ifndef RIKLETCTL_H
#define RIKLETCTL_H

#include <stdio.h>
#include <sys/queue.h>

#include <jansson.h>

#define TABLE_COLS_MAX	8

struct table_row {
	TAILQ_ENTRY(table_row)	 entry;
	char			*cells[TABLE_COLS_MAX];
};

struct table {
	size_t				 ncols;
	size_t				 width[TABLE_COLS_MAX];
	TAILQ_HEAD(, table_row)		 rows;
};

/* table.c */
void	table_init(struct table *, size_t);
void	table_row(struct table *, ...);
void	table_print(struct table *, FILE *);

/* output.c: the answer to each command, as text */
void	show_status(json_t *);
void	show_pods(json_t *);
void	show_pod(json_t *);
void	show_metrics(json_t *);
void	show_done(json_t *);

/* logs.c: the one command whose answer is a stream */
int	logs_args(int, char **, int *);
void	logs_stream(int, const char *, int, int);

#endif
