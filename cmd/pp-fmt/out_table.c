/* --table: aligned columns. Rows are held until the input pauses (a batch),
 * then printed with widths from the data. Widths never change silently:
 * they start at what the usual values need (a time of day, an IPv4
 * endpoint, a 15-character comm), only grow, and when a batch needs wider
 * columns than the header above it, the header is printed again with the
 * new widths before that batch. Cells are capped with an ellipsis;
 * endpoints are cut in the middle so that their port always stays. Every
 * cell goes through termsafe: nothing from a record reaches the terminal
 * raw. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "pp.h"
#include "termsafe.h"
#include "xalloc.h"

#define CAP_DEFAULT 40
#define CAP_ENDPOINT 47 /* [8 groups of 4 hex]:65535 */
#define CAP_WIDE 72     /* the info column */
#define MAX_BATCH 4096

static char ***rows; /* rows[i][c]: terminal-safe cell text */
static size_t nrows;
static size_t *width;   /* widths of the header printed last */
static size_t *need;    /* widths this batch needs */
static int ncols;
static const char *const *colnames;
static bool header_done;
static struct sbuf cell, line;
static struct fmt_col *colv;
static int *toks;
static struct fmt_keys keys;

static bool is_endpoint(int c)
{
	return !strcmp(colnames[c], "source") || !strcmp(colnames[c], "destination");
}

static size_t cap_of(int c)
{
	if (!strcmp(colnames[c], "info"))
		return CAP_WIDE;
	return is_endpoint(c) ? CAP_ENDPOINT : CAP_DEFAULT;
}

/* Widths the usual values of a column take, so that a live stream does not
 * need a new header for each wider row. */
static size_t min_of(int c)
{
	static const struct {
		const char *name;
		size_t w;
	} m[] = {{"time", 12}, {"type", 5}, {"event", 7}, {"proto", 5}, {"source", 21},
	         {"destination", 21}, {"pid", 6}, {"comm", 15}};
	for (size_t i = 0; i < PP_ARRAY_LEN(m); i++)
		if (!strcmp(colnames[c], m[i].name))
			return m[i].w;
	return 0;
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

/* Chars after the last ':' of an endpoint: its port or service. */
static size_t port_cols(const char *s)
{
	const char *colon = strrchr(s, ':');
	return colon ? ts_width(colon, strlen(colon)) : 0;
}

/* Colours go around the text, never into the padding, so widths hold. */
static void put_cell(struct sbuf *out, const char *s, int c, bool last, const char *sgr)
{
	size_t w, n = strlen(s);
	if (sgr)
		sb_puts(out, sgr);
	if (is_endpoint(c))
		w = ts_put_cut_mid(out, s, n, cap_of(c), port_cols(s));
	else
		w = ts_put_cut(out, s, n, cap_of(c));
	if (sgr)
		sb_puts(out, "\x1b[0m");
	if (!last)
		for (size_t i = w; i < width[c] + 2; i++)
			sb_putc(out, ' ');
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
	need = xcalloc((size_t)ncols, sizeof(*need));
	rows = xcalloc(MAX_BATCH, sizeof(*rows));
	colv = xcalloc((size_t)ncols, sizeof(*colv));
	toks = xcalloc((size_t)ncols, sizeof(*toks));
	fmt_cols_init(colv, colnames, ncols, o, &keys);
	for (int c = 0; c < ncols; c++) {
		width[c] = min_of(c);
		if (o->header && strlen(colnames[c]) > width[c])
			width[c] = strlen(colnames[c]);
	}
	sb_init(&cell);
	sb_init(&line);
	return 0;
}

static void header(const struct fmt_opts *o, struct sbuf *out)
{
	for (int c = 0; c < ncols; c++) {
		char up[64];
		size_t k;
		for (k = 0; colnames[c][k] && k < sizeof(up) - 1; k++)
			up[k] = (char)toupper((unsigned char)colnames[c][k]);
		up[k] = '\0';
		put_cell(out, up, c, c == ncols - 1, o->color ? "\x1b[1m" : NULL);
	}
	sb_putc(out, '\n');
}

static int table_flush(const struct fmt_opts *o, FILE *f)
{
	bool grew = false;
	if (nrows == 0)
		return 0;
	/* The last column is not padded: its width moves nothing. */
	for (int c = 0; c < ncols - 1; c++) {
		size_t cap = cap_of(c);
		need[c] = 0;
		for (size_t i = 0; i < nrows; i++) {
			size_t w = ts_width(rows[i][c], strlen(rows[i][c]));
			if (w > need[c])
				need[c] = w > cap ? cap : w;
		}
		if (need[c] > width[c]) {
			width[c] = need[c];
			grew = true;
		}
	}
	sb_reset(&line);
	if (o->header && (!header_done || grew))
		header(o, &line);
	header_done = true;
	for (size_t i = 0; i < nrows; i++) {
		/* Trailing empty cells are not padded. */
		int last = ncols - 1;
		while (last > 0 && !rows[i][last][0])
			last--;
		for (int c = 0; c <= last; c++)
			put_cell(&line, rows[i][c], c, c == last,
			         o->color ? cell_color(c, rows[i][c]) : NULL);
		sb_putc(&line, '\n');
		for (int c = 0; c < ncols; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	nrows = 0;
	return fwrite(line.s, 1, line.len, f) == line.len ? 0 : -1;
}

static int table_row(struct rec *r, const struct fmt_opts *o, FILE *f)
{
	char **row = xcalloc((size_t)ncols, sizeof(*row));
	struct sbuf safe;
	fmt_cols_find(r, &keys, toks);
	for (int c = 0; c < ncols; c++) {
		sb_reset(&cell);
		fmt_cell(r, &colv[c], toks[c], o, &cell);
		sb_init(&safe);
		ts_put(&safe, cell.s ? cell.s : "", cell.len);
		row[c] = sb_steal(&safe);
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
	free(need);
	free(colv);
	free(toks);
	fmt_keys_free(&keys);
	sb_free(&cell);
	sb_free(&line);
	return rc;
}

const struct fmt_writer fmt_table_writer = {table_begin, table_row, table_flush, table_end};
