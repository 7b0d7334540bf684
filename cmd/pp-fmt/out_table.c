/* --table: aligned columns. Rows are held until the input pauses (a batch),
 * then printed with widths from the data, each capped with an ellipsis;
 * widths only grow between batches so that a live stream stays aligned. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pp.h"
#include "xalloc.h"

#define CAP_DEFAULT 40
#define CAP_WIDE 72 /* the info column */
#define MAX_BATCH 4096

static char ***rows; /* rows[i][c]: display-safe cell text */
static size_t nrows;
static size_t *width;
static int ncols;
static const char *const *colnames;
static bool header_done;
static struct sbuf cell;
static struct fmt_col *colv;
static int *toks;

/* Display width: code points, counting each UTF-8 lead byte. */
static size_t dwidth(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Controls become visible escapes so that hostile names cannot move the
 * cursor or split a row. */
static char *display_safe(const char *s, size_t n)
{
	struct sbuf b;
	sb_init(&b);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			sb_puts(&b, "\\n");
		else if (c == '\t')
			sb_puts(&b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sb_printf(&b, "\\x%02x", c);
		else
			sb_putc(&b, (char)c);
	}
	return sb_steal(&b);
}

static int cap_of(int c)
{
	return !strcmp(colnames[c], "info") ? CAP_WIDE : CAP_DEFAULT;
}

/* SGR colour of a cell, or NULL: events that open and close connections. */
static const char *cell_color(int c, const char *s)
{
	if (strcmp(colnames[c], "event"))
		return NULL;
	if (!strcmp(s, "connect") || !strcmp(s, "accept") || !strcmp(s, "start") ||
	    !strcmp(s, "udp"))
		return "\x1b[32m";
	if (!strcmp(s, "close") || !strcmp(s, "end"))
		return "\x1b[33m";
	if (!strcmp(s, "listen"))
		return "\x1b[36m";
	return NULL;
}

/* Colours go around the text, never into the padding, so widths hold. */
static int put_cell(FILE *f, const char *s, int c, bool last, const char *sgr)
{
	size_t w = dwidth(s), cap = (size_t)cap_of(c);
	if (sgr && fputs(sgr, f) == EOF)
		return -1;
	if (w > cap) {
		/* Cut at cap-1 code points and add an ellipsis. */
		size_t k = 0, cp = 0;
		while (s[k] && cp < cap - 1) {
			k++;
			while (((unsigned char)s[k] & 0xc0) == 0x80)
				k++;
			cp++;
		}
		if (fwrite(s, 1, k, f) != k || fputs("\xe2\x80\xa6", f) == EOF)
			return -1;
		w = cap;
	} else if (fputs(s, f) == EOF) {
		return -1;
	}
	if (sgr && fputs("\x1b[0m", f) == EOF)
		return -1;
	if (!last)
		for (size_t i = w; i < width[c] + 2; i++)
			if (fputc(' ', f) == EOF)
				return -1;
	return 0;
}

static int table_begin(const struct fmt_opts *o, FILE *f)
{
	if (o->fields) {
		ncols = o->nfields;
		colnames = (const char *const *)o->fields;
	} else {
		ncols = fmt_table_default_n;
		colnames = fmt_table_default;
	}
	width = xcalloc((size_t)ncols, sizeof(*width));
	rows = xcalloc(MAX_BATCH, sizeof(*rows));
	colv = xcalloc((size_t)ncols, sizeof(*colv));
	toks = xcalloc((size_t)ncols, sizeof(*toks));
	fmt_cols_init(colv, colnames, ncols, o);
	sb_init(&cell);
	return 0;
}

static int table_flush(const struct fmt_opts *o, FILE *f)
{
	int rc = 0;
	if (nrows == 0)
		return 0;
	if (!header_done && o->header)
		for (int c = 0; c < ncols; c++) {
			size_t w = strlen(colnames[c]);
			if (w > width[c])
				width[c] = w;
		}
	for (size_t i = 0; i < nrows; i++)
		for (int c = 0; c < ncols; c++) {
			size_t w = dwidth(rows[i][c]);
			if (w > (size_t)cap_of(c))
				w = (size_t)cap_of(c);
			if (w > width[c])
				width[c] = w;
		}
	if (!header_done && o->header) {
		for (int c = 0; c < ncols && rc == 0; c++) {
			char up[64];
			size_t k;
			for (k = 0; colnames[c][k] && k < sizeof(up) - 1; k++)
				up[k] = (char)toupper((unsigned char)colnames[c][k]);
			up[k] = '\0';
			rc = put_cell(f, up, c, c == ncols - 1, o->color ? "\x1b[1m" : NULL);
		}
		if (rc == 0 && fputc('\n', f) == EOF)
			rc = -1;
	}
	header_done = true;
	for (size_t i = 0; i < nrows; i++) {
		/* Trailing empty cells are not padded. */
		int last = ncols - 1;
		while (last > 0 && !rows[i][last][0])
			last--;
		for (int c = 0; c <= last && rc == 0; c++)
			rc = put_cell(f, rows[i][c], c, c == last,
			              o->color ? cell_color(c, rows[i][c]) : NULL);
		if (rc == 0 && fputc('\n', f) == EOF)
			rc = -1;
		for (int c = 0; c < ncols; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	nrows = 0;
	return rc;
}

static int table_row(struct rec *r, const struct fmt_opts *o, FILE *f)
{
	char **row = xcalloc((size_t)ncols, sizeof(*row));
	fmt_cols_find(r, colv, ncols, toks);
	for (int c = 0; c < ncols; c++) {
		sb_reset(&cell);
		fmt_cell(r, &colv[c], toks[c], o, &cell);
		row[c] = display_safe(cell.s ? cell.s : "", cell.len);
	}
	rows[nrows++] = row;
	if (nrows == MAX_BATCH)
		return table_flush(o, f);
	return 0;
}

static int table_end(const struct fmt_opts *o, FILE *f)
{
	int rc = table_flush(o, f);
	free(rows);
	free(width);
	free(colv);
	free(toks);
	sb_free(&cell);
	return rc;
}

const struct fmt_writer fmt_table_writer = {table_begin, table_row, table_flush, table_end};
