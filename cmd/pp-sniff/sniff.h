/* pp-sniff's core: the packet path from link layer to flows, independent of
 * pcap so that the same code runs on captures, live interfaces and fuzz
 * inputs. Files:
 *   link.c    link-layer headers (Ethernet/VLAN, SLL, SLL2, NULL, raw, ...)
 *   ip.c      IPv4 (options) and IPv6 (extension headers), fragments to frag.c
 *   frag.c    IPv4/IPv6 fragment reassembly, bounded in memory and time
 *   flow.c    the flow table: 5-tuple, originator, counters, timeouts
 *   stream.c  in-order reassembly of the first bytes of each TCP direction
 *   app.c     protocol detection on any port and dispatch to the dissectors
 *   record.c  flow records and the common fields of every record
 *   main.c    options, libpcap, signals */
#ifndef PP_SNIFF_H
#define PP_SNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "tuple.h"
#include "wfail.h"

/* Bytes of each TCP direction kept for the dissectors: enough for a large
 * ClientHello with post-quantum key shares plus a certificate chain. */
#define SNIFF_STREAM_CAP (64u * 1024)

/* Timeout classes, each with its own idle time (see pp-sniff(1), TIMEOUTS). */
enum tclass {
	TC_TCP_SYN,    /* TCP, only a SYN seen so far */
	TC_TCP,        /* TCP, established or picked up mid-stream */
	TC_TCP_CLOSED, /* TCP after FIN both ways or RST: a short linger */
	TC_UDP,
	TC_DNS,        /* UDP to or from a DNS, mDNS or LLMNR port */
	TC_ICMP,
	TC_OTHER,
	TC_N
};

struct sniff_opts {
	unsigned long max_flows;
	uint64_t update_us;           /* periodic update records; 0 = never */
	uint64_t timeout_us[TC_N];
	size_t stream_cap;
	bool quiet;                   /* -q: flow records only */
};

/* Packets that could not be decoded, reported at exit. */
struct sniff_stats {
	uint64_t packets;
	uint64_t truncated;   /* shorter than their headers say (snaplen) */
	uint64_t malformed;   /* headers that lie */
	uint64_t frag_dropped;/* fragments of datagrams never completed */
	uint64_t flows, evicted;
};

/* One decoded network-layer packet, as the flow table sees it. */
struct pkt {
	uint64_t ts_us;
	int vlan;              /* outer VLAN id or -1 */
	const char *iface;     /* interface name or NULL */
	struct pp_addr src, dst;
	uint8_t proto;
	const uint8_t *l4;     /* transport header and payload as captured */
	size_t l4len;          /* bytes at l4 */
	size_t l4wire;         /* transport length per the IP header */
	uint64_t ip_bytes;     /* IP bytes on the wire (all fragments) */
	uint32_t npkts;        /* packets this stands for (fragments) */
	bool partial;          /* the start of a datagram never completed (frag.c):
	                        * short through no fault of the capture */
};

struct flowtab;
struct fragtab;

struct sniff {
	struct sniff_opts o;
	struct sniff_stats st;
	struct jw w;
	FILE *out;
	uint64_t now_us;       /* the clock: latest packet or wall time */
	const char *src_name;  /* file or interface, for messages; NULL: quiet */
	unsigned long reported;
	struct flowtab *ft;
	struct fragtab *frag;
};

/* Engine lifetime. sniff_init takes o by value; out is where records go. */
int sniff_init(struct sniff *s, const struct sniff_opts *o, FILE *out);
void sniff_defaults(struct sniff_opts *o);
/* One captured frame of link type dlt (pcap DLT_* value). */
void sniff_packet(struct sniff *s, int dlt, uint64_t ts_us, const uint8_t *p, size_t caplen,
                  size_t wirelen, const char *iface);
/* Advance the clock (live captures when idle): ends idle flows. */
void sniff_tick(struct sniff *s, uint64_t now_us);
/* End every flow (reason "eof") and free everything. */
void sniff_finish(struct sniff *s);
/* A packet cut short by the snaplen (trunc) or with lying headers: counted,
 * and the first few reported as "pp-sniff: SRC: packet N: truncated WHAT". */
void sniff_bad(struct sniff *s, bool trunc, const char *what);
/* Is this link type one we decode? */
bool sniff_dlt_supported(int dlt);

/* link.c: where the network layer starts. */
struct link_info {
	size_t off;     /* offset of the network header */
	int l3;         /* 4, 6, or 0 for "look at the version nibble" */
	int vlan;       /* outer VLAN id or -1 */
	int ifindex;    /* SLL2: interface index, else 0 */
};
enum { LINK_OK = 0, LINK_TRUNC = -1, LINK_SKIP = -2 };
int link_parse(int dlt, const uint8_t *p, size_t len, struct link_info *li);
/* An 802.11 data frame at c (tunnels carry them too); swap: frame control
 * byte-swapped (CAPWAP). */
struct cur;
int link_wlan(struct cur *c, struct link_info *li, bool swap);

/* ip.c: one network-layer packet; hands complete datagrams to flow_input. */
void ip_input(struct sniff *s, const uint8_t *p, size_t caplen, int l3, struct pkt *pk);

/* ip.c: tunnels in UDP (GTP-U, VXLAN, Geneve, GRE, AYIYA, CAPWAP) go
 * back in as packets of their own; false when p is not such a tunnel.
 * tunnel_port: could these ports carry one? */
bool tunnel_port(uint16_t sport, uint16_t dport);
bool tunnel_input(struct sniff *s, const struct pkt *outer, uint16_t sport, uint16_t dport,
                  const uint8_t *p, size_t n);

/* ip.c: the payload of GRE and IP-in-IP packets, decoded as packets. */
void ip_tunnel_input(struct sniff *s, const struct pkt *outer);

/* frag.c: fragment reassembly. */
struct frag_in {
	struct pp_addr src, dst;
	uint32_t id;
	uint8_t proto;         /* transport protocol (IPv6: from the first fragment) */
	bool proto_known;      /* IPv6: only the offset-0 fragment names it */
	uint32_t off;          /* byte offset of this fragment's data */
	bool more;             /* MF set */
	const uint8_t *data;
	size_t len;            /* data bytes captured */
	bool truncated;        /* the fragment's data was cut by the snaplen */
	uint64_t ip_bytes;
};
struct frag_out {
	uint8_t *data;         /* malloc'd datagram payload (the caller frees) */
	size_t len;
	uint8_t proto;
	uint64_t ip_bytes;
	uint32_t npkts;
	/* frag_take_partial: the start of a datagram never completed */
	bool partial;
	struct pp_addr src, dst;
	uint64_t ts_us;        /* of its first fragment */
};
struct fragtab *frag_new(void);
void frag_free(struct fragtab *t, struct sniff_stats *st);
/* 1 and *out filled when the datagram is complete, else 0. */
int frag_add(struct fragtab *t, uint64_t now_us, const struct frag_in *in, struct frag_out *out,
             struct sniff_stats *st);
/* A dropped datagram's first part (before its first hole), oldest first:
 * 1 and *out filled, or 0. */
int frag_take_partial(struct fragtab *t, struct frag_out *out);
/* Drop every datagram still in reassembly (the end of input). */
void frag_drop_all(struct fragtab *t, struct sniff_stats *st);
/* ip.c: hand on the partial datagrams frag.c has queued; all: drop every
 * datagram in reassembly first (the end of the input). */
void ip_frag_flush(struct sniff *s, bool all);

/* flow.c */
struct flowtab *flow_new(struct sniff *s);
void flow_input(struct sniff *s, const struct pkt *pk);
void flow_expire(struct sniff *s, uint64_t now_us);
void flow_end_all(struct sniff *s);
void flow_free(struct flowtab *ft);

/* stream.c: TCP directions that went past the bytes kept (stream_cap)
 * while their dissector was reading, for the report at exit. */
extern unsigned long stream_overflows;

/* record.c: output of records; a failed write is remembered. */
extern struct pp_wfail sniff_out; /* stdout's write-failure state */
/* Network namespace (inode) of a live capture, written on every record
 * with a 5-tuple; 0 (files) writes none. */
extern uint64_t sniff_netns;

#endif
