/* Record input. See rec.h.
 *
 * Per line: one word-at-a-time look at the bytes (control characters,
 * backslashes), jsmn's tokenising pass, and one walk over the tokens that
 * checks the grammar jsmn does not (lines over 1 KiB first have their
 * brackets counted, and their depth checked when there are very many). The walk looks only at
 * the bytes between tokens (white space and punctuation) and at numbers
 * and literals; string bodies are looked at again only when the line has a
 * control character somewhere. */
#define PP_REC_IMPL
/* jsmn static here: inlined into rec_parse, its parser state lives in
 * registers instead of memory that every token store might alias. */
#define JSMN_STATIC
#include "rec.h"

#include <stdlib.h>
#include <string.h>

#include "pp.h"
#include "xalloc.h"

/* jsmn's cost at a closing bracket is the depth it walks back up (parent
 * links), so deep nesting costs it quadratic time: a line of 200,000 '['
 * would take minutes. A line with at most this many brackets cannot cost
 * it more than this squared; one with more gets a linear depth check
 * first. */
#define REC_JSMN_BRACKETS 1024

void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

void rec_free(struct rec *r)
{
	free(r->tok);
	free(r->x);
	free(r->arena);
	memset(r, 0, sizeof(*r));
}

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool json_number(const char *s, size_t n)
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
	switch (s[0]) {
	case 't': return n == 4 && !memcmp(s, "true", 4);
	case 'f': return n == 5 && !memcmp(s, "false", 5);
	case 'n': return n == 4 && !memcmp(s, "null", 4);
	default: return json_number(s, n);
	}
}

/* What the word-at-a-time look found. */
struct scan {
	bool ctl; /* a byte below 0x20 */
	bool bs;  /* a backslash */
};

static struct scan prescan(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t ctl = 0, bs = 0, x, b;
	struct scan sc;
	size_t i = 0;

	/* Presence tests (a borrow may flag a second byte, only ever after a
	 * real one): bytes < 0x20, bytes == '\\'. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		ctl |= (x - ones * 0x20) & ~x & highs;
		b = x ^ (ones * '\\');
		bs |= (b - ones) & ~b & highs;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		ctl |= c < 0x20;
		bs |= c == '\\';
	}
	sc.ctl = ctl != 0;
	sc.bs = bs != 0;
	return sc;
}

/* More than REC_JSMN_BRACKETS brackets ('[' and '{', strings included)?
 * Only asked of lines long enough to have that many. */
static bool many_brackets(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '[' || s[i] == '{';
	return k > REC_JSMN_BRACKETS;
}

/* Bracket depth beyond REC_MAX_DEPTH, in one linear pass: only for lines
 * with very many brackets, before jsmn sees them (see REC_JSMN_BRACKETS).
 * Strings are skipped, escapes too. */
static bool too_deep(const char *s, size_t n)
{
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > REC_MAX_DEPTH)
				return true;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return false;
}

/* The bytes between two tokens, s[a..b): white space around at most one
 * separator sep ('\0': none allowed). */
static bool gap_slow(const char *s, int a, int b, char sep)
{
	bool seen = sep == '\0';
	for (int i = a; i < b; i++) {
		if (is_ws(s[i]))
			continue;
		if (s[i] != sep || seen)
			return false;
		seen = true;
	}
	return seen;
}

/* Nearly every gap is empty or the separator alone. */
static inline bool gap_ok(const char *s, int a, int b, char sep)
{
	if (b - a == (sep != '\0') && (a == b || s[a] == sep))
		return true;
	return gap_slow(s, a, b, sep);
}

static void grow_tokens(struct rec *r, unsigned cap)
{
	unsigned old = r->tokcap;
	r->tokcap = cap;
	r->tok = xreallocarray(r->tok, cap, sizeof(*r->tok));
	r->x = xreallocarray(r->x, cap, sizeof(*r->x));
	memset(r->x + old, 0, (cap - old) * sizeof(*r->x)); /* gen 0: no record's */
}

/* The walk over jsmn's tokens: every byte of the line is in a token or in
 * a gap between two, and each gap must be the punctuation the grammar
 * wants there. Fills r->x (subtree ends, no string unescaped yet). The
 * innermost open container is kept in locals, the others on a stack. */
static const char *check_tokens(struct rec *r, int n, size_t end, bool ctl)
{
	const char *s = r->line;
	const jsmntok_t *tok = r->tok;
	struct rec_tokx *x = r->x;
	struct open {
		int tok, end, depth; /* depth: of its children's tokens */
		bool obj, seen;      /* an object; a child was seen */
	} stack[REC_MAX_DEPTH + 2], top;
	int sp = 0, key = -1, cur;

	if (!gap_ok(s, 0, tok[0].start, '\0'))
		return "garbage before the object";
	top = (struct open){0, tok[0].end, 1, true, false};
	cur = tok[0].start + 1;
	for (int i = 1; i < n; i++) {
		const jsmntok_t *t = &tok[i];
		jsmntype_t type = t->type;
		int b = t->start - (type == JSMN_STRING), depth;

		/* Containers that closed before this token: only white space
		 * before their closing bracket. */
		while (top.end <= b) {
			if (key >= 0 || !gap_ok(s, cur, top.end - 1, '\0'))
				return "invalid JSON";
			x[top.tok].skip = i;
			cur = top.end;
			if (sp == 0)
				return "trailing garbage after the object";
			top = stack[--sp];
		}
		if (t->parent == top.tok) {
			/* A member's key, or an array's element. */
			if (key >= 0)
				return "invalid JSON";
			if (top.obj) {
				if (type != JSMN_STRING || t->size != 1)
					return "invalid object member";
				key = i;
			} else if (type >= JSMN_STRING && t->size != 0) {
				return "invalid object member";
			}
			if (!gap_ok(s, cur, b, top.seen ? ',' : '\0'))
				return "invalid JSON";
			top.seen = true;
			depth = top.depth;
		} else if (key >= 0 && t->parent == key) {
			/* The value of the key just read. */
			if (type >= JSMN_STRING && t->size != 0)
				return "invalid object member";
			if (!gap_ok(s, cur, b, ':'))
				return "invalid JSON";
			depth = top.depth + 1;
			key = -1;
		} else {
			return t->size ? "invalid object member" : "invalid JSON";
		}
		if (depth > REC_MAX_DEPTH)
			return "nested too deep";
		if (type == JSMN_STRING) {
			if (ctl)
				for (int k = t->start; k < t->end; k++)
					if ((unsigned char)s[k] < 0x20)
						return "control character in string";
			cur = t->end + 1;
		} else if (type == JSMN_PRIMITIVE) {
			if (!valid_primitive(s + t->start, (size_t)(t->end - t->start)))
				return "invalid JSON value";
			cur = t->end;
		} else {
			stack[sp++] = top;
			top = (struct open){i, t->end, depth + 1, type == JSMN_OBJECT, false};
			cur = t->start + 1;
		}
	}
	for (;;) {
		if (key >= 0 || !gap_ok(s, cur, top.end - 1, '\0'))
			return "invalid JSON";
		x[top.tok].skip = n;
		cur = top.end;
		if (sp == 0)
			break;
		top = stack[--sp];
	}
	if ((size_t)cur != end)
		return "trailing garbage after the object";
	return NULL;
}

int rec_parse(struct rec *r, const char *line, size_t len, const char **err)
{
	jsmn_parser p;
	struct scan sc;
	size_t end = len;
	int n;

	r->line = line;
	r->len = len;
	r->ntok = 0;
	r->arena_len = 0;
	if (++r->gen == 0) { /* after 2^32 records: no cached string is valid */
		if (r->x)
			memset(r->x, 0, r->tokcap * sizeof(*r->x));
		r->gen = 1;
	}

	sc = prescan(line, len);
	r->has_esc = sc.bs;
	/* jsmn ends a string at a NUL byte: look for one only when the line
	 * has a control byte at all (the common line has none). */
	if (sc.ctl && memchr(line, '\0', len)) {
		*err = "NUL byte in line";
		return -1;
	}
	while (end > 0 && is_ws(line[end - 1]))
		end--;
	if (end == 0) {
		*err = "empty line";
		return -1;
	}
	if (end > REC_JSMN_BRACKETS && many_brackets(line, end) && too_deep(line, end)) {
		*err = "nested too deep";
		return -1;
	}
	if (!r->tok)
		grow_tokens(r, 64);
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
		grow_tokens(r, r->tokcap * 2);
	}
	if (n == JSMN_ERROR_PART) {
		*err = "truncated JSON";
		return -1;
	}
	if (n <= 0) {
		*err = "invalid JSON";
		return -1;
	}
	if (r->tok[0].type != JSMN_OBJECT) {
		*err = "not a JSON object";
		return -1;
	}
	if ((*err = check_tokens(r, n, end, sc.ctl)) != NULL)
		return -1;
	r->ntok = (unsigned)n;
	/* One arena for all of this record's unescaped strings: unescaping
	 * never lengthens a string, so len + one NUL per token is enough. */
	if (r->arena_cap < len + r->ntok + 1) {
		free(r->arena);
		r->arena_cap = len + r->ntok + 1;
		r->arena = xmalloc(r->arena_cap);
	}
	return 0;
}

static inline int skip(const struct rec *r, int v)
{
	return r->tok[v].type >= JSMN_STRING ? v + 1 : r->x[v].skip;
}

int rec_skip(const struct rec *r, int v)
{
	if (v < 0 || v >= (int)r->ntok)
		return v + 1;
	return skip(r, v);
}

int rec_next_key(const struct rec *r, int *iter)
{
	int i = *iter == 0 ? 1 : *iter;
	if (i + 1 >= (int)r->ntok)
		return -1;
	*iter = skip(r, i + 1);
	return i;
}

bool rec_tok_eq(const struct rec *r, int t, const char *s, size_t n)
{
	const char *raw, *u;
	size_t rl, ul;

	if (!rec_tok_is_str(r, t))
		return false;
	raw = r->line + r->tok[t].start;
	rl = (size_t)(r->tok[t].end - r->tok[t].start);
	/* Without a backslash the raw text is the text. */
	if (!r->has_esc || !memchr(raw, '\\', rl))
		return rl == n && !memcmp(raw, s, n);
	if (rl <= n) /* an escape makes the text shorter than its spelling */
		return false;
	u = rec_tok_str(r, t, &ul);
	return u && ul == n && !memcmp(u, s, n);
}

/* A name's bucket of 64, from its length and its first and last bytes. */
static inline unsigned key_bucket(const char *p, size_t n)
{
	return n ? ((unsigned)n * 7u ^ (unsigned char)p[0] ^ (unsigned)(unsigned char)p[n - 1] << 1) & 63u
	         : 0;
}

void rec_find_keys(const struct rec *r, const struct rec_key *keys, int n, int *tok)
{
	int ntok = (int)r->ntok;
	/* The wanted names chained by bucket, so that a member is compared
	 * with the few names of its bucket only (usually none or one). */
	int head[64], next[n > 0 ? n : 1];
	uint64_t want = 0;

	for (int b = 0; b < 64; b++)
		head[b] = -1;
	for (int i = n - 1; i >= 0; i--) {
		unsigned b = key_bucket(keys[i].name, keys[i].len);
		tok[i] = -1;
		next[i] = head[b];
		head[b] = i;
		want |= 1ull << b;
	}
	/* One pass over the members; the last of repeated keys wins, as with
	 * rec_find. */
	for (int k = 1; k + 1 < ntok; k = skip(r, k + 1)) {
		const jsmntok_t *kt = &r->tok[k];
		const char *kp = r->line + kt->start;
		size_t kl = (size_t)(kt->end - kt->start);
		unsigned b;
		if (r->has_esc && memchr(kp, '\\', kl)) {
			for (int i = 0; i < n; i++)
				if (rec_tok_eq(r, k, keys[i].name, keys[i].len))
					tok[i] = k + 1;
			continue;
		}
		b = key_bucket(kp, kl);
		if (!(want >> b & 1))
			continue;
		for (int i = head[b]; i >= 0; i = next[i])
			if (keys[i].len == kl && !memcmp(kp, keys[i].name, kl))
				tok[i] = k + 1;
	}
}

int rec_find(const struct rec *r, const char *key)
{
	struct rec_key k = {key, strlen(key)};
	int v;
	rec_find_keys(r, &k, 1, &v);
	return v;
}

int rec_member(const struct rec *r, int obj, const char *key)
{
	size_t kl = strlen(key);
	int found = -1;
	if (obj < 0 || obj >= (int)r->ntok || r->tok[obj].type != JSMN_OBJECT)
		return -1;
	for (int k = obj + 1; k + 1 < r->x[obj].skip; k = skip(r, k + 1))
		if (rec_tok_eq(r, k, key, kl))
			found = k + 1;
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

static long hex4(const char *s)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = pp_hexval(s[i]);
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

const char *rec_tok_str(const struct rec *r, int t, size_t *len)
{
	struct rec *w = (struct rec *)r; /* the arena is a cache: logically const */
	const jsmntok_t *k;
	size_t n;
	long l;
	char *o;

	if (!rec_tok_is_str(r, t))
		return NULL;
	if (r->x[t].gen == r->gen) { /* unescaped before */
		if (len)
			*len = (size_t)r->x[t].slen;
		return r->arena + r->x[t].sofs;
	}
	k = &r->tok[t];
	n = (size_t)(k->end - k->start);
	o = r->arena + r->arena_len;
	if (!r->has_esc) {
		memcpy(o, r->line + k->start, n);
		o[n] = '\0';
		l = (long)n;
	} else if ((l = json_unescape(r->line + k->start, n, o)) < 0) {
		return NULL;
	}
	r->x[t].sofs = (int32_t)r->arena_len;
	r->x[t].slen = (int32_t)l;
	r->x[t].gen = r->gen;
	w->arena_len += (size_t)l + 1;
	if (len)
		*len = (size_t)l;
	return o;
}

const char *rec_tok_text(const struct rec *r, int t, size_t *len)
{
	const jsmntok_t *k;
	if (!rec_tok_is_str(r, t))
		return NULL;
	k = &r->tok[t];
	if (!r->has_esc) {
		*len = (size_t)(k->end - k->start);
		return r->line + k->start;
	}
	return rec_tok_str(r, t, len);
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

const char *rec_str(const struct rec *r, const char *key)
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
