/* The tables: socket lives and wire flows per normalised 5-tuple, and the
 * processes they name; storage, eviction and expiry (match.c decides what
 * fits what).
 *
 * A sock record opens a life (connect, accept, udp) or closes one (close)
 * of its socket on a 5-tuple; a later socket on the same 5-tuple is a new
 * life. Sniffed records form wire flows, a new one at each flow start, after
 * a flow end, at a second ClientHello, or after a long gap. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "pool.h"
#include "pp.h"
#include "xalloc.h"

/* A pause this long on one 5-tuple starts a new wire flow. */
#define GAP_US (60 * 1000000LL)

struct jconf jconf;
struct jstats jstats;

void table_init(struct jtab *t)
{
	memset(t, 0, sizeof(*t));
	ht_init(&t->nodes);
	ht_init(&t->procs);
	TAILQ_INIT(&t->lives);
	TAILQ_INIT(&t->closed);
	TAILQ_INIT(&t->udp);
	TAILQ_INIT(&t->flows);
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

/* --- processes: one copy per distinct set of process members ------------ */

/* Eight bytes at a time (pp_hash takes one): a sock record's process
 * members are a hundred bytes or more, hashed for every one. */
static uint64_t text_hash(const char *b, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, b + i, 8);
		h = mix(h, x);
	}
	for (size_t i = len & ~(size_t)7; i < len; i++)
		h = (h ^ (uint8_t)b[i]) * 1099511628211ull;
	return pp_hash_u64(h);
}

struct proc_key {
	const char *s;
	size_t n;
};

static bool proc_is(const void *item, const void *key)
{
	const struct proc *p = item;
	const struct proc_key *k = key;
	return p->len == k->n && !memcmp(p->buf, k->s, k->n);
}

/* The process of a sock record (its segments, as summary.c kept them),
 * interned. */
static struct proc *proc_get(struct jtab *t, const struct jkeep *k, const char *kept)
{
	struct proc_key key = {kept + k->proc.off, k->proc.len};
	struct proc *p;
	uint64_t h;

	if (key.n == 0)
		return NULL;
	h = text_hash(key.s, key.n);
	if (!(p = ht_get(&t->procs, h, proc_is, &key))) {
		p = xmalloc(sizeof(*p) + key.n + 1);
		memset(p, 0, sizeof(*p));
		memcpy(p->off, k->poff, sizeof(p->off));
		memcpy(p->klen, k->plen, sizeof(p->klen));
		p->hash = h;
		p->len = (uint32_t)key.n;
		memcpy(p->buf, key.s, key.n);
		p->buf[key.n] = '\0';
		ht_put(&t->procs, h, p);
	}
	p->refs++;
	return p;
}

static bool same_proc(const void *item, const void *key)
{
	return item == key;
}

static void proc_put(struct jtab *t, struct proc *p)
{
	if (!p || --p->refs > 0)
		return;
	ht_del(&t->procs, p->hash, same_proc, p);
	free(p);
}

/* --- 5-tuple nodes ------------------------------------------------------- */

uint64_t addr_hash(const struct pp_addr *a)
{
	uint64_t x, y;
	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	return mix(mix(a->family, x), y);
}

/* The key's fields, not its bytes: padding is not part of it. */
uint64_t key_hash(const struct pp_tuple *k)
{
	uint64_t h = mix(addr_hash(&k->src), addr_hash(&k->dst));
	return mix(h, (uint64_t)k->sport << 24 | (uint64_t)k->dport << 8 | k->proto);
}

static bool node_is(const void *item, const void *key)
{
	return jkey_eq(&((const struct tnode *)item)->key, key);
}

struct tnode *node_find(const struct jtab *t, const struct pp_tuple *key, uint64_t h)
{
	return ht_get(&t->nodes, h, node_is, key);
}

static struct tnode *node_get(struct jtab *t, const struct pp_tuple *key, uint64_t h)
{
	struct tnode *n = node_find(t, key, h);
	if (n)
		return n;
	n = pool_zget(sizeof(*n));
	n->key = *key;
	n->hash = h;
	LIST_INIT(&n->lives);
	LIST_INIT(&n->flows);
	ht_put(&t->nodes, h, n);
	return n;
}

static bool same_node(const void *item, const void *key)
{
	return item == key;
}

static void node_maybe_free(struct jtab *t, struct tnode *n)
{
	if (!LIST_EMPTY(&n->lives) || !LIST_EMPTY(&n->flows))
		return;
	ht_del(&t->nodes, n->hash, same_node, n);
	pool_put(n, sizeof(*n));
}

/* --- lives ----------------------------------------------------------------- */

/* A life ends: it joins the closed list, which expiry walks from the
 * oldest end without looking at the open ones. */
static void life_close(struct jtab *t, struct life *l, int64_t end, int64_t at)
{
	l->end = end;
	l->end_at = at;
	if (l->closed)
		return;
	l->closed = true;
	if (l->open_udp) {
		TAILQ_REMOVE(&t->udp, l, unode);
		l->open_udp = false;
	}
	TAILQ_INSERT_TAIL(&t->closed, l, cnode);
}

static void life_remove(struct jtab *t, struct life *l)
{
	if (l->closed)
		TAILQ_REMOVE(&t->closed, l, cnode);
	if (l->open_udp)
		TAILQ_REMOVE(&t->udp, l, unode);
	LIST_REMOVE(l, knode);
	TAILQ_REMOVE(&t->lives, l, all);
	t->nlives--;
	if (!l->matched)
		jstats.lives_unmatched++;
	node_maybe_free(t, l->node);
	proc_put(t, l->proc);
	pool_put(l, sizeof(*l));
}

static void flow_remove(struct jtab *t, struct wflow *f)
{
	LIST_REMOVE(f, knode);
	TAILQ_REMOVE(&t->flows, f, all);
	t->nflows--;
	node_maybe_free(t, f->node);
	free(f->sni);
	free(f->http_host);
	free(f->alpn);
	free(f->app);
	pool_put(f, sizeof(*f));
}

static void evict(struct jtab *t)
{
	struct life *l;
	struct wflow *f;
	while (t->nlives > jconf.max_flows && (l = TAILQ_FIRST(&t->lives))) {
		jstats.evicted_lives++;
		if (t->evict_life)
			t->evict_life(l);
		life_remove(t, l);
	}
	while (t->nflows > jconf.max_flows && (f = TAILQ_FIRST(&t->flows))) {
		jstats.evicted_flows++;
		if (t->evict_flow)
			t->evict_flow(f);
		flow_remove(t, f);
	}
}

static struct life *life_new(struct jtab *t, struct tnode *n, const struct jrec *j, struct proc *p)
{
	struct life *l = pool_zget(sizeof(*l));
	l->node = n;
	l->proc = p;
	if (p)
		p->refs++;
	l->role = j->role;
	l->dir_out = j->role == ROLE_ORIG;
	l->start = j->ts;
	l->end = INT64_MAX;
	l->born = j->ts;
	l->end_at = INT64_MAX;
	l->netns = j->netns;
	l->seq = ++t->seq;
	LIST_INSERT_HEAD(&n->lives, l, knode);
	TAILQ_INSERT_TAIL(&t->lives, l, all);
	t->nlives++;
	jstats.lives++;
	return l;
}

/* A record of the socket l's life once more: its process, side and
 * namespace, at the time (at) the record is of. Taking it in a second time
 * must change nothing, so that where in the stream the copy lands (in
 * time order, or at once when it comes after its place: order.c) makes no
 * difference to any decision. */
static bool same_socket(const struct life *l, const struct jrec *j, const struct proc *p, int64_t at)
{
	return l->proc == p && l->role == j->role && l->netns == j->netns && at == j->ts;
}

static void sock_open(struct jtab *t, const struct jrec *j, const struct jkeep *k, const char *kept)
{
	struct tnode *n = node_get(t, &j->key, j->khash);
	struct proc *p = proc_get(t, k, kept);
	struct life *l;

	LIST_FOREACH(l, &n->lives, knode) {
		if (l->role != j->role)
			continue;
		/* Sockets in two network namespaces can share a 5-tuple at
		 * once: neither ends the other (and neither gets matched). */
		if (!ns_ok(l->netns, j->netns))
			continue;
		if (l->closed) {
			/* This open reported again (a log replayed, a record
			 * trailing its producer's marks), maybe after the close:
			 * nothing new, however late it comes. */
			if (same_socket(l, j, p, l->start)) {
				proc_put(t, p);
				return;
			}
			continue;
		}
		if (l->proc == p && l->start <= j->ts) {
			/* The same socket reported again: keep the first sighting. */
			proc_put(t, p);
			return;
		}
		/* Another socket now has this 5-tuple: the old one is over,
		 * though its close was not seen. */
		if (l->start <= j->ts)
			life_close(t, l, j->ts, j->ts);
	}
	l = life_new(t, n, j, p);
	proc_put(t, p);
	l->start_rec = j->rec_no;
	l->proto = j->key.proto;
	l->t = j->tuple;
	if (l->proto == IPPROTO_UDP) {
		/* Rarely seen closing: expiry looks at these when idle. */
		TAILQ_INSERT_TAIL(&t->udp, l, unode);
		l->open_udp = true;
	}
	evict(t);
}

static void sock_close(struct jtab *t, const struct jrec *j, const struct jkeep *k, const char *kept,
                       double now)
{
	struct tnode *n = node_get(t, &j->key, j->khash);
	struct proc *p = proc_get(t, k, kept);
	struct life *l, *found = NULL;

	LIST_FOREACH(l, &n->lives, knode)
		if (!l->closed && l->role == j->role && l->start <= j->ts + jconf.window &&
		    ns_ok(l->netns, j->netns)) {
			if (!found || (p && l->proc == p))
				found = l;
		}
	if (!found)
		LIST_FOREACH(l, &n->lives, knode)
			if (l->closed && same_socket(l, j, p, l->end)) {
				/* This close reported again: nothing new. */
				proc_put(t, p);
				return;
			}
	if (!found) {
		/* Closed before we saw it open: its start is the close time
		 * minus its duration where the record says. */
		double d = k->duration;
		found = life_new(t, n, j, p);
		found->proto = j->key.proto;
		found->t = j->tuple;
		if (k->has_duration && d >= 0 && d < 1e9)
			found->start = j->ts - (int64_t)(d * 1e6);
		else
			found->start = j->ts;
	} else if (!found->proc && p) {
		found->proc = p;
		p->refs++;
	}
	proc_put(t, p);
	life_close(t, found, j->ts, j->ts);
	found->end_rec = j->rec_no;
	found->arrived = now;
	if (k->has_bytes) {
		found->tx_bytes = k->tx_bytes;
		found->rx_bytes = k->rx_bytes;
		found->has_bytes = true;
	}
	evict(t);
}

/* --- wire flows ---------------------------------------------------------- */

/* The wire flow a sniffed record at ts belongs to: the latest that began
 * at or before ts, else the earliest. */
struct wflow *flow_at(const struct tnode *n, int64_t ts, uint64_t netns)
{
	struct wflow *best = NULL, *earliest = NULL, *f;
	LIST_FOREACH(f, &n->flows, knode) {
		if (!ns_ok(f->netns, netns))
			continue;
		if (f->first <= ts && (!best || f->first > best->first))
			best = f;
		if (!earliest || f->first < earliest->first)
			earliest = f;
	}
	return best ? best : earliest;
}

/* A kept raw value into a flow's field (absent: no change). */
static void set_raw(char **dst, struct jtext v, const char *kept, bool replace)
{
	if (!v.len || (*dst && !replace))
		return;
	free(*dst);
	*dst = xmemdup(kept + v.off, v.len);
}

static void set_counts(struct wflow *f, const struct jkeep *k)
{
	if (!k->has_counts)
		return;
	f->pkts[0] = k->counts[0], f->bytes[0] = k->counts[1];
	f->pkts[1] = k->counts[2], f->bytes[1] = k->counts[3];
	f->has_counts = true;
}

static struct wflow *flow_new(struct jtab *t, struct tnode *n, const struct jrec *j)
{
	struct wflow *f = pool_zget(sizeof(*f));
	f->node = n;
	f->first = f->last = j->ts;
	f->seq = ++t->seq;
	f->t = j->tuple;
	f->netns = j->netns;
	f->end_at = INT64_MAX;
	LIST_INSERT_HEAD(&n->flows, f, knode);
	TAILQ_INSERT_TAIL(&t->flows, f, all);
	t->nflows++;
	jstats.flows++;
	return f;
}

static void sniffed(struct jtab *t, const struct jrec *j, const struct jkeep *k, const char *kept,
                    double now)
{
	static const char *const appname[] = {
		[JT_DNS] = "\"dns\"", [JT_TLS] = "\"tls\"", [JT_HTTP] = "\"http\"",
		[JT_SSH] = "\"ssh\"", [JT_QUIC] = "\"quic\"",
	};
	struct tnode *n = node_get(t, &j->key, j->khash);
	struct wflow *f = flow_at(n, j->ts, j->netns), *latest = NULL, *g;

	if (j->trailing) {
		/* Written after its producer's mark (what a flow's end brings):
		 * it may come after later records, so it changes nothing that
		 * decides them, only the flow's summary (--conn). */
		if (f && j->type == JT_FLOW) {
			set_counts(f, k);
			set_raw(&f->app, k->app, kept, false);
			if (j->flow_end) {
				f->ended = true;
				f->arrived = now;
			}
		}
		node_maybe_free(t, n);
		return;
	}
	LIST_FOREACH(g, &n->flows, knode)
		if (ns_ok(g->netns, j->netns) && (!latest || g->first > latest->first))
			latest = g;
	if (!latest || (j->ts > latest->last &&
	                (j->flow_start || latest->ended || (j->hello && latest->hello) ||
	                 j->ts > latest->last + GAP_US)))
		f = flow_new(t, n, j);
	if (f != TAILQ_LAST(&t->flows, jflows)) {
		/* Most recently active last: eviction and expiry take the
		 * least recently active first. */
		TAILQ_REMOVE(&t->flows, f, all);
		TAILQ_INSERT_TAIL(&t->flows, f, all);
	}
	if (j->ts < f->first)
		f->first = j->ts;
	if (j->ts > f->last)
		f->last = j->ts;
	if (j->hello)
		f->hello = true;
	if (j->type == JT_TLS || j->type == JT_QUIC) {
		set_raw(&f->sni, k->sni, kept, false);
		/* The server's choice comes after the client's offer. */
		set_raw(&f->alpn, k->alpn, kept, true);
	}
	if (j->type == JT_HTTP)
		set_raw(&f->http_host, k->host, kept, false);
	if (j->type == JT_FLOW) {
		set_raw(&f->app, k->app, kept, false);
		set_counts(f, k);
		if (j->flow_end) {
			f->ended = true;
			f->arrived = now;
			if (j->ts < f->end_at)
				f->end_at = j->ts;
		}
	} else if (!f->app && j->type < PP_ARRAY_LEN(appname) && appname[j->type]) {
		f->app = xstrdup(appname[j->type]);
	}
	evict(t);
}

void ingest(struct jtab *t, const struct jrec *j, const struct jkeep *k, const char *kept, double now)
{
	if (j->type == JT_OTHER || !j->has_key)
		return;
	if (j->type == JT_SOCK) {
		if (j->sev == SEV_CONNECT || j->sev == SEV_ACCEPT || j->sev == SEV_UDP)
			sock_open(t, j, k, kept);
		else if (j->sev == SEV_CLOSE)
			sock_close(t, j, k, kept, now);
		return;
	}
	if (j->type == JT_DNS && !j->trailing && k->answers.len)
		names_add(j, kept + k->answers.off, k->answers.len);
	sniffed(t, j, k, kept, now);
}

/* --- expiry, the end -------------------------------------------------------- */

static bool node_active_since(const struct tnode *n, int64_t since)
{
	const struct wflow *f;
	LIST_FOREACH(f, &n->flows, knode)
		if (f->last >= since)
			return true;
	return false;
}

void table_expire(struct jtab *t, int64_t now_ts, bool full, void (*on_drop_life)(struct life *),
                  void (*on_drop_flow)(struct wflow *))
{
	int64_t limit = now_ts - jconf.linger;
	struct life *l, *ln;
	struct wflow *f;

	/* Closed lives by closing order, flows by last activity: both stop
	 * at the first one still young. */
	while ((l = TAILQ_FIRST(&t->closed)) && l->end < limit) {
		if (on_drop_life)
			on_drop_life(l);
		life_remove(t, l);
	}
	while ((f = TAILQ_FIRST(&t->flows)) && f->last < limit) {
		if (on_drop_flow)
			on_drop_flow(f);
		flow_remove(t, f);
	}
	if (!full)
		return;
	/* UDP sockets are rarely seen closing: idle ones go too. This looks
	 * at every open one, so the caller does it seldom. */
	for (l = TAILQ_FIRST(&t->udp); l; l = ln) {
		ln = TAILQ_NEXT(l, unode);
		if (l->start < limit && !node_active_since(l->node, limit)) {
			if (on_drop_life)
				on_drop_life(l);
			life_remove(t, l);
		}
	}
}

void table_count_unmatched(const struct jtab *t)
{
	const struct life *l;
	TAILQ_FOREACH(l, &t->lives, all)
		if (!l->matched)
			jstats.lives_unmatched++;
}

void table_free(struct jtab *t)
{
	struct life *l;
	struct wflow *f;
	while ((l = TAILQ_FIRST(&t->lives))) {
		l->matched = true; /* counted already by table_count_unmatched */
		life_remove(t, l);
	}
	while ((f = TAILQ_FIRST(&t->flows)))
		flow_remove(t, f);
	ht_free(&t->nodes);
	for (size_t i = 0; i < t->procs.cap; i++) {
		struct proc *p = ht_at(&t->procs, i);
		free(p);
	}
	ht_free(&t->procs);
}
