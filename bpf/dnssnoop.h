/* The record that bpf/dns.h puts into its ring buffer and
 * cmd/pp-trace/kdns_event.c reads back: a fixed header, then `len` bytes
 * of one DNS message (a prefix of it: see the BPF side for what it keeps).
 * Fixed-width fields laid out without holes, so clang -target bpf and the
 * host compiler agree; the size assertion catches drift.
 * The includer provides __u8.. __u64 (vmlinux.h or <linux/types.h>). */
#ifndef PP_DNSSNOOP_H
#define PP_DNSSNOOP_H

#define PPD_COMM_LEN 16
#define PPD_MSG_MAX 512 /* bytes of a DNS message looked at, at most */

/* flags */
#define PPD_F_PID   0x01 /* pid, ppid, uid, comm, pstart_ns are valid */
#define PPD_F_CUT   0x02 /* the copy ends before the message does (the
			  * 512-byte bound, an answer of another type, the
			  * walk's step budget): parse as a cut message */
#define PPD_F_TCP   0x04 /* over TCP (the 2-byte length prefix not copied) */
#define PPD_F_IN    0x08 /* a response delivered to the client's socket
			  * (ingress); else a query it sent (egress) */

struct ppd_hdr {
	__u64 ts_ns;       /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u64 pstart_ns;   /* owner's start_boottime: tells a reused pid */
	__u64 cookie;      /* socket cookie */
	__u32 netns;       /* the socket's network namespace inode */
	__u32 pid, ppid, uid;
	__u8 caddr[16];    /* the client (the socket's side; IPv4 in [0..3]) */
	__u8 saddr[16];    /* the server (port 53) */
	__u16 cport, sport; /* host order */
	__u16 len;         /* message bytes that follow the header */
	__u16 msg_len;     /* the whole message's length, as the datagram or
			    * the TCP length prefix says */
	__u8 family;       /* AF_INET or AF_INET6: of the packet */
	__u8 flags;        /* PPD_F_* */
	__u8 pad[6];
	char comm[PPD_COMM_LEN];
};

_Static_assert(sizeof(struct ppd_hdr) == 104, "struct ppd_hdr layout changed");

/* Per-CPU counters (one array slot), summed by user space. */
struct ppd_counters {
	__u64 records;     /* messages submitted */
	__u64 drops;       /* ring buffer full */
	__u64 tcp_skipped; /* TCP segments that start no message we can tell */
};

_Static_assert(sizeof(struct ppd_counters) == 24, "struct ppd_counters layout changed");

#endif
