/* --csv: RFC 4180 through libcsv's csv_write (quotes a field, doubles
 * embedded quotes), CRLF line ends as the RFC says. A row is built in memory
 * and written with one fwrite: this is pp-fmt's hottest path. */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pp.h"
#include "xalloc.h"

static struct sbuf cell, row;
static struct fmt_col *colv;
static int *toks;
static struct fmt_keys keys;

static const char *const *cols(const struct fmt_opts *o, int *n)
{
	if (o->fields) {
		*n = o->nfields;
		return (const char *const *)o->fields;
	}
	*n = fmt_csv_default_n;
	return fmt_csv_default;
}

/* Quoting is needed for a separator, a quote, a line break, or blanks at
 * either end (which readers may strip). All n bytes are looked at: a value
 * may hold a NUL from a \u0000 escape. */
static bool needs_quotes(const char *s, size_t n)
{
	static const bool special[256] = {[','] = true, ['"'] = true, ['\r'] = true, ['\n'] = true};
	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		return true;
	for (size_t i = 0; i < n; i++)
		if (special[(unsigned char)s[i]])
			return true;
	return false;
}

static void put_field(struct sbuf *b, const char *s, size_t n, bool first)
{
	size_t need;
	if (!first)
		sb_putc(b, ',');
	/* libcsv quotes always; quote only where RFC 4180 needs it so that the
	 * output stays readable, and let libcsv do the escaping then. */
	if (!needs_quotes(s, n)) {
		sb_put(b, s, n);
		return;
	}
	/* Quoted fields are rare: a scratch buffer of the size libcsv asks. */
	need = csv_write(NULL, 0, s, n);
	{
		char *q = xmalloc(need);
		csv_write(q, need, s, n);
		sb_put(b, q, need);
		free(q);
	}
}

static int csv_begin(const struct fmt_opts *o, FILE *f)
{
	int n;
	const char *const *c = cols(o, &n);
	sb_init(&cell);
	sb_init(&row);
	colv = xcalloc((size_t)n, sizeof(*colv));
	toks = xcalloc((size_t)n, sizeof(*toks));
	fmt_cols_init(colv, c, n, o, &keys);
	if (!o->header)
		return 0;
	sb_reset(&row);
	for (int i = 0; i < n; i++)
		put_field(&row, c[i], strlen(c[i]), i == 0);
	sb_put(&row, "\r\n", 2);
	return fwrite(row.s, 1, row.len, f) == row.len ? 0 : -1;
}

static int csv_row(struct rec *r, const struct fmt_opts *o, FILE *f)
{
	int n;
	cols(o, &n);
	fmt_cols_find(r, &keys, toks);
	sb_reset(&row);
	for (int i = 0; i < n; i++) {
		const char *t;
		size_t tl;
		/* A plain string or number goes from the line to the row as it
		 * is (no copy when it has no escape); the rest through a cell. */
		if (!colv[i].slow && toks[i] >= 0 &&
		    ((t = rec_tok_text(r, toks[i], &tl)) != NULL ||
		     (r->tok[toks[i]].type == JSMN_PRIMITIVE && (t = rec_tok_raw(r, toks[i], &tl))))) {
			put_field(&row, t, tl, i == 0);
			continue;
		}
		sb_reset(&cell);
		fmt_cell(r, &colv[i], toks[i], o, &cell);
		put_field(&row, cell.s ? cell.s : "", cell.len, i == 0);
	}
	sb_put(&row, "\r\n", 2);
	return fwrite(row.s, 1, row.len, f) == row.len ? 0 : -1;
}

static int csv_flush(const struct fmt_opts *o, FILE *f)
{
	return 0;
}

static int csv_end(const struct fmt_opts *o, FILE *f)
{
	sb_free(&cell);
	sb_free(&row);
	free(colv);
	free(toks);
	fmt_keys_free(&keys);
	return 0;
}

const struct fmt_writer fmt_csv_writer = {csv_begin, csv_row, csv_flush, csv_end};
