/*
 * Aligned columns for rikletctl's output.  Cells hold text from the
 * engine and the scheduler, so anything that is not printable ASCII is
 * shown as '?': no escape sequence reaches the terminal.
 */
#include <err.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rikletctl.h"

void
table_init(struct table *t, size_t ncols)
{
	if (ncols == 0 || ncols > TABLE_COLS_MAX)
		errx(1, "%s: %zu columns", __func__, ncols);
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	TAILQ_INIT(&t->rows);
}

/* Takes t->ncols strings; NULL shows as "-". */
void
table_row(struct table *t, ...)
{
	struct table_row	*r;
	const char		*s;
	va_list			 ap;
	size_t			 i, j, n;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		err(1, NULL);
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		if ((s = va_arg(ap, const char *)) == NULL || *s == '\0')
			s = "-";
		if ((r->cells[i] = strdup(s)) == NULL)
			err(1, NULL);
		n = strlen(r->cells[i]);
		for (j = 0; j < n; j++)
			if ((unsigned char)r->cells[i][j] < 0x20 ||
			    (unsigned char)r->cells[i][j] > 0x7e)
				r->cells[i][j] = '?';
		if (n > t->width[i])
			t->width[i] = n;
	}
	va_end(ap);
	TAILQ_INSERT_TAIL(&t->rows, r, entry);
}

void
table_print(struct table *t, FILE *fp)
{
	struct table_row	*r;
	size_t			 i;

	while ((r = TAILQ_FIRST(&t->rows)) != NULL) {
		for (i = 0; i < t->ncols; i++) {
			if (i + 1 < t->ncols)
				fprintf(fp, "%-*s  ", (int)t->width[i],
				    r->cells[i]);
			else
				fprintf(fp, "%s\n", r->cells[i]);
			free(r->cells[i]);
		}
		TAILQ_REMOVE(&t->rows, r, entry);
		free(r);
	}
}
