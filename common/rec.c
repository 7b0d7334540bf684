/* Record input. See rec.h. */
#define PP_REC_IMPL
#include "rec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pp.h"

void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

void rec_free(struct rec *r)
{
	free(r->tok);
	free(r->arena);
	free(r->strofs);
	memset(r, 0, sizeof(*r));
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 8259 number grammar. */
static bool valid_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return false;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

static bool valid_primitive(const char *s, size_t n)
{
	if (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "null", 4)))
		return true;
	if (n == 5 && !memcmp(s, "false", 5))
		return true;
	return valid_number(s, n);
}

int rec_parse(struct rec *r, const char *line, size_t len, const char **err)
{
	jsmn_parser p;
	int n;
	size_t end = len;
	bool has_ctl;

	r->line = line;
	r->len = len;
	r->ntok = 0;
	r->arena_len = 0;

	/* One quick pass finds whether the line has any control byte at all;
	 * only then are NULs and control characters in strings looked for one
	 * by one (the common line has none). Eight bytes at a time: a word has
	 * a byte below 0x20 iff (x - 0x20..20) & ~x & 0x80..80 is non-zero. */
	{
		const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
		uint64_t acc = 0, x;
		size_t i = 0;
		for (; i + 8 <= len; i += 8) {
			memcpy(&x, line + i, 8);
			acc |= (x - ones * 0x20) & ~x & highs;
		}
		for (; i < len; i++)
			acc |= (unsigned char)line[i] < 0x20;
		has_ctl = acc != 0;
	}
	if (has_ctl && memchr(line, '\0', len)) {
		*err = "NUL byte in line";
		return -1;
	}
	while (end > 0 && is_ws(line[end - 1]))
		end--;
	if (end == 0) {
		*err = "empty line";
		return -1;
	}
	if (!r->tok) {
		r->tokcap = 64;
		r->tok = malloc(r->tokcap * sizeof(*r->tok));
		if (!r->tok)
			pp_die(PP_EXIT_RUNTIME, "out of memory");
	}
	jsmn_init(&p);
	for (;;) {
		n = jsmn_parse(&p, line, end, r->tok, r->tokcap);
		if (n != JSMN_ERROR_NOMEM)
			break;
		/* Grow and resume: jsmn keeps its position in the parser. */
		if (r->tokcap >= (1u << 22)) {
			*err = "too many JSON tokens";
			return -1;
		}
		r->tokcap *= 2;
		r->tok = realloc(r->tok, r->tokcap * sizeof(*r->tok));
		if (!r->tok)
			pp_die(PP_EXIT_RUNTIME, "out of memory");
	}
	if (n == JSMN_ERROR_PART) {
		*err = "truncated JSON";
		return -1;
	}
	if (n < 0 || n == 0) {
		*err = "invalid JSON";
		return -1;
	}
	if (r->tok[0].type != JSMN_OBJECT) {
		*err = "not a JSON object";
		return -1;
	}
	if ((size_t)r->tok[0].end != end) {
		*err = "trailing garbage after the object";
		return -1;
	}
	{
		/* Leading whitespace only before the object. */
		for (int i = 0; i < r->tok[0].start; i++)
			if (!is_ws(line[i])) {
				*err = "garbage before the object";
				return -1;
			}
	}
	r->ntok = (unsigned)n;
	if (r->strofs_cap < r->ntok) {
		free(r->strofs);
		r->strofs_cap = r->tokcap;
		r->strofs = malloc(r->strofs_cap * sizeof(*r->strofs));
		if (!r->strofs)
			pp_die(PP_EXIT_RUNTIME, "out of memory");
	}
	for (unsigned i = 0; i < r->ntok; i++) {
		jsmntok_t *t = &r->tok[i];
		/* A parent precedes its children: depth from the parent's,
		 * kept in strofs until strofs is reset below. */
		long depth = t->parent >= 0 ? r->strofs[t->parent] + 1 : 0;
		r->strofs[i] = depth;
		if (depth > REC_MAX_DEPTH) {
			*err = "nested too deep";
			return -1;
		}
		if (t->type == JSMN_PRIMITIVE &&
		    !valid_primitive(line + t->start, (size_t)(t->end - t->start))) {
			*err = "invalid JSON value";
			return -1;
		}
		if (has_ctl && t->type == JSMN_STRING) {
			for (int k = t->start; k < t->end; k++)
				if ((unsigned char)line[k] < 0x20) {
					*err = "control character in string";
					return -1;
				}
		}
		/* Structure jsmn may let through: every member of an object
		 * is a string key with exactly one value (a missing ':' or a
		 * value in key position fails here). */
		if (t->parent >= 0 && r->tok[t->parent].type == JSMN_OBJECT &&
		    (t->type != JSMN_STRING || t->size != 1)) {
			*err = "invalid object member";
			return -1;
		}
		/* Only an object's keys have children: jsmn makes "x" a key when
		 * '{"n":"x":"y"}' or '["x":1]' follows it with ':'. */
		if ((t->type == JSMN_STRING || t->type == JSMN_PRIMITIVE) && t->size != 0 &&
		    !(t->parent >= 0 && r->tok[t->parent].type == JSMN_OBJECT)) {
			*err = "invalid object member";
			return -1;
		}
	}
	/* One arena for all of this record's unescaped strings: unescaping
	 * never lengthens a string, so len + one NUL per token is enough. */
	if (r->arena_cap < len + r->ntok + 1) {
		free(r->arena);
		r->arena_cap = len + r->ntok + 1;
		r->arena = malloc(r->arena_cap);
		if (!r->arena)
			pp_die(PP_EXIT_RUNTIME, "out of memory");
	}
	memset(r->strofs, 0xff, r->ntok * sizeof(*r->strofs));
	return 0;
}

int rec_skip(const struct rec *r, int v)
{
	/* With parent links: the next token whose start is past v's end. */
	int i = v + 1;
	while (i < (int)r->ntok && r->tok[i].start < r->tok[v].end)
		i++;
	return i;
}

int rec_next_key(const struct rec *r, int *iter)
{
	int i = *iter == 0 ? 1 : *iter;
	if (i >= (int)r->ntok)
		return -1;
	if (i + 1 >= (int)r->ntok)
		return -1;
	*iter = rec_skip(r, i + 1);
	return i;
}

int rec_find(const struct rec *r, const char *key)
{
	/* The key's length once, not per member: rec_find is on every hot
	 * path. Keys are compared raw: ours are plain ASCII without escapes. */
	size_t kl = strlen(key);
	int it = 0, k, found = -1;
	while ((k = rec_next_key(r, &it)) >= 0) {
		const jsmntok_t *t = &r->tok[k];
		if (t->type == JSMN_STRING && (size_t)(t->end - t->start) == kl &&
		    !memcmp(r->line + t->start, key, kl))
			found = k + 1;
	}
	return found;
}

bool rec_tok_is_str(const struct rec *r, int t)
{
	return t >= 0 && t < (int)r->ntok && r->tok[t].type == JSMN_STRING;
}

bool rec_tok_is_num(const struct rec *r, int t)
{
	char c;
	if (t < 0 || t >= (int)r->ntok || r->tok[t].type != JSMN_PRIMITIVE)
		return false;
	c = r->line[r->tok[t].start];
	return c == '-' || (c >= '0' && c <= '9');
}

const char *rec_tok_raw(const struct rec *r, int t, size_t *len)
{
	const jsmntok_t *k = &r->tok[t];
	/* jsmn string tokens exclude the quotes; include them for raw JSON. */
	if (k->type == JSMN_STRING) {
		*len = (size_t)(k->end - k->start) + 2;
		return r->line + k->start - 1;
	}
	*len = (size_t)(k->end - k->start);
	return r->line + k->start;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long hex4(const char *s)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

long json_unescape(const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		char c = in[i];
		if (c != '\\') {
			out[o++] = c;
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		c = in[i + 1];
		i += 2;
		switch (c) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '/': out[o++] = '/'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			long cp, lo;
			if (i + 4 > n || (cp = hex4(in + i)) < 0)
				return -1;
			i += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* High surrogate: a low one must follow. */
				if (i + 6 <= n && in[i] == '\\' && in[i + 1] == 'u' &&
				    (lo = hex4(in + i + 2)) >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				} else {
					cp = 0xfffd; /* lone surrogate */
				}
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			/* Every escape is >= 6 input bytes and <= 4 output bytes
			 * (a pair: 12 in, 4 out), so out never outgrows in. */
			o += put_utf8(out + o, (uint32_t)cp);
			break;
		}
		default:
			return -1;
		}
	}
	out[o] = '\0';
	return (long)o;
}

const char *rec_tok_str(struct rec *r, int t, size_t *len)
{
	const jsmntok_t *k;
	size_t n;
	long l;
	char *o;

	if (!rec_tok_is_str(r, t))
		return NULL;
	if (r->strofs[t] >= 0) { /* unescaped before */
		o = r->arena + r->strofs[t];
		if (len)
			*len = strlen(o); /* a \u0000 inside shortens it: fine for lookups */
		return o;
	}
	k = &r->tok[t];
	n = (size_t)(k->end - k->start);
	o = r->arena + r->arena_len;
	l = json_unescape(r->line + k->start, n, o);
	if (l < 0)
		return NULL;
	r->strofs[t] = (long)r->arena_len;
	r->arena_len += (size_t)l + 1;
	if (len)
		*len = (size_t)l;
	return o;
}

bool rec_tok_num(const struct rec *r, int t, double *v)
{
	char buf[64];
	size_t n;
	if (!rec_tok_is_num(r, t))
		return false;
	n = (size_t)(r->tok[t].end - r->tok[t].start);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, r->line + r->tok[t].start, n);
	buf[n] = '\0';
	*v = strtod(buf, NULL);
	return true;
}

const char *rec_str(struct rec *r, const char *key)
{
	return rec_tok_str(r, rec_find(r, key), NULL);
}

bool rec_num(const struct rec *r, const char *key, double *v)
{
	return rec_tok_num(r, rec_find(r, key), v);
}

bool rec_i64(const struct rec *r, const char *key, long long *v)
{
	double d;
	if (!rec_num(r, key, &d) || d < -9.2e18 || d > 9.2e18)
		return false;
	*v = (long long)d;
	return (double)*v == d;
}
