/* The real local address of a wildcard-bound UDP socket's datagrams
 * (included by socktrace.bpf.c after its UDP maps and helpers).
 *
 * An unconnected socket bound to 0.0.0.0 or :: has no local address of its
 * own: the kernel picks one per datagram, by the route to the peer (sent),
 * or it is the address the datagram came to (received). The cgroup
 * sendmsg/recvmsg hooks run before the route is looked up, or after the
 * datagram is gone; only the packet knows. So:
 *
 * Sent: the sendmsg hook does not report a wildcard socket's first datagram
 *   to a peer itself; it arms the socket (socket local storage `udp_pend`:
 *   the record's key and process). The cgroup_skb egress program sees
 *   the datagram leave (in the same sendmsg call, in ip_finish_output:
 *   after netfilter, so a source NAT there would show; see udp_wild_out),
 *   takes the source address from the IP header, sends the record and
 *   disarms the socket.
 * Received: a wildcard socket gets a small table (`udp_rloc`) when it binds
 *   or first receives; the cgroup_skb ingress program writes into it, per
 *   peer, the address each datagram came to; the recvmsg hook's first
 *   record of a peer takes the local address from there.
 *
 * Cost: socktrace.bpf.c's one cgroup_skb program per direction (which
 * the DNS code shares, with the packet's headers read once: pkt.h) comes
 * here for every UDP packet of the cgroup. Egress leaves at
 * one compare while no socket is armed (`pend_n`: a socket is armed only
 * between its sendmsg hook and its packet, microseconds), ingress while no
 * wildcard socket keeps a table (`rloc_n`); then at a few reads of the
 * packet and the socket (not UDP, or a socket with an address of its own:
 * out). Both counts are exact (changed under each socket's lock) and
 * return to zero: a socket armed whose datagram never left (no route, a
 * netfilter drop) and every table are given up at sock_release.
 * Where the programs are missing (user space leaves skb_out / skb_in off),
 * the hooks report as before, with the wildcard address. */
#ifndef PP_UDP_WILD_H
#define PP_UDP_WILD_H

/* Set by user space once cg_skb_egress / cg_skb_ingress (and the release
 * hook, which gives up what they keep) are attached. */
volatile bool skb_out = false;
volatile bool skb_in = false;

/* Sockets armed, sockets with a table: the programs' fast exits. */
__s64 pend_n = 0;
__s64 rloc_n = 0;

/* The first-datagram record waiting for its packet. */
struct pend_rec {
	struct udp_key k;
	struct pp_proc p;
	__u64 task;       /* the sender: its packet leaves in its sendmsg call */
};

struct udp_pend {
	struct bpf_spin_lock lock; /* guards armed (and pend_n with it) */
	__u32 armed;
	struct pend_rec r;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct udp_pend);
} udp_pend SEC(".maps");

/* Where the last datagrams of recent peers came to: RLOC_SETS sets of
 * RLOC_WAYS entries, a peer's set by a hash of its address and port; a new
 * peer takes the way written longest ago. A datagram from a new peer is
 * read before RLOC_WAYS others of its set arrive, unless the socket falls
 * that far behind (its record then keeps the wildcard). */
#define RLOC_SETS 8
#define RLOC_WAYS 4
struct rloc_ent {
	__u64 peer[2];
	__u64 local[2];
	__u32 seq;        /* when written: the table's seq then */
	__u16 pport;
	__u8 valid;
	__u8 pad;
};

struct udp_rloc {
	struct bpf_spin_lock lock; /* an entry is read and written whole */
	__u32 counted;    /* in rloc_n */
	__u32 seq;        /* entries written */
	__u32 pad;
	struct rloc_ent e[RLOC_SETS * RLOC_WAYS];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct udp_rloc);
} udp_rloc SEC(".maps");

static __always_inline bool addr_zero(const __u8 *a)
{
	__u64 w[2];

	__builtin_memcpy(w, a, 16);
	return !w[0] && !w[1];
}

/* A UDP socket's own address is the wildcard (or none yet). */
static __always_inline bool bsk_wild(const struct bpf_sock *sk, __u16 family)
{
	if (family == AF_INET)
		return !sk->src_ip4;
	return !(sk->src_ip6[0] | sk->src_ip6[1] | sk->src_ip6[2] | sk->src_ip6[3]);
}

/* The sendmsg hook, on a wildcard socket's first datagram to a peer: arm
 * the socket. false: not armed (the programs are missing, no storage):
 * the hook reports the datagram itself. */
static __always_inline bool udp_wild_arm(struct bpf_sock *sk, const struct udp_key *k,
					 const struct pp_proc *p)
{
	struct udp_pend *u;
	__u64 task;
	__u32 was;

	if (!skb_out)
		return false;
	u = bpf_sk_storage_get(&udp_pend, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!u)
		return false;
	task = bpf_get_current_task();
	bpf_spin_lock(&u->lock);
	was = u->armed;
	u->armed = 1;
	u->r.k = *k;
	u->r.p = *p;
	u->r.task = task;
	bpf_spin_unlock(&u->lock);
	if (!was)
		__sync_fetch_and_add(&pend_n, 1);
	return true;
}

/* The full UDP socket a packet belongs to, with its family; NULL: none. */
static __always_inline struct bpf_sock *skb_udp_sock(struct __sk_buff *skb, __u16 *family)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return NULL;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->protocol != IPPROTO_UDP)
		return NULL;
	*family = sk->family;
	return sk;
}

/* A datagram leaving an armed socket: its first-datagram record, with the
 * packet's source address when the packet goes to the armed peer. One that
 * goes elsewhere from the task that armed the socket (a destination NAT in
 * netfilter's OUTPUT chain rewrote it; or the armed datagram never left, as
 * with no route, and this is a later one to a peer already reported) gives
 * the record as the sendmsg hook gave it before these programs: the
 * wildcard source, never another datagram's; so does one whose headers
 * could not be read (h NULL: more IPv6 extension headers than pkt.h
 * follows, ESP). Another thread's datagram on the socket at the same
 * moment leaves the socket armed. */
static __noinline int udp_wild_out(struct __sk_buff *skb, const struct pkt_hdr *h)
{
	struct bpf_sock *sk;
	struct udp_pend *u;
	struct udp_last *last;
	struct pend_rec r;
	__u8 src[16] = {}, dst[16] = {};
	struct ppb_event *e;
	struct owner o = {};
	__u64 task, pw[2], dw[2];
	__u16 family;
	bool got = false, to_peer = false, read;

	sk = skb_udp_sock(skb, &family);
	if (!sk)
		return 1;
	u = bpf_sk_storage_get(&udp_pend, sk, 0, 0);
	if (!u || !u->armed)
		return 1;
	read = h && pkt_addrs(skb, h, family, src, dst);
	__builtin_memcpy(dw, dst, 16);
	task = bpf_get_current_task();
	bpf_spin_lock(&u->lock);
	if (u->armed) {
		__builtin_memcpy(pw, u->r.k.peer, 16);
		to_peer = read && h->dport == u->r.k.pport && dw[0] == pw[0] && dw[1] == pw[1];
		if (to_peer || u->r.task == task) {
			u->armed = 0;
			r = u->r;
			got = true;
		}
	}
	bpf_spin_unlock(&u->lock);
	if (!got)
		return 1;
	__sync_fetch_and_add(&pend_n, -1);

	if (!udp_first(&r.k))
		goto known; /* reported meanwhile (another CPU) */
	e = reserve();
	if (!e)
		goto known; /* counted as a drop; the flow is not reported twice */
	/* e->ts_ns: now, as it leaves (reserve). Not the hook's time: the task
	 * may have been preempted in between, and a record older than the
	 * ring buffer's other ones could fall behind pp-trace's marks. */
	e->kind = PPB_UDP;
	e->proto = IPPROTO_UDP;
	e->family = r.k.family;
	e->netns = r.k.netns;
	o.p = r.p;
	set_owner(e, &o);
	/* A source port other than the socket's: a source NAT changed the
	 * packet, whose address is not the socket's then either. */
	if (to_peer && h->sport == r.k.lport)
		__builtin_memcpy(e->saddr, src, 16);
	__builtin_memcpy(e->daddr, r.k.peer, 16);
	e->sport = r.k.lport;
	e->dport = r.k.pport;
	e->flags |= PPB_F_OUT;
	submit(e);
known:
	/* the sendmsg hook's fast exit, as when it reports itself */
	last = bpf_sk_storage_get(&udp_last, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (last) {
		__builtin_memcpy(pw, r.k.peer, 16);
		udp_peer_set(&last->last[0], pw, r.k.pport);
	}
	return 1;
}

/* The first entry of a peer's set. */
static __always_inline __u32 rloc_set(const __u64 *peer, __u16 pport)
{
	__u64 x = peer[0] ^ peer[1];

	x ^= (x >> 32) ^ pport;
	x ^= x >> 16;
	return ((__u32)(x ^ (x >> 8)) & (RLOC_SETS - 1)) * RLOC_WAYS;
}

static __always_inline bool rloc_is(const struct rloc_ent *x, const __u64 *peer, __u16 pport)
{
	return x->valid && x->pport == pport && x->peer[0] == peer[0] && x->peer[1] == peer[1];
}

/* A datagram arriving at a wildcard socket with a table: where it came to. */
static __noinline int udp_wild_in(struct __sk_buff *skb, const struct pkt_hdr *h)
{
	struct bpf_sock *sk;
	struct udp_rloc *t;
	struct rloc_ent *x;
	__u8 src[16], dst[16];
	__u64 peer[2], local[2];
	__u32 base, w, victim = 0, oldest = 0xffffffff;
	__u16 family;

	sk = skb_udp_sock(skb, &family);
	if (!sk || !bsk_wild(sk, family))
		return 1;
	t = bpf_sk_storage_get(&udp_rloc, sk, 0, 0);
	if (!t || !pkt_addrs(skb, h, family, src, dst))
		return 1;
	__builtin_memcpy(peer, src, 16);
	__builtin_memcpy(local, dst, 16);
	base = rloc_set(peer, h->sport);
	/* the same peer to the same address as before: nothing to write (a
	 * torn read here only costs the write) */
	for (w = 0; w < RLOC_WAYS; w++) {
		x = &t->e[(base + w) & (RLOC_SETS * RLOC_WAYS - 1)];
		if (rloc_is(x, peer, h->sport) && x->local[0] == local[0] && x->local[1] == local[1])
			return 1;
	}
	bpf_spin_lock(&t->lock);
	for (w = 0; w < RLOC_WAYS; w++) {
		x = &t->e[(base + w) & (RLOC_SETS * RLOC_WAYS - 1)];
		if (rloc_is(x, peer, h->sport)) {
			victim = w;
			break;
		}
		if (!x->valid) {
			victim = w;
			oldest = 0;
		} else if (x->seq < oldest && oldest) {
			victim = w;
			oldest = x->seq;
		}
	}
	x = &t->e[(base + victim) & (RLOC_SETS * RLOC_WAYS - 1)];
	x->peer[0] = peer[0];
	x->peer[1] = peer[1];
	x->local[0] = local[0];
	x->local[1] = local[1];
	x->pport = h->sport;
	x->valid = 1;
	x->seq = ++t->seq;
	bpf_spin_unlock(&t->lock);
	return 1;
}

/* A packet of the cgroup, either way (h: its headers, pkt.h; NULL: they
 * could not be read, which on the way out must still disarm the socket). */
static __always_inline void udp_wild_skb(struct __sk_buff *skb, const struct pkt_hdr *h, bool in)
{
	if (h && h->proto != IPPROTO_UDP)
		return;
	if (in) {
		if (rloc_n && h)
			udp_wild_in(skb, h);
	} else if (pend_n) {
		udp_wild_out(skb, h);
	}
}

/* A wildcard socket binds, or gets its first datagram: its table, from
 * now on filled by the ingress program. */
static __always_inline struct udp_rloc *udp_wild_table(struct bpf_sock *sk)
{
	struct udp_rloc *t;
	__u32 was;

	if (!skb_in)
		return NULL;
	t = bpf_sk_storage_get(&udp_rloc, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!t || t->counted)
		return t;
	bpf_spin_lock(&t->lock);
	was = t->counted;
	t->counted = 1;
	bpf_spin_unlock(&t->lock);
	if (!was)
		__sync_fetch_and_add(&rloc_n, 1);
	return t;
}

/* The recvmsg hook's first record of a peer on a wildcard socket: the
 * address that peer's datagrams came to, into local, if the table has
 * it (the socket's family form, as peer). */
static __always_inline void udp_wild_local(struct bpf_sock *sk, const __u8 *peer, __u16 pport,
					   __u8 *local)
{
	struct udp_rloc *t = udp_wild_table(sk);
	const struct rloc_ent *x;
	__u64 pw[2], lw[2];
	__u32 base, w;
	bool found = false;

	if (!t)
		return;
	__builtin_memcpy(pw, peer, 16);
	base = rloc_set(pw, pport);
	bpf_spin_lock(&t->lock);
	for (w = 0; w < RLOC_WAYS; w++) {
		x = &t->e[(base + w) & (RLOC_SETS * RLOC_WAYS - 1)];
		if (rloc_is(x, pw, pport)) {
			lw[0] = x->local[0];
			lw[1] = x->local[1];
			found = true;
			break;
		}
	}
	bpf_spin_unlock(&t->lock);
	if (found)
		__builtin_memcpy(local, lw, 16);
}

/* sock_release: give up what the socket holds in the counts. */
static __always_inline void udp_wild_release(struct bpf_sock *sk)
{
	struct udp_pend *u;
	struct udp_rloc *t;
	__u32 was;

	if (pend_n) {
		u = bpf_sk_storage_get(&udp_pend, sk, 0, 0);
		if (u && u->armed) {
			bpf_spin_lock(&u->lock);
			was = u->armed;
			u->armed = 0;
			bpf_spin_unlock(&u->lock);
			if (was)
				__sync_fetch_and_add(&pend_n, -1);
		}
	}
	if (rloc_n) {
		t = bpf_sk_storage_get(&udp_rloc, sk, 0, 0);
		if (t && t->counted) {
			bpf_spin_lock(&t->lock);
			was = t->counted;
			t->counted = 0;
			bpf_spin_unlock(&t->lock);
			if (was)
				__sync_fetch_and_add(&rloc_n, -1);
		}
	}
}

#endif
