/* -g: records folded into groups as they arrive, so memory grows with the
 * number of groups, not of records. A group is keyed by the text of its
 * fields (joined with a byte that cannot occur in them unescaped: 0x1f);
 * distinct destinations are counted by a set of 64-bit hashes per group
 * (common/htab.h, keyed by the hash alone). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "htab.h"
#include "jsonw.h"
#include "pp.h"
#include "xalloc.h"

struct group {
	char *key;
	char **vals;     /* per field: text, or NULL when the records lack it */
	bool *isnum;     /* per field: the value was a JSON number */
	unsigned long count;
	double bytes;
	bool has_bytes;
	double first, last;
	bool has_ts;
	struct htab dests; /* hashes of the dst addresses seen */
};

struct groups {
	char **fields;
	int nfields;
	struct htab bykey;
	size_t n;
	struct group **order; /* first-seen order */
	size_t ocap;
	struct sbuf key, val;
};

static char seen_mark; /* the item of a set of hashes */

static bool same_key(const void *item, const void *key)
{
	return !strcmp(((const struct group *)item)->key, key);
}

struct groups *grp_new(char **fields, int nfields)
{
	struct groups *g = xcalloc(1, sizeof(*g));
	g->fields = fields;
	g->nfields = nfields;
	ht_init(&g->bykey);
	sb_init(&g->key);
	sb_init(&g->val);
	return g;
}

static struct group *lookup(struct groups *g, struct rec *r)
{
	static const struct fmt_opts raw = {.numeric = true};
	uint64_t h;
	struct group *grp;

	sb_reset(&g->key);
	for (int f = 0; f < g->nfields; f++) {
		if (f)
			sb_putc(&g->key, '\x1f');
		/* Missing and empty differ: mark missing with 0x1e. */
		if (!fmt_value(r, g->fields[f], &raw, &g->key))
			sb_putc(&g->key, '\x1e');
	}
	sb_puts(&g->key, "");
	h = pp_hash(g->key.s, g->key.len);
	if ((grp = ht_get(&g->bykey, h, same_key, g->key.s)) != NULL)
		return grp;
	grp = xcalloc(1, sizeof(*grp));
	grp->key = xstrdup(g->key.s);
	grp->vals = xcalloc((size_t)g->nfields, sizeof(*grp->vals));
	grp->isnum = xcalloc((size_t)g->nfields, sizeof(*grp->isnum));
	for (int f = 0; f < g->nfields; f++) {
		int t = rec_find(r, g->fields[f]);
		sb_reset(&g->val);
		if (fmt_value(r, g->fields[f], &raw, &g->val)) {
			sb_puts(&g->val, "");
			grp->vals[f] = sb_steal(&g->val);
			grp->isnum[f] = t >= 0 && rec_tok_is_num(r, t);
		}
	}
	ht_put(&g->bykey, h, grp);
	if (g->n == g->ocap) {
		g->ocap = g->ocap ? g->ocap * 2 : 64;
		g->order = xreallocarray(g->order, g->ocap, sizeof(*g->order));
	}
	g->order[g->n++] = grp;
	return grp;
}

/* Bytes a record accounts for: a socket's close (payload both ways) or a
 * flow's end (IP bytes both ways). Flow start/update records carry running
 * totals, which would be counted twice. */
static bool record_bytes(struct rec *r, double *b)
{
	const char *ev = rec_str(r, "event");
	double x = 0, y = 0;
	bool a, c;
	if (ev && (!strcmp(ev, "start") || !strcmp(ev, "update")))
		return false;
	a = rec_num(r, "tx_bytes", &x);
	c = rec_num(r, "rx_bytes", &y);
	if (!a && !c) {
		a = rec_num(r, "orig_bytes", &x);
		c = rec_num(r, "resp_bytes", &y);
	}
	if (!a && !c)
		return false;
	*b = (a ? x : 0) + (c ? y : 0);
	return true;
}

void grp_add(struct groups *g, struct rec *r)
{
	struct group *grp = lookup(g, r);
	double ts, b;
	const char *dst;

	grp->count++;
	if (record_bytes(r, &b)) {
		grp->bytes += b;
		grp->has_bytes = true;
	}
	if (rec_num(r, "ts", &ts)) {
		if (!grp->has_ts || ts < grp->first)
			grp->first = ts;
		if (!grp->has_ts || ts > grp->last)
			grp->last = ts;
		grp->has_ts = true;
	}
	if ((dst = rec_str(r, "dst")) != NULL) {
		uint64_t h = pp_hash(dst, strlen(dst));
		if (!ht_get(&grp->dests, h, NULL, NULL))
			ht_put(&grp->dests, h, &seen_mark);
	}
}

void grp_emit(struct groups *g, struct recbuf *b)
{
	struct jw w;
	jw_init(&w);
	for (size_t i = 0; i < g->n; i++) {
		struct group *grp = g->order[i];
		jw_reset(&w);
		jw_obj_open(&w, NULL);
		for (int f = 0; f < g->nfields; f++) {
			if (!grp->vals[f])
				continue;
			if (grp->isnum[f])
				jw_raw(&w, g->fields[f], grp->vals[f], strlen(grp->vals[f]));
			else
				jw_str(&w, g->fields[f], grp->vals[f]);
		}
		jw_uint(&w, "count", grp->count);
		if (grp->has_bytes)
			jw_num(&w, "bytes", grp->bytes);
		if (grp->has_ts) {
			jw_ts(&w, "first", (uint64_t)(grp->first * 1e6 + 0.5));
			jw_ts(&w, "last", (uint64_t)(grp->last * 1e6 + 0.5));
		}
		jw_uint(&w, "dests", grp->dests.n);
		jw_obj_close(&w);
		rb_add(b, w.buf, w.len);
	}
	jw_free(&w);
}

void grp_free(struct groups *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		struct group *grp = g->order[i];
		for (int f = 0; f < g->nfields; f++)
			free(grp->vals[f]);
		free(grp->vals);
		free(grp->isnum);
		free(grp->key);
		ht_free(&grp->dests);
		free(grp);
	}
	free(g->order);
	ht_free(&g->bykey);
	sb_free(&g->key);
	sb_free(&g->val);
	free(g);
}

void grp_default_columns(char **fields, int nfields, const char ***cols, int *ncols)
{
	static const char *const aggr[] = {"count", "bytes", "first", "last", "dests"};
	const char **c = xcalloc((size_t)nfields + PP_ARRAY_LEN(aggr), sizeof(*c));
	int n = 0;
	for (int i = 0; i < nfields; i++)
		c[n++] = fields[i];
	for (size_t i = 0; i < PP_ARRAY_LEN(aggr); i++)
		c[n++] = aggr[i];
	*cols = c;
	*ncols = n;
}
