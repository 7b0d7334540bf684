/* Buffered records and their sort. The lines are kept as they came, in one
 * growing block; sort keys are computed once per record (one parse), so the
 * comparison function touches only numbers and short strings. */
#include "collect.h"

#include <stdlib.h>
#include <string.h>

#include "pp.h"
#include "xalloc.h"

struct rb_ent {
	size_t off, len;
};

void rb_init(struct recbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void rb_free(struct recbuf *b)
{
	free(b->data);
	free(b->e);
	memset(b, 0, sizeof(*b));
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 4096;
	p = reallocarray(p, *cap, size);
	if (!p)
		pp_oom("sorting keeps the whole input");
	return p;
}

void rb_add(struct recbuf *b, const char *line, size_t len)
{
	b->data = grow(b->data, &b->cap, b->len + len, 1);
	b->e = grow(b->e, &b->ecap, b->n + 1, sizeof(*b->e));
	memcpy(b->data + b->len, line, len);
	b->e[b->n].off = b->len;
	b->e[b->n].len = len;
	b->len += len;
	b->n++;
}

const char *rb_line(const struct recbuf *b, size_t i, size_t *len)
{
	*len = b->e[i].len;
	return b->data + b->e[i].off;
}

/* ---- sorting --------------------------------------------------------------- */

enum { SK_NUM, SK_STR, SK_MISSING };

struct skval {
	int kind;
	double num;
	size_t str; /* offset in the key text block */
};

struct skrow {
	size_t idx; /* arrival order: the tie-breaker that makes it stable */
	struct skval *v;
};

static const struct sortkey *g_keys;
static int g_nk;
static const char *g_text;

static int cmp_rows(const void *pa, const void *pb)
{
	const struct skrow *a = pa, *b = pb;
	for (int k = 0; k < g_nk; k++) {
		const struct skval *x = &a->v[k], *y = &b->v[k];
		int c;
		if (x->kind != y->kind) {
			/* Missing last in either direction; numbers before text. */
			if (x->kind == SK_MISSING || y->kind == SK_MISSING)
				return x->kind == SK_MISSING ? 1 : -1;
			c = x->kind < y->kind ? -1 : 1;
		} else if (x->kind == SK_NUM) {
			c = x->num < y->num ? -1 : x->num > y->num;
		} else if (x->kind == SK_STR) {
			c = strcmp(g_text + x->str, g_text + y->str);
		} else {
			c = 0;
		}
		if (c)
			return g_keys[k].desc ? -c : c;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void key_of(struct rec *r, const char *field, struct skval *v, struct sbuf *text)
{
	static const struct fmt_opts raw = {.numeric = true};
	int t = rec_find(r, !strcmp(field, "time") ? "ts" : field);
	size_t at = text->len;

	v->kind = SK_MISSING;
	if (t >= 0 && rec_tok_num(r, t, &v->num)) {
		v->kind = SK_NUM;
		return;
	}
	if (fmt_value(r, field, &raw, text)) {
		sb_putc(text, '\0');
		v->kind = SK_STR;
		v->str = at;
	}
}

void rb_sort(struct recbuf *b, const struct sortkey *k, int nk)
{
	struct skrow *rows;
	struct skval *vals;
	struct sbuf text;
	struct rec r;
	struct rb_ent *e;

	if (b->n < 2 || nk == 0)
		return;
	rows = calloc(b->n, sizeof(*rows));
	vals = calloc(b->n * (size_t)nk, sizeof(*vals));
	e = malloc(b->n * sizeof(*e));
	if (!rows || !vals || !e)
		pp_oom("sorting keeps the whole input");
	sb_init(&text);
	sb_putc(&text, '\0');
	rec_init(&r);
	for (size_t i = 0; i < b->n; i++) {
		const char *err;
		rows[i].idx = i;
		rows[i].v = vals + i * (size_t)nk;
		/* These lines parsed once already: this cannot fail. */
		if (rec_parse(&r, b->data + b->e[i].off, b->e[i].len, &err) < 0) {
			for (int j = 0; j < nk; j++)
				rows[i].v[j].kind = SK_MISSING;
			continue;
		}
		for (int j = 0; j < nk; j++)
			key_of(&r, k[j].field, &rows[i].v[j], &text);
	}
	rec_free(&r);
	g_keys = k;
	g_nk = nk;
	g_text = text.s;
	qsort(rows, b->n, sizeof(*rows), cmp_rows);
	for (size_t i = 0; i < b->n; i++)
		e[i] = b->e[rows[i].idx];
	free(b->e);
	b->e = e;
	b->ecap = b->n;
	sb_free(&text);
	free(vals);
	free(rows);
}

int sortkeys_parse(char *list, struct sortkey **out)
{
	int n = 0;
	struct sortkey *k = NULL;
	char *save;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool desc = *tok == '-';
		if (*tok == '-' || *tok == '+')
			tok++;
		if (!*tok)
			pp_usage_error("--sort: empty field name");
		k = xreallocarray(k, (size_t)n + 1, sizeof(*k));
		k[n].field = tok;
		k[n].desc = desc;
		n++;
	}
	if (n == 0)
		pp_usage_error("--sort needs at least one field name");
	*out = k;
	return n;
}
