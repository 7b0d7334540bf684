/* pp-trace's DNS names from the kernel side: the questions and the address
 * answers of the DNS messages that client sockets send to port 53 and get
 * back from it, with the process that owns the socket, without libpcap.
 *
 * Who asked: cgroup/connect4/6 see a socket connect to port 53, and the
 * cgroup_skb egress program (or the cgroup/sendmsg4/6 hooks, where they are
 * attached) a datagram leave for it, in the calling process (process
 * context, in its connect or sendmsg call), and keep
 * that process in the socket's local storage (`owners`, freed with the
 * socket). The cgroup_skb programs then read the owner from the socket the
 * packet belongs to (the sender's socket on egress, the socket it is
 * delivered to on ingress, in softirq), not from `current`, which names the
 * sender only on a UDP datagram's way out. A socket
 * that connected before we started has no owner: its messages come
 * without a pid, never with a wrong one. Scoped to a process tree
 * (scope_tree.h), only the messages of sockets whose owner is in it.
 *
 * Cost: cgroup_skb/egress and ingress run for every packet of every socket
 * in the cgroup; all but DNS leave after a handful of instructions (the IP
 * version, the protocol and one port, read straight from the packet's
 * linear head). Only queries leaving (destination port 53) and answers
 * arriving (source port 53) go on; a server's side of the exchange is
 * left alone.
 *
 * What leaves the kernel: at most PPD_MSG_MAX bytes of each such message,
 * and of those only the header, the question section and the ANSWER
 * records of types A, AAAA (of their exact sizes) and CNAME (at most 255
 * bytes). The copy ends before the first answer of any other type (TXT and
 * the like can carry anything: payload, never copied) and before the
 * authority and additional sections, which no record reports. A walk over
 * the message in a per-CPU scratch buffer (bpf_loop, a fixed step budget)
 * decides where it ends; only then is that prefix put into the ring
 * buffer. User space parses it with the same parser as pp-sniff.
 *
 * TCP/53: a segment is read only where a message starts (its length prefix
 * first), which is known for connections whose connect(2) we saw: the
 * first data each way starts a message, the next one starts where that one
 * ends; anything else (continuations, retransmissions) is skipped. */
#ifndef PP_BPF_DNS_H
#define PP_BPF_DNS_H

#include "dnssnoop.h"

_Static_assert(PPD_COMM_LEN == PP_PROC_COMM_LEN, "comm lengths differ");

#define DNS_PORT 53
#define DNS_HDR 12
#define WALK_STEPS 256 /* labels and record headers walked per message */

/* Off (--no-dns): every DNS path below is folded away, and the connect
 * hooks are not loaded. */
const volatile bool trace_dns = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* about 1700 full messages per drain */
} dns_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ppd_counters);
} dns_counters SEC(".maps");

/* The process behind a socket that talks to port 53, and over TCP where
 * the next message starts each way (0 out, 1 in). */
struct dns_owner {
	struct pp_proc p;
	__u32 tcp_next[2];
	__u8 tcp_state[2]; /* TS_* */
	__u8 pad[6];
};
enum { TS_FRESH, TS_STEP, TS_LOST };

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dns_owner);
} dns_owners SEC(".maps");

enum { W_QNAME, W_QTAIL, W_RNAME, W_RTAIL };

struct dns_walk {
	__u32 pos;   /* next byte to look at */
	__u32 n;     /* bytes in the scratch buffer */
	__u32 safe;  /* the copy may end here: a section or record boundary */
	__u32 qd, an, i;
	__u8 state;  /* W_* */
	__u8 done, cut;
	__u8 pad;
};

/* The record being made: header and message, contiguous, so that one
 * bpf_ringbuf_output copies the header and the kept prefix. The slack
 * after msg lets the walk read a few bytes past a masked offset. The walk's
 * state lives here too, not on the stack: the verifier then checks one
 * step of the loop, not every step with every offset it could have. */
struct dns_scratch {
	struct ppd_hdr h;
	__u8 msg[PPD_MSG_MAX + 16];
	struct dns_walk w;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} dns_scratch SEC(".maps");

static __always_inline struct ppd_counters *dns_counts(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&dns_counters, &zero);
}

/* --- who asked (process context) --------------------------------------- */

/* connect(2) or sendto(2) towards port 53: the caller owns the socket's
 * DNS from now on (a socket handed to another process is claimed by the
 * next one that sends). */
static __always_inline void dns_claim_sock(struct bpf_sock *sk, bool connect)
{
	struct dns_owner *o;

	o = bpf_sk_storage_get(&dns_owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return;
	current_proc(&o->p);
	if (connect) { /* a new connection: its first data each way starts a message */
		o->tcp_state[0] = o->tcp_state[1] = TS_FRESH;
	}
}

static __always_inline void dns_claim(struct bpf_sock_addr *ctx, bool connect)
{
	if (ctx->user_port != bpf_htons(DNS_PORT))
		return;
	if (ctx->protocol != IPPROTO_UDP && ctx->protocol != IPPROTO_TCP)
		return;
	if (ctx->sk)
		dns_claim_sock(ctx->sk, connect);
}

/* Loaded only with trace_dns (a datagram's socket is claimed by the
 * cgroup_skb egress program of socktrace.bpf.c, and by its sendmsg hooks
 * where they are attached). */
SEC("cgroup/connect4")
int cg_connect4(struct bpf_sock_addr *ctx)
{
	dns_claim(ctx, true);
	return 1;
}

SEC("cgroup/connect6")
int cg_connect6(struct bpf_sock_addr *ctx)
{
	dns_claim(ctx, true);
	return 1;
}

/* --- where the copy ends -------------------------------------------------- */

/* One step: a label of a name, or the fixed part of a question or an
 * answer. Returns 1 to stop the loop. Offsets are below n <= PPD_MSG_MAX,
 * and masked so that the verifier sees it too. */
static long walk_step(__u32 idx, void *unused)
{
	__u32 zero = 0, p;
	struct dns_scratch *s = bpf_map_lookup_elem(&dns_scratch, &zero);
	struct dns_walk *w;
	const __u8 *m;

	if (!s)
		return 1;
	m = s->msg;
	w = &s->w;
	p = w->pos;
	if (w->state == W_QNAME || w->state == W_RNAME) {
		__u8 len;
		if (p >= w->n)
			goto end;
		len = m[p & (PPD_MSG_MAX - 1)];
		if (len == 0) {
			w->pos = p + 1;
			w->state++;
		} else if ((len & 0xc0) == 0xc0) {
			w->pos = p + 2;
			w->state++;
		} else if (len & 0xc0) {
			/* A label type without a length: the parser stops there
			 * and says so; nothing after it is needed. */
			w->safe = p + 1;
			w->done = 1;
			return 1;
		} else {
			w->pos = p + 1 + len;
		}
		return 0;
	}
	if (w->state == W_QTAIL) {
		p += 4;
		if (p > w->n)
			goto end;
		w->pos = w->safe = p;
		if (++w->i < w->qd) {
			w->state = W_QNAME;
			return 0;
		}
		w->i = 0;
		w->state = W_RNAME;
		if (w->an == 0) {
			w->done = 1;
			return 1;
		}
		return 0;
	}
	/* W_RTAIL: type, class, ttl, rdlength, then the rdata */
	{
		__u32 q = p & (PPD_MSG_MAX - 1);
		__u16 type, rdlen;
		bool ok;
		if (p + 10 > w->n)
			goto end;
		type = (__u16)(m[q] << 8 | m[q + 1]);
		rdlen = (__u16)(m[q + 8] << 8 | m[q + 9]);
		ok = (type == 1 && rdlen == 4) || (type == 28 && rdlen == 16) || (type == 5 && rdlen <= 255);
		if (!ok) {
			/* The copy ends before this record (w->safe). */
			w->cut = 1;
			w->done = 1;
			return 1;
		}
		p += 10 + rdlen;
		if (p > w->n)
			goto end;
		w->pos = w->safe = p;
		if (++w->i >= w->an) {
			w->done = 1;
			return 1;
		}
		w->state = W_RNAME;
		return 0;
	}
end:
	/* The bytes end inside a name, a fixed part or an allowed rdata: all
	 * of them are what the parser may see; it says truncated (or cut). */
	w->safe = w->n;
	w->done = 1;
	return 1;
}

/* --- the packets ---------------------------------------------------------- */

/* A message to or from port 53 at offset l4 (the UDP or TCP header). */
static __noinline int dns_packet(struct __sk_buff *skb, __u32 l4, __u8 family, __u8 proto, bool in)
{
	__u32 zero = 0, off, msg_len;
	__u64 n, sz; /* 64-bit: the bounds the verifier checks are of the whole register */
	struct dns_scratch *s = bpf_map_lookup_elem(&dns_scratch, &zero);
	struct bpf_sock *sk = skb->sk;
	struct dns_owner *o = NULL;
	struct ppd_counters *c;
	struct dns_walk *w;
	__u8 ip[40], flags = 0;

	if (!s)
		return 1;
	if (sk) {
		sk = bpf_sk_fullsock(sk);
		if (sk)
			o = bpf_sk_storage_get(&dns_owners, sk, 0, 0);
	}
	/* Process-tree scope (pp-trace -- COMMAND without a cgroup of its
	 * own, -p PID --children): these programs are attached to the root
	 * cgroup, so a message counts only when its socket's owner is in the
	 * tree; one without an owner cannot be told to be. */
	if (scope_tree && (!o || !scope_pid_ok(o->p.pid, o->p.pstart_ns)))
		return 1;
	if (proto == IPPROTO_UDP) {
		__u16 ulen;
		if (bpf_skb_load_bytes(skb, l4 + 4, &ulen, 2))
			return 1;
		ulen = bpf_ntohs(ulen);
		if (ulen < 8 + DNS_HDR)
			return 1;
		off = l4 + 8;
		msg_len = ulen - 8;
	} else {
		__u8 th[14];
		__u32 seq;
		__u16 pfx;
		int d = in ? 1 : 0;
		if (bpf_skb_load_bytes(skb, l4, th, sizeof(th)))
			return 1;
		off = l4 + ((th[12] >> 4) << 2);
		if (skb->len <= off)
			return 1; /* no data: a handshake, an ACK, a FIN */
		c = dns_counts();
		if (!o) { /* a connection we did not see start */
			if (c)
				c->tcp_skipped++;
			return 1;
		}
		seq = (__u32)th[4] << 24 | (__u32)th[5] << 16 | (__u32)th[6] << 8 | th[7];
		if (o->tcp_state[d] == TS_STEP && seq != o->tcp_next[d]) {
			/* Inside the last message, or a retransmission: nothing
			 * new. Past its end: we lost the thread. */
			if ((__s32)(seq - o->tcp_next[d]) > 0) {
				o->tcp_state[d] = TS_LOST;
				if (c)
					c->tcp_skipped++;
			}
			return 1;
		}
		if (o->tcp_state[d] == TS_LOST) {
			if (c)
				c->tcp_skipped++;
			return 1;
		}
		if (bpf_skb_load_bytes(skb, off, &pfx, 2))
			return 1;
		msg_len = bpf_ntohs(pfx);
		o->tcp_state[d] = TS_STEP;
		o->tcp_next[d] = seq + 2 + msg_len;
		off += 2;
		if (msg_len < DNS_HDR)
			return 1;
		flags = PPD_F_TCP;
	}
	if (skb->len <= off)
		return 1;
	n = skb->len - off;
	if (n > msg_len)
		n = msg_len;
	if (n > PPD_MSG_MAX)
		n = PPD_MSG_MAX;
	if (n < DNS_HDR)
		return 1;
	if (bpf_skb_load_bytes(skb, off, s->msg, n))
		return 1;

	w = &s->w;
	__builtin_memset(w, 0, sizeof(*w));
	w->n = n;
	w->pos = w->safe = DNS_HDR;
	w->qd = (__u32)s->msg[4] << 8 | s->msg[5];
	w->an = (__u32)s->msg[6] << 8 | s->msg[7];
	w->state = w->qd ? W_QNAME : W_RNAME;
	if (!w->qd && !w->an)
		w->done = 1;
	else
		bpf_loop(WALK_STEPS, walk_step, NULL, 0);
	if (!w->done)
		w->cut = 1; /* out of steps: up to the last boundary */
	if (n < msg_len)
		w->cut = 1; /* the 512-byte bound, or a segment shorter than its message */

	/* The header: the client (this socket's side) first. */
	s->h.ts_ns = bpf_ktime_get_ns();
	s->h.cookie = bpf_get_socket_cookie(skb);
	s->h.family = family;
	s->h.flags = flags | (in ? PPD_F_IN : 0) | (w->cut ? PPD_F_CUT : 0);
	s->h.msg_len = (__u16)msg_len;
	s->h.len = (__u16)(w->safe > PPD_MSG_MAX ? PPD_MSG_MAX : w->safe);
	__builtin_memset(s->h.caddr, 0, sizeof(s->h.caddr));
	__builtin_memset(s->h.saddr, 0, sizeof(s->h.saddr));
	if (family == AF_INET) {
		if (bpf_skb_load_bytes(skb, 12, ip, 8))
			return 1;
		__builtin_memcpy(in ? s->h.saddr : s->h.caddr, ip, 4);
		__builtin_memcpy(in ? s->h.caddr : s->h.saddr, ip + 4, 4);
	} else {
		if (bpf_skb_load_bytes(skb, 8, ip, 32))
			return 1;
		__builtin_memcpy(in ? s->h.saddr : s->h.caddr, ip, 16);
		__builtin_memcpy(in ? s->h.caddr : s->h.saddr, ip + 16, 16);
	}
	{
		__u16 ports[2];
		if (bpf_skb_load_bytes(skb, l4, ports, 4))
			return 1;
		s->h.cport = bpf_ntohs(in ? ports[1] : ports[0]);
		s->h.sport = bpf_ntohs(in ? ports[0] : ports[1]);
	}
	s->h.netns = 0;
	if (sk) {
		/* The socket's namespace: the verifier allows no arithmetic on
		 * this pointer, which the CO-RE read needs; its value as a
		 * number does (CAP_PERFMON). */
		__u64 p = 0, v = (__u64)sk;
		bpf_probe_read_kernel(&p, sizeof(p), &v);
		if (p)
			s->h.netns = BPF_CORE_READ((struct sock *)p, __sk_common.skc_net.net, ns.inum);
	}
	if (o) {
		s->h.pid = o->p.pid;
		s->h.ppid = o->p.ppid;
		s->h.uid = o->p.uid;
		s->h.pstart_ns = o->p.pstart_ns;
		__builtin_memcpy(s->h.comm, o->p.comm, sizeof(s->h.comm));
		s->h.flags |= PPD_F_PID;
	} else {
		s->h.pid = s->h.ppid = s->h.uid = 0;
		s->h.pstart_ns = 0;
		__builtin_memset(s->h.comm, 0, sizeof(s->h.comm));
	}

	sz = w->safe;
	if (sz > PPD_MSG_MAX)
		sz = PPD_MSG_MAX;
	c = dns_counts();
	if (bpf_ringbuf_output(&dns_events, s, sizeof(s->h) + sz, 0)) {
		if (c)
			c->drops++;
	} else if (c) {
		c->records++;
	}
	return 1;
}

/* A packet of the cgroup (h: its headers, pkt.h): on unless it goes to
 * port 53 (egress) or comes from it (ingress). */
static __always_inline void dns_skb(struct __sk_buff *skb, const struct pkt_hdr *h, bool in)
{
	if (trace_dns && (in ? h->sport : h->dport) == DNS_PORT)
		dns_packet(skb, h->l4, h->family, h->proto, in);
}

#endif
