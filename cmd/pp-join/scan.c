/* A one-pass validating scanner for the common shape of a record: one JSON
 * object on a line, its members' keys and raw values located, nested values
 * checked but not tokenised. It accepts exactly what RFC 8259 accepts (no
 * more than rec_parse does: tests/fuzz/fuzz_join.c checks the two agree),
 * and hands anything unusual (deep nesting, very many members) back to the
 * caller, who then uses rec_parse. pp-join spends most of its time reading
 * records; this is what makes it fast. */
#include <string.h>

#include "join.h"

/* Containers nested deeper than this go the slow way (rec_parse, which
 * also applies the record library's depth limit). */
#define SCAN_MAX_DEPTH 6

struct cur {
	const char *p, *e;
};

static inline void ws(struct cur *c)
{
	/* Most calls find no white space: one compare says so. */
	while (c->p < c->e && (unsigned char)*c->p <= ' ' &&
	       (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static int hexd(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Nonzero when one of the 8 bytes in x is '"', '\\' or a control
 * character (< 0x20): the bytes a string scan must stop at. The classic
 * has-zero-byte test on x ^ '"', x ^ '\\' and x & 0xe0 (zero for bytes
 * below 0x20); bytes >= 0x80 are masked out by ~x. May flag a byte after
 * a real hit (borrow), never miss one: the byte loop decides. */
static inline uint64_t special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), c = x & (ones * 0xe0);
	return ((q - ones) | (b - ones) | (c - ones)) & ~x & high;
}

/* At '"': past the closing quote. */
static bool string(struct cur *c)
{
	const char *p = c->p + 1, *e = c->e;
	while (p < e) {
		/* Eight bytes at a time to the next one that matters: most
		 * strings have no escapes. */
		if (e - p >= 8) {
			uint64_t x, m;
			memcpy(&x, p, 8);
			m = special8(x);
			if (!m) {
				p += 8;
				continue;
			}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* The lowest flagged byte is always a real one. */
			p += __builtin_ctzll(m) >> 3;
#endif
		}
		unsigned char ch = (unsigned char)*p;
		if (ch == '"') {
			c->p = p + 1;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch == '\\') {
			if (p + 1 >= e)
				return false;
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				p += 2;
				break;
			case 'u':
				if (p + 6 > e || !hexd(p[2]) || !hexd(p[3]) || !hexd(p[4]) || !hexd(p[5]))
					return false;
				p += 6;
				break;
			default:
				return false;
			}
			continue;
		}
		p++;
	}
	return false;
}

static bool digits(struct cur *c)
{
	const char *s = c->p;
	while (c->p < c->e && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > s;
}

static bool number(struct cur *c)
{
	if (c->p < c->e && *c->p == '-')
		c->p++;
	if (c->p >= c->e)
		return false;
	if (*c->p == '0')
		c->p++;
	else if (!digits(c))
		return false;
	if (c->p < c->e && *c->p == '.') {
		c->p++;
		if (!digits(c))
			return false;
	}
	if (c->p < c->e && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->e && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!digits(c))
			return false;
	}
	return true;
}

static bool literal(struct cur *c, const char *w, size_t n)
{
	if ((size_t)(c->e - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

/* 1 ok, 0 invalid, -1 too deep for us. */
static int value(struct cur *c, int depth, char *kind);

static int container(struct cur *c, int depth, bool obj)
{
	char close = obj ? '}' : ']', k;
	int r;
	if (depth >= SCAN_MAX_DEPTH)
		return -1;
	c->p++;
	ws(c);
	if (c->p < c->e && *c->p == close) {
		c->p++;
		return 1;
	}
	for (;;) {
		if (obj) {
			if (c->p >= c->e || *c->p != '"' || !string(c))
				return 0;
			ws(c);
			if (c->p >= c->e || *c->p != ':')
				return 0;
			c->p++;
			ws(c);
		}
		if ((r = value(c, depth + 1, &k)) != 1)
			return r;
		ws(c);
		if (c->p >= c->e)
			return 0;
		if (*c->p == close) {
			c->p++;
			return 1;
		}
		if (*c->p != ',')
			return 0;
		c->p++;
		ws(c);
	}
}

static int value(struct cur *c, int depth, char *kind)
{
	if (c->p >= c->e)
		return 0;
	*kind = *c->p;
	switch (*c->p) {
	case '"': *kind = 's'; return string(c);
	case '{': *kind = 'o'; return container(c, depth, true);
	case '[': *kind = 'a'; return container(c, depth, false);
	case 't': return literal(c, "true", 4);
	case 'f': return literal(c, "false", 5);
	case 'n': *kind = 'z'; return literal(c, "null", 4);
	default:
		*kind = 'n';
		return number(c);
	}
}

int jscan_line(const char *line, size_t len, struct jscan *sc)
{
	struct cur c = {line, line + len};
	int r;

	sc->n = 0;
	sc->overflow = false;
	ws(&c);
	if (c.p >= c.e || *c.p != '{')
		return JSCAN_BAD;
	sc->obj_start = (uint32_t)(c.p - line);
	c.p++;
	ws(&c);
	if (c.p < c.e && *c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			struct jspan *m;
			const char *ks = c.p, *vs;
			if (sc->n == JSCAN_MAX)
				return JSCAN_SLOW;
			if (c.p >= c.e || *c.p != '"' || !string(&c))
				return JSCAN_BAD;
			m = &sc->m[sc->n];
			m->ks = (uint32_t)(ks + 1 - line);
			m->kl = (uint32_t)(c.p - 1 - (ks + 1));
			ws(&c);
			if (c.p >= c.e || *c.p != ':')
				return JSCAN_BAD;
			c.p++;
			ws(&c);
			vs = c.p;
			if ((r = value(&c, 1, &m->kind)) != 1)
				return r < 0 ? JSCAN_SLOW : JSCAN_BAD;
			m->vs = (uint32_t)(vs - line);
			m->vl = (uint32_t)(c.p - vs);
			sc->n++;
			ws(&c);
			if (c.p < c.e && *c.p == '}') {
				c.p++;
				break;
			}
			if (c.p >= c.e || *c.p != ',')
				return JSCAN_BAD;
			c.p++;
			ws(&c);
		}
	}
	sc->obj_end = (uint32_t)(c.p - line);
	ws(&c);
	return c.p == c.e ? JSCAN_OK : JSCAN_BAD;
}

void jscan_from_rec(const struct rec *r, struct jscan *sc)
{
	int it = 0, k;
	sc->n = 0;
	sc->obj_start = (uint32_t)r->tok[0].start;
	sc->obj_end = (uint32_t)r->tok[0].end;
	sc->overflow = false;
	while ((k = rec_next_key(r, &it)) >= 0) {
		struct jspan *m;
		if (sc->n == JSCAN_MAX) {
			sc->overflow = true;
			break;
		}
		m = &sc->m[sc->n++];
		const jsmntok_t *v = &r->tok[k + 1];
		size_t n;
		const char *raw = rec_tok_raw(r, k + 1, &n);
		m->ks = (uint32_t)r->tok[k].start;
		m->kl = (uint32_t)(r->tok[k].end - r->tok[k].start);
		m->vs = (uint32_t)(raw - r->line);
		m->vl = (uint32_t)n;
		switch (v->type) {
		case JSMN_STRING: m->kind = 's'; break;
		case JSMN_OBJECT: m->kind = 'o'; break;
		case JSMN_ARRAY: m->kind = 'a'; break;
		default:
			m->kind = rec_tok_is_num(r, k + 1) ? 'n' : r->line[v->start] == 'n' ? 'z' : r->line[v->start];
			break;
		}
	}
}
