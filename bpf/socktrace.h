/* The record that bpf/socktrace.bpf.c puts into the ring buffer and
 * cmd/pp-trace/ebpf_event.c reads back. Fixed-width fields only, laid out
 * without holes, so both compilers (clang -target bpf and the host cc) agree
 * on every offset; the size assertion below catches any drift.
 * The includer provides __u8.. __u64 (vmlinux.h or <linux/types.h>). */
#ifndef PP_SOCKTRACE_H
#define PP_SOCKTRACE_H

#define PPB_COMM_LEN 16

/* What happened (kind). */
enum {
	PPB_CONNECT = 1, /* outbound TCP connection left SYN-SENT */
	PPB_ACCEPT = 2,  /* a process accepted an inbound TCP connection */
	PPB_LISTEN = 3,  /* a TCP socket started listening */
	PPB_UDP = 4,     /* first datagram of a UDP flow on a socket */
	PPB_CLOSE = 5,   /* a TCP connection reached CLOSE, or a UDP socket we
			  * saw carry datagrams was released */
};

/* flags */
#define PPB_F_PID    0x01 /* pid, ppid, uid, comm are valid */
#define PPB_F_OUT    0x02 /* we originated: connect, datagram sent */
#define PPB_F_BYTES  0x04 /* tx_bytes, rx_bytes valid */
#define PPB_F_START  0x08 /* start_ns valid (duration known) */
#define PPB_F_LISTENER 0x10 /* a listening socket, or an unconnected UDP one:
			     * saddr/sport only (listen, its close) */
#define PPB_F_NODIR  0x20 /* socket older than us: saddr is the local side, direction unknown */
#define PPB_F_FIN_IN 0x40 /* close: the peer's FIN was received (counted in rx_bytes) */
#define PPB_F_FIN_ACKED 0x80 /* close: our FIN was acknowledged (counted in tx_bytes) */

struct ppb_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns() of the event (CLOCK_MONOTONIC) */
	__u64 start_ns;    /* when the socket was first seen, for duration */
	__u64 sk;          /* kernel socket address: identity while it lives */
	__u64 tx_bytes;    /* TCP: tcp_sock.bytes_acked (counts SYN and FIN too);
			    * UDP: datagram payload bytes sent */
	__u64 rx_bytes;    /* TCP: tcp_sock.bytes_received (counts the FIN too);
			    * UDP: datagram payload bytes received */
	__u64 pstart_ns;   /* the process's start (group leader's start_boottime):
			    * tells its /proc entry from a later one of the same pid */
	__u32 netns;       /* network namespace inode */
	__u32 pid;         /* tgid of the process */
	__u32 ppid;
	__u32 uid;
	__u8 saddr[16];    /* originator (network order; IPv4 in [0..3]) */
	__u8 daddr[16];    /* responder; zero for listen */
	__u16 sport, dport; /* host order */
	__u8 kind;         /* PPB_* */
	__u8 family;       /* AF_INET or AF_INET6 (socket's family) */
	__u8 proto;        /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 state;        /* kernel TCP state number (TCP_ESTABLISHED = 1 ...);
			    * UDP: 1 connected, 7 not */
	__u8 flags;        /* PPB_F_* */
	__u8 pad[7];
	char comm[PPB_COMM_LEN]; /* the process's (group leader's) comm */
};

_Static_assert(sizeof(struct ppb_event) == 128, "struct ppb_event layout changed");

/* Per-CPU counters (one array slot), summed by user space. */
struct ppb_counters {
	__u64 events;       /* records submitted */
	__u64 drops;        /* ring buffer reservations that failed */
	__u64 sock_full;    /* socket table full: a connection lost its owner */
	__u64 udp_unread;   /* packet mode: a UDP datagram whose UDP header the
	                     * packet programs could not read (IPsec ESP on the
	                     * way out, a long IPv6 extension chain): not seen */
};

_Static_assert(sizeof(struct ppb_counters) == 32, "struct ppb_counters layout changed");

#endif
