/* A flow and its TCP streams, shared by flow.c, stream.c, app.c, record.c. */
#ifndef PP_SNIFF_FLOW_H
#define PP_SNIFF_FLOW_H

#include <sys/queue.h>

#include "dissect.h"
#include "sniff.h"

/* One TCP direction: the first bytes of the stream, in order. Bytes may
 * arrive out of order; they land at their offset and the list of received
 * ranges says which parts are there. The first copy of a byte wins (a
 * retransmission with other contents does not rewrite what a dissector may
 * already have seen). */
#define STREAM_MAX_RANGES 16
struct stream {
	uint32_t base;         /* sequence number of stream byte 0 */
	uint8_t *buf;
	uint32_t alloc, cap;   /* bytes allocated; most ever kept */
	uint32_t nr;
	struct { uint32_t s, e; } r[STREAM_MAX_RANGES]; /* sorted, disjoint */
	uint32_t fed;          /* contiguous bytes already given to a dissector */
	bool base_set;
	bool fin;              /* FIN seen: no more bytes after fin_off */
	bool cut;              /* the capture cut a segment: no bytes after cap */
	bool overflow;         /* bytes came past cap while it was being read */
	uint32_t fin_off;
};

/* Contiguous bytes from stream offset 0. */
static inline uint32_t stream_contig(const struct stream *st)
{
	return st->nr && st->r[0].s == 0 ? st->r[0].e : 0;
}

struct flow {
	TAILQ_ENTRY(flow) link;        /* timeout-class list, oldest first */
	struct pp_tuple t;             /* originator -> responder (ICMP: see flow.c) */
	uint64_t hash;                 /* of t, either way round */
	uint16_t tuple_len;            /* of tuple_json; 0 until made */
	uint64_t first_us, last_us, upd_us;
	uint64_t pkts[2], bytes[2];    /* [0] from the originator; bytes: IP bytes */
	/* Payload bytes each way (Zeek's orig_bytes/resp_bytes). TCP: the span
	 * of sequence numbers that carried data, seq_lo..seq_hi relative to the
	 * first one, seq_top the absolute number at seq_hi; others: a sum. */
	uint64_t pay[2];
	int64_t seq_lo[2], seq_hi[2];
	uint32_t seq_top[2];
	bool seq_set[2];
	uint8_t flags[2];              /* TCP flags seen each way */
	uint8_t tclass;
	uint8_t icmp_code;
	/* ICMP errors (unreachable, time exceeded, packet too big, parameter
	 * problem) that quoted a packet of this flow, and the last one's. */
	uint32_t icmp_errors;
	uint8_t icmp_last_type, icmp_last_code;
	bool fin[2], rst;
	int vlan;
	const char *iface;
	/* application layer */
	uint8_t app_id;                /* the dissector in charge */
	uint32_t tried;                /* bit per app_id that said NOTMINE */
	int8_t dres[2];                /* last result each way (DIS_*), 2 = not yet called */
	uint8_t quic_misses;
	const char *app;               /* set by a dissector that recognised its protocol */
	bool starttls;                 /* a text protocol upgraded to TLS, or a
	                                * preamble (preamble.c) before TLS/HTTP */
	uint8_t preamble;              /* PRE_* of preamble.c, 0 none */
	bool keep_app;                 /* its dissector recognised it: app stays */
	bool skip_known[2];
	uint32_t skip[2];              /* STARTTLS: where TLS starts each way */
	void *dstate;
	/* A direction the flow's dissector rejected after it recognised the
	 * other one (an HTTP request to an SSH server) gets its own. */
	uint8_t alt_app[2];            /* APP_UNKNOWN = none */
	void *alt_state[2];
	struct stream *st[2];
	char cid[PP_COMMUNITY_ID_LEN + 1];
	/* The 5-tuple members of its records, made once (in the flow: no
	 * allocation per flow); record.c bounds its length. */
	char tuple_json[240]; /* at most 230: both IPv6 addresses, netns */
};

/* stream.c */
#define STREAM_MEM_MAX ((size_t)256 << 20)
extern size_t stream_mem, stream_mem_max;
/* Add TCP payload with sequence number seq to one direction. */
void stream_add(struct stream *st, uint32_t seq, const uint8_t *p, size_t n);
/* The capture cut a segment at sequence number seq (the snaplen): the
 * direction's bytes end there; its dissector gets what came before. */
void stream_cut(struct stream *st, uint32_t seq);
/* Forget the bytes (the stream stays, empty). */
void stream_release(struct stream *st);
void stream_free(struct stream *st);

/* preamble.c: the bytes before TLS or HTTP on a proxied or upgraded
 * connection. client: b is the originator's direction. *kind: 0 to try
 * every preamble (set to the one found), else that one only. 1 and *len
 * (its length) when b starts with a whole one, 0 when it may still
 * become one, -1 when it is none. */
enum { PRE_NONE, PRE_SOCKS4, PRE_SOCKS5, PRE_PROXY, PRE_PGSQL, PRE_MYSQL, PRE_LDAP, PRE_N };
int preamble_find(const uint8_t *b, size_t n, bool client, uint8_t *kind, size_t *len);

/* app.c */
void app_tcp(struct sniff *s, struct flow *f, int dir, uint64_t ts_us);
/* cut: the capture cut the datagram short (snaplen). */
void app_udp(struct sniff *s, struct flow *f, int dir, uint64_t ts_us, const uint8_t *p, size_t n,
             bool cut);
/* The flow ends: give waiting dissectors their last call, free their state. */
void app_flow_end(struct sniff *s, struct flow *f, uint64_t ts_us);

/* record.c */
void rec_flow(struct sniff *s, struct flow *f, const char *event, const char *reason);
void ctx_init(struct sniff *s, struct flow *f, struct sniff_ctx *c, bool from_orig, uint64_t ts_us);

#endif
