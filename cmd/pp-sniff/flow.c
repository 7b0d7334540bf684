/* The flow table: one entry per 5-tuple, both directions.
 *
 * The originator is the side that sent the first packet we saw, except that
 * a SYN-ACK seen first makes its receiver the originator. A new SYN on a TCP
 * flow that already closed starts a new flow (port reuse).
 *
 * Timeouts: each flow sits in the list of its timeout class, ordered by last
 * activity, so that expiry only ever looks at list heads. The clock is the
 * packet time (capture files replay at any speed) or the wall clock when a
 * live capture is idle. At --max-flows the least recently active flow is
 * ended with reason "evicted". */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "flow.h"
#include "htab.h"
#include "pp.h"
#include "xalloc.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

/* The flows by their 5-tuple, either way round: common/htab, which grows a
 * few slots per new flow rather than all at once, so that no packet waits
 * for a million flows to be rehashed. */
struct flowtab {
	struct htab t;
	TAILQ_HEAD(, flow) cls[TC_N]; /* per class, oldest first */
	uint64_t next_expire_us;
};

struct flowtab *flow_new(struct sniff *s)
{
	struct flowtab *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ht_init(&ft->t);
	for (int tc = 0; tc < TC_N; tc++)
		TAILQ_INIT(&ft->cls[tc]);
	return ft;
}

/* A hash of one endpoint; the flow's hash is the sum of both, so that it
 * is the same whichever way a packet goes, without ordering the tuple. */
static uint64_t ep_hash(const struct pp_addr *a, uint16_t port)
{
	uint64_t w0, w1;
	memcpy(&w0, a->a, 8);
	memcpy(&w1, a->a + 8, 8);
	uint64_t h = (w0 ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	h ^= (w1 + port) * 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

static uint64_t key_hash(const struct pp_tuple *t)
{
	uint64_t h = ep_hash(&t->src, t->sport) + ep_hash(&t->dst, t->dport) + t->proto;
	h ^= h >> 31;
	h *= 0x7fb5d329728ea185ull;
	return h ^ (h >> 27);
}

static void list_del(struct flowtab *ft, struct flow *f)
{
	TAILQ_REMOVE(&ft->cls[f->tclass], f, link);
}

static void list_add(struct flowtab *ft, struct flow *f, int tc)
{
	f->tclass = (uint8_t)tc;
	TAILQ_INSERT_TAIL(&ft->cls[tc], f, link);
}

static bool same_item(const void *item, const void *key)
{
	return item == key;
}

/* Remove from the table, write its end record, free it. */
static void flow_end(struct sniff *s, struct flow *f, const char *reason)
{
	struct flowtab *ft = s->ft;
	ht_del(&ft->t, f->hash, same_item, f);
	list_del(ft, f);
	app_flow_end(s, f, f->last_us);
	rec_flow(s, f, "end", reason);
	stream_free(f->st[0]);
	stream_free(f->st[1]);
	free(f);
}

static const char *closed_reason(const struct flow *f)
{
	return f->rst ? "rst" : "fin";
}

void flow_expire(struct sniff *s, uint64_t now)
{
	struct flowtab *ft = s->ft;
	for (int tc = 0; tc < TC_N; tc++) {
		uint64_t to = s->o.timeout_us[tc];
		struct flow *f;
		while ((f = TAILQ_FIRST(&ft->cls[tc])) && f->last_us + to <= now)
			flow_end(s, f, tc == TC_TCP_CLOSED ? closed_reason(f) : "idle");
	}
}

static void evict_one(struct sniff *s)
{
	struct flow *old = NULL;
	for (int tc = 0; tc < TC_N; tc++) {
		struct flow *h = TAILQ_FIRST(&s->ft->cls[tc]);
		if (h && (!old || h->last_us < old->last_us))
			old = h;
	}
	if (old) {
		s->st.evicted++;
		flow_end(s, old, old->tclass == TC_TCP_CLOSED ? closed_reason(old) : "evicted");
	}
}

void flow_end_all(struct sniff *s)
{
	struct flowtab *ft = s->ft;
	if (!ft)
		return;
	/* Oldest activity first, across classes, so that the order of end
	 * records does not depend on the class lists. */
	for (;;) {
		struct flow *old = NULL;
		for (int tc = 0; tc < TC_N; tc++) {
			struct flow *h = TAILQ_FIRST(&ft->cls[tc]);
			if (h && (!old || h->last_us < old->last_us))
				old = h;
		}
		if (!old)
			break;
		flow_end(s, old, old->tclass == TC_TCP_CLOSED ? closed_reason(old) : "eof");
	}
}

void flow_free(struct flowtab *ft)
{
	if (ft) {
		ht_free(&ft->t);
		free(ft);
	}
}

static bool dns_port(uint16_t p)
{
	return p == 53 || p == 5353 || p == 5355;
}

static int initial_class(const struct pp_tuple *t, uint8_t tcpflags)
{
	switch (t->proto) {
	case IPPROTO_TCP:
		return (tcpflags & (TH_SYN | TH_ACK)) == TH_SYN ? TC_TCP_SYN : TC_TCP;
	case IPPROTO_UDP:
		return dns_port(t->sport) || dns_port(t->dport) ? TC_DNS : TC_UDP;
	case IPPROTO_ICMP: case IPPROTO_ICMPV6:
		return TC_ICMP;
	}
	return TC_OTHER;
}

/* ICMP request/reply pairs (the Community ID spec's list, request first)
 * share a flow: the tuple's "ports" are the request type and the reply
 * type, so that a reply seen from the other side matches its request.
 * One-way types: type and code. */
static uint16_t icmp_other(uint8_t proto, uint8_t type, uint8_t code, bool *reply)
{
	static const uint8_t v4[][2] = {{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}};
	static const uint8_t v6[][2] = {{128, 129}, {133, 134}, {135, 136}, {130, 131},
	                                {144, 145}, {139, 140}};
	const uint8_t(*t)[2] = proto == IPPROTO_ICMP ? v4 : v6;
	size_t n = proto == IPPROTO_ICMP ? PP_ARRAY_LEN(v4) : PP_ARRAY_LEN(v6);
	*reply = false;
	for (size_t i = 0; i < n; i++) {
		if (t[i][0] == type)
			return t[i][1];
		if (t[i][1] == type) {
			*reply = true;
			return t[i][0];
		}
	}
	return code;
}

/* A packet's tuple, and where to say which way round it matched. */
struct fkey {
	const struct pp_tuple *t;
	int *dir;
};

static bool same_flow(const void *item, const void *key)
{
	const struct flow *f = item;
	const struct fkey *k = key;
	const struct pp_tuple *t = k->t;
	if (f->t.proto != t->proto)
		return false;
	if (f->t.sport == t->sport && f->t.dport == t->dport && pp_addr_eq(&f->t.src, &t->src) &&
	    pp_addr_eq(&f->t.dst, &t->dst)) {
		*k->dir = 0;
		return true;
	}
	if (f->t.sport == t->dport && f->t.dport == t->sport && pp_addr_eq(&f->t.src, &t->dst) &&
	    pp_addr_eq(&f->t.dst, &t->src)) {
		*k->dir = 1;
		return true;
	}
	return false;
}

static struct flow *lookup(struct flowtab *ft, const struct pp_tuple *t, uint64_t hash, int *dir)
{
	struct fkey k = {t, dir};
	return ht_get(&ft->t, hash, same_flow, &k);
}

static struct flow *create(struct sniff *s, const struct pp_tuple *t, const struct pkt *pk,
                           uint8_t tcpflags, uint8_t icmp_code)
{
	struct flowtab *ft = s->ft;
	struct flow *f;
	struct pp_tuple cid;

	while (s->o.max_flows && ft->t.n >= s->o.max_flows)
		evict_one(s);
	/* Out of memory ends the run, as the table's own growth does: a
	 * flow quietly left out would be a wrong count. */
	f = xcalloc(1, sizeof(*f));
	f->t = *t;
	/* A SYN-ACK seen first: its receiver is the one who connected. */
	if (t->proto == IPPROTO_TCP && (tcpflags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		f->t.src = t->dst, f->t.dst = t->src;
		f->t.sport = t->dport, f->t.dport = t->sport;
	}
	f->first_us = f->last_us = f->upd_us = pk->ts_us;
	f->vlan = pk->vlan;
	f->iface = pk->iface;
	f->icmp_code = icmp_code;
	f->dres[0] = f->dres[1] = 2;
	cid = f->t;
	if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6)
		cid.dport = icmp_code; /* the spec pairs types itself */
	pp_community_id(&cid, 0, f->cid);
	f->hash = key_hash(&f->t);
	ht_put(&ft->t, f->hash, f);
	s->st.flows++;
	list_add(ft, f, initial_class(&f->t, tcpflags));
	rec_flow(s, f, "start", NULL);
	return f;
}

static void touch(struct sniff *s, struct flow *f, int tc, uint64_t ts)
{
	if (ts > f->last_us)
		f->last_us = ts;
	if (f->tclass == tc && !TAILQ_NEXT(f, link))
		return; /* already the most recent of its class (most packets) */
	list_del(s->ft, f);
	list_add(s->ft, f, tc);
}

static struct stream *stream_get(struct sniff *s, struct flow *f, int dir)
{
	if (!f->st[dir]) {
		f->st[dir] = calloc(1, sizeof(struct stream));
		if (f->st[dir])
			f->st[dir]->cap = (uint32_t)s->o.stream_cap;
	}
	return f->st[dir];
}

/* Dissection wants this direction's bytes? Not once it is finished. */
static bool wants_bytes(const struct flow *f, int dir)
{
	return f->app_id != APP_NONE && f->dres[dir] != DIS_DONE && f->dres[dir] != DIS_NOTMINE;
}

/* Payload bytes of a TCP direction from sequence numbers, as Zeek counts
 * them: a retransmission adds nothing, a segment the capture missed still
 * counts once a later one is seen. A segment more than 1 GiB away from the
 * highest one so far is not believed (a stray or forged sequence number). */
static void tcp_payload(struct flow *f, int dir, uint32_t seq, uint8_t fl, size_t wlen)
{
	uint32_t start = seq + ((fl & TH_SYN) ? 1 : 0);
	if (!f->seq_set[dir]) {
		if (!(fl & TH_SYN) && wlen == 0)
			return;
		f->seq_set[dir] = true;
		f->seq_top[dir] = start;
	}
	if (wlen == 0)
		return;
	int32_t d = (int32_t)(start - f->seq_top[dir]);
	if (d > (1 << 30) || d < -(1 << 30))
		return;
	int64_t s = f->seq_hi[dir] + d, e = s + (int64_t)wlen;
	if (e > f->seq_hi[dir]) {
		f->seq_hi[dir] = e;
		f->seq_top[dir] = start + (uint32_t)wlen;
	}
	if (s < f->seq_lo[dir])
		f->seq_lo[dir] = s;
	f->pay[dir] = (uint64_t)(f->seq_hi[dir] - f->seq_lo[dir]);
}

/* Payload bytes n, at most what the packet's IP bytes can hold after the
 * smallest IP header and hdr transport bytes: a first fragment of a
 * datagram whose other fragments never came claims more than was sent. */
static uint64_t on_wire(const struct pkt *pk, uint64_t n, uint64_t hdr)
{
	uint64_t min = hdr + (pk->src.family == AF_INET ? 20 : 40);
	if (pk->ip_bytes <= min)
		return 0;
	return n < pk->ip_bytes - min ? n : pk->ip_bytes - min;
}

static void tcp_input(struct sniff *s, const struct pkt *pk, struct pp_tuple *t)
{
	struct flow *f;
	size_t hl, plen;
	uint32_t seq;
	uint8_t fl;
	int dir;

	/* Ports, sequence number and flags are all a flow needs: a header
	 * cut by the snaplen after them is still counted (without payload). */
	if (pk->l4len < 14) {
		sniff_bad(s, pk->l4wire >= 20, "TCP header");
		return;
	}
	const uint8_t *h = pk->l4;
	t->sport = (uint16_t)(h[0] << 8 | h[1]);
	t->dport = (uint16_t)(h[2] << 8 | h[3]);
	seq = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
	hl = (size_t)(h[12] >> 4) * 4;
	fl = h[13] & 0x3f;
	if (hl < 20 || hl > pk->l4wire) {
		sniff_bad(s, false, "TCP header (data offset)");
		return;
	}
	bool cut = pk->l4len < pk->l4wire; /* by the snaplen */
	if (hl > pk->l4len)
		sniff_bad(s, true, "TCP header");
	else if (cut)
		sniff_bad(s, true, "TCP payload");
	f = lookup(s->ft, t, key_hash(t), &dir);
	/* A fresh SYN on a closed flow is a new connection on the same ports. */
	if (f && (fl & (TH_SYN | TH_ACK)) == TH_SYN && f->tclass == TC_TCP_CLOSED) {
		flow_end(s, f, closed_reason(f));
		f = NULL;
	}
	if (!f) {
		f = create(s, t, pk, fl, 0);
		dir = pp_addr_eq(&f->t.src, &t->src) && f->t.sport == t->sport ? 0 : 1;
	}
	f->pkts[dir] += pk->npkts;
	f->bytes[dir] += pk->ip_bytes;
	tcp_payload(f, dir, seq, fl, pk->l4wire - hl);
	f->flags[dir] |= fl;
	if (fl & TH_RST)
		f->rst = true;
	if (fl & TH_FIN)
		f->fin[dir] = true;

	int tc = f->tclass;
	if (f->rst || (f->fin[0] && f->fin[1]))
		tc = TC_TCP_CLOSED;
	else if (tc == TC_TCP_SYN && (dir == 1 || !(fl & TH_SYN) || (fl & TH_ACK)))
		tc = TC_TCP; /* an answer, or more than a bare SYN */
	touch(s, f, tc, pk->ts_us);

	if (hl > pk->l4len)
		goto update;
	plen = (pk->l4len < pk->l4wire ? pk->l4len : pk->l4wire) - hl;
	if (!wants_bytes(f, dir))
		goto update;
	struct stream *st;
	if (fl & TH_SYN) {
		if (!(st = stream_get(s, f, dir)))
			goto update;
		if (!st->base_set) {
			st->base = seq + 1; /* the SYN takes one sequence number */
			st->base_set = true;
		}
		seq++;
	}
	if (plen > 0 || (fl & TH_FIN)) {
		if (!(st = stream_get(s, f, dir)))
			goto update;
		if (plen > 0)
			stream_add(st, seq, h + hl, plen);
		if (cut)
			stream_cut(st, seq + (uint32_t)plen);
		if ((fl & TH_FIN) && st->base_set && !st->fin) {
			st->fin = true;
			st->fin_off = seq + (uint32_t)(pk->l4wire - hl) - st->base;
		}
		app_tcp(s, f, dir, pk->ts_us);
	}
update:
	if (s->o.update_us && pk->ts_us >= f->upd_us + s->o.update_us) {
		f->upd_us = pk->ts_us;
		rec_flow(s, f, "update", NULL);
	}
}

static void udp_input(struct sniff *s, const struct pkt *pk, struct pp_tuple *t)
{
	struct flow *f;
	size_t ulen, n;
	int dir;

	if (pk->l4len < 8) {
		sniff_bad(s, pk->l4wire >= 8, "UDP header");
		return;
	}
	const uint8_t *h = pk->l4;
	t->sport = (uint16_t)(h[0] << 8 | h[1]);
	t->dport = (uint16_t)(h[2] << 8 | h[3]);
	ulen = (size_t)(h[4] << 8 | h[5]);
	if (ulen == 0 && pk->l4wire > 0xffff) /* IPv6 jumbogram */
		ulen = pk->l4wire;
	if (ulen == 0) /* offloaded or lazy senders: trust the IP length */
		ulen = pk->l4wire;
	if (ulen < 8 || ulen > pk->l4wire) {
		/* A length that lies: take the IP payload, as Wireshark does. */
		sniff_bad(s, false, "UDP length (the IP payload is used)");
		ulen = pk->l4wire;
		if (ulen < 8)
			return;
	}
	f = lookup(s->ft, t, key_hash(t), &dir);
	if (!f) {
		f = create(s, t, pk, 0, 0);
		dir = 0;
	}
	f->pkts[dir] += pk->npkts;
	f->bytes[dir] += pk->ip_bytes;
	f->pay[dir] += on_wire(pk, ulen - 8, 8);
	touch(s, f, f->tclass, pk->ts_us);
	n = (pk->l4len < ulen ? pk->l4len : ulen) - 8;
	bool cut = n < ulen - 8;
	if (cut && !pk->partial) /* fragments lost are counted by frag.c */
		sniff_bad(s, true, "UDP payload");
	if (s->o.update_us && pk->ts_us >= f->upd_us + s->o.update_us) {
		f->upd_us = pk->ts_us;
		rec_flow(s, f, "update", NULL);
	}
	/* Last: the inner packets may evict f. */
	if (tunnel_port(t->sport, t->dport) &&
	    tunnel_input(s, pk, t->sport, t->dport, h + 8, n))
		return;
	app_udp(s, f, dir, pk->ts_us, h + 8, n, cut);
}

static bool icmp_error_type(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP) /* unreachable, time exceeded, parameter problem */
		return type == 3 || type == 11 || type == 12;
	/* unreachable, packet too big, time exceeded, parameter problem */
	return type >= 1 && type <= 4;
}

/* The 5-tuple of the packet an ICMP error quotes (its IP header and at
 * least the first 8 bytes after it, RFC 792 / RFC 4443): false if the
 * quote is too short or not of the error's IP version, or a later
 * fragment (no ports). */
static bool icmp_quoted_tuple(uint8_t icmp_proto, const uint8_t *q, size_t n, struct pp_tuple *t)
{
	size_t off;
	uint8_t nh;

	memset(t, 0, sizeof(*t));
	if (icmp_proto == IPPROTO_ICMP) {
		if (n < 20 || q[0] >> 4 != 4 || (size_t)(q[0] & 0x0f) * 4 < 20 || (size_t)(q[0] & 0x0f) * 4 > n)
			return false;
		if ((q[6] << 8 | q[7]) & 0x1fff)
			return false;
		off = (size_t)(q[0] & 0x0f) * 4;
		nh = q[9];
		pp_addr_from4(&t->src, q + 12);
		pp_addr_from4(&t->dst, q + 16);
	} else {
		if (n < 40 || q[0] >> 4 != 6)
			return false;
		off = 40;
		nh = q[6];
		pp_addr_from6(&t->src, q + 8);
		pp_addr_from6(&t->dst, q + 24);
		/* hop-by-hop, routing, destination options, fragment */
		for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 60 || nh == 44); i++) {
			if (n - off < 8)
				return false;
			if (nh == 44 && ((q[off + 2] << 8 | q[off + 3]) & 0xfff8))
				return false;
			size_t hl = nh == 44 ? 8 : ((size_t)q[off + 1] + 1) * 8;
			nh = q[off];
			if (n - off < hl)
				return false;
			off += hl;
		}
	}
	t->proto = nh;
	if (nh == IPPROTO_TCP || nh == IPPROTO_UDP || nh == IPPROTO_SCTP || nh == IPPROTO_UDPLITE) {
		if (n - off < 4)
			return false;
		t->sport = (uint16_t)(q[off] << 8 | q[off + 1]);
		t->dport = (uint16_t)(q[off + 2] << 8 | q[off + 3]);
	} else if (nh == icmp_proto) {
		bool reply;
		if (n - off < 2 || icmp_error_type(nh, q[off]))
			return false; /* no errors about errors */
		t->sport = q[off];
		t->dport = icmp_other(nh, q[off], q[off + 1], &reply);
		if (reply) {
			struct pp_addr a = t->src;
			uint16_t x = t->sport;
			t->src = t->dst, t->dst = a;
			t->sport = t->dport, t->dport = x;
		}
	}
	return true;
}

/* An ICMP error about a packet of a known flow counts on that flow
 * instead of being a flow of its own. */
static bool icmp_error_input(struct sniff *s, const struct pkt *pk)
{
	struct pp_tuple q;
	struct flow *f;
	int dir;

	if (pk->l4len < 8 || !icmp_error_type(pk->proto, pk->l4[0]))
		return false;
	if (!icmp_quoted_tuple(pk->proto, pk->l4 + 8, pk->l4len - 8, &q))
		return false;
	f = lookup(s->ft, &q, key_hash(&q), &dir);
	if (!f)
		return false;
	f->icmp_errors++;
	f->icmp_last_type = pk->l4[0];
	f->icmp_last_code = pk->l4[1];
	return true;
}

static void other_input(struct sniff *s, const struct pkt *pk, struct pp_tuple *t)
{
	struct flow *f;
	uint8_t code = 0;
	int dir;

	if (pk->proto == IPPROTO_ICMP || pk->proto == IPPROTO_ICMPV6) {
		bool reply;
		if (pk->l4len < 2) {
			sniff_bad(s, pk->l4wire >= 2, "ICMP header");
			return;
		}
		if (icmp_error_input(s, pk))
			return;
		code = pk->l4[1];
		t->sport = pk->l4[0];
		t->dport = icmp_other(pk->proto, pk->l4[0], code, &reply);
		if (reply) { /* key it as the request it answers, sent the other way */
			struct pp_addr a = t->src;
			uint16_t x = t->sport;
			t->src = t->dst, t->dst = a;
			t->sport = t->dport, t->dport = x;
		}
	}
	f = lookup(s->ft, t, key_hash(t), &dir);
	if (!f) {
		f = create(s, t, pk, 0, code);
		dir = 0;
	}
	/* ICMP replies were keyed as their requests: the sender decides. */
	if (pk->proto == IPPROTO_ICMP || pk->proto == IPPROTO_ICMPV6) {
		if (pp_addr_eq(&f->t.src, &f->t.dst)) /* to itself: by type */
			dir = pk->l4[0] == f->t.sport ? 0 : 1;
		else
			dir = pp_addr_eq(&f->t.src, &pk->src) ? 0 : 1;
	}
	f->pkts[dir] += pk->npkts;
	f->bytes[dir] += pk->ip_bytes;
	/* ICMP: the message after its 8-byte header; others: the IP payload. */
	if (pk->proto == IPPROTO_ICMP || pk->proto == IPPROTO_ICMPV6)
		f->pay[dir] += pk->l4wire > 8 ? on_wire(pk, pk->l4wire - 8, 8) : 0;
	else
		f->pay[dir] += on_wire(pk, pk->l4wire, 0);
	touch(s, f, f->tclass, pk->ts_us);
}

void flow_input(struct sniff *s, const struct pkt *pk)
{
	struct pp_tuple t;

	memset(&t, 0, sizeof(t));
	t.src = pk->src, t.dst = pk->dst, t.proto = pk->proto;
	if (pk->ts_us > s->now_us) {
		s->now_us = pk->ts_us;
		/* Timeouts are seconds long: look at them ten times a second. */
		if (s->now_us >= s->ft->next_expire_us) {
			flow_expire(s, s->now_us);
			s->ft->next_expire_us = s->now_us + 100000;
		}
	}
	switch (pk->proto) {
	case IPPROTO_TCP: tcp_input(s, pk, &t); break;
	case IPPROTO_UDP: udp_input(s, pk, &t); break;
	case IPPROTO_GRE: case IPPROTO_IPIP: case IPPROTO_IPV6:
		other_input(s, pk, &t);
		ip_tunnel_input(s, pk); /* the outer flow first: inner ones may evict it */
		break;
	default: other_input(s, pk, &t); break;
	}
}
