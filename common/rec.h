/* Record input: the one JSON reader of every command that reads records.
 *
 * A record is one JSON object on one line. rec_parse reads it in one pass
 * into jsmn's tokens (the tokens, sizes and parent links jsmn gives with
 * JSMN_STRICT and parent links), checking RFC 8259 as it goes: what jsmn
 * alone lets through (misplaced commas and colons, bad numbers and
 * literals, raw control characters, nesting past REC_MAX_DEPTH) is refused
 * with a short message. A refused line is read again by the reference
 * reader (jsmn itself, then a walk over its tokens that checks the
 * grammar), whose words the message is; the two accept the same lines. Nothing is copied or
 * unescaped until asked for: strings are unescaped on demand (\uXXXX and
 * surrogate pairs included) into a per-record arena, and every comparison
 * is of unescaped text, so "t\u0063p" is tcp and "pr\u006fto" is the key
 * proto. A line without a backslash (nearly all) is compared raw, in place.
 *
 * Typical use, one pass over the keys for several fields:
 *
 *	static const struct rec_key keys[] = {REC_KEY("type"), REC_KEY("ts")};
 *	int v[2];
 *	if (rec_parse(&r, line, len, &err) < 0) ... report err ...
 *	rec_find_keys(&r, keys, 2, v);
 *	if (rec_tok_eq(&r, v[0], "sock", 4)) ...
 */
#ifndef PP_REC_H
#define PP_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* jsmn is header-only: rec.c defines PP_REC_IMPL to get its functions. */
#ifndef PP_REC_IMPL
#define JSMN_HEADER
#endif
#include <jsmn.h>

#define REC_MAX_DEPTH 16

/* Per token, beside jsmn's: where a container's subtree ends, and a
 * string's unescaped text once asked for (valid when gen is the record's:
 * nothing per token is written while parsing). */
struct rec_tokx {
	int32_t skip; /* containers: the first token after the subtree */
	int32_t sofs; /* arena offset of the unescaped string */
	int32_t slen; /* its length (a \u0000 inside is kept) */
	uint32_t gen; /* record whose string sofs/slen describe */
};

struct rec {
	const char *line;
	size_t len;
	jsmntok_t *tok;
	unsigned ntok, tokcap;
	struct rec_tokx *x;   /* ntok entries, capacity tokcap */
	char *arena;          /* unescaped strings of this record */
	size_t arena_len, arena_cap;
	bool has_esc;         /* the line has a backslash somewhere */
	uint32_t gen;         /* counts parses, for rec_tokx.gen */
};

void rec_init(struct rec *r);
void rec_free(struct rec *r);

/* Parse line (len bytes, need not be NUL-terminated but must stay valid while
 * the record is used). 0 on success; -1 with *err a short message
 * ("invalid JSON", "not a JSON object", "trailing garbage after the
 * object", "nested too deep", ...). */
int rec_parse(struct rec *r, const char *line, size_t len, const char **err);
/* The same by the reference reader (jsmn, then the grammar walk), slower:
 * for tests, which hold rec_parse to it. */
int rec_parse_ref(struct rec *r, const char *line, size_t len, const char **err);

/* Token index of the value of top-level key, or -1. Repeated keys: the last
 * one wins (as in jq). */
int rec_find(const struct rec *r, const char *key);
/* Value token of key in the object at token obj (any depth), or -1. */
int rec_member(const struct rec *r, int obj, const char *key);

/* Several top-level keys in one pass over the members: tok[i] is the value
 * token of keys[i], or -1 (the last of repeated keys wins). */
struct rec_key {
	const char *name;
	size_t len;
};
#define REC_KEY(s) {(s), sizeof(s) - 1}
void rec_find_keys(const struct rec *r, const struct rec_key *keys, int n, int *tok);
/* The same for a set of keys looked up in every record, compiled once
 * (the keys must stay valid while the set is used). */
#define REC_KEYSET_SLOTS 256
struct rec_keyset {
	const struct rec_key *keys;
	int n;
	uint64_t *w;      /* per key: its first 16 bytes, zero-padded */
	int16_t *next;    /* chain of keys in one slot */
	int16_t head[REC_KEYSET_SLOTS];
};
void rec_keyset_init(struct rec_keyset *ks, const struct rec_key *keys, int n);
void rec_keyset_free(struct rec_keyset *ks);
void rec_find_set(const struct rec *r, const struct rec_keyset *ks, int *tok);

/* Iterate top-level members: start with *iter = 0; returns the key token
 * index (value is at +1) or -1 when done. */
int rec_next_key(const struct rec *r, int *iter);
/* Index of the token after the value at index v (skips nested values). */
int rec_skip(const struct rec *r, int v);

/* Typed access by token index (any index: out of range is "absent").
 * The small ones are inline: a record's summary asks a few dozen of them. */
static inline bool rec_tok_is_str(const struct rec *r, int t)
{
	return t >= 0 && t < (int)r->ntok && r->tok[t].type == JSMN_STRING;
}
static inline bool rec_tok_is_num(const struct rec *r, int t)
{
	char c;
	if (t < 0 || t >= (int)r->ntok || r->tok[t].type != JSMN_PRIMITIVE)
		return false;
	c = r->line[r->tok[t].start];
	return c == '-' || (c >= '0' && c <= '9');
}
/* Unescaped string at token t (NUL-terminated; *len, if not NULL, counts a
 * \u0000 inside), or NULL if t is not a string. */
const char *rec_tok_str(const struct rec *r, int t, size_t *len);
/* The same text, not NUL-terminated: in place in the line when the line
 * has no escape (no copy), else the unescaped copy. */
static inline const char *rec_tok_text(const struct rec *r, int t, size_t *len)
{
	if (!rec_tok_is_str(r, t))
		return NULL;
	if (!r->has_esc) {
		*len = (size_t)(r->tok[t].end - r->tok[t].start);
		return r->line + r->tok[t].start;
	}
	return rec_tok_str(r, t, len);
}
/* Is token t a string whose unescaped text is s[0..n)? */
bool rec_tok_eq(const struct rec *r, int t, const char *s, size_t n);
bool rec_tok_num(const struct rec *r, int t, double *v);
/* Raw JSON text of token t, which must exist (for re-serialising; strings
 * with quotes: jsmn's string tokens exclude them). */
static inline const char *rec_tok_raw(const struct rec *r, int t, size_t *len)
{
	const jsmntok_t *k = &r->tok[t];
	int q = k->type == JSMN_STRING;
	*len = (size_t)(k->end - k->start) + 2 * (size_t)q;
	return r->line + k->start - q;
}

/* Typed lookups by key: NULL/false when absent or of another type. */
const char *rec_str(const struct rec *r, const char *key);
bool rec_num(const struct rec *r, const char *key, double *v);
bool rec_i64(const struct rec *r, const char *key, long long *v);

/* RFC 8259 number: is s[0..n) exactly one? The project's one number
 * grammar (records, and filter values that are to compare as numbers). */
bool json_number(const char *s, size_t n);

/* Unescape the body of a JSON string (without quotes) into out, which must
 * hold n + 1 bytes. Returns the length, or -1 on a bad escape. A \u0000
 * escape is kept as a NUL byte (the length tells). */
long json_unescape(const char *in, size_t n, char *out);

#endif
