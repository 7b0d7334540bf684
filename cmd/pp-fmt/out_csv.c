/* --csv: RFC 4180 through libcsv's csv_fwrite (quotes every field that
 * needs it, doubles embedded quotes), CRLF line ends as the RFC says. */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

static struct sbuf cell;
static struct fmt_col *colv;
static int *toks;

static const char *const *cols(const struct fmt_opts *o, int *n)
{
	if (o->fields) {
		*n = o->nfields;
		return (const char *const *)o->fields;
	}
	*n = fmt_csv_default_n;
	return fmt_csv_default;
}

static int put_field(FILE *f, const char *s, size_t n, bool first)
{
	if (!first && fputc(',', f) == EOF)
		return -1;
	/* libcsv quotes always; quote only where RFC 4180 needs it so that the
	 * output stays readable, and let libcsv do the escaping then. */
	if (strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' ')))
		return csv_fwrite(f, s, n) == 0 ? 0 : -1;
	return fwrite(s, 1, n, f) == n ? 0 : -1;
}

static int csv_begin(const struct fmt_opts *o, FILE *f)
{
	int n;
	const char *const *c = cols(o, &n);
	sb_init(&cell);
	colv = calloc((size_t)n, sizeof(*colv));
	toks = calloc((size_t)n, sizeof(*toks));
	if (!colv || !toks)
		return -1;
	fmt_cols_init(colv, c, n, o);
	if (!o->header)
		return 0;
	for (int i = 0; i < n; i++)
		if (put_field(f, c[i], strlen(c[i]), i == 0) < 0)
			return -1;
	return fputs("\r\n", f) == EOF ? -1 : 0;
}

static int csv_row(struct rec *r, const struct fmt_opts *o, FILE *f)
{
	int n;
	cols(o, &n);
	fmt_cols_find(r, colv, n, toks);
	for (int i = 0; i < n; i++) {
		sb_reset(&cell);
		fmt_cell(r, &colv[i], toks[i], o, &cell);
		if (put_field(f, cell.s ? cell.s : "", cell.len, i == 0) < 0)
			return -1;
	}
	return fputs("\r\n", f) == EOF ? -1 : 0;
}

static int csv_flush(const struct fmt_opts *o, FILE *f)
{
	return 0;
}

static int csv_end(const struct fmt_opts *o, FILE *f)
{
	sb_free(&cell);
	free(colv);
	free(toks);
	return 0;
}

const struct fmt_writer fmt_csv_writer = {csv_begin, csv_row, csv_flush, csv_end};
