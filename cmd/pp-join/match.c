/* Which socket a sniffed record fits: the rules, read off the tables
 * (store.c) without changing them.
 *
 * A sniffed record gets the process of a life only when the life and the
 * record's wire flow agree in time (see fit); when two lives of different
 * processes qualify equally, it gets none: no match is better than a
 * wrong one. */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "join.h"

/* Clock skew allowed between the kernel's and the capture's time stamps. */
#define EPS_US 100000

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
	const struct life *m;
	LIST_FOREACH(m, &l->node->lives, knode)
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
 * else none (and *ambiguous). Across namespaces (cross: the lives of every
 * namespace but the record's) only the one life that fits at all: two
 * namespaces using the 5-tuple at once name no one, even when one of
 * their sockets fits better than the other. */
static struct life *choose_in(const struct tnode *n, int64_t ts, const struct wflow *f, int role,
                              int64_t h, uint64_t netns, bool cross, bool *ambiguous)
{
	struct life *pick = NULL, *l;
	int best = 3, fits = 0;
	*ambiguous = false;
	LIST_FOREACH(l, &n->lives, knode) {
		int q;
		if (l->role != role || !life_seen(l, h) || ns_ok(l->netns, netns) == cross)
			continue;
		q = fit(l, ts, f, h);
		fits += q < 3;
		if (cross && fits > 1) {
			*ambiguous = true;
			return NULL;
		}
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

void match_lives(const struct jtab *t, const struct jrec *j, struct life **orig, struct life **resp,
                 bool *orig_seen)
{
	struct tnode *n;
	struct wflow *f;
	bool amb_o = false, amb_r = false, elsewhere = false;
	*orig = *resp = NULL;
	if (orig_seen)
		*orig_seen = false;
	if (!j->has_key || j->type == JT_SOCK || j->type == JT_OTHER || j->type == JT_MARK)
		return;
	n = node_find(t, &j->key, j->khash);
	if (!n || LIST_EMPTY(&n->lives))
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
			wn = node_find(t, &wk, key_hash(&wk));
			if (!wn)
				continue;
			l = choose(wn, j->ts, f, side == 0 ? ROLE_ORIG : ROLE_RESP, j->asof, j->netns, &a);
			if (l && l->netns == j->netns)
				*out = l;
			else if (l && side == 0)
				elsewhere = true;
			*amb |= a;
		}
	}
	/* The originator may be a local process whose socket is known but
	 * not taken: two fit equally, or a wildcard socket of another
	 * namespace fits (its true source address unknown, it is not named,
	 * but neither is the responder in its place). */
	if (orig_seen)
		*orig_seen = amb_o || elsewhere;
	if (amb_o || amb_r)
		jstats.refused++;
}

struct life *sock_life(const struct jtab *t, const struct jrec *j)
{
	struct tnode *n;
	struct life *l;
	bool amb;
	if (!j->has_key || j->type != JT_SOCK)
		return NULL;
	n = node_find(t, &j->key, j->khash);
	if (!n)
		return NULL;
	LIST_FOREACH(l, &n->lives, knode)
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
	const struct wflow *f;
	for (int i = 0; i < n; i++)
		out[i] = NULL;
	/* One look at each flow (the fit is the costly part), the earliest
	 * flow that has it for each field. */
	LIST_FOREACH(f, &l->node->flows, knode) {
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
	const struct life *l;
	LIST_FOREACH(l, &f->node->lives, knode)
		if (flow_fits_life(f, l))
			return true;
	return false;
}

