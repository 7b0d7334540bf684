/* pp-fmt --zeek DIR: Zeek's logs (conn, dns, ssl, http, ssh) in Zeek's
 * tab-separated format, from records. zeek_tsv.c writes the files, their
 * header and the escaping; zeek_logs.c maps records to rows. */
#ifndef PP_FMT_ZEEK_H
#define PP_FMT_ZEEK_H

#include <stdbool.h>

#include "rec.h"
#include "sbuf.h"

/* Zeek's value types used here, as #types names them. */
enum ztype { ZT_TIME, ZT_STRING, ZT_ADDR, ZT_PORT, ZT_ENUM, ZT_INTERVAL, ZT_COUNT, ZT_BOOL,
             ZT_INT, ZT_SET_STRING, ZT_SET_ENUM, ZT_VEC_STRING, ZT_VEC_INTERVAL };

struct zfield {
	const char *name;
	enum ztype type;
};

/* One log file, opened at its first row (as Zeek creates a log lazily). */
struct zlog {
	const char *path;              /* "conn": conn.log */
	const struct zfield *f;
	int n;
	int fd;                        /* -1 until opened */
	struct sbuf out;               /* pending bytes */
	bool failed;
};

/* A row under construction: one text per field, already in TSV form
 * (escaped), NULL for unset. */
struct zrow {
	char **v;
	int n;
};

/* zeek_tsv.c */
int ztsv_dir(const char *dir);            /* create/check DIR; -1 with a message */
void ztsv_init(struct zlog *l, const char *path, const struct zfield *f, int n);
void ztsv_row(struct zlog *l, const struct zrow *row, double ts);
/* #close line, flush, close; -1 if anything failed to be written. */
int ztsv_close(struct zlog *l, double ts);
void ztsv_set_utc(bool utc);
void ztsv_set_end(double ts);             /* latest record time seen ... */
double ztsv_end(void);                    /* ... which #close says */

/* Field values into a row (each replaces what field i had). */
struct zrow *zrow_new(int n);
void zrow_free(struct zrow *r);
void zrow_str(struct zrow *r, int i, const char *s, size_t n);  /* string/enum */
void zrow_lit(struct zrow *r, int i, const char *s);            /* trusted text as is */
void zrow_time(struct zrow *r, int i, long long us);            /* time, interval */
void zrow_count(struct zrow *r, int i, unsigned long long v);
void zrow_bool(struct zrow *r, int i, bool v);
/* A JSON array of strings (or numbers as seconds for vector[interval])
 * at token t of rec as a set/vector; false if t is not such an array. */
bool zrow_list(struct zrow *r, int i, struct rec *rec, int t, bool seconds);
/* Copy field i from another row (NULL stays NULL). */
void zrow_copy(struct zrow *dst, int i, const struct zrow *src, int j);

/* zeek_logs.c */
int zeek_open(const char *dir, bool utc);
void zeek_record(struct rec *r);
int zeek_close(void);

#endif
