/* Address -> DNS name, learnt from the answers of dns records.
 *
 * For each A/AAAA answer the CNAME chain that led to it is followed back
 * within the same response, so that 93.184.216.34 is named by what was
 * asked (www.example.com), with the chain (www.example.com.cdn.net, ...)
 * kept apart. An answer names its address from the response's time for
 * its TTL, bounded by --max-ttl (and held at least min_ttl, so that a TTL
 * of 0 still names the connection that follows at once). Lookups are by
 * time, so a file read out of order still gets the name the address had
 * then; where several names are valid, the latest answer wins. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "pool.h"
#include "pp.h"

#define EPS_US 100000
#define MAX_ANSWERS 64
#define MAX_CHAIN 8
/* Names an address may have at once. Entries go by expiry (event time),
 * so that a record decided late (a flow's end, trailing) finds the name
 * its time had whatever came since; only a flood beyond this many drops
 * the oldest before its time. */
#define MAX_PER_ADDR 4096

/* One answer's name for an address, for a time. */
struct dent {
	LIST_ENTRY(dent) anode;     /* same address, newest first */
	TAILQ_ENTRY(dent) all;      /* all, oldest first */
	struct daddr *addr;
	size_t hidx;                /* its place in the expiry heap */
	int64_t from, until;
	char *name_json, *cnames_json;
};

/* An address and its names. */
struct daddr {
	struct pp_addr addr;
	uint64_t hash;
	LIST_HEAD(, dent) ents;
	int n;
};

static struct htab addrs;            /* daddr by addr_hash */
/* Every entry by its end (until), soonest first: expiry takes what is
 * over without a look at the others. */
static struct dent **eheap;
static size_t neh, ceh;
static TAILQ_HEAD(, dent) ents = TAILQ_HEAD_INITIALIZER(ents);
static size_t nents;
static struct jw w;

void names_init(void)
{
	ht_init(&addrs);
	TAILQ_INIT(&ents);
	jw_init(&w);
}

static bool same_item(const void *item, const void *key)
{
	return item == key;
}

static inline void eh_set(size_t i, struct dent *d)
{
	eheap[i] = d;
	d->hidx = i;
}

static void eh_up(size_t i)
{
	struct dent *d = eheap[i];
	while (i > 0 && d->until < eheap[(i - 1) / 2]->until) {
		eh_set(i, eheap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	eh_set(i, d);
}

static void eh_down(size_t i)
{
	struct dent *d = eheap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= neh)
			break;
		if (c + 1 < neh && eheap[c + 1]->until < eheap[c]->until)
			c++;
		if (eheap[c]->until >= d->until)
			break;
		eh_set(i, eheap[c]);
		i = c;
	}
	eh_set(i, d);
}

static void eh_push(struct dent *d)
{
	if (neh == ceh) {
		ceh = ceh ? ceh * 2 : 1024;
		eheap = xreallocarray(eheap, ceh, sizeof(*eheap));
	}
	eh_set(neh++, d);
	eh_up(neh - 1);
}

static void eh_remove(struct dent *d)
{
	size_t i = d->hidx;
	struct dent *last = eheap[--neh];
	if (last == d)
		return;
	eh_set(i, last);
	eh_up(i);
	eh_down(last->hidx);
}

static void dent_remove(struct dent *d)
{
	struct daddr *a = d->addr;
	eh_remove(d);
	LIST_REMOVE(d, anode);
	TAILQ_REMOVE(&ents, d, all);
	nents--;
	if (--a->n == 0) {
		ht_del(&addrs, a->hash, same_item, a);
		pool_put(a, sizeof(*a));
	}
	free(d->name_json);
	free(d->cnames_json);
	pool_put(d, sizeof(*d));
}

void names_free(void)
{
	struct dent *d;
	while ((d = TAILQ_FIRST(&ents)))
		dent_remove(d);
	ht_free(&addrs);
	free(eheap);
	eheap = NULL;
	neh = ceh = 0;
	jw_free(&w);
}

static bool addr_is(const void *item, const void *key)
{
	return jaddr_eq(&((const struct daddr *)item)->addr, key);
}

struct answer {
	const char *name, *data; /* unescaped, in the record's arena */
	size_t nlen, dlen;
	long long ttl;
	int type; /* 1 A, 28 AAAA, 5 CNAME, 0 other */
};

/* DNS names compare case-insensitively, a trailing dot or not. */
static bool name_eq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an && a[an - 1] == '.')
		an--;
	if (bn && b[bn - 1] == '.')
		bn--;
	return an == bn && !strncasecmp(a, b, an);
}

static void put_name(const char *s, size_t n)
{
	if (n > 1 && s[n - 1] == '.')
		n--;
	jw_put(&w, "\"", 1);
	jw_escape(&w, s, n);
	jw_put(&w, "\"", 1);
}

static void add_entry(const struct pp_addr *a, int64_t from, int64_t until, const struct answer *top,
                      const struct answer *const *chain, int nchain)
{
	uint64_t h = addr_hash(a);
	struct daddr *da = ht_get(&addrs, h, addr_is, a);
	struct dent *d, *newest = da ? LIST_FIRST(&da->ents) : NULL;
	char *name, *cn = NULL;

	jw_reset(&w);
	put_name(top->name, top->nlen);
	name = xmemdup(w.buf, w.len);
	if (nchain > 0) {
		jw_reset(&w);
		jw_put(&w, "[", 1);
		for (int i = 0; i < nchain; i++) {
			if (i)
				jw_put(&w, ",", 1);
			put_name(chain[i]->name, chain[i]->nlen);
		}
		jw_put(&w, "]", 1);
		cn = xmemdup(w.buf, w.len);
	}
	/* The same answer again (a cache refreshed, a second sighting):
	 * extend the entry rather than add one. */
	if (newest && !strcmp(newest->name_json, name) &&
	    ((!cn && !newest->cnames_json) || (cn && newest->cnames_json && !strcmp(cn, newest->cnames_json))) &&
	    from >= newest->from && from <= newest->until) {
		if (until > newest->until) {
			newest->until = until;
			eh_down(newest->hidx);
		}
		free(name);
		free(cn);
		return;
	}
	if (da && da->n >= MAX_PER_ADDR) {
		/* Drop this address's oldest entry. */
		struct dent *old = NULL;
		LIST_FOREACH(d, &da->ents, anode)
			old = d;
		dent_remove(old);
	}
	if (!da) {
		da = pool_zget(sizeof(*da));
		da->addr = *a;
		da->hash = h;
		LIST_INIT(&da->ents);
		ht_put(&addrs, h, da);
	}
	d = pool_zget(sizeof(*d));
	d->addr = da;
	d->from = from;
	d->until = until;
	d->name_json = name;
	d->cnames_json = cn;
	/* Newest answer first (answers come in time order, but for a late
	 * one): a lookup stops at the first that names its time. */
	{
		struct dent *prev = NULL, *e;
		LIST_FOREACH(e, &da->ents, anode) {
			if (e->from <= from)
				break;
			prev = e;
		}
		if (prev)
			LIST_INSERT_AFTER(prev, d, anode);
		else
			LIST_INSERT_HEAD(&da->ents, d, anode);
	}
	da->n++;
	TAILQ_INSERT_TAIL(&ents, d, all);
	eh_push(d);
	nents++;
	while (nents > jconf.max_flows && (d = TAILQ_FIRST(&ents))) {
		jstats.evicted_names++;
		dent_remove(d);
	}
}

/* The members of the object at token o: name, type, ttl, data (keys and
 * values unescaped; a repeated key: the last). */
static bool read_answer(const struct rec *r, int o, struct answer *an)
{
	const char *type;
	size_t tlen;
	double ttl = -1;

	memset(an, 0, sizeof(*an));
	if (r->tok[o].type != JSMN_OBJECT)
		return false;
	an->name = rec_tok_str(r, rec_member(r, o, "name"), &an->nlen);
	an->data = rec_tok_str(r, rec_member(r, o, "data"), &an->dlen);
	type = rec_tok_str(r, rec_member(r, o, "type"), &tlen);
	rec_tok_num(r, rec_member(r, o, "ttl"), &ttl);
	if (!an->name || !an->data || !type || !(ttl >= 0 && ttl < 1e10) || an->nlen == 0)
		return false;
	an->ttl = (long long)ttl;
	an->type = !strcmp(type, "A") ? 1 : !strcmp(type, "AAAA") ? 28 : !strcmp(type, "CNAME") ? 5 : 0;
	return an->type != 0;
}

/* One packed answer: its header, then name and data bytes. */
struct packed {
	long long ttl;
	uint32_t nlen, dlen;
	int type;
};

void names_pack(const struct rec *r, int a, struct sbuf *out)
{
	int i, e, n = 0;
	for (i = a + 1, e = 0; e < r->tok[a].size && i < (int)r->ntok && n < MAX_ANSWERS; e++) {
		struct answer an;
		if (read_answer(r, i, &an)) {
			struct packed p = {an.ttl, (uint32_t)an.nlen, (uint32_t)an.dlen, an.type};
			sb_put(out, &p, sizeof(p));
			sb_put(out, an.name, an.nlen);
			sb_put(out, an.data, an.dlen);
			n++;
		}
		i = rec_skip(r, i);
	}
}

void names_add(const struct jrec *j, const char *packed, size_t plen)
{
	struct answer ans[MAX_ANSWERS];
	int n = 0, i;

	for (size_t o = 0; o + sizeof(struct packed) <= plen && n < MAX_ANSWERS; n++) {
		struct packed p;
		memcpy(&p, packed + o, sizeof(p));
		o += sizeof(p);
		ans[n].ttl = p.ttl;
		ans[n].type = p.type;
		ans[n].name = packed + o;
		ans[n].nlen = p.nlen;
		ans[n].data = packed + o + p.nlen;
		ans[n].dlen = p.dlen;
		o += p.nlen + p.dlen;
	}
	for (i = 0; i < n; i++) {
		const struct answer *chain[MAX_CHAIN], *top = &ans[i];
		struct pp_addr addr;
		char buf[PP_ADDRSTRLEN + 1];
		long long ttl = ans[i].ttl;
		int nchain = 0;
		int64_t life;

		if (ans[i].type == 5 || ans[i].dlen >= sizeof(buf))
			continue;
		memcpy(buf, ans[i].data, ans[i].dlen);
		buf[ans[i].dlen] = '\0';
		if (pp_addr_parse(buf, &addr) < 0 || addr.family != (ans[i].type == 1 ? 2 : 10))
			continue;
		pp_addr_unmap(&addr);
		/* Follow the chain back: which CNAME pointed at this name? */
		for (int depth = 0; depth < MAX_CHAIN; depth++) {
			const struct answer *up = NULL;
			for (int c = 0; c < n; c++)
				if (ans[c].type == 5 && &ans[c] != top &&
				    name_eq(ans[c].data, ans[c].dlen, top->name, top->nlen)) {
					up = &ans[c];
					break;
				}
			if (!up)
				break;
			/* A loop in the chain ends the walk. */
			bool seen = false;
			for (int s = 0; s < nchain; s++)
				if (chain[s] == up)
					seen = true;
			if (seen) {
				/* A loop: a broken answer; name the address by
				 * its own record only. */
				top = &ans[i];
				nchain = 0;
				ttl = ans[i].ttl;
				break;
			}
			chain[nchain++] = top;
			if (up->ttl < ttl)
				ttl = up->ttl;
			top = up;
		}
		/* chain[] runs from the address's owner up; the record lists
		 * it from the asked name down. */
		for (int x = 0; x < nchain / 2; x++) {
			const struct answer *tmp = chain[x];
			chain[x] = chain[nchain - 1 - x];
			chain[nchain - 1 - x] = tmp;
		}
		life = ttl * 1000000LL;
		if (life > jconf.max_ttl)
			life = jconf.max_ttl;
		if (life < jconf.min_ttl)
			life = jconf.min_ttl;
		add_entry(&addr, j->ts, j->ts + life, top, chain, nchain);
	}
}

bool names_lookup(const struct pp_addr *a, int64_t ts, const char **name_json, const char **cnames_json)
{
	const struct dent *best = NULL, *d;
	const struct daddr *da;

	if (!nents || !(da = ht_get(&addrs, addr_hash(a), addr_is, a)))
		return false;
	/* Newest first: an answer from before the record beats one that
	 * only clock skew lets in; then the latest wins, the first found. */
	LIST_FOREACH(d, &da->ents, anode) {
		if (ts > d->until || d->from > ts + EPS_US)
			continue;
		if (d->from <= ts) {
			best = d;
			break;
		}
		if (!best)
			best = d;
	}
	if (!best)
		return false;
	*name_json = best->name_json;
	*cnames_json = best->cnames_json;
	return true;
}

void names_expire(int64_t now_ts)
{
	while (neh && eheap[0]->until < now_ts - jconf.linger)
		dent_remove(eheap[0]);
}
