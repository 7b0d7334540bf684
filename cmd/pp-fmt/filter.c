/* Filter expressions: a small hand-written parser that reports the column of
 * a mistake, and an evaluator over the record reader's tokens. See filter.h
 * for the grammar. Values are parsed once (ports, addresses, regexes), so
 * that matching a record is a few token lookups and comparisons. */
#include "filter.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"
#include "pp.h"
#include "services.h"
#include "xalloc.h"

enum kind {
	K_FIELD, /* any record key */
	K_ANY,   /* bare /regex/: any value */
	K_PORT, K_SPORT, K_DPORT, K_SRC, K_DST, K_PROCESS, K_COMM, K_PID,
	K_HOST, K_NAME, K_STATE, K_PROTO, K_TYPE, K_CONTAINER,
	K_HAS, /* has:FIELD,... the record has one of these keys */
};

/* How a value is compared with a record's text. */
enum mode { M_TEXT, M_ICASE, M_DOMAIN, M_PREFIX, M_ADDR, M_BASENAME };
enum op { OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE };

struct fval {
	enum op op;
	char *s;
	bool isnum;
	double num;
	int fam; /* M_ADDR: AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

struct fterm {
	enum kind kind;
	bool neg;
	char *field;
	bool is_re;
	regex_t re;
	struct fval *v;
	int nv;
	bool seen; /* K_FIELD: some record had the key (for the warning) */
	int *kidx; /* the keys it looks at, as indices into the filter's keys */
	int nk;
};

static const struct {
	const char *word;
	enum kind kind;
} keywords[] = {
	{"port", K_PORT}, {"sport", K_SPORT}, {"dport", K_DPORT}, {"src", K_SRC},
	{"dst", K_DST}, {"process", K_PROCESS}, {"comm", K_COMM}, {"pid", K_PID},
	{"sni", K_HOST}, {"host", K_HOST}, {"name", K_NAME}, {"state", K_STATE},
	{"proto", K_PROTO}, {"type", K_TYPE}, {"container", K_CONTAINER},
	{"has", K_HAS},
};

/* pp-fmt's virtual columns: there for every record that has what they show. */
static bool virtual_field(const char *f)
{
	return !strcmp(f, "source") || !strcmp(f, "destination") || !strcmp(f, "info") ||
	       !strcmp(f, "time");
}

/* ---- parsing --------------------------------------------------------------- */

struct parser {
	const char *s;
	size_t i;
	int *col;
	char *err;
	size_t errlen;
};

static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	*p->col = (int)at + 1;
	return -1;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* glibc's regcomp copies a repeated subexpression once per repetition
 * ('+' twice, '{m,n}' n times) and nested repetitions multiply: a 50-byte
 * "a++++...+" takes gigabytes. Before compiling, estimate that expansion
 * over the regex text s[b..e) and refuse what would blow up, as well as
 * stacked quantifiers ("a**", undefined in POSIX). */
/* 200: nested repetitions of a subexpression that can match nothing
 * ("((((a*)+)+)+)+", found by fuzz_filter) cost far more per copy than
 * the copies themselves: 256 copies of that took 0.1 s, 1024 took 2.7 s
 * (sanitizer build), four times more per level. */
#define RE_MAX_COPIES 200
#define RE_MAX_NEST 32

static bool is_quant(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

/* "{m}", "{m,}", "{m,n}" at s[i]: the largest count, and the end index. */
static bool bound(const char *s, size_t i, size_t e, double *count, size_t *end)
{
	double m = 0, n = -1;
	size_t j = i + 1;
	/* glibc also takes "{,n}" for "{0,n}". */
	if (j >= e || (!isdigit((unsigned char)s[j]) && s[j] != ','))
		return false;
	while (j < e && isdigit((unsigned char)s[j]) && m < 1e9)
		m = m * 10 + (s[j++] - '0');
	if (j < e && s[j] == ',') {
		j++;
		if (j < e && isdigit((unsigned char)s[j])) {
			n = 0;
			while (j < e && isdigit((unsigned char)s[j]) && n < 1e9)
				n = n * 10 + (s[j++] - '0');
		} else {
			n = m + 1; /* {m,}: m copies and a star */
		}
	}
	if (j >= e || s[j] != '}')
		return false;
	*count = n > m ? n : m;
	*end = j;
	return true;
}

static int regex_check(struct parser *p, size_t b, size_t e)
{
	const char *s = p->s;
	double seq[RE_MAX_NEST + 1], last[RE_MAX_NEST + 1];
	int d = 0;
	bool after_quant = false;

	seq[0] = last[0] = 0;
	for (size_t i = b; i < e; i++) {
		char c = s[i];
		if (is_quant(c) && (c != '{' || i + 1 < e)) {
			double k = c == '+' ? 2 : 1;
			size_t end = i;
			if (c == '{' && !bound(s, i, e, &k, &end)) {
				k = 1; /* a literal '{' to regcomp */
			} else if (after_quant) {
				return fail_at(p, i, "repeated quantifier '%c' in /regex/", c);
			}
			if (c != '{' || end != i) {
				if (k < 1)
					k = 1;
				seq[d] += last[d] * (k - 1);
				last[d] *= k;
				after_quant = true;
				i = end;
				/* Copies beyond the text itself are what costs. */
				if (seq[d] > RE_MAX_COPIES + (double)(e - b))
					return fail_at(p, i, "/regex/ too complex (its repetitions "
					                     "expand past %d copies)", RE_MAX_COPIES);
				continue;
			}
		}
		after_quant = false;
		if (c == '(') {
			if (d == RE_MAX_NEST)
				return fail_at(p, i, "/regex/ nested too deep");
			d++;
			seq[d] = last[d] = 0;
			continue;
		}
		if (c == ')' && d > 0) {
			double atom = seq[d] > 1 ? seq[d] : 1;
			d--;
			seq[d] += atom;
			last[d] = atom;
			continue;
		}
		if (c == '|') {
			/* An alternative is a node of its own to regcomp; an empty
			 * one is an epsilon node, and glibc's epsilon closures
			 * over repeated copies of them grow far faster than the
			 * copies: "((a+|||...|k)+)+" took minutes (found by
			 * fuzz_filter). Empty alternatives say nothing '?' cannot. */
			if (i == b || s[i - 1] == '(' || s[i - 1] == '|' || i + 1 == e ||
			    s[i + 1] == ')' || s[i + 1] == '|')
				return fail_at(p, i, "empty alternative in /regex/ (use '?')");
			seq[d] += 1;
			last[d] = 0;
			continue;
		}
		if (c == '\\' && i + 1 < e) {
			/* glibc's back-references can take exponential time. */
			if (s[i + 1] >= '1' && s[i + 1] <= '9')
				return fail_at(p, i, "back-references are not supported in /regex/");
			i++;
		} else if (c == '[') {
			/* A bracket expression is one atom: skip to its ']'
			 * (a leading ']' and [:class:] inside do not end it). */
			size_t j = i + 1;
			if (j < e && s[j] == '^')
				j++;
			if (j < e && s[j] == ']')
				j++;
			while (j < e && s[j] != ']') {
				if (s[j] == '[' && j + 1 < e &&
				    (s[j + 1] == ':' || s[j + 1] == '.' || s[j + 1] == '=')) {
					char t = s[j + 1];
					j += 2;
					while (j + 1 < e && !(s[j] == t && s[j + 1] == ']'))
						j++;
					j += 2;
					continue;
				}
				j++;
			}
			i = j < e ? j : e - 1;
		}
		seq[d] += 1;
		last[d] = 1;
	}
	return 0;
}

/* /regex/ starting at p->i (on the '/'); "\/" stands for a '/'. */
static int parse_regex(struct parser *p, struct fterm *t)
{
	size_t start = p->i, j = p->i + 1;
	struct sbuf pat;
	int rc;

	sb_init(&pat);
	for (;; j++) {
		if (!p->s[j]) {
			sb_free(&pat);
			return fail_at(p, start, "unterminated /regex/");
		}
		if (p->s[j] == '/')
			break;
		if (p->s[j] == '\\' && p->s[j + 1] == '/') {
			sb_putc(&pat, '/');
			j++;
			continue;
		}
		if (p->s[j] == '\\' && p->s[j + 1]) {
			sb_put(&pat, p->s + j, 2);
			j++;
			continue;
		}
		sb_putc(&pat, p->s[j]);
	}
	if (pat.len == 0) {
		sb_free(&pat);
		return fail_at(p, start, "empty /regex/");
	}
	if (regex_check(p, start + 1, j) < 0) {
		sb_free(&pat);
		return -1;
	}
	rc = regcomp(&t->re, pat.s, REG_EXTENDED | REG_NOSUB);
	sb_free(&pat);
	if (rc != 0) {
		char msg[128];
		regerror(rc, NULL, msg, sizeof(msg));
		return fail_at(p, start, "invalid regex: %s", msg);
	}
	t->is_re = true;
	p->i = j + 1;
	if (p->s[p->i] && !blank(p->s[p->i]))
		return fail_at(p, p->i,
		               "unexpected '%c' after /regex/ (quote a value that starts with '/')",
		               p->s[p->i]);
	return 0;
}

/* Address or CIDR: 10.0.0.0/8, 2001:db8::/32, 192.0.2.1. */
static bool parse_cidr(const char *s, struct fval *v)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	int max;
	snprintf(buf, sizeof(buf), "%s", s);
	if (strlen(s) >= sizeof(buf))
		return false;
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, v->addr) == 1) {
		v->fam = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, v->addr) == 1) {
		v->fam = AF_INET6;
		max = 128;
	} else {
		return false;
	}
	v->bits = max;
	if (slash) {
		long long bits;
		const char *e;
		if (pp_parse_ll(slash + 1, 0, max, &bits, &e) < 0)
			return false;
		v->bits = (int)bits;
	}
	return true;
}

/* A value is a number when it is one in JSON's grammar (the reader's), so
 * that "field:1e3" is the record's 1000 and "field:0x10" is text. */
static bool parse_number(const char *s, double *out)
{
	if (!json_number(s, strlen(s)))
		return false;
	*out = strtod(s, NULL);
	return true;
}

/* Check and convert a value for its term's keyword. */
static int check_value(struct parser *p, struct fterm *t, struct fval *v, size_t at,
                       const char *kw)
{
	switch (t->kind) {
	case K_PORT:
	case K_SPORT:
	case K_DPORT: {
		long long n;
		const char *e;
		int sp;
		if (pp_parse_ll(v->s, 0, 65535, &n, &e) == 0) {
			v->num = (double)n;
		} else if (v->op == OP_EQ && (sp = svc_port(v->s)) >= 0) {
			v->num = sp;
		} else {
			return fail_at(p, at, "%s: '%s' is not a port number%s", kw, v->s,
			               v->op == OP_EQ ? " or service name" : "");
		}
		v->isnum = true;
		return 0;
	}
	case K_PID: {
		long long n;
		const char *e;
		if (pp_parse_ll(v->s, 0, 1LL << 53, &n, &e) < 0)
			return fail_at(p, at, "%s: '%s' is not a process id", kw, v->s);
		v->num = (double)n;
		v->isnum = true;
		return 0;
	}
	case K_SRC:
	case K_DST:
		if (v->op != OP_EQ)
			return fail_at(p, at, "%s: addresses cannot be compared with < or >", kw);
		if (!parse_cidr(v->s, v))
			return fail_at(p, at, "%s: '%s' is not an address or CIDR", kw, v->s);
		return 0;
	case K_HAS: {
		size_t i = 0;
		if (v->op != OP_EQ)
			return fail_at(p, at, "has: takes field names, not comparisons");
		while (ident_char(v->s[i]))
			i++;
		if (!ident_start(v->s[0]) || v->s[i])
			return fail_at(p, at, "has: '%s' is not a field name", v->s);
		return 0;
	}
	case K_FIELD:
		v->isnum = parse_number(v->s, &v->num);
		if (v->op != OP_EQ && !v->isnum)
			return fail_at(p, at, "%s: '%s' is not a number to compare with", kw, v->s);
		return 0;
	default:
		if (v->op != OP_EQ)
			return fail_at(p, at, "%s: text cannot be compared with < or >", kw);
		return 0;
	}
}

/* value { ',' value } after "field:" */
static int parse_values(struct parser *p, struct fterm *t, const char *kw)
{
	for (;;) {
		struct fval v = {.op = OP_EQ};
		size_t at = p->i;
		const char *s = p->s;

		if (s[p->i] == '<' || s[p->i] == '>') {
			bool lt = s[p->i] == '<';
			p->i++;
			if (s[p->i] == '=') {
				p->i++;
				v.op = lt ? OP_LE : OP_GE;
			} else {
				v.op = lt ? OP_LT : OP_GT;
			}
		}
		if (s[p->i] == '"') {
			struct sbuf b;
			size_t q = p->i;
			sb_init(&b);
			sb_puts(&b, "");
			for (p->i++; s[p->i] != '"'; p->i++) {
				if (!s[p->i]) {
					sb_free(&b);
					return fail_at(p, q, "unterminated quoted value");
				}
				if (s[p->i] == '\\' && (s[p->i + 1] == '"' || s[p->i + 1] == '\\'))
					p->i++;
				sb_putc(&b, s[p->i]);
			}
			p->i++;
			v.s = sb_steal(&b);
		} else {
			size_t b = p->i;
			while (s[p->i] && !blank(s[p->i]) && s[p->i] != ',')
				p->i++;
			if (p->i == b)
				return fail_at(p, b, "missing value after '%s:'", kw);
			v.s = xstrndup(s + b, p->i - b);
		}
		t->v = xreallocarray(t->v, (size_t)t->nv + 1, sizeof(*t->v));
		t->v[t->nv++] = v;
		if (check_value(p, t, &t->v[t->nv - 1], at, kw) < 0)
			return -1;
		if (s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (s[p->i] && !blank(s[p->i]))
			return fail_at(p, p->i, "unexpected '%c' after the value", s[p->i]);
		return 0;
	}
}

static int parse_term(struct parser *p, struct fterm *t)
{
	const char *s = p->s;
	size_t b;

	if (s[p->i] == '!') {
		t->neg = true;
		p->i++;
		if (!s[p->i] || blank(s[p->i]) || s[p->i] == '!')
			return fail_at(p, p->i, "'!' must be followed by a term");
	}
	if (s[p->i] == '/') {
		t->kind = K_ANY;
		return parse_regex(p, t);
	}
	if (s[p->i] == ':')
		return fail_at(p, p->i, "expected a field name before ':'");
	b = p->i;
	if (ident_start(s[p->i]))
		while (ident_char(s[p->i]))
			p->i++;
	if (s[p->i] != ':' || p->i == b) {
		size_t e = b;
		while (s[e] && !blank(s[e]))
			e++;
		return fail_at(p, b, "expected FIELD:VALUE or /REGEX/, not '%.*s'",
		               (int)(e - b > 40 ? 40 : e - b), s + b);
	}
	t->field = xstrndup(s + b, p->i - b);
	t->kind = K_FIELD;
	for (size_t k = 0; k < PP_ARRAY_LEN(keywords); k++)
		if (!strcmp(keywords[k].word, t->field))
			t->kind = keywords[k].kind;
	p->i++; /* ':' */
	if (s[p->i] == '/') {
		if (t->kind == K_HAS)
			return fail_at(p, p->i, "has: takes field names, not a /regex/");
		return parse_regex(p, t);
	}
	return parse_values(p, t, t->field);
}

static void term_free(struct fterm *t)
{
	for (int i = 0; i < t->nv; i++)
		free(t->v[i].s);
	free(t->v);
	free(t->field);
	if (t->is_re)
		regfree(&t->re);
}

/* The record keys a term of a kind looks at, in the order term_match
 * tries them (K_FIELD: its field; K_HAS: its values; K_ANY: none). */
static const char *const *kind_keys(enum kind k)
{
	static const char *const ports[] = {"sport", "dport", NULL};
	static const char *const process[] = {"comm", "exe", NULL};
	static const char *const hosts[] = {"sni", "host", "http_host", NULL};
	static const char *const names[] = {"qname", "dst_name", "sni", "host", "http_host", NULL};
	static const char *const sport[] = {"sport", NULL}, *const dport[] = {"dport", NULL},
	                         *const src[] = {"src", NULL}, *const dst[] = {"dst", NULL},
	                         *const comm[] = {"comm", NULL}, *const pid[] = {"pid", NULL},
	                         *const state[] = {"state", NULL}, *const proto[] = {"proto", NULL},
	                         *const type[] = {"type", NULL}, *const container[] = {"container", NULL};
	static const char *const none[] = {NULL};
	switch (k) {
	case K_PORT: return ports;
	case K_PROCESS: return process;
	case K_HOST: return hosts;
	case K_NAME: return names;
	case K_SPORT: return sport;
	case K_DPORT: return dport;
	case K_SRC: return src;
	case K_DST: return dst;
	case K_COMM: return comm;
	case K_PID: return pid;
	case K_STATE: return state;
	case K_PROTO: return proto;
	case K_TYPE: return type;
	case K_CONTAINER: return container;
	case K_ANY:
	case K_FIELD:
	case K_HAS:
		break;
	}
	return none;
}

/* Index of key name among the filter's keys, added if new. */
static int key_index(struct filter *f, const char *name)
{
	for (int i = 0; i < f->nkeys; i++)
		if (!strcmp(f->keys[i].name, name))
			return i;
	f->keys = xreallocarray(f->keys, (size_t)f->nkeys + 1, sizeof(*f->keys));
	f->keys[f->nkeys] = (struct rec_key){name, strlen(name)};
	return f->nkeys++;
}

/* Every key the terms look at, once, compiled into one key set: a record's
 * members are walked once per record for all terms (filter_match). */
static void resolve_keys(struct filter *f)
{
	for (int i = 0; i < f->n; i++) {
		struct fterm *t = &f->t[i];
		const char *const *fixed = kind_keys(t->kind);
		int n = 0;
		while (fixed[n])
			n++;
		if (t->kind == K_FIELD)
			n = 1;
		else if (t->kind == K_HAS)
			n = t->nv;
		t->kidx = xcalloc((size_t)(n ? n : 1), sizeof(*t->kidx));
		t->nk = n;
		for (int k = 0; k < n; k++)
			t->kidx[k] = key_index(f, t->kind == K_FIELD ? t->field
			                          : t->kind == K_HAS ? t->v[k].s
			                                             : fixed[k]);
	}
	f->ks = xmalloc(sizeof(*f->ks));
	rec_keyset_init(f->ks, f->keys, f->nkeys);
}

int filter_parse(struct filter *f, const char *expr, int *col, char *err, size_t errlen)
{
	struct parser p = {.s = expr, .col = col, .err = err, .errlen = errlen};
	memset(f, 0, sizeof(*f));
	for (;;) {
		struct fterm *t;
		while (blank(expr[p.i]))
			p.i++;
		if (!expr[p.i]) {
			resolve_keys(f);
			return 0;
		}
		f->t = xreallocarray(f->t, (size_t)f->n + 1, sizeof(*f->t));
		t = &f->t[f->n++];
		memset(t, 0, sizeof(*t));
		if (parse_term(&p, t) < 0) {
			filter_free(f);
			return -1;
		}
	}
}

void filter_free(struct filter *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->t[i].kidx);
		term_free(&f->t[i]);
	}
	free(f->t);
	if (f->ks) {
		rec_keyset_free(f->ks);
		free(f->ks);
	}
	free(f->keys);
	memset(f, 0, sizeof(*f));
}

bool filter_word(const char *w)
{
	size_t n = strlen(w), i = 0;
	if (w[0] == '!')
		return true;
	if (w[0] == '/')
		return n >= 2 && w[n - 1] == '/';
	if (!ident_start(w[0]))
		return false;
	while (ident_char(w[i]))
		i++;
	return w[i] == ':';
}

/* ---- matching ------------------------------------------------------------------ */

static bool cmp_num(enum op op, double a, double b)
{
	switch (op) {
	case OP_EQ: return a == b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	}
	return false;
}

static bool addr_in(const char *s, const struct fval *v)
{
	unsigned char a[16];
	int full, rest;
	if (inet_pton(v->fam, s, a) != 1)
		return false;
	full = v->bits / 8;
	rest = v->bits % 8;
	if (memcmp(a, v->addr, (size_t)full))
		return false;
	if (rest) {
		unsigned char m = (unsigned char)(0xff << (8 - rest));
		return (a[full] & m) == (v->addr[full] & m);
	}
	return true;
}

/* DNS names: equal, or a subdomain of the value; case-insensitive, and a
 * trailing dot on either side does not matter. */
static bool domain_match(const char *s, const char *v)
{
	size_t n = strlen(s), m = strlen(v);
	if (n && s[n - 1] == '.')
		n--;
	if (m && v[m - 1] == '.')
		m--;
	if (n == m)
		return !strncasecmp(s, v, n);
	return n > m && s[n - m - 1] == '.' && !strncasecmp(s + n - m, v, m);
}

static bool text_match(const char *s, const struct fval *v, enum mode mode)
{
	switch (mode) {
	case M_TEXT: return !strcmp(s, v->s);
	case M_ICASE: return !strcasecmp(s, v->s);
	case M_DOMAIN: return domain_match(s, v->s);
	case M_PREFIX: return !strncmp(s, v->s, strlen(v->s));
	case M_ADDR: return addr_in(s, v);
	case M_BASENAME: {
		const char *slash = strrchr(s, '/');
		return !strcmp(slash ? slash + 1 : s, v->s);
	}
	}
	return false;
}

/* A scalar token against the term's regex or values. */
static bool scalar_match(const struct fterm *t, struct rec *r, int k, enum mode mode)
{
	const char *s;
	size_t n;
	bool num = rec_tok_is_num(r, k);
	double d = 0;

	if (rec_tok_is_str(r, k)) {
		s = rec_tok_str(r, k, &n);
		if (!s)
			return false;
	} else {
		/* Numbers, true, false, null: their raw text, matched in
		 * place (it is not NUL-terminated) as JSON values: as numbers
		 * when both sides are, else as the same literal
		 * (initial:true, x:null). */
		s = rec_tok_raw(r, k, &n);
		if (t->is_re) {
			/* A NUL-terminated copy: REG_STARTEND alone still has
			 * the sanitizers' regexec read to a NUL past the token
			 * (found by fuzz_top, tests/fuzz/regress/fuzz_top/). */
			char *c = strndup(s, n);
			bool hit;
			if (!c)
				return false;
			hit = regexec(&t->re, c, 0, NULL, 0) == 0;
			free(c);
			return hit;
		}
		if (num)
			rec_tok_num(r, k, &d);
		for (int i = 0; i < t->nv; i++) {
			const struct fval *v = &t->v[i];
			if (v->isnum && num) {
				if (cmp_num(v->op, d, v->num))
					return true;
			} else if (v->op == OP_EQ && n == strlen(v->s) && !memcmp(s, v->s, n)) {
				return true;
			}
		}
		return false;
	}
	if (t->is_re)
		return regexec(&t->re, s, 0, NULL, 0) == 0;
	for (int i = 0; i < t->nv; i++) {
		const struct fval *v = &t->v[i];
		if (v->op == OP_EQ && text_match(s, v, mode))
			return true;
	}
	return false;
}

/* Any scalar at or under token k (array elements, members' values). */
static bool tok_match(const struct fterm *t, struct rec *r, int k, enum mode mode)
{
	int end;
	if (r->tok[k].type != JSMN_ARRAY && r->tok[k].type != JSMN_OBJECT)
		return scalar_match(t, r, k, mode);
	end = rec_skip(r, k);
	for (int i = k + 1; i < end; i++) {
		int par = r->tok[i].parent;
		if (r->tok[i].type == JSMN_ARRAY || r->tok[i].type == JSMN_OBJECT)
			continue;
		if (par >= 0 && r->tok[par].type == JSMN_OBJECT)
			continue; /* a key */
		if (scalar_match(t, r, i, mode))
			return true;
	}
	return false;
}

/* The value at token k (the record's member of a term's key; -1: none). */
static bool key_match(const struct fterm *t, struct rec *r, int k, enum mode mode)
{
	return k >= 0 && tok_match(t, r, k, mode);
}

/* pp-fmt's virtual columns (source, destination, info, time) by their
 * text: 1 match, 0 no match, -1 the record has nothing to show there. */
static int virtual_match(const struct fterm *t, struct rec *r)
{
	static const struct fmt_opts raw = {.numeric = true};
	struct sbuf b;
	int ok = -1;
	if (!virtual_field(t->field))
		return -1;
	sb_init(&b);
	if (fmt_value(r, t->field, &raw, &b)) {
		sb_puts(&b, "");
		ok = 0;
		if (!t->is_re)
			for (int i = 0; i < t->nv && !ok; i++)
				ok = t->v[i].op == OP_EQ && !strcmp(b.s, t->v[i].s);
		else
			ok = regexec(&t->re, b.s, 0, NULL, 0) == 0;
	}
	sb_free(&b);
	return ok;
}

/* Does the record have any of the keys a term looks at? A negated term
 * holds only for records that do: '!rcode:NOERROR' is a DNS answer with
 * another rcode, not every record without one (ask for those with
 * '!has:rcode'). tok: the record's value token of each of the filter's
 * keys. */
static bool term_present(const struct fterm *t, const int *tok)
{
	switch (t->kind) {
	case K_ANY:
	case K_HAS:
	case K_FIELD: /* virtual_match and term_match say for themselves */
		return true;
	default:
		for (int i = 0; i < t->nk; i++)
			if (tok[t->kidx[i]] >= 0)
				return true;
		return false;
	}
}

static bool has_match(const struct fterm *t, struct rec *r, const int *tok)
{
	static const struct fmt_opts raw = {.numeric = true};
	for (int i = 0; i < t->nv; i++) {
		if (tok[t->kidx[i]] >= 0)
			return true;
		if (virtual_field(t->v[i].s)) {
			struct sbuf b;
			bool ok;
			sb_init(&b);
			ok = fmt_value(r, t->v[i].s, &raw, &b);
			sb_free(&b);
			if (ok)
				return true;
		}
	}
	return false;
}

/* 1 match, 0 no match, -1 the record lacks what the term looks at. */
static int term_match(const struct fterm *t, struct rec *r, const int *tok)
{
	/* The value of the term's i-th key (kind_keys' order). */
#define V(i) tok[t->kidx[i]]
	if (!term_present(t, tok))
		return -1;
	switch (t->kind) {
	case K_ANY:
		return tok_match(t, r, 0, M_TEXT);
	case K_HAS:
		return has_match(t, r, tok);
	case K_FIELD:
		if (V(0) < 0)
			return virtual_match(t, r);
		return key_match(t, r, V(0), M_TEXT);
	case K_PORT:
		return key_match(t, r, V(0), M_TEXT) || key_match(t, r, V(1), M_TEXT);
	case K_SPORT:
	case K_DPORT:
	case K_COMM:
	case K_PID:
	case K_TYPE:
		return key_match(t, r, V(0), M_TEXT);
	case K_SRC:
	case K_DST:
		return key_match(t, r, V(0), t->is_re ? M_TEXT : M_ADDR);
	case K_PROCESS:
		return key_match(t, r, V(0), M_TEXT) || key_match(t, r, V(1), M_BASENAME);
	case K_HOST:
	case K_NAME:
		for (int i = 0; i < t->nk; i++)
			if (key_match(t, r, V(i), M_DOMAIN))
				return true;
		return false;
	case K_STATE:
	case K_PROTO:
		return key_match(t, r, V(0), M_ICASE);
	case K_CONTAINER:
		return key_match(t, r, V(0), M_PREFIX);
	}
#undef V
	return false;
}

bool filter_match(const struct filter *f, struct rec *r)
{
	/* One walk over the record's members for every key of every term. */
	int tok[f->nkeys > 0 ? f->nkeys : 1];
	if (f->n == 0)
		return true;
	rec_find_set(r, f->ks, tok);
	/* Fields named in terms are looked up in every record until one has
	 * them, also when an earlier term already failed: the warning about
	 * a field no record had must not depend on the order of terms. */
	for (int i = 0; i < f->n; i++) {
		struct fterm *t = &f->t[i];
		if (t->kind == K_FIELD && !t->seen)
			t->seen = virtual_field(t->field) || tok[t->kidx[0]] >= 0;
	}
	for (int i = 0; i < f->n; i++) {
		int m = term_match(&f->t[i], r, tok);
		if (m < 0 || (m == 1) == f->t[i].neg)
			return false;
	}
	return true;
}

void filter_warn_unseen(const struct filter *f)
{
	for (int i = 0; i < f->n; i++) {
		const struct fterm *t = &f->t[i];
		bool again = false;
		if (t->kind != K_FIELD || t->seen)
			continue;
		for (int j = 0; j < i && !again; j++)
			again = f->t[j].kind == K_FIELD && !strcmp(f->t[j].field, t->field);
		if (!again)
			pp_warn("filter: no record had the field '%s', so '%s%s:...' matched none",
			        t->field, t->neg ? "!" : "", t->field);
	}
}
