// SPDX-License-Identifier: GPL-2.0
/* pp-trace's kernel side: socket lifecycle events with the process behind
 * them, from stable hooks only (tracepoints and cgroup v2 hooks; no kprobes,
 * no fentry), so that it survives kernel upgrades.
 *
 * TCP: the sock:inet_sock_set_state tracepoint (raw, or classic as the
 *   fallback variant) sees every state change. A change made in process
 *   context (SYN-SENT by connect(), LISTEN by listen()) names the process;
 *   the socket table `socks` remembers it until CLOSE, so the connect record
 *   sent when the handshake completes (in softirq) and the close record still
 *   name the right process, even after it exited. Inbound connections are
 *   born in softirq; the accept record is sent from the exit of accept(2) /
 *   accept4(2), by the process that accepted (fd -> file -> socket -> sock),
 *   or, where syscall tracepoints are missing, from that socket's first
 *   send/receive.
 * UDP: the cgroup_skb programs see each datagram leave its socket (in the
 *   sender's sendmsg call) and arrive at one (packet mode, udp_skb); where
 *   they cannot attach, cgroup sendmsg/recvmsg hooks (unconnected sockets,
 *   process context) and sock:sock_send_length/sock_recv_length (connected
 *   sockets) do. The first datagram of each (socket, peer) pair is reported
 *   once (LRU `udp_seen`); each UDP socket's payload bytes are counted
 *   (table `udp_socks`, from its bind or first datagram), and the cgroup
 *   sock_release hook sees the socket go: its close record, as the polling
 *   mode has it.
 *
 * Nothing waits for user space: a full ring buffer drops the record and
 * counts it per CPU. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "socktrace.h"
#include "proc.h"
#include "scope.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

char LICENSE[] SEC("license") = "GPL";

/* KR, KCAST, current_proc: proc.h */
_Static_assert(PPB_COMM_LEN == PP_PROC_COMM_LEN, "comm lengths differ");
#define KSOCK(v) KCAST(struct sock, v)

/* Filters set by user space before load (0 / -1 = off). */
const volatile __u32 targ_pid = 0;
const volatile __s64 targ_uid = -1;
const volatile bool trace_v4 = true;
const volatile bool trace_v6 = true;
const volatile bool trace_udp = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* user space may resize before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ppb_counters);
} counters SEC(".maps");

/* Roles of a socket in `socks`. */
enum {
	R_CONNECT = 1,    /* connect(2) by the owner */
	R_PENDING_ACCEPT, /* a listener's child nobody has accepted yet */
	R_ACCEPTED,       /* accepted by the owner */
	R_LISTEN,         /* listening socket of the owner */
	R_OLDER,          /* a connection older than us, seen closing */
};

struct owner {
	__u64 start_ns;   /* 0: unknown (R_OLDER) */
	struct pp_proc p; /* the owner process */
	__u32 netns;      /* the socket's, read once when it is remembered */
	__u16 lport;      /* local port: the kernel clears it before CLOSE */
	__u8 role;
	__u8 reported;    /* R_CONNECT: the connect record is out (sock_ops) */
};

/* Live TCP sockets we saw being born, keyed by kernel address (`socks`,
 * bpf/socktab.h): every TCP socket passes through CLOSE, where its entry
 * goes. Included below, after counts(). */

/* First datagram per socket and peer: the socket (its address, and when
 * we first saw it, since a freed socket's address is soon another's) is
 * part of the key, so that a new socket on a recent 5-tuple gets its own
 * record and never passes for the old one. */
struct udp_key {
	__u64 sk;
	__u64 gen;        /* udp_socks start_ns, 0 when not tracked */
	__u32 netns;
	__u16 lport, pport;
	__u8 peer[16];
	__u8 family;
	__u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_key);
	__type(value, __u64);
} udp_seen SEC(".maps");

/* A UDP socket that carried a datagram while we watched: who sent or
 * received it first, since when, and its payload bytes each way. */
struct udp_life {
	__u64 start_ns;
	__u64 tx, rx;     /* updated atomically: datagrams on several CPUs */
	struct owner o;
	/* Connected: the peer whose flow is reported (a socket may connect
	 * again, elsewhere), so that the next datagram to or from it costs a
	 * compare, not the udp_seen lookup (as udp_last for unconnected ones). */
	__u64 cpeer[2];
	__u16 cpport;
	__u8 cvalid;
	__u8 out;         /* the first datagram was sent, not received */
	__u8 pad[4];
};

/* Keyed by kernel socket address, deleted at sock_release. A plain hash as
 * `socks`: a full table is counted, never pushes out a live socket. Only
 * filled while the release hook is attached (udp_track), so that no entry
 * outlives its socket. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct udp_life);
} udp_socks SEC(".maps");

/* Set by user space once so_connect is attached (before the state
 * programs): connect records come from it. */
volatile bool connect_cb = false;

/* Set by user space once cg_sock_release is attached. */
volatile bool udp_track = false;

/* The peer of the last datagram seen on a socket (by the sendmsg/recvmsg
 * stand-ins, or each way in packet mode) whose flow to that peer was
 * already reported (socket local
 * storage: it goes with its socket, so a new socket on a recent address
 * never inherits it). A DNS server answering, a syslog sender, a ping-pong:
 * nearly every datagram is to or from the same peer as the one before, and
 * costs one storage lookup and a compare. */
struct udp_peer {
	__u64 addr[2];
	__u16 port;
	__u8 valid;
	__u8 pad[5];
};

struct udp_last {
	/* [0]: the stand-in hooks' last peer, either way; packet mode's last
	 * peer out. [1]: packet mode's last peer in. Packet mode keeps the
	 * peer as the packet has it, which a NAT may have rewritten on the
	 * way out but not on the way in. */
	struct udp_peer last[2];
	/* packet mode: payload bytes each way, counted here (the socket's
	 * storage is found faster than its udp_socks entry) and added to
	 * that entry's at sock_release */
	__u64 tx, rx;
	__u8 tracked;     /* packet mode: the socket has its udp_socks entry */
	__u8 blind;       /* packet mode: a datagram passed unread (udp_unread) */
	__u8 pad[6];
};

static __always_inline bool udp_peer_is(const struct udp_peer *p, const __u64 *addr, __u16 port)
{
	return p->valid && p->port == port && p->addr[0] == addr[0] && p->addr[1] == addr[1];
}

static __always_inline void udp_peer_set(struct udp_peer *p, const __u64 *addr, __u16 port)
{
	p->addr[0] = addr[0];
	p->addr[1] = addr[1];
	p->port = port;
	p->valid = 1;
}

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct udp_last);
} udp_last SEC(".maps");

static __always_inline struct ppb_counters *counts(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

#include "socktab.h"

static __always_inline bool family_wanted(__u16 family)
{
	if (family == AF_INET)
		return trace_v4;
	if (family == AF_INET6)
		return trace_v6;
	return false;
}

static __always_inline bool owner_wanted(const struct owner *o)
{
	if (targ_pid && o->p.pid != targ_pid)
		return false;
	if (targ_uid >= 0 && o->p.uid != (__u32)targ_uid)
		return false;
	return scope_pid_ok(o->p.pid, o->p.pstart_ns);
}

static __always_inline void set_owner(struct ppb_event *e, const struct owner *o)
{
	e->pid = o->p.pid;
	e->ppid = o->p.ppid;
	e->pstart_ns = o->p.pstart_ns;
	e->uid = o->p.uid;
	__builtin_memcpy(e->comm, o->p.comm, sizeof(e->comm));
	e->flags |= PPB_F_PID;
}

static __always_inline struct ppb_event *reserve(void)
{
	struct ppb_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		struct ppb_counters *c = counts();
		if (c)
			c->drops++;
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

/* Wake the reader at most every WAKEUP_NS, or when WAKEUP_BYTES wait:
 * under churn one wakeup serves hundreds of records instead of one each,
 * and a lone event still wakes it at once. What waits without a wakeup is
 * picked up by the reader's poll timeout (100 ms). */
#define WAKEUP_NS (10 * 1000 * 1000)
const volatile __u64 wakeup_bytes = 1 << 20;
__u64 last_wakeup_ns = 0;

static __always_inline void submit(struct ppb_event *e)
{
	struct ppb_counters *c = counts();
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (c)
		c->events++;
	if (e->ts_ns - last_wakeup_ns > WAKEUP_NS ||
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes) {
		last_wakeup_ns = e->ts_ns; /* racy across CPUs; a wakeup more or less */
		flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(e, flags);
}

/* sk_protocol: a bitfield before Linux 5.6 (never so where KCAST casts) */
static __always_inline __u16 sk_proto(const struct sock *sk)
{
#ifdef PP_PROBE_READ
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
#else
	return sk->sk_protocol;
#endif
}

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return KR(KR(sk->__sk_common.skc_net.net)->ns.inum);
}

/* The socket's own addresses: local into *l, peer into *p. */
static __always_inline void sk_addrs(const struct sock *sk, __u16 family, __u8 *l, __u8 *p)
{
	if (family == AF_INET) {
		__u32 a = KR(sk->__sk_common.skc_rcv_saddr), b = KR(sk->__sk_common.skc_daddr);
		__builtin_memcpy(l, &a, 4);
		__builtin_memcpy(p, &b, 4);
	} else {
		struct in6_addr a = KR(sk->__sk_common.skc_v6_rcv_saddr);
		struct in6_addr b = KR(sk->__sk_common.skc_v6_daddr);
		__builtin_memcpy(l, &a, 16);
		__builtin_memcpy(p, &b, 16);
	}
}

/* Fill the tuple of a TCP socket; local_first: the local side goes into
 * saddr/sport (the originator, or a listener's own address). lport: the
 * local port when the socket no longer has it. */
static __always_inline void tcp_tuple(struct ppb_event *e, const struct sock *sk, __u16 family,
				      bool local_first, __u16 lport, __u32 netns)
{
	__u16 pport = bpf_ntohs(KR(sk->__sk_common.skc_dport));
	__u16 num = KR(sk->__sk_common.skc_num);

	/* skc_num is cleared when the socket leaves the hash tables, before
	 * CLOSE is traced; inet_sport stays. */
	if (!num)
		num = bpf_ntohs(KR(KCAST(struct inet_sock, sk)->inet_sport));
	if (num)
		lport = num;
	e->family = family;
	e->proto = IPPROTO_TCP;
	e->netns = netns ? netns : sk_netns(sk);
	e->sk = (__u64)sk;
	if (local_first) {
		sk_addrs(sk, family, e->saddr, e->daddr);
		e->sport = lport;
		e->dport = pport;
	} else {
		sk_addrs(sk, family, e->daddr, e->saddr);
		e->sport = pport;
		e->dport = lport;
	}
}

static __always_inline bool filtered(void)
{
	return targ_pid || targ_uid >= 0 || scope_tree;
}

/* A record about a TCP socket. o: what we know of it (never NULL); owned:
 * o names the process. */
static __always_inline struct ppb_event *tcp_event(const struct sock *sk, __u16 family, __u8 kind,
						   __u8 state, const struct owner *o, bool owned)
{
	struct ppb_event *e;

	if (owned ? !owner_wanted(o) : filtered())
		return NULL;
	e = reserve();
	if (!e)
		return NULL;
	e->kind = kind;
	e->state = state;
	if (o->role == R_OLDER)
		e->flags |= PPB_F_NODIR;
	else if (o->role == R_CONNECT)
		e->flags |= PPB_F_OUT;
	else if (o->role == R_LISTEN)
		e->flags |= PPB_F_LISTENER;
	tcp_tuple(e, sk, family, o->role == R_LISTEN || o->role == R_CONNECT || o->role == R_OLDER,
		  o->lport, o->netns);
	if (o->start_ns) {
		e->start_ns = o->start_ns;
		e->flags |= PPB_F_START;
	}
	if (owned)
		set_owner(e, o);
	return e;
}

static __always_inline void emit_tcp(const struct sock *sk, __u16 family, __u8 kind, __u8 state,
				     const struct owner *o, bool owned)
{
	struct ppb_event *e = tcp_event(sk, family, kind, state, o, owned);

	if (e)
		submit(e);
}

static __always_inline void emit_close(const struct sock *sk, __u16 family, const struct owner *o,
				       bool owned, int old)
{
	const struct tcp_sock *tp = KCAST(struct tcp_sock, sk);
	struct ppb_event *e = tcp_event(sk, family, PPB_CLOSE, TCP_CLOSE, o, owned);
	unsigned long flags;

	if (!e)
		return;
	/* The kernel's counters (tcp_info's tcpi_bytes_acked/received) count
	 * the SYN and FIN sequence numbers too; user space takes them off with
	 * what is known here: a FIN came in (tcp_fin() set SOCK_DONE), and ours
	 * was acknowledged (we had sent it and nothing is unacknowledged). */
	e->tx_bytes = KR(tp->bytes_acked);
	e->rx_bytes = KR(tp->bytes_received);
	e->flags |= PPB_F_BYTES;
	flags = KR(sk->__sk_common.skc_flags);
	if (flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE)))
		e->flags |= PPB_F_FIN_IN;
	if ((old == TCP_FIN_WAIT1 || old == TCP_FIN_WAIT2 || old == TCP_CLOSING || old == TCP_LAST_ACK) &&
	    KR(tp->snd_una) == KR(tp->write_seq))
		e->flags |= PPB_F_FIN_ACKED;
	submit(e);
}

static __always_inline void remember(__u64 key, struct owner *o)
{
	if (!sock_put(key, o)) {
		struct ppb_counters *c = counts();
		if (c)
			c->sock_full++;
	}
}

/* A new socket owned by the current process (process context). */
static __always_inline void own(const struct sock *sk, struct owner *o, __u8 role)
{
	current_proc(&o->p);
	o->start_ns = bpf_ktime_get_ns();
	o->role = role;
	o->lport = KR(sk->__sk_common.skc_num);
	o->netns = sk_netns(sk);
}

/* key: the socket's address as a number (the table's hash multiplies it,
 * which the verifier refuses on a pointer), sk: as a pointer. */
static __always_inline int on_state(const struct sock *sk, __u64 key, int old, int new)
{
	__u16 family, proto;
	struct owner *o, copy = {};

	/* The hot path: six of a connection's ten changes are none of these,
	 * and leave before the socket is read. */
	if (new != TCP_SYN_SENT && new != TCP_LISTEN && new != TCP_CLOSE &&
	    !(new == TCP_SYN_RECV && old == TCP_LISTEN) && (old != TCP_SYN_SENT || connect_cb))
		return 0;
	family = KR(sk->__sk_common.skc_family);
	proto = sk_proto(sk);
	if (proto != IPPROTO_TCP || !family_wanted(family) || !scope_sk_ok(sk))
		return 0;

	switch (new) {
	case TCP_SYN_SENT:   /* connect(2): process context */
		own(sk, &copy, R_CONNECT);
		remember(key, &copy);
		return 0;
	case TCP_LISTEN:     /* listen(2): process context */
		own(sk, &copy, R_LISTEN);
		remember(key, &copy);
		emit_tcp(sk, family, PPB_LISTEN, TCP_LISTEN, &copy, true);
		return 0;
	case TCP_SYN_RECV:   /* a listener's new child, in softirq */
		if (old != TCP_LISTEN)
			return 0;
		copy.start_ns = bpf_ktime_get_ns();
		copy.role = R_PENDING_ACCEPT;
		copy.lport = KR(sk->__sk_common.skc_num);
		copy.netns = sk_netns(sk);
		remember(key, &copy);
		return 0;
	}

	/* What is left: the end of a handshake we started (unless the
	 * sock_ops program reported the connect at SYN-SENT already), and
	 * CLOSE. */
	if (new != TCP_CLOSE && (old != TCP_SYN_SENT || connect_cb))
		return 0;
	o = sock_find(key);
	if (old == TCP_SYN_SENT && o && o->role == R_CONNECT && !o->reported) {
		__u16 num = KR(sk->__sk_common.skc_num);
		if (num)
			o->lport = num; /* chosen by connect(2) if it was not bound */
		/* No sock_ops program: the handshake finished (or failed), and
		 * the tuple is complete now. */
		o->reported = 1;
		emit_tcp(sk, family, PPB_CONNECT, new == TCP_ESTABLISHED ? TCP_ESTABLISHED : TCP_SYN_SENT,
			 o, true);
	}

	if (!o) {
		/* A connection older than us, closing. Its port: the kernel
		 * clears skc_num before CLOSE, inet_sport stays (tcp_tuple).
		 * States before ESTABLISHED carried no data and are not
		 * reported. */
		if (new != TCP_CLOSE || old == TCP_SYN_SENT || old == TCP_SYN_RECV ||
		    old == TCP_LISTEN || old == TCP_CLOSE || old == TCP_NEW_SYN_RECV)
			return 0;
		copy.role = R_OLDER;
		copy.lport = KR(sk->__sk_common.skc_num);
		if (!copy.lport)
			copy.lport = bpf_ntohs(KR(KCAST(struct inet_sock, sk)->inet_sport));
		if (copy.lport)
			emit_close(sk, family, &copy, false, old);
		return 0;
	}
	if (new != TCP_CLOSE)
		return 0;

	copy = *o;
	sock_forget(key, o);
	switch (copy.role) {
	case R_LISTEN:
		/* The listener goes: a close with its own address only, as the
		 * polling mode reports a listener leaving the table. */
		emit_tcp(sk, family, PPB_CLOSE, TCP_CLOSE, &copy, true);
		return 0;
	case R_PENDING_ACCEPT:
		/* A child that never completed the handshake (it closes straight
		 * from SYN-RECV) was no connection. */
		if (old == TCP_SYN_RECV)
			return 0;
		/* Completed but nobody accepted it before it closed: it happened,
		 * but no process took it. */
		emit_tcp(sk, family, PPB_ACCEPT, TCP_CLOSE, &copy, false);
		emit_close(sk, family, &copy, false, old);
		return 0;
	case R_OLDER:
		emit_close(sk, family, &copy, false, old);
		return 0;
	default:
		emit_close(sk, family, &copy, true, old);
		return 0;
	}
}

/* cgroup sock_ops, TCP_CONNECT_CB: connect(2) has chosen the local port
 * and is about to send the SYN, in the connecting process. The connect
 * record goes out now, stamped with the moment the socket entered
 * SYN-SENT, so that it comes before any packet of the flow (pp-join's
 * event time). Every other sock_ops callback returns at once. */
SEC("sockops")
int so_connect(struct bpf_sock_ops *ctx)
{
	struct bpf_sock *bsk;
	struct owner *o;
	struct ppb_event *e;
	__u64 key = 0, v;

	if (ctx->op != BPF_SOCK_OPS_TCP_CONNECT_CB)
		return 1;
	bsk = ctx->sk;
	if (!bsk)
		return 1;
	/* the kernel's struct sock, as the tracepoints' key (see udp_sockaddr) */
	v = (__u64)bsk;
	bpf_probe_read_kernel(&key, sizeof(key), &v);
	o = sock_find(key);
	if (!o || o->role != R_CONNECT || o->reported)
		return 1;
	o->reported = 1;
	o->lport = ctx->local_port;
	e = tcp_event(KSOCK(key), ctx->family, PPB_CONNECT, TCP_SYN_SENT, o, true);
	if (e) {
		e->ts_ns = o->start_ns;
		submit(e);
	}
	return 1;
}

SEC("raw_tracepoint/inet_sock_set_state")
int rtp_set_state(struct bpf_raw_tracepoint_args *ctx)
{
	return on_state(KSOCK(ctx->args[0]), ctx->args[0], (int)ctx->args[1], (int)ctx->args[2]);
}

/* Classic tracepoint variant, for kernels that refuse raw tracepoints. */
SEC("tracepoint/sock/inet_sock_set_state")
int tp_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return on_state(KSOCK(ctx->skaddr), (__u64)ctx->skaddr, ctx->oldstate, ctx->newstate);
}

/* --- accept: the process that took the connection ------------------------ */

/* key: as for on_state */
static __always_inline int claim_accept(const struct sock *sk, __u64 key)
{
	struct owner *o = sock_find(key);
	__u16 family;

	if (!o || o->role != R_PENDING_ACCEPT)
		return 0;
	current_proc(&o->p);
	o->role = R_ACCEPTED;
	family = KR(sk->__sk_common.skc_family);
	emit_tcp(sk, family, PPB_ACCEPT, KR(sk->__sk_common.skc_state), o, true);
	return 0;
}

/* syscalls:sys_exit_accept{,4}: the common header, the syscall number and
 * the return value (the new descriptor). */
struct syscall_exit_ctx {
	__u64 common;
	long nr;
	long ret;
};

static __always_inline int on_accept_exit(long fd)
{
	const struct task_struct *task = KCAST(struct task_struct, bpf_get_current_task());
	const struct fdtable *fdt;
	struct file **fds, *file;
	void *sock;
	__u64 sk = 0;

	if (fd < 0)
		return 0;
	fdt = KR(KR(task->files)->fdt);
	if (!fdt || (unsigned long)fd >= KR(fdt->max_fds))
		return 0;
	fds = KR(fdt->fd);
	/* a pointer to pointers: read as memory in both builds */
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return 0;
	sock = KR(KCAST(struct file, file)->private_data);
	if (!sock)
		return 0;
	/* as a number, for the table's hash (a probe read in both builds) */
	if (bpf_probe_read_kernel(&sk, sizeof(sk), &KCAST(struct socket, sock)->sk) || !sk)
		return 0;
	/* Only our own table decides whether this was a TCP child we know:
	 * for any other file the pointer chase finds nothing there. */
	return claim_accept(KSOCK(sk), sk);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tp_exit_accept4(struct syscall_exit_ctx *ctx)
{
	return on_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tp_exit_accept(struct syscall_exit_ctx *ctx)
{
	return on_accept_exit(ctx->ret);
}

/* --- UDP ------------------------------------------------------------------ */

/* Mark k's flow reported: false when it was already. Callers look it up
 * first, to leave before reading the task; BPF_NOEXIST here: of two CPUs
 * racing on one flow, one reports it. */
static __always_inline bool udp_first(struct udp_key *k)
{
	__u64 now = bpf_ktime_get_ns();

	return bpf_map_update_elem(&udp_seen, k, &now, BPF_NOEXIST) == 0;
}

/* The record of a UDP flow's first datagram: k its key (the socket's port
 * and the peer's, family, namespace), local and peer its addresses, out
 * whether it was sent, sk the socket of a connected one (else 0); nodir:
 * the first one seen, but maybe not the first (its socket had a datagram
 * we could not read): local side first, and user space decides the
 * direction by the ports, as for a TCP connection older than us. A full
 * ring buffer drops it, counted. */
static __always_inline void udp_flow_record(const struct udp_key *k, const struct owner *o,
					    const __u8 *local, const __u8 *peer, bool out, __u64 sk,
					    bool nodir)
{
	struct ppb_event *e = reserve();

	if (!e)
		return;
	e->kind = PPB_UDP;
	e->proto = IPPROTO_UDP;
	e->family = k->family;
	e->netns = k->netns;
	e->sk = sk;
	set_owner(e, o);
	if (out || nodir) {
		__builtin_memcpy(e->saddr, local, 16);
		__builtin_memcpy(e->daddr, peer, 16);
		e->sport = k->lport;
		e->dport = k->pport;
		e->flags |= nodir ? PPB_F_NODIR : PPB_F_OUT;
	} else {
		__builtin_memcpy(e->saddr, peer, 16);
		__builtin_memcpy(e->daddr, local, 16);
		e->sport = k->pport;
		e->dport = k->lport;
	}
	submit(e);
}

static __always_inline __u32 task_netns(void)
{
	const struct task_struct *task = KCAST(struct task_struct, bpf_get_current_task());
	return KR(KR(KR(task->nsproxy)->net_ns)->ns.inum);
}

#include "pkt.h"
#include "udp_wild.h"
#include "dns.h"

#define MSG_PEEK 2

/* An unconnected UDP socket seen for the first time: a `listen` with its
 * own address, as the polling mode reports an unconnected socket (and as
 * ss -l lists it). */
static __always_inline void udp_listen(const struct sock *sk, __u16 family, const struct owner *o)
{
	struct ppb_event *e = reserve();
	__u8 peer[16];

	if (!e)
		return;
	e->kind = PPB_LISTEN;
	e->proto = IPPROTO_UDP;
	e->family = family;
	e->state = TCP_CLOSE;
	e->netns = sk_netns(sk);
	e->sk = (__u64)sk;
	e->flags |= PPB_F_LISTENER;
	set_owner(e, o);
	sk_addrs(sk, family, e->saddr, peer);
	e->sport = KR(sk->__sk_common.skc_num);
	submit(e);
}

/* The udp_socks entry of a UDP socket, made when we first see it (its
 * bind, or its first datagram) with the current process as the owner; an
 * unconnected socket then gets its `listen`. NULL: not wanted, or the table
 * is full (counted). */
static __always_inline struct udp_life *udp_life_of(const struct sock *sk, bool out)
{
	__u64 key = (__u64)sk;
	struct udp_life *u = bpf_map_lookup_elem(&udp_socks, &key), fresh = {};
	__u16 family;

	if (u)
		return u;
	family = KR(sk->__sk_common.skc_family);
	if (!family_wanted(family))
		return NULL;
	current_proc(&fresh.o.p);
	if (!owner_wanted(&fresh.o))
		return NULL;
	fresh.start_ns = bpf_ktime_get_ns();
	fresh.out = out;
	if (bpf_map_update_elem(&udp_socks, &key, &fresh, BPF_NOEXIST)) {
		/* Another CPU made it first (fine), or the table is full. */
		u = bpf_map_lookup_elem(&udp_socks, &key);
		if (!u) {
			struct ppb_counters *c = counts();
			if (c)
				c->sock_full++;
		}
		return u;
	}
	if (KR(sk->__sk_common.skc_state) != TCP_ESTABLISHED)
		udp_listen(sk, family, &fresh.o);
	return bpf_map_lookup_elem(&udp_socks, &key);
}

/* Count a datagram's payload against its socket (ret: bytes sent or
 * received, as the syscall returns them); its entry, or NULL. A peek reads
 * nothing (and makes no entry). */
static __always_inline struct udp_life *udp_count(const struct sock *sk, int ret, int flags, bool out)
{
	struct udp_life *u;

	if (!out && (flags & MSG_PEEK))
		return NULL;
	u = udp_life_of(sk, out);
	if (!u)
		return NULL;
	if (out)
		__sync_fetch_and_add(&u->tx, (__u64)ret);
	else
		__sync_fetch_and_add(&u->rx, (__u64)ret);
	return u;
}

/* Packet mode (udp_pkt, set by user space when both cgroup_skb programs
 * and the release hook are attached): UDP datagrams are seen here only, in
 * the packet programs, and the cgroup sendmsg/recvmsg hooks and the
 * send/recv length tracepoints stay detached. Those cost every datagram
 * of the host two more program runs each way, and sendmsg/recvmsg a lock
 * of the socket besides (with empty programs, 6 to 10 % of a loopback
 * ping-pong's rate, docs/performance.md). A datagram leaving runs here in
 * its sender's sendmsg call (process context: the sender is `current`);
 * one arriving, when it is queued to its socket (softirq), with the socket
 * known (skb->sk) but not who will read it: the socket's owner (its
 * udp_socks entry, made when it was bound or first sent) names it. */
volatile bool udp_pkt = false;

/* A datagram as udp_skb read it from its packet (one pointer: a BPF
 * function takes at most five arguments). Addresses in the socket's family
 * form. */
struct udp_dgram {
	__u8 local[16], peer[16];
	__u16 lport, pport;       /* the packet's local and peer port */
	__u32 len;                /* payload bytes */
	__u8 in;
	__u8 pad[3];
};

#ifndef PP_PROBE_READ
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
#endif
#define CT_IS_REPLY 3            /* enum ip_conntrack_info: IP_CT_IS_REPLY */
#define CT_NAT (0x10 | 0x20)     /* ct->status: IPS_SRC_NAT | IPS_DST_NAT */

/* A datagram leaving its socket that netfilter's NAT rewrote (a DNAT in
 * the OUTPUT chain, as Docker's embedded DNS server has it; a SNAT or
 * masquerade in POSTROUTING, before this program): the socket's own view
 * of it into d, from its connection tracking entry: the tuple of the
 * packet's direction, recorded before any rewriting. The answers that come
 * back are rewritten to that view before they reach the socket, so both
 * ways the flow is the one the process sees. false: no NAT (without
 * conntrack there is none), or not known (the probe-read build, which
 * lacks the kfunc that makes the packet's kernel struct readable; the
 * entry's fields are probe reads, since nf_conntrack may be a module). */
static __always_inline bool udp_prenat(struct __sk_buff *skb, __u16 family, struct udp_dgram *d)
{
#ifdef PP_PROBE_READ
	return false;
#else
	const struct sk_buff *k;
	const struct nf_conn *ct;
	const struct nf_conntrack_tuple *t;
	unsigned long nfct, status;
	__u16 l3;
	__u8 a[16];

	if (!bpf_core_type_exists(struct nf_conn) || !bpf_core_field_exists(struct sk_buff, _nfct))
		return false;
	k = bpf_cast_to_kern_ctx(skb);
	nfct = k->_nfct;
	ct = (const struct nf_conn *)(nfct & ~7UL);
	if (!ct)
		return false;
	status = BPF_CORE_READ(ct, status);
	if (!(status & CT_NAT))
		return false;
	t = (nfct & 7) >= CT_IS_REPLY ? &ct->tuplehash[1].tuple : &ct->tuplehash[0].tuple;
	if (BPF_CORE_READ(t, dst.protonum) != IPPROTO_UDP)
		return false;
	l3 = BPF_CORE_READ(t, src.l3num);
	if (l3 == AF_INET) {
		__u32 v;
		v = BPF_CORE_READ(t, src.u3.ip);
		__builtin_memset(d->local, 0, 16);
		pkt_addr_put(d->local, (const __u8 *)&v, family == AF_INET6);
		v = BPF_CORE_READ(t, dst.u3.ip);
		__builtin_memset(d->peer, 0, 16);
		pkt_addr_put(d->peer, (const __u8 *)&v, family == AF_INET6);
	} else if (l3 == AF_INET6 && family == AF_INET6) {
		bpf_core_read(a, 16, &t->src.u3.ip6);
		__builtin_memcpy(d->local, a, 16);
		bpf_core_read(a, 16, &t->dst.u3.ip6);
		__builtin_memcpy(d->peer, a, 16);
	} else {
		return false;
	}
	d->lport = bpf_ntohs(BPF_CORE_READ(t, src.u.udp.port));
	d->pport = bpf_ntohs(BPF_CORE_READ(t, dst.u.udp.port));
	return true;
#endif
}

/* The slow path of udp_skb: a socket not yet tracked, or a peer not the
 * last one seen that way. dp: the datagram as its packet has it, which this
 * turns into the flow as the process sees it. (The stack of the call chain
 * is at its limit of 512 bytes: no copies here.) */
static __noinline int udp_skb_new(struct __sk_buff *skb, struct bpf_sock *bs, struct udp_last *st,
				  struct udp_dgram *dp)
{
	const struct sock *sk;
	struct udp_life *u;
	struct udp_key k = {};
	struct owner o;
	const struct owner *u_o;
	__u64 key = 0, v, pw[2];
	__u16 family = bs->family, lport = bs->src_port, pkt_pport = dp->pport;
	bool conn = bs->state == TCP_ESTABLISHED, in = dp->in;

	/* the fast exit's key, before d changes: the peer as the packet has it */
	__builtin_memcpy(pw, dp->peer, 16);

	if (!family_wanted(family) || !scope_bpf_sock_ok(bs))
		return 0;
	/* The verifier allows no arithmetic on this pointer (which the CO-RE
	 * reads need): read its value as a plain number (the table's key). */
	v = (__u64)bs;
	bpf_probe_read_kernel(&key, sizeof(key), &v);
	if (!key)
		return 0;
	sk = KSOCK(key);
	u = bpf_map_lookup_elem(&udp_socks, &key);
	if (!u) {
		if (in)
			return 0;
		u = udp_life_of(sk, true);
		if (!u)
			return 0;
	}
	if (!st)
		st = bpf_sk_storage_get(&udp_last, bs, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	if (!st->tracked) {
		st->tracked = 1;
		if (in)
			__sync_fetch_and_add(&st->rx, dp->len);
		else
			__sync_fetch_and_add(&st->tx, dp->len);
	}

	/* The flow as the process sees it. A connected socket: its own
	 * addresses, as ss and the polling mode show them. An unconnected one:
	 * the packet's (a wildcard-bound socket's real local address), before
	 * any NAT on the way out; where that is not known, a source port not
	 * the socket's says a source NAT rewrote the packet, and the socket's
	 * own address (the wildcard) is left. */
	if (conn) {
		sk_addrs(sk, family, dp->local, dp->peer);
		dp->pport = bpf_ntohs(KR(sk->__sk_common.skc_dport));
	} else if (!in && !udp_prenat(skb, family, dp) && dp->lport != lport) {
		__u8 none[16];
		sk_addrs(sk, family, dp->local, none);
	}
	u_o = &u->o;
	k.sk = key;
	k.gen = u->start_ns;
	k.netns = sk_netns(sk);
	k.lport = lport;
	k.pport = dp->pport;
	k.family = family;
	__builtin_memcpy(k.peer, dp->peer, 16);
	if (bpf_map_lookup_elem(&udp_seen, &k))
		goto known;
	/* Copied to the stack, then replaced on the way out. Without the
	 * barrier the compiler reads the table's copy in place on one path and
	 * the stack on the other with one instruction, which the verifier
	 * refuses (two kinds of pointer). */
	o = *u_o;
	asm volatile("" ::: "memory");
	if (!in)
		current_proc(&o.p);
	if (!owner_wanted(&o))
		return 0;
	/* (a flow whose record a full buffer dropped is not reported twice) */
	if (udp_first(&k))
		udp_flow_record(&k, &o, dp->local, dp->peer, !in, conn ? key : 0, st->blind);
known:
	if (in)
		udp_peer_set(&st->last[1], pw, pkt_pport);
	else
		udp_peer_set(&st->last[0], pw, pkt_pport);
	return 0;
}

/* A UDP datagram of a socket of the cgroup, either way (packet mode): its
 * payload counted against the socket, and the socket's first datagram to or
 * from each peer reported (udp_skb_new). A datagram to a socket that has
 * no owner (not bound, sent on or held while we watched: a kernel socket)
 * is counted nowhere and reported at the socket's first datagram out.
 * The fast path, nearly every datagram: the socket's storage says it is
 * tracked and the packet's peer is the last one seen that way: straight
 * loads from the packet, one storage lookup, an add and a compare. */
static __always_inline void udp_skb(struct __sk_buff *skb, const struct pkt_hdr *h, bool in)
{
	struct bpf_sock *sk = skb->sk, *bs;
	struct udp_last *st;
	struct udp_dgram d;
	__u64 pw[2];
	__u16 family;

	if (!sk)
		return;
	family = sk->family;
	if (!pkt_addrs(skb, h, family, in ? d.peer : d.local, in ? d.local : d.peer))
		return;
	d.len = skb->len > h->l4 + 8 ? skb->len - h->l4 - 8 : 0;
	d.in = in;
	d.pport = in ? h->sport : h->dport;
	d.lport = in ? h->dport : h->sport;
	__builtin_memcpy(pw, d.peer, 16);
	/* (storage only a UDP datagram socket of ours has: no full-socket
	 * check before it) */
	st = bpf_sk_storage_get(&udp_last, sk, 0, 0);
	if (st && st->tracked) {
		if (in)
			__sync_fetch_and_add(&st->rx, d.len);
		else
			__sync_fetch_and_add(&st->tx, d.len);
		if (udp_peer_is(&st->last[in], pw, d.pport))
			return;
	}
	bs = skb_udp_sock(skb, &family);
	if (!bs || bs->type != SOCK_DGRAM) /* a raw socket's UDP is not a flow */
		return;
	udp_skb_new(skb, bs, st, &d);
}

/* Packet mode: a packet whose headers pkt.h could not read (IPsec's ESP,
 * which encrypts the UDP header before the egress hook; more IPv6
 * extension headers than it follows). Of a UDP socket, a datagram not seen:
 * counted, and said at exit, never silent. It leaves the socket blind: its
 * next datagram to or from a new peer may be the answer to it, and is
 * reported without a direction rather than as the start of a flow. */
static __noinline int udp_unread(struct __sk_buff *skb)
{
	struct bpf_sock *bs;
	struct ppb_counters *c;
	struct udp_last *st;
	__u16 family;

	bs = skb_udp_sock(skb, &family);
	if (!bs || bs->type != SOCK_DGRAM)
		return 0;
	c = counts();
	if (c)
		c->udp_unread++;
	st = bpf_sk_storage_get(&udp_last, bs, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (st)
		st->blind = 1;
	return 0;
}

/* Every packet of the cgroup passes one program per direction, which reads
 * its headers once and hands them to its users: UDP datagrams in packet
 * mode (udp_skb), the DNS messages (dns.h) and, without packet mode, the
 * real local address of wildcard-bound UDP sockets (udp_wild.h).
 * Two programs a direction cost a second run each (the kernel's per-program
 * overhead is most of what a packet pays here), and both read the same
 * headers. */
static __always_inline int on_skb(struct __sk_buff *skb, bool in)
{
	struct pkt_hdr h;
	bool read;

	if (!trace_dns && !udp_pkt && !(in ? rloc_n : pend_n))
		return 1;
	read = pkt_hdr_read(skb, &h);
	if (read && h.proto == IPPROTO_UDP) {
		struct bpf_sock *bs;
		__u16 family;
		/* Who asks: the sender, in its sendmsg call (as the cgroup
		 * connect hooks claim a TCP or connected socket). */
		if (trace_dns && !in && h.dport == DNS_PORT && (bs = skb_udp_sock(skb, &family)))
			dns_claim_sock(bs, false);
		if (udp_pkt)
			udp_skb(skb, &h, in);
	} else if (!read && udp_pkt) {
		udp_unread(skb);
	}
	if (read)
		dns_skb(skb, &h, in);
	/* Unread headers (more IPv6 extension headers than pkt.h follows)
	 * still end an armed socket's wait: its record goes out with the
	 * wildcard source. */
	udp_wild_skb(skb, read ? &h : NULL, in);
	return 1;
}

SEC("cgroup_skb/egress")
int cg_skb_egress(struct __sk_buff *skb)
{
	return on_skb(skb, false);
}

SEC("cgroup_skb/ingress")
int cg_skb_ingress(struct __sk_buff *skb)
{
	return on_skb(skb, true);
}

/* A datagram through a cgroup sendmsg/recvmsg hook (unconnected sockets).
 * user_* is the peer (destination of a send, source of a receive); hook6
 * says which of user_ip4/user_ip6 this attach type may read (the verifier
 * allows only one). A v6 socket sending to a v4-mapped address goes through
 * the 4 hooks. */
static __always_inline void udp_sockaddr(struct bpf_sock_addr *ctx, bool out, bool hook6)
{
	struct bpf_sock *sk = ctx->sk;
	__u16 sfamily = ctx->family;          /* the socket's family */
	struct udp_key k = {};
	struct owner o = {};
	struct udp_last *last;
	__u8 local[16] = {}, peer[16] = {};
	__u64 pw[2];
	__u16 pport;

	if (ctx->protocol != IPPROTO_UDP || !sk || !family_wanted(sfamily) || !scope_bpf_sock_ok(sk))
		return;
	if (!hook6) {
		__u32 a = ctx->user_ip4;
		if (sfamily == AF_INET6) {
			/* a v4 peer of a v6 socket: ::ffff:a.b.c.d */
			peer[10] = 0xff;
			peer[11] = 0xff;
			__builtin_memcpy(&peer[12], &a, 4);
		} else {
			__builtin_memcpy(peer, &a, 4);
		}
	} else {
		__u32 a[4];
		if (sfamily != AF_INET6)
			return;
		a[0] = ctx->user_ip6[0];
		a[1] = ctx->user_ip6[1];
		a[2] = ctx->user_ip6[2];
		a[3] = ctx->user_ip6[3];
		__builtin_memcpy(peer, a, 16);
	}
	pport = bpf_ntohs((__u16)ctx->user_port);
	__builtin_memcpy(pw, peer, 16);

	/* The fast exit: the same peer as the last reported datagram. */
	last = bpf_sk_storage_get(&udp_last, sk, 0, 0);
	if (last && udp_peer_is(&last->last[0], pw, pport))
		return;

	/* Both forms are read unconditionally: a field chosen by a branch
	 * becomes pointer arithmetic on the socket, which the verifier refuses. */
	{
		const volatile struct bpf_sock *vs = sk;
		__u32 a4 = vs->src_ip4, a6[4];
		a6[0] = vs->src_ip6[0];
		a6[1] = vs->src_ip6[1];
		a6[2] = vs->src_ip6[2];
		a6[3] = vs->src_ip6[3];
		if (sfamily == AF_INET) {
			if (!a4 && out && !hook6)
				a4 = ctx->msg_src_ip4; /* IP_PKTINFO source, if given */
			__builtin_memcpy(local, &a4, 4);
		} else {
			__builtin_memcpy(local, a6, 16);
		}
	}

	/* The socket's entry (and an unconnected one's listen) before its
	 * first flow record. The hook's socket is the kernel's struct sock. */
	{
		/* The verifier allows no arithmetic on this pointer (which the
		 * CO-RE reads need): read its value as a plain number. */
		__u64 p = 0, v = (__u64)sk;
		bpf_probe_read_kernel(&p, sizeof(p), &v);
		k.sk = p;
		if (p && udp_track && trace_udp) {
			struct udp_life *u = udp_life_of(KSOCK(p), out);
			if (u)
				k.gen = u->start_ns;
		}
	}

	k.netns = task_netns();
	k.lport = sk->src_port;
	k.pport = pport;
	k.family = sfamily;
	__builtin_memcpy(k.peer, peer, 16);
	if (bpf_map_lookup_elem(&udp_seen, &k))
		goto known;
	current_proc(&o.p);
	if (!owner_wanted(&o))
		return;
	/* A wildcard socket's source is chosen by the route, after this hook:
	 * its packet tells it (udp_wild.h), and the record goes from there. */
	if (out && addr_zero(local) && udp_wild_arm(sk, &k, &o.p))
		return;
	if (!udp_first(&k))
		goto known;
	if (!out && addr_zero(local))
		udp_wild_local(sk, peer, pport, local);
	udp_flow_record(&k, &o, local, peer, out, 0, false);
known:
	last = bpf_sk_storage_get(&udp_last, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (last)
		udp_peer_set(&last->last[0], pw, pport);
}

SEC("cgroup/sendmsg4")
int cg_sendmsg4(struct bpf_sock_addr *ctx)
{
	if (trace_dns)
		dns_claim(ctx, false);
	if (trace_udp)
		udp_sockaddr(ctx, true, false);
	return 1;
}

SEC("cgroup/sendmsg6")
int cg_sendmsg6(struct bpf_sock_addr *ctx)
{
	if (trace_dns)
		dns_claim(ctx, false);
	if (trace_udp)
		udp_sockaddr(ctx, true, true);
	return 1;
}

SEC("cgroup/recvmsg4")
int cg_recvmsg4(struct bpf_sock_addr *ctx)
{
	udp_sockaddr(ctx, false, false);
	return 1;
}

SEC("cgroup/recvmsg6")
int cg_recvmsg6(struct bpf_sock_addr *ctx)
{
	udp_sockaddr(ctx, false, true);
	return 1;
}

/* Accept attribution without syscall tracepoints (user space sets this
 * when tp_exit_accept* cannot attach): the first process to send or receive
 * on an accepted socket. */
volatile bool claim_on_io = false;

/* sock:sock_send_length / sock_recv_length, in the context of the process
 * doing the I/O: a datagram on a connected UDP socket (no address passes
 * the cgroup hooks then), or the accept claim above. */
static __always_inline int on_sock_io(const struct sock *sk, int ret, int flags, bool out)
{
	__u16 proto, family;
	__u8 state;
	struct udp_key k = {};
	struct owner o = {};
	struct udp_life *u = NULL;
	__u8 local[16] = {};
	__u64 pw[2];

	if (!sk || ret < 0)
		return 0;
	proto = sk_proto(sk);
	if (proto == IPPROTO_TCP && claim_on_io) {
		/* the table's key: the pointer's value as a plain number */
		__u64 key = 0, v = (__u64)sk;
		bpf_probe_read_kernel(&key, sizeof(key), &v);
		return claim_accept(sk, key);
	}
	if (proto != IPPROTO_UDP || !trace_udp || !scope_sk_ok(sk))
		return 0;
	if (udp_track)
		u = udp_count(sk, ret, flags, out);
	state = KR(sk->__sk_common.skc_state);
	if (state != TCP_ESTABLISHED) /* connected UDP sockets only */
		return 0;
	family = KR(sk->__sk_common.skc_family);
	if (!family_wanted(family))
		return 0;
	k.pport = bpf_ntohs(KR(sk->__sk_common.skc_dport));
	sk_addrs(sk, family, local, k.peer);
	__builtin_memcpy(pw, k.peer, 16);
	if (!u && udp_track) { /* a peek */
		__u64 key = (__u64)sk;
		u = bpf_map_lookup_elem(&udp_socks, &key);
	}
	/* The fast exit: the peer already reported for this socket. */
	if (u && u->cvalid && u->cpport == k.pport && u->cpeer[0] == pw[0] && u->cpeer[1] == pw[1])
		return 0;
	k.netns = sk_netns(sk);
	k.lport = KR(sk->__sk_common.skc_num);
	k.family = family;
	k.sk = (__u64)sk;
	if (u)
		k.gen = u->start_ns;
	if (bpf_map_lookup_elem(&udp_seen, &k))
		goto known; /* reported, without reading the task */
	current_proc(&o.p);
	if (!owner_wanted(&o))
		return 0;
	/* (a flow whose record a full buffer dropped is not reported twice) */
	if (udp_first(&k))
		udp_flow_record(&k, &o, local, k.peer, out, (__u64)sk, false);
known:
	if (u) {
		u->cpeer[0] = pw[0];
		u->cpeer[1] = pw[1];
		u->cpport = k.pport;
		u->cvalid = 1;
	}
	return 0;
}

SEC("raw_tracepoint/sock_send_length")
int rtp_send_length(struct bpf_raw_tracepoint_args *ctx)
{
	return on_sock_io(KSOCK(ctx->args[0]), (int)ctx->args[1], 0, true);
}

SEC("raw_tracepoint/sock_recv_length")
int rtp_recv_length(struct bpf_raw_tracepoint_args *ctx)
{
	return on_sock_io(KSOCK(ctx->args[0]), (int)ctx->args[1],
			  (int)ctx->args[2], false);
}

/* cgroup/sock_release: an inet socket goes (close(2) of its last reference,
 * or its process's exit), in the releasing process, before the protocol
 * closes it: the tuple is still there. A UDP socket we counted gets its
 * close record: connected, with its 4-tuple (originator first, as its udp
 * record had it); unconnected, with its own address only, as the polling
 * mode reports an unconnected socket (a listener) leaving the table. */
SEC("cgroup/sock_release")
int cg_sock_release(struct bpf_sock *ctx)
{
	const struct sock *sk;
	struct udp_life *u, copy;
	struct ppb_event *e;
	__u64 key;
	__u16 family;
	__u8 state;

	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	udp_wild_release(ctx);
	/* The context is the kernel's struct sock: the key the tracepoints
	 * used. (Its value as a number needs CAP_PERFMON, which we have.) */
	key = (__u64)ctx;
	u = bpf_map_lookup_elem(&udp_socks, &key);
	if (!u)
		return 1;
	copy = *u;
	bpf_map_delete_elem(&udp_socks, &key);
	if (udp_pkt) {
		/* packet mode counts in the socket's storage */
		struct udp_last *st = bpf_sk_storage_get(&udp_last, ctx, 0, 0);
		if (st) {
			copy.tx += st->tx;
			copy.rx += st->rx;
		}
	}
	sk = KSOCK(key);
	family = KR(sk->__sk_common.skc_family);
	state = KR(sk->__sk_common.skc_state);
	e = reserve();
	if (!e)
		return 1;
	e->kind = PPB_CLOSE;
	e->proto = IPPROTO_UDP;
	e->family = family;
	e->state = state;
	e->netns = sk_netns(sk);
	e->sk = key;
	e->start_ns = copy.start_ns;
	e->tx_bytes = copy.tx;
	e->rx_bytes = copy.rx;
	e->flags |= PPB_F_START | PPB_F_BYTES;
	set_owner(e, &copy.o);
	if (state == TCP_ESTABLISHED && !copy.out) {
		/* connected, and the peer spoke first: it is the originator */
		sk_addrs(sk, family, e->daddr, e->saddr);
		e->sport = bpf_ntohs(KR(sk->__sk_common.skc_dport));
		e->dport = KR(sk->__sk_common.skc_num);
	} else {
		sk_addrs(sk, family, e->saddr, e->daddr);
		e->sport = KR(sk->__sk_common.skc_num);
		e->dport = bpf_ntohs(KR(sk->__sk_common.skc_dport));
		if (state == TCP_ESTABLISHED)
			e->flags |= PPB_F_OUT;
		else
			e->flags |= PPB_F_LISTENER;
	}
	submit(e);
	return 1;
}

/* iter/task_file, run once by user space once the hooks are attached
 * (packet mode): each UDP socket that already exists gets its udp_socks
 * entry, its owner the first process found holding it. In packet mode
 * nothing else names the owner of a socket older than us that receives
 * (the ingress program runs in softirq), and its reply would pass for the
 * start of a flow. Entries the hooks made meanwhile stay (BPF_NOEXIST);
 * no record is sent. */
SEC("iter/task_file")
int seed_udp(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct udp_life fresh = {};
	const struct sock *sk;
	struct socket *sock;
	__u64 key = 0;

	if (!task || !file || !udp_track || !trace_udp)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	/* as a number, the tables' key (a probe read in both builds) */
	if (bpf_probe_read_kernel(&key, sizeof(key), &KCAST(struct socket, sock)->sk) || !key)
		return 0;
	sk = KSOCK(key);
	if (sk_proto(sk) != IPPROTO_UDP || KR(sk->sk_type) != SOCK_DGRAM ||
	    !family_wanted(KR(sk->__sk_common.skc_family)) || !scope_sk_ok(sk))
		return 0;
	task_proc(KCAST(struct task_struct, task), &fresh.o.p);
	if (!owner_wanted(&fresh.o))
		return 0;
	fresh.start_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&udp_socks, &key, &fresh, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&udp_socks, &key)) {
		struct ppb_counters *c = counts();
		if (c)
			c->sock_full++;
	}
	return 0;
}

/* cgroup/post_bind4, post_bind6: a UDP socket bound by bind(2), in the
 * binding process: its listen now, as polling sees it in the table, even
 * before any datagram. (Sockets bound implicitly by their first datagram
 * are seen there.) */
static __always_inline void udp_bound(struct bpf_sock *ctx, __u16 family)
{
	if (ctx->protocol != IPPROTO_UDP || !udp_track || !trace_udp || !scope_bpf_sock_ok(ctx))
		return;
	udp_life_of(KSOCK((__u64)ctx), false);
	/* (each attach type may read its own address field only) */
	if (bsk_wild(ctx, family))
		udp_wild_table(ctx); /* the datagrams' local addresses, from the first */
}

SEC("cgroup/post_bind4")
int cg_post_bind4(struct bpf_sock *ctx)
{
	udp_bound(ctx, AF_INET);
	return 1;
}

SEC("cgroup/post_bind6")
int cg_post_bind6(struct bpf_sock *ctx)
{
	udp_bound(ctx, AF_INET6);
	return 1;
}
