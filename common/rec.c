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

#include <float.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pp.h"
#include "xalloc.h"

/* jsmn's cost at a closing bracket is the depth it walks back up (parent
 * links), so deep nesting costs it quadratic time: a line of 200,000 '['
 * would take minutes. A line with at most this many brackets cannot cost
 * it more than this squared; one with more gets a linear depth check
 * first. */
#define REC_JSMN_BRACKETS 1024
/* Tokens a line may have (jsmn's array grows to this). */
#define REC_MAX_TOKENS (1u << 22)

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

/* The number grammar of RFC 8259 from s[i]: the index just past the
 * longest number there, or 0 when there is none (a number is at least one
 * byte, so 0 is never a number's end). The only number grammar of the project: rec_parse's pass, the
 * reference walk and json_number all use it. */
static inline __attribute__((always_inline)) size_t scan_number(const char *s, size_t i, size_t n)
{
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0')
		i++;
	else if ((unsigned)(s[i] - '1') < 9)
		while (i < n && (unsigned)(s[i] - '0') < 10)
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || (unsigned)(s[i] - '0') >= 10)
			return 0;
		while (i < n && (unsigned)(s[i] - '0') < 10)
			i++;
	}
	if (i < n && (s[i] | 0x20) == 'e') {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || (unsigned)(s[i] - '0') >= 10)
			return 0;
		while (i < n && (unsigned)(s[i] - '0') < 10)
			i++;
	}
	return i;
}

bool json_number(const char *s, size_t n)
{
	return n > 0 && scan_number(s, 0, n) == n;
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

/* A new record: the fields of the last one forgotten. Returns the line's
 * length without trailing white space. */
static size_t begin(struct rec *r, const char *line, size_t len)
{
	size_t end = len;
	r->line = line;
	r->len = len;
	r->ntok = 0;
	r->arena_len = 0;
	if (++r->gen == 0) { /* after 2^32 records: no cached string is valid */
		if (r->x)
			memset(r->x, 0, r->tokcap * sizeof(*r->x));
		r->gen = 1;
	}
	if (!r->tok)
		grow_tokens(r, 64);
	while (end > 0 && is_ws(line[end - 1]))
		end--;
	return end;
}

/* The record is good: n tokens. */
static int good(struct rec *r, unsigned n)
{
	r->ntok = n;
	/* One arena for all of this record's unescaped strings: unescaping
	 * never lengthens a string, so len + one NUL per token is enough. */
	if (r->arena_cap < r->len + r->ntok + 1) {
		free(r->arena);
		r->arena_cap = r->len + r->ntok + 1;
		r->arena = xmalloc(r->arena_cap);
	}
	return 0;
}

/* The reference reader: jsmn's tokens, then the walk over them. NULL, or
 * why the line is refused; *ntok set when good. */
static const char *parse_ref(struct rec *r, size_t end, unsigned *ntok)
{
	const char *line = r->line, *err;
	size_t len = r->len;
	jsmn_parser p;
	struct scan sc;
	int n;

	sc = prescan(line, len);
	r->has_esc = sc.bs;
	/* jsmn ends a string at a NUL byte: look for one only when the line
	 * has a control byte at all (the common line has none). */
	if (sc.ctl && memchr(line, '\0', len))
		return "NUL byte in line";
	if (end == 0)
		return "empty line";
	if (end > REC_JSMN_BRACKETS && many_brackets(line, end) && too_deep(line, end))
		return "nested too deep";
	jsmn_init(&p);
	for (;;) {
		n = jsmn_parse(&p, line, end, r->tok, r->tokcap);
		if (n != JSMN_ERROR_NOMEM)
			break;
		/* Grow and resume: jsmn keeps its position in the parser. */
		if (r->tokcap >= REC_MAX_TOKENS)
			return "too many JSON tokens";
		grow_tokens(r, r->tokcap * 2);
	}
	if (n == JSMN_ERROR_PART)
		return "truncated JSON";
	if (n <= 0)
		return "invalid JSON";
	if (r->tok[0].type != JSMN_OBJECT)
		return "not a JSON object";
	if ((err = check_tokens(r, n, end, sc.ctl)) != NULL)
		return err;
	*ntok = (unsigned)n;
	return NULL;
}

int rec_parse_ref(struct rec *r, const char *line, size_t len, const char **err)
{
	size_t end = begin(r, line, len);
	unsigned n;
	if ((*err = parse_ref(r, end, &n)) != NULL)
		return -1;
	return good(r, n);
}

/* From s[i], just past a string's opening quote, to its closing quote:
 * its index, or 0 when the string is bad (a raw control character, a bad
 * escape) or does not end. *esc is set when it has a backslash. */
static inline __attribute__((always_inline)) size_t scan_string(const char *s, size_t i, size_t end,
                                                                 bool *esc)
{
	for (;;) {
#if defined(__SSE2__)
		/* Sixteen bytes at a time: the first '"', '\\' or byte below
		 * 0x20 (max(x, 0x1f) == 0x1f). */
		const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
		              ctl = _mm_set1_epi8(0x1f);
		for (; i + 16 <= end; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
			                         _mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl));
			unsigned bits = (unsigned)_mm_movemask_epi8(m);
			if (bits) {
				i += (size_t)__builtin_ctz(bits);
				goto special;
			}
		}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* Eight bytes at a time: the first '"', '\\' or byte below
		 * 0x20 (a borrow may flag a byte after the first real one, never
		 * one before it, and the lowest flagged byte is the first). */
		const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
		for (; i + 8 <= end; i += 8) {
			uint64_t x, q, b, m;
			memcpy(&x, s + i, 8);
			q = x ^ (ones * '"');
			b = x ^ (ones * '\\');
			m = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x);
			if ((m &= highs) != 0) {
				i += (size_t)__builtin_ctzll(m) >> 3;
				goto special;
			}
		}
#endif
		for (; i < end; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '"' || c == '\\' || c < 0x20)
				goto special;
		}
		return 0;
	special:
		if (s[i] == '"')
			return i;
		if (s[i] != '\\' || i + 1 >= end)
			return 0;
		*esc = true;
		switch (s[i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			i += 2;
			break;
		case 'u':
			if (i + 6 > end)
				return 0;
			for (int k = 2; k < 6; k++)
				if (pp_hexval(s[i + k]) < 0)
					return 0;
			i += 6;
			break;
		default:
			return 0;
		}
	}
}

/* The one pass: bytes to jsmn's tokens (the same tokens, sizes and parent
 * links jsmn gives), the RFC 8259 grammar and the depth limit checked as
 * they are read. False when the line is refused, for any reason: the
 * reference reader then says why. */
static bool scan(struct rec *r, size_t end, unsigned *ntok)
{
	const char *s = r->line;
	jsmntok_t *tok = r->tok;
	struct rec_tokx *x = r->x;
	/* Open containers; a container's depth is jsmn's parent chain
	 * (a key is one level, its value the next). */
	struct frame {
		int tok, depth;
		bool obj;
	} st[REC_MAX_DEPTH + 2], *c;
	unsigned cap = r->tokcap, n;
	int sp, parent, depth;
	size_t i = 0, q;
	bool esc = false;

	/* White space between tokens is rare in records: one compare when
	 * there is none (every white space byte is <= ' '). */
#define WS()                                                          \
	do {                                                          \
		if (i < end && (unsigned char)s[i] <= ' ')            \
			while (i < end && is_ws(s[i]))                \
				i++;                                  \
	} while (0)
#define NEED()                                                        \
	do {                                                          \
		if (n >= cap) {                                       \
			if (cap >= REC_MAX_TOKENS)                    \
				return false;                         \
			grow_tokens(r, cap * 2);                      \
			tok = r->tok, x = r->x, cap = r->tokcap;      \
		}                                                     \
	} while (0)

	WS();
	if (i >= end || s[i] != '{')
		return false;
	tok[0] = (jsmntok_t){.type = JSMN_OBJECT, .start = (int)i, .end = -1, .size = 0, .parent = -1};
	n = 1;
	st[0] = (struct frame){0, 0, true};
	sp = 1;
	i++;
	goto opened;

opened: /* just after the '{' or '[' of st[sp - 1] */
	WS();
	c = &st[sp - 1];
	if (i < end && s[i] == (c->obj ? '}' : ']'))
		goto close;
	if (!c->obj)
		goto element;
key:
	if (i >= end || s[i] != '"')
		return false;
	c = &st[sp - 1];
	depth = c->depth + 1;
	if (depth > REC_MAX_DEPTH || !(q = scan_string(s, i + 1, end, &esc)))
		return false;
	NEED();
	tok[n] = (jsmntok_t){.type = JSMN_STRING, .start = (int)i + 1, .end = (int)q, .size = 1, .parent = c->tok};
	tok[c->tok].size++;
	parent = (int)n++;
	depth++;
	i = q + 1;
	WS();
	if (i >= end || s[i] != ':')
		return false;
	i++;
	WS();
	goto value;

element:
	c = &st[sp - 1];
	parent = c->tok;
	depth = c->depth + 1;
	tok[c->tok].size++;
value:
	if (depth > REC_MAX_DEPTH || i >= end)
		return false;
	NEED();
	switch (s[i]) {
	case '"':
		if (!(q = scan_string(s, i + 1, end, &esc)))
			return false;
		tok[n++] = (jsmntok_t){.type = JSMN_STRING, .start = (int)i + 1, .end = (int)q, .size = 0, .parent = parent};
		i = q + 1;
		break;
	case '{':
	case '[':
		tok[n] = (jsmntok_t){.type = s[i] == '{' ? JSMN_OBJECT : JSMN_ARRAY, .start = (int)i, .end = -1,
		                     .size = 0, .parent = parent};
		st[sp++] = (struct frame){(int)n, depth, s[i] == '{'};
		n++;
		i++;
		goto opened;
	case 't':
	case 'n':
		if (i + 4 > end || memcmp(s + i, s[i] == 't' ? "true" : "null", 4))
			return false;
		q = i + 4;
		goto primitive;
	case 'f':
		if (i + 5 > end || memcmp(s + i, "false", 5))
			return false;
		q = i + 5;
		goto primitive;
	default:
		if (!(q = scan_number(s, i, end)))
			return false;
	primitive:
		tok[n++] = (jsmntok_t){.type = JSMN_PRIMITIVE, .start = (int)i, .end = (int)q, .size = 0, .parent = parent};
		i = q;
		break;
	}
after: /* after a value */
	WS();
	if (i >= end)
		return false;
	c = &st[sp - 1];
	if (s[i] == ',') {
		i++;
		WS();
		if (c->obj)
			goto key;
		goto element;
	}
	if (s[i] != (c->obj ? '}' : ']'))
		return false;
close: /* s[i] closes the innermost container */
	c = &st[--sp];
	tok[c->tok].end = (int)i + 1;
	x[c->tok].skip = (int32_t)n;
	i++;
	if (sp > 0)
		goto after;
#undef WS
#undef NEED
	if (i != end)
		return false;
	r->has_esc = esc;
	*ntok = n;
	return true;
}

int rec_parse(struct rec *r, const char *line, size_t len, const char **err)
{
	size_t end = begin(r, line, len);
	unsigned n;

	if (scan(r, end, &n))
		return good(r, n);
	/* Refused: the reference reader, which refuses the same lines
	 * (fuzz_rec holds the two to that), says why, in the words it
	 * always has. */
	if ((*err = parse_ref(r, end, &n)) == NULL)
		*err = "invalid JSON";
	r->ntok = 0;
	return -1;
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

/* A name's first 16 bytes as two words, zero past its end (little or big
 * endian alike: both sides are loaded the same way). */
static inline void key_words(const char *p, size_t n, size_t avail, uint64_t w[2])
{
	/* 16 bytes from ff + 16 - n: n bytes 0xff, then zeros. */
	static const unsigned char ff[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	uint64_t m[2];
	if (avail >= 16) {
		memcpy(w, p, 16); /* the common case: more of the line follows */
	} else {
		char b[16] = {0};
		memcpy(b, p, n < 16 ? n : 16);
		memcpy(w, b, 16);
	}
	if (n < 16) {
		memcpy(m, ff + 16 - n, 16);
		w[0] &= m[0];
		w[1] &= m[1];
	}
}

/* A word's first n bytes (1..8), in memory order, as key_words keeps them. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SHORT_MASK(n) (~0ull << (64 - 8 * (n)))
#else
#define SHORT_MASK(n) (~0ull >> (64 - 8 * (n)))
#endif
static const uint64_t short_mask[9] = {
	0, SHORT_MASK(1), SHORT_MASK(2), SHORT_MASK(3), SHORT_MASK(4),
	SHORT_MASK(5), SHORT_MASK(6), SHORT_MASK(7), SHORT_MASK(8),
};

static inline unsigned key_slot(const uint64_t w[2], size_t n)
{
	return (unsigned)(((w[0] + w[1] * 31 + n) * 0x9e3779b97f4a7c15ull) >> 56) % REC_KEYSET_SLOTS;
}

static void keyset_fill(struct rec_keyset *ks, const struct rec_key *keys, int n, uint64_t *w, int16_t *next)
{
	ks->keys = keys;
	ks->n = n;
	ks->w = w;
	ks->next = next;
	for (int b = 0; b < REC_KEYSET_SLOTS; b++)
		ks->head[b] = -1;
	for (int i = n - 1; i >= 0; i--) {
		unsigned b;
		key_words(keys[i].name, keys[i].len, 0, w + 2 * i);
		b = key_slot(w + 2 * i, keys[i].len);
		next[i] = ks->head[b];
		ks->head[b] = (int16_t)i;
	}
}

void rec_keyset_init(struct rec_keyset *ks, const struct rec_key *keys, int n)
{
	if (n > INT16_MAX)
		pp_die(PP_EXIT_RUNTIME, "too many keys");
	keyset_fill(ks, keys, n, xcalloc((size_t)(n ? n : 1), 2 * sizeof(uint64_t)),
	            xcalloc((size_t)(n ? n : 1), sizeof(int16_t)));
}

void rec_keyset_free(struct rec_keyset *ks)
{
	free(ks->w);
	free(ks->next);
	memset(ks, 0, sizeof(*ks));
}

void rec_find_set(const struct rec *r, const struct rec_keyset *ks, int *tok)
{
	/* Locals: tok[] is int, as jsmn's fields are, so a store to it
	 * would have the compiler load r's fields again. */
	const struct rec_key *keys = ks->keys;
	const jsmntok_t *rt = r->tok;
	const struct rec_tokx *rx = r->x;
	const char *line = r->line;
	const uint64_t *kw = ks->w;
	const int16_t *next = ks->next, *head = ks->head;
	size_t len = r->len;
	int ntok = (int)r->ntok, n = ks->n;
	bool has_esc = r->has_esc;

	for (int i = 0; i < n; i++)
		tok[i] = -1;
	/* One pass over the members, each hashed once and compared with the
	 * few names of its slot (usually none or one); the last of repeated
	 * keys wins, as with rec_find. */
	for (int k = 1; k + 1 < ntok; k = rt[k + 1].type >= JSMN_STRING ? k + 2 : rx[k + 1].skip) {
		const char *kp = line + rt[k].start;
		size_t kl = (size_t)(rt[k].end - rt[k].start);
		uint64_t w[2];
		if (has_esc && memchr(kp, '\\', kl)) {
			for (int i = 0; i < n; i++)
				if (rec_tok_eq(r, k, keys[i].name, keys[i].len))
					tok[i] = k + 1;
			continue;
		}
		if (kl - 1 < 8 && len - (size_t)rt[k].start >= 8) {
			/* The common key (type, ts, src, dport, ...): one word,
			 * what key_words gives for it without the table. */
			memcpy(&w[0], kp, 8);
			w[0] &= short_mask[kl];
			w[1] = 0;
		} else {
			key_words(kp, kl, len - (size_t)rt[k].start, w);
		}
		for (int i = head[key_slot(w, kl)]; i >= 0; i = next[i])
			if (kw[2 * i] == w[0] && kw[2 * i + 1] == w[1] && keys[i].len == kl &&
			    (kl <= 16 || !memcmp(kp + 16, keys[i].name + 16, kl - 16)))
				tok[i] = k + 1;
	}
}

void rec_find_keys(const struct rec *r, const struct rec_key *keys, int n, int *tok)
{
	struct rec_keyset ks;
	uint64_t w[2 * (n > 0 ? n : 1)];
	int16_t next[n > 0 ? n : 1];
	keyset_fill(&ks, keys, n, w, next);
	rec_find_set(r, &ks, tok);
}

int rec_find(const struct rec *r, const char *key)
{
	/* Locals, as in rec_find_set: the compiler would load r's fields
	 * again after every memcmp. */
	const jsmntok_t *rt = r->tok;
	const struct rec_tokx *rx = r->x;
	const char *line = r->line;
	int ntok = (int)r->ntok, found = -1;
	size_t kl = strlen(key);
	if (r->has_esc) {
		for (int k = 1; k + 1 < ntok; k = skip(r, k + 1))
			if (rec_tok_eq(r, k, key, kl))
				found = k + 1;
		return found;
	}
	/* Without an escape in the line a key is its raw text: only one of
	 * the same length and first byte is compared. */
	for (int k = 1; k + 1 < ntok; k = rt[k + 1].type >= JSMN_STRING ? k + 2 : rx[k + 1].skip) {
		const char *kp = line + rt[k].start;
		if ((size_t)(rt[k].end - rt[k].start) == kl && (kl == 0 || *kp == *key) && !memcmp(kp, key, kl))
			found = k + 1;
	}
	return found;
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

/* A number of at most 15 digits without an exponent: its digits as an
 * integer, exactly, divided by a power of ten, itself exact, is one
 * correctly rounded operation, so the double strtod gives (Clinger's fast
 * path). False for the others. */
static bool num_fast(const char *p, size_t n, double *v)
{
	static const double p10[16] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	                               1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	const char *e = p + n;
	bool neg = p < e && *p == '-';
	uint64_t m = 0;
	int nd = 0, frac = -1;
	double d;
	for (p += neg; p < e; p++) {
		unsigned c = (unsigned)(unsigned char)*p - '0';
		if (c <= 9) {
			m = m * 10 + c;
			nd++;
			frac += frac >= 0;
		} else if (*p == '.' && frac < 0) {
			frac = 0;
		} else {
			return false;
		}
	}
	if (nd == 0 || nd > 15 || FLT_EVAL_METHOD != 0) /* x87: would round twice */
		return false;
	d = frac > 0 ? (double)m / p10[frac] : (double)m;
	*v = neg ? -d : d;
	return true;
}

bool rec_tok_num(const struct rec *r, int t, double *v)
{
	char buf[64];
	size_t n;
	if (!rec_tok_is_num(r, t))
		return false;
	n = (size_t)(r->tok[t].end - r->tok[t].start);
	if (num_fast(r->line + r->tok[t].start, n, v))
		return true;
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
