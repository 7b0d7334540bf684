/* The interface between pp-sniff's core (capture, link layers, IP, flows,
 * TCP reassembly: sniff-core) and its application dissectors (dns.c,
 * http.c, ssh.c, tls.c, quic.c). One dissector per protocol, in its own
 * file; a dissector sees only bytes and this context, never pcap.
 *
 * Untrusted bytes: every read goes through the bounds-checked accessors of
 * bytes.h; a short buffer is "truncated" (DIS_MORE while the stream can still
 * grow), a length field that lies is "invalid" (DIS_NOTMINE or DIS_DONE). */
#ifndef PP_SNIFF_DISSECT_H
#define PP_SNIFF_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "tuple.h"

/* What a dissector needs to write a record about the current flow. */
struct sniff_ctx {
	uint64_t ts_us;               /* time of the packet being processed */
	const struct pp_tuple *tuple; /* originator -> responder orientation */
	const char *community_id;
	bool from_orig;               /* these bytes were sent by the originator */
	const char *iface;            /* capture interface, NULL for files */
	int vlan;                     /* outer VLAN id or -1 */
	const char **app;             /* set *app = "dns"/"tls"/... when recognised */
	bool cut;                     /* the capture (snaplen) cut these bytes: where
	                               * they end short, the sender is not to blame */
	size_t upgrade_at;            /* with DIS_UPGRADE: where the other protocol starts */
	struct jw *w;
	FILE *out;
};

/* Begin a record of type with the common fields (type, ts, proto, src,
 * sport, dst, dport, community_id); the dissector adds its own and calls
 * sniff_rec_end. Implemented by the core (record.c). */
void sniff_rec_begin(struct sniff_ctx *c, const char *type);
void sniff_rec_end(struct sniff_ctx *c);

enum dis_result {
	DIS_MORE = 0,     /* need more bytes of this direction */
	DIS_DONE = 1,     /* finished with this direction */
	DIS_NOTMINE = -1, /* not this protocol */
	DIS_UPGRADE = 2,  /* this protocol ends at c->upgrade_at of buf, another
	                   * (TLS after HTTP CONNECT) follows: the core looks
	                   * for it from there, in both directions */
};

/* Stream dissectors: buf holds every in-order byte of this direction from
 * the start of the stream, up to the core's cap (capped = no more will come).
 * Called again whenever more bytes arrive until DONE or NOTMINE. *state is
 * per flow (both directions), NULL at first; the dissector allocates it and
 * the core frees it with the matching _free. */
int dns_tcp_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped);
int tls_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped);
int http_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped);
int ssh_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped);
void dns_free(void *state);
void tls_free(void *state);
void http_free(void *state);
void ssh_free(void *state);

/* Quick checks on the first bytes of a direction, for protocol detection
 * on any port: true if buf could start this protocol. */
bool tls_looks_like(const uint8_t *buf, size_t len);
bool http_looks_like(const uint8_t *buf, size_t len);
/* DNS by content (dns.c): one whole, sane message (a UDP payload). */
bool dns_looks_like(const uint8_t *p, size_t n);
/* A TCP direction's first length-prefixed message: 1 DNS, 0 wait, -1 no.
 * dns_port: on port 53 a header's worth is enough (the dissector then
 * decides), elsewhere the whole first message must pass dns_looks_like. */
int dns_tcp_looks_like(const uint8_t *buf, size_t len, bool dns_port);
bool ssh_looks_like(const uint8_t *buf, size_t len);

/* Datagram dissectors: one UDP payload. */
int dns_udp(struct sniff_ctx *c, const uint8_t *p, size_t n);
/* One DNS message carried in HTTP/2 (DoH in the clear, from http.c). */
int dns_http2(struct sniff_ctx *c, const uint8_t *p, size_t n);
int quic_udp(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n);
void quic_free(void *state);

#endif
