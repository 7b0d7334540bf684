/* JSON record writer: one object per line, any byte string made valid JSON.
 *
 * String treatment (documented in pp-records(5)): bytes that form valid UTF-8
 * are kept as they are, except that '"' and '\\' are escaped, C0 controls
 * (U+0000..U+001F), DEL and the C1 controls (U+0080..U+009F) are written as
 * \uXXXX (\n, \t, \r, \b, \f in short form); every byte that is not part of
 * well-formed UTF-8 (stray continuation bytes, overlongs, surrogates, code
 * points past U+10FFFF, truncated sequences) becomes U+FFFD, one per byte.
 * The result is valid JSON and safe to print on a terminal. */
#ifndef PP_JSONW_H
#define PP_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JW_MAX_DEPTH 32

struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[JW_MAX_DEPTH]; /* next member at this depth is the first */
	char closer[JW_MAX_DEPTH]; /* '}' or ']' for the container at this depth */
};

void jw_init(struct jw *w);
void jw_free(struct jw *w);
void jw_reset(struct jw *w);

/* key is NULL for array elements and the top-level value. */
void jw_obj_open(struct jw *w, const char *key);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_strn(struct jw *w, const char *key, const void *s, size_t n);
void jw_int(struct jw *w, const char *key, long long v);
void jw_uint(struct jw *w, const char *key, unsigned long long v);
/* Finite doubles in shortest round-trip form; NaN/inf are omitted. */
void jw_num(struct jw *w, const char *key, double v);
/* us / 10^6 (seconds of a duration), the text jw_num writes for it, without
 * printf below 10^9 s. */
void jw_micros(struct jw *w, const char *key, long long us);
/* Seconds since the epoch with microsecond resolution: 1700000000.123456 */
void jw_ts(struct jw *w, const char *key, uint64_t usec);
void jw_bool(struct jw *w, const char *key, bool v);
/* An address as a string: dotted quad, or RFC 5952 IPv6 (pp_addr_fmt). */
struct pp_addr;
void jw_addr(struct jw *w, const char *key, const struct pp_addr *a);
/* Bytes as a string of lower-case hex digits, or of standard base64 with
 * padding (RFC 4648 section 4). */
void jw_hex(struct jw *w, const char *key, const void *p, size_t n);
void jw_b64(struct jw *w, const char *key, const void *p, size_t n);
/* An already-serialised JSON value (trusted: from our own reader). */
void jw_raw(struct jw *w, const char *key, const char *json, size_t n);

/* Record helpers: begin = reset + "{" + "type" + "ts"; end = "}\n" and
 * fwrite to f. Returns 0, or -1 when the write failed (see pp_out_flush). */
void jw_rec_begin(struct jw *w, const char *type, uint64_t ts_usec);
int jw_rec_end(struct jw *w, FILE *f);

/* Escape bytes as the contents of a JSON string (no quotes) onto w->buf. */
void jw_escape(struct jw *w, const void *s, size_t n);
/* Length of the well-formed UTF-8 sequence at s (1 for ASCII), 0 if the
 * bytes there are not one: the rule jw_escape keeps text by. */
size_t jw_utf8_len(const void *s, size_t n);
/* Append raw bytes (inline: the joins and copies of a record are mostly
 * this). */
void jw_grow_(struct jw *w, size_t need);
static inline void jw_put(struct jw *w, const void *s, size_t n)
{
	if (w->len + n > w->cap)
		jw_grow_(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Formatting into a caller's buffer, without printf, for those that build
 * constant parts of records once (pp-sniff's 5-tuple members): each writes
 * at p and returns the end. jw_fmt_u64 needs 20 bytes, jw_fmt_i64 21,
 * jw_fmt_ts 27 (as jw_ts), jw_fmt_micros 27 (us / 1e6 with at most 6
 * decimals and no trailing zeros), jw_fmt_hex 2n, jw_fmt_b64 4 * ((n + 2) / 3). */
char *jw_fmt_u64(char *p, uint64_t v);
char *jw_fmt_i64(char *p, int64_t v);
char *jw_fmt_ts(char *p, uint64_t usec);
char *jw_fmt_micros(char *p, uint64_t us);
char *jw_fmt_hex(char *p, const void *s, size_t n);
char *jw_fmt_b64(char *p, const void *s, size_t n);

#endif
