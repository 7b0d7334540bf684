/* Record input: one JSON object per line, tokenised with jsmn (JSMN_STRICT),
 * checked so that exactly one object spans the whole line, with typed
 * lookups of top-level keys. Strings are unescaped on demand (\uXXXX and
 * surrogate pairs included) into a per-record arena. */
#ifndef PP_REC_H
#define PP_REC_H

#include <stdbool.h>
#include <stddef.h>

/* jsmn is header-only: rec.c defines PP_REC_IMPL to get its functions. */
#ifndef PP_REC_IMPL
#define JSMN_HEADER
#endif
#include <jsmn.h>

#define REC_MAX_DEPTH 16

struct rec {
	const char *line;
	size_t len;
	jsmntok_t *tok;
	unsigned ntok, tokcap;
	char *arena;           /* unescaped strings of this record */
	size_t arena_len, arena_cap;
	long *strofs;          /* per token: arena offset once unescaped, or -1 */
	unsigned strofs_cap;
};

void rec_init(struct rec *r);
void rec_free(struct rec *r);

/* Parse line (len bytes, need not be NUL-terminated but must stay valid while
 * the record is used). 0 on success; -1 with *err a short message
 * ("invalid JSON", "not an object", "trailing garbage", ...). */
int rec_parse(struct rec *r, const char *line, size_t len, const char **err);

/* Token index of the value of top-level key, or -1. Repeated keys: the last
 * one wins (as in jq). */
int rec_find(const struct rec *r, const char *key);
/* Iterate top-level members: start with i = 0; returns the key token index
 * (value is at +1) or -1 when done. */
int rec_next_key(const struct rec *r, int *iter);
/* Index of the token after the value at index v (skips nested values). */
int rec_skip(const struct rec *r, int v);

/* Typed access by token index. */
bool rec_tok_is_str(const struct rec *r, int t);
bool rec_tok_is_num(const struct rec *r, int t);
/* Unescaped string at token t in the arena (NUL-terminated; *len may be NULL),
 * or NULL if t is not a string. */
const char *rec_tok_str(struct rec *r, int t, size_t *len);
bool rec_tok_num(const struct rec *r, int t, double *v);
/* Raw JSON text of token t (for re-serialising). */
const char *rec_tok_raw(const struct rec *r, int t, size_t *len);

/* Typed lookups by key: NULL/false when absent or of another type. */
const char *rec_str(struct rec *r, const char *key);
bool rec_num(const struct rec *r, const char *key, double *v);
bool rec_i64(const struct rec *r, const char *key, long long *v);

/* Unescape the body of a JSON string (without quotes) into out, which must
 * hold n + 1 bytes. Returns the length, or -1 on a bad escape. A \u0000
 * escape is kept as a NUL byte (the length tells). */
long json_unescape(const char *in, size_t n, char *out);

#endif
