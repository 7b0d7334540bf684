/* pp-fmt internals shared by its output writers. */
#ifndef PP_FMT_H
#define PP_FMT_H

#include <stdbool.h>
#include <stdio.h>

#include "rec.h"
#include "sbuf.h"

struct fmt_opts {
	char **fields;  /* -f: selected columns/keys, in order; NULL = defaults */
	int nfields;
	bool header;    /* --no-header clears */
	bool utc;       /* -u: times in UTC */
	bool human;     /* tables: human units (5.0KiB, 1.4s) and service names */
	bool numeric;   /* --numeric: port numbers, not service names */
	bool color;     /* table on a terminal and NO_COLOR unset */
	bool date;      /* --date: the "time" column always has the date */
};

/* Value of column name for record r as display text into out. Knows the
 * virtual columns: "time" (time of day of ts, with the date when that is
 * not today or o->date), "source"/"destination"
 * (addr:port, IPv6 in brackets) and "info" (a per-type summary). Returns
 * false when the record has no value for it (cell left empty). */
bool fmt_value(struct rec *r, const char *name, const struct fmt_opts *o, struct sbuf *out);
/* Text of top-level key (arrays joined with ';'), raw: no units. */
bool fmt_key_text(struct rec *r, const char *key, struct sbuf *out);
/* The same for the value at token t (a member already found: no search). */
bool fmt_tok_text(struct rec *r, int t, struct sbuf *out);

/* Columns resolved once per record (the hot path of CSV and tables):
 * fmt_cols_find fills tok[i] with the value token of column i, or -1, in
 * one pass over the record's keys (the columns' names compiled once into
 * keys by fmt_cols_init); fmt_cell is fmt_value for that column. */
struct fmt_col {
	const char *name;
	size_t len;
	bool slow; /* virtual or human-formatted: goes through fmt_value */
};
struct fmt_keys {
	struct rec_key *k;
	struct rec_keyset ks;
};
void fmt_cols_init(struct fmt_col *c, const char *const *names, int n, const struct fmt_opts *o,
                   struct fmt_keys *keys);
void fmt_keys_free(struct fmt_keys *keys);
void fmt_cols_find(struct rec *r, const struct fmt_keys *keys, int *tok);
bool fmt_cell(struct rec *r, const struct fmt_col *c, int tok, const struct fmt_opts *o,
              struct sbuf *out);

/* Default table columns (upper-case titles come from the names). */
extern const char *const fmt_table_default[];
extern const int fmt_table_default_n;
/* Default CSV columns: raw, machine-readable values. */
extern const char *const fmt_csv_default[];
extern const int fmt_csv_default_n;

/* Writers: begin once, row per record, flush at idle (a batch), end once.
 * Return -1 when writing failed. */
struct fmt_writer {
	int (*begin)(const struct fmt_opts *o, FILE *f);
	int (*row)(struct rec *r, const struct fmt_opts *o, FILE *f);
	int (*flush)(const struct fmt_opts *o, FILE *f);
	int (*end)(const struct fmt_opts *o, FILE *f);
};
extern const struct fmt_writer fmt_json_writer, fmt_csv_writer, fmt_table_writer;

#endif
