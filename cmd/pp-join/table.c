/* Socket lives and wire flows per normalised 5-tuple, and the matching
 * between them.
 *
 * A sock record opens a life (connect, accept, udp) or closes one (close)
 * of its socket on a 5-tuple; a later socket on the same 5-tuple is a new
 * life. Sniffed records form wire flows, a new one at each flow start, after
 * a flow end, at a second ClientHello, or after a long gap. A sniffed record
 * gets the process of a life only when the life and the record's wire flow
 * agree in time (see match_life); when two lives of different processes
 * qualify equally, it gets none: no match is better than a wrong one. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "pp.h"
#include "xalloc.h"

/* Clock skew allowed between the kernel's and the capture's time stamps. */
#define EPS_US 100000
/* A pause this long on one 5-tuple starts a new wire flow. */
#define GAP_US (60 * 1000000LL)

struct jconf jconf;
struct jstats jstats;
void (*table_evict_life_hook)(struct life *);
void (*table_evict_flow_hook)(struct wflow *);

static struct tnode **buckets;
static size_t nbuckets, nnodes;
static struct life *life_head, *life_tail;
static struct life *closed_head, *closed_tail; /* closed lives, in order of closing */
static struct wflow *flow_head, *flow_tail;
static unsigned long nlives, nflows;
static uint64_t seq;

static struct proc **procs;
static size_t nprocbuckets = 4096;

void table_init(void)
{
	nbuckets = 1024;
	buckets = xcalloc(nbuckets, sizeof(*buckets));
	procs = xcalloc(nprocbuckets, sizeof(*procs));
}

/* --- processes: one copy per distinct set of process members ------------ */

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

/* The process of a sock record (its segments, as summary.c kept them),
 * interned. */
static struct proc *proc_get(const struct jkeep *k, const char *kept)
{
	struct proc *p;
	const char *b = kept + k->proc.off;
	size_t len = k->proc.len;
	uint64_t h = 1469598103934665603ull;

	if (len == 0)
		return NULL;
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, b + i, 8);
		h = mix(h, x);
	}
	for (size_t i = len & ~(size_t)7; i < len; i++)
		h = (h ^ (uint8_t)b[i]) * 1099511628211ull;
	for (p = procs[h & (nprocbuckets - 1)]; p; p = p->next)
		if (p->hash == h && p->len == len && !memcmp(p->buf, b, len))
			break;
	if (!p) {
		p = xmalloc(sizeof(*p) + len + 1);
		memset(p, 0, sizeof(*p));
		memcpy(p->off, k->poff, sizeof(p->off));
		memcpy(p->klen, k->plen, sizeof(p->klen));
		p->hash = h;
		p->len = (uint32_t)len;
		memcpy(p->buf, b, len);
		p->buf[len] = '\0';
		p->next = procs[h & (nprocbuckets - 1)];
		procs[h & (nprocbuckets - 1)] = p;
	}
	p->refs++;
	return p;
}

static void proc_put(struct proc *p)
{
	struct proc **pp;
	if (!p || --p->refs > 0)
		return;
	for (pp = &procs[p->hash & (nprocbuckets - 1)]; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
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

static struct tnode *node_find(const struct pp_tuple *key, uint64_t h)
{
	for (struct tnode *n = buckets[h & (nbuckets - 1)]; n; n = n->next)
		if (n->hash == h && jkey_eq(&n->key, key))
			return n;
	return NULL;
}

static void grow_buckets(void)
{
	size_t nb = nbuckets * 2;
	struct tnode **b = xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < nbuckets; i++) {
		struct tnode *n = buckets[i], *next;
		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(buckets);
	buckets = b;
	nbuckets = nb;
}

static struct tnode *node_get(const struct pp_tuple *key, uint64_t h)
{
	struct tnode *n = node_find(key, h);
	if (n)
		return n;
	if (nnodes >= nbuckets)
		grow_buckets();
	n = xcalloc(1, sizeof(*n));
	n->key = *key;
	n->hash = h;
	n->next = buckets[h & (nbuckets - 1)];
	buckets[h & (nbuckets - 1)] = n;
	nnodes++;
	return n;
}

static void node_maybe_free(struct tnode *n)
{
	struct tnode **pp;
	if (n->lives || n->flows)
		return;
	for (pp = &buckets[n->hash & (nbuckets - 1)]; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	nnodes--;
	free(n);
}

/* --- lives ----------------------------------------------------------------- */

/* A life ends: it joins the closed list, which expiry walks from the
 * oldest end without looking at the open ones. */
static void life_close(struct life *l, int64_t end, int64_t at)
{
	l->end = end;
	l->end_at = at;
	if (l->closed)
		return;
	l->closed = true;
	l->cprev = closed_tail;
	l->cnext = NULL;
	if (closed_tail)
		closed_tail->cnext = l;
	else
		closed_head = l;
	closed_tail = l;
}

static void life_remove(struct life *l)
{
	struct life **pp;
	if (l->closed) {
		if (l->cprev)
			l->cprev->cnext = l->cnext;
		else
			closed_head = l->cnext;
		if (l->cnext)
			l->cnext->cprev = l->cprev;
		else
			closed_tail = l->cprev;
	}
	for (pp = &l->node->lives; *pp; pp = &(*pp)->knext)
		if (*pp == l) {
			*pp = l->knext;
			break;
		}
	if (l->fprev)
		l->fprev->fnext = l->fnext;
	else
		life_head = l->fnext;
	if (l->fnext)
		l->fnext->fprev = l->fprev;
	else
		life_tail = l->fprev;
	nlives--;
	if (!l->matched)
		jstats.lives_unmatched++;
	node_maybe_free(l->node);
	proc_put(l->proc);
	free(l);
}

static void flow_remove(struct wflow *f)
{
	struct wflow **pp;
	for (pp = &f->node->flows; *pp; pp = &(*pp)->knext)
		if (*pp == f) {
			*pp = f->knext;
			break;
		}
	if (f->fprev)
		f->fprev->fnext = f->fnext;
	else
		flow_head = f->fnext;
	if (f->fnext)
		f->fnext->fprev = f->fprev;
	else
		flow_tail = f->fprev;
	nflows--;
	node_maybe_free(f->node);
	free(f->sni);
	free(f->http_host);
	free(f->alpn);
	free(f->app);
	free(f);
}

static void evict(void)
{
	while (nlives > jconf.max_flows && life_head) {
		jstats.evicted_lives++;
		if (table_evict_life_hook)
			table_evict_life_hook(life_head);
		life_remove(life_head);
	}
	while (nflows > jconf.max_flows && flow_head) {
		jstats.evicted_flows++;
		if (table_evict_flow_hook)
			table_evict_flow_hook(flow_head);
		flow_remove(flow_head);
	}
}

static struct life *life_new(struct tnode *n, const struct jrec *j, struct proc *p)
{
	struct life *l = xcalloc(1, sizeof(*l));
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
	l->seq = ++seq;
	l->knext = n->lives;
	n->lives = l;
	l->fprev = life_tail;
	if (life_tail)
		life_tail->fnext = l;
	else
		life_head = l;
	life_tail = l;
	nlives++;
	jstats.lives++;
	return l;
}

/* Network namespaces: records of two namespaces never meet, where both
 * say which they are in. */
static inline bool ns_ok(uint64_t a, uint64_t b)
{
	return !a || !b || a == b;
}

/* Loopback addresses exist once per namespace; other addresses of one
 * namespace's sockets are also seen from another (a container's traffic
 * on the host's bridge), so there a socket of another namespace may fit
 * when none of the record's own does. */
static bool loopback(const struct pp_addr *a)
{
	static const uint8_t lo6[16] = {[15] = 1};
	if (a->family == AF_INET)
		return a->a[0] == 127;
	return !memcmp(a->a, lo6, 16);
}

static bool key_loopback(const struct pp_tuple *k)
{
	return loopback(&k->src) || loopback(&k->dst);
}

static void sock_open(const struct jrec *j, const struct jkeep *k, const char *kept)
{
	struct tnode *n = node_get(&j->key, j->khash);
	struct proc *p = proc_get(k, kept);
	struct life *l;

	for (l = n->lives; l; l = l->knext) {
		if (l->closed || l->role != j->role)
			continue;
		/* Sockets in two network namespaces can share a 5-tuple at
		 * once: neither ends the other (and neither gets matched). */
		if (!ns_ok(l->netns, j->netns))
			continue;
		if (l->proc == p && l->start <= j->ts) {
			/* The same socket reported again: keep the first sighting. */
			proc_put(p);
			return;
		}
		/* Another socket now has this 5-tuple: the old one is over,
		 * though its close was not seen. */
		if (l->start <= j->ts)
			life_close(l, j->ts, j->ts);
	}
	l = life_new(n, j, p);
	proc_put(p);
	l->start_rec = j->rec_no;
	l->proto = j->key.proto;
	l->t = j->tuple;
	evict();
}

static void sock_close(const struct jrec *j, const struct jkeep *k, const char *kept, double now)
{
	struct tnode *n = node_get(&j->key, j->khash);
	struct proc *p = proc_get(k, kept);
	struct life *l, *found = NULL;

	for (l = n->lives; l; l = l->knext)
		if (!l->closed && l->role == j->role && l->start <= j->ts + jconf.window &&
		    ns_ok(l->netns, j->netns)) {
			if (!found || (p && l->proc == p))
				found = l;
		}
	if (!found) {
		/* Closed before we saw it open: its start is the close time
		 * minus its duration where the record says. */
		double d = k->duration;
		found = life_new(n, j, p);
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
	proc_put(p);
	life_close(found, j->ts, j->ts);
	found->end_rec = j->rec_no;
	found->arrived = now;
	if (k->has_bytes) {
		found->tx_bytes = k->tx_bytes;
		found->rx_bytes = k->rx_bytes;
		found->has_bytes = true;
	}
	evict();
}

/* --- wire flows ---------------------------------------------------------- */

/* The wire flow a sniffed record at ts belongs to: the latest that began
 * at or before ts, else the earliest. */
static struct wflow *flow_at(const struct tnode *n, int64_t ts, uint64_t netns)
{
	struct wflow *best = NULL, *earliest = NULL;
	for (struct wflow *f = n->flows; f; f = f->knext) {
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

static void sniffed(const struct jrec *j, const struct jkeep *k, const char *kept, double now)
{
	static const char *const appname[] = {
		[JT_DNS] = "\"dns\"", [JT_TLS] = "\"tls\"", [JT_HTTP] = "\"http\"",
		[JT_SSH] = "\"ssh\"", [JT_QUIC] = "\"quic\"",
	};
	struct tnode *n = node_get(&j->key, j->khash);
	struct wflow *f = flow_at(n, j->ts, j->netns), *latest = NULL;

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
		node_maybe_free(n);
		return;
	}
	for (struct wflow *g = n->flows; g; g = g->knext)
		if (ns_ok(g->netns, j->netns) && (!latest || g->first > latest->first))
			latest = g;
	if (!latest || (j->ts > latest->last &&
	                (j->flow_start || latest->ended || (j->hello && latest->hello) ||
	                 j->ts > latest->last + GAP_US))) {
		f = xcalloc(1, sizeof(*f));
		f->node = n;
		f->first = f->last = j->ts;
		f->seq = ++seq;
		f->t = j->tuple;
		f->netns = j->netns;
		f->end_at = INT64_MAX;
		f->knext = n->flows;
		n->flows = f;
		f->fprev = flow_tail;
		if (flow_tail)
			flow_tail->fnext = f;
		else
			flow_head = f;
		flow_tail = f;
		nflows++;
		jstats.flows++;
	}
	if (f != flow_tail) {
		/* Most recently active last: eviction and expiry take the
		 * least recently active first. */
		if (f->fprev)
			f->fprev->fnext = f->fnext;
		else
			flow_head = f->fnext;
		f->fnext->fprev = f->fprev;
		f->fprev = flow_tail;
		f->fnext = NULL;
		flow_tail->fnext = f;
		flow_tail = f;
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
	evict();
}

void ingest(const struct jrec *j, const struct jkeep *k, const char *kept, double now)
{
	if (j->type == JT_OTHER || !j->has_key)
		return;
	if (j->type == JT_SOCK) {
		if (j->sev == SEV_CONNECT || j->sev == SEV_ACCEPT || j->sev == SEV_UDP)
			sock_open(j, k, kept);
		else if (j->sev == SEV_CLOSE)
			sock_close(j, k, kept, now);
		return;
	}
	if (j->type == JT_DNS && !j->trailing && k->answers.len)
		names_add(j, kept + k->answers.off, k->answers.len);
	sniffed(j, k, kept, now);
}

/* --- matching ------------------------------------------------------------- */

static bool overlaps(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	return a0 <= b1 && b0 <= a1;
}

/* A life as it was known at event time h: not yet there, or open still
 * when its close came later. A decision as of h is then the same however
 * much more has arrived since (live mode) or not (files). */
static inline bool life_seen(const struct life *l, int64_t h)
{
	return l->born <= h;
}

static inline int64_t life_end(const struct life *l, int64_t h)
{
	return l->end_at <= h ? l->end : INT64_MAX;
}

/* How well a life fits a sniffed record at ts of wire flow f, as of h;
 * lower is better, 3 = not at all.
 *  0: the record falls within the socket's life;
 *  1: the record's wire flow overlaps the life (a socket seen late by
 *     polling, a FIN after close);
 *  2: within --window of the life, and the wire flow did not start after
 *     the socket closed nor end (known by h) before it opened (a new
 *     connection on a reused 5-tuple never inherits the old socket's
 *     process). */
/* Another socket of the same side took the 5-tuple after l ended and by
 * ts (a UDP source port used again, while the wire flow goes on): the
 * record is the new socket's, never l's. */
static bool superseded(const struct life *l, int64_t end, int64_t ts, int64_t h)
{
	for (const struct life *m = l->node->lives; m; m = m->knext)
		if (m != l && m->role == l->role && life_seen(m, h) && ns_ok(m->netns, l->netns) &&
		    m->start > end && m->start <= ts + EPS_US)
			return true;
	return false;
}

static int fit(const struct life *l, int64_t ts, const struct wflow *f, int64_t h)
{
	int64_t end = life_end(l, h);
	if (ts >= l->start && ts <= end)
		return 0;
	if (ts > end && superseded(l, end, ts, h))
		return 3;
	if (f && overlaps(f->first, f->last, l->start, end))
		return 1;
	if (ts < l->start - jconf.window || (end != INT64_MAX && ts > end + jconf.window))
		return 3;
	if (f && (f->first > (end == INT64_MAX ? INT64_MAX : end + EPS_US) ||
	          (f->end_at <= h && f->last < l->start - EPS_US)))
		return 3;
	return 2;
}

/* Of the lives on one side (role) of the best fit, as of h and in the
 * record's network namespace: the one, when they are all of one process;
 * else none (and *ambiguous). */
static struct life *choose_in(const struct tnode *n, int64_t ts, const struct wflow *f, int role,
                              int64_t h, uint64_t netns, bool cross, bool *ambiguous)
{
	struct life *pick = NULL;
	int best = 3;
	*ambiguous = false;
	for (struct life *l = n->lives; l; l = l->knext) {
		int q;
		if (l->role != role || !life_seen(l, h) || ns_ok(l->netns, netns) == cross)
			continue;
		q = fit(l, ts, f, h);
		if (q < best) {
			best = q;
			pick = l;
			*ambiguous = false;
		} else if (q == best && q < 3 && pick->proc != l->proc) {
			*ambiguous = true;
		}
	}
	if (best == 3 || *ambiguous)
		return NULL;
	return pick;
}

/* The record's own namespace first; then, off loopback, the others. */
static struct life *choose(const struct tnode *n, int64_t ts, const struct wflow *f, int role,
                           int64_t h, uint64_t netns, bool *ambiguous)
{
	struct life *l = choose_in(n, ts, f, role, h, netns, false, ambiguous);
	if (!l && !*ambiguous && netns && !key_loopback(&n->key))
		l = choose_in(n, ts, f, role, h, netns, true, ambiguous);
	return l;
}

void match_lives(const struct jrec *j, struct life **orig, struct life **resp)
{
	struct tnode *n;
	struct wflow *f;
	bool amb_o = false, amb_r = false;
	*orig = *resp = NULL;
	if (!j->has_key || j->type == JT_SOCK || j->type == JT_OTHER || j->type == JT_MARK)
		return;
	n = node_find(&j->key, j->khash);
	if (!n || !n->lives)
		return;
	f = flow_at(n, j->ts, j->netns);
	*orig = choose(n, j->ts, f, ROLE_ORIG, j->asof, j->netns, &amb_o);
	*resp = choose(n, j->ts, f, ROLE_RESP, j->asof, j->netns, &amb_r);
	if (j->key.proto == IPPROTO_UDP && j->netns) {
		/* A UDP socket bound to the wildcard address, in a namespace
		 * where pp-trace could not tell which address it sent from
		 * (pp-trace(1)): its records say 0.0.0.0 or ::. It fits the
		 * datagrams of its port and peer in its own namespace only. */
		for (int side = 0; side < 2; side++) {
			struct life **out = side == 0 ? orig : resp;
			bool *amb = side == 0 ? &amb_o : &amb_r;
			struct pp_tuple w = j->tuple, wk;
			struct tnode *wn;
			bool a;
			struct life *l;
			if (*out || *amb)
				continue;
			memset(side == 0 ? w.src.a : w.dst.a, 0, sizeof(w.src.a));
			pp_tuple_norm(&w, &wk, NULL);
			wn = node_find(&wk, key_hash(&wk));
			if (!wn)
				continue;
			l = choose(wn, j->ts, f, side == 0 ? ROLE_ORIG : ROLE_RESP, j->asof, j->netns, &a);
			if (l && l->netns == j->netns)
				*out = l;
			*amb |= a;
		}
	}
	if (amb_o || amb_r)
		jstats.refused++;
}

struct life *sock_life(const struct jrec *j)
{
	struct tnode *n;
	bool amb;
	if (!j->has_key || j->type != JT_SOCK)
		return NULL;
	n = node_find(&j->key, j->khash);
	if (!n)
		return NULL;
	for (struct life *l = n->lives; l; l = l->knext)
		if (l->start_rec == j->rec_no || l->end_rec == j->rec_no)
			return l;
	return choose(n, j->ts, NULL, j->role, j->asof, j->netns, &amb);
}

/* A wire flow belongs to a life when, by the rule of match_life, the life
 * is the one match on its side (the originator's or the responder's). */
bool flow_fits_life(const struct wflow *f, const struct life *l)
{
	bool amb;
	if (!ns_ok(f->netns, l->netns) && key_loopback(&l->node->key))
		return false;
	if (!overlaps(f->first, f->last, l->start - jconf.window,
	              l->end == INT64_MAX ? INT64_MAX : l->end + jconf.window))
		return false;
	return choose(l->node, f->first, f, l->role, INT64_MAX, f->netns, &amb) == l;
}

void life_flow_fields(const struct life *l, const size_t *offs, int n, const char **out)
{
	int64_t first[8];
	for (int i = 0; i < n; i++)
		out[i] = NULL;
	/* One look at each flow (the fit is the costly part), the earliest
	 * flow that has it for each field. */
	for (const struct wflow *f = l->node->flows; f; f = f->knext) {
		bool looked = false, fits = false;
		for (int i = 0; i < n && i < 8; i++) {
			const char *fv = *(char *const *)((const char *)f + offs[i]);
			if (!fv || (out[i] && f->first >= first[i]))
				continue;
			if (!looked) {
				fits = flow_fits_life(f, l);
				looked = true;
			}
			if (fits) {
				out[i] = fv;
				first[i] = f->first;
			}
		}
	}
}

const char *life_flow_field(const struct life *l, size_t off)
{
	const char *v;
	life_flow_fields(l, &off, 1, &v);
	return v;
}

bool flow_has_life(const struct wflow *f)
{
	for (const struct life *l = f->node->lives; l; l = l->knext)
		if (flow_fits_life(f, l))
			return true;
	return false;
}

/* --- expiry, iteration ---------------------------------------------------- */

static bool node_active_since(const struct tnode *n, int64_t since)
{
	for (const struct wflow *f = n->flows; f; f = f->knext)
		if (f->last >= since)
			return true;
	return false;
}

void table_expire(int64_t now_ts, bool full, void (*on_drop_life)(struct life *),
                  void (*on_drop_flow)(struct wflow *))
{
	int64_t limit = now_ts - jconf.linger;
	struct life *l, *ln;

	/* Closed lives by closing order, flows by last activity: both stop
	 * at the first one still young. */
	while (closed_head && closed_head->end < limit) {
		if (on_drop_life)
			on_drop_life(closed_head);
		life_remove(closed_head);
	}
	while (flow_head && flow_head->last < limit) {
		if (on_drop_flow)
			on_drop_flow(flow_head);
		flow_remove(flow_head);
	}
	if (!full)
		return;
	/* UDP sockets are rarely seen closing: idle ones go too. This looks
	 * at every open life, so the caller does it seldom. */
	for (l = life_head; l; l = ln) {
		ln = l->fnext;
		if (!l->closed && l->proto == 17 && l->start < limit && !node_active_since(l->node, limit)) {
			if (on_drop_life)
				on_drop_life(l);
			life_remove(l);
		}
	}
}

struct life *table_lives(void)
{
	return life_head;
}

struct wflow *table_flows(void)
{
	return flow_head;
}

void table_count_unmatched(void)
{
	for (struct life *l = life_head; l; l = l->fnext)
		if (!l->matched)
			jstats.lives_unmatched++;
}

void table_free(void)
{
	while (life_head) {
		life_head->matched = true; /* counted already by table_count_unmatched */
		life_remove(life_head);
	}
	while (flow_head)
		flow_remove(flow_head);
	free(buckets);
	buckets = NULL;
	for (size_t i = 0; i < nprocbuckets; i++)
		while (procs[i]) {
			struct proc *p = procs[i];
			procs[i] = p->next;
			free(p);
		}
	free(procs);
}
