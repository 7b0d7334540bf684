/* The interface between pp-sniff's core (capture, link layers, IP, flows,
 * TCP reassembly: sniff-core) and its application dissectors (dns.c,
 * http.c, ssh.c, tls.c, quic.c, ...). One dissector per protocol, in its
 * own file, described by a struct dissector and registered in the table
 * below; a dissector sees only bytes and this context, never pcap.
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
	bool upgrade;                 /* set by a text protocol's dissector: its client
	                               * asked for TLS (STARTTLS, STLS, AUTH TLS), so
	                               * the core looks for where TLS begins */
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

/* A dissector as the core sees it (after Suricata's AppLayerParser): a
 * name, a probe on a direction's first bytes, a parser per direction of a
 * TCP stream and/or per UDP datagram, and the release of its per-flow
 * state. The state is NULL when a flow is given to the dissector; the
 * parser allocates it on its first call and the core releases it with
 * free once the flow is done with (both directions finished, a wrong
 * guess, or the end of the flow). */
enum probe_result {
	PROBE_NO = 0,   /* these bytes cannot start this protocol */
	PROBE_YES = 1,  /* they start it: give the flow to this dissector */
	PROBE_MORE = 2, /* they may: ask again with more bytes */
};
#define DIS_F_ALT 1u  /* may take one direction on its own when the flow's
                       * dissector rejected it (an HTTP request to SSH) */
struct dissector {
	const char *name;
	/* t: the flow (originator -> responder), from_orig: whose bytes,
	 * capped: no more bytes will come this way (always for a datagram).
	 * NULL for a UDP dissector means "try the parser" on a few datagrams. */
	int (*probe)(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len,
	             bool capped);
	int (*stream)(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped);
	/* One UDP payload: DIS_MORE to see the flow's next datagrams, DIS_DONE
	 * when the flow has nothing more for it, DIS_NOTMINE when this one is
	 * not the protocol. */
	int (*datagram)(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n);
	/* The flow is over (or both directions are done): write what is still
	 * pending. NULL if nothing ever is. */
	void (*end)(struct sniff_ctx *c, void *state);
	void (*free)(void *state);
	unsigned flags;
};

/* The registered dissectors, in detection order: one row each. The core's
 * table (dissect_table.c) refers to dis_NAME, defined in NAME's own file,
 * so a dissector missing from a build is an undefined symbol at link time. */
#define SNIFF_DISSECTORS(X) \
	X(TLS, tls)         \
	X(HTTP, http)       \
	X(SSH, ssh)         \
	X(DNS, dns)         \
	X(QUIC, quic)       \
	X(SMTP, smtp)       \
	X(IMAP, imap)       \
	X(POP3, pop3)       \
	X(FTP, ftp)         \
	X(DHCP, dhcp)       \
	X(STUN, stun)       \
	X(SSDP, ssdp)       \
	X(SIP, sip)         \
	X(MQTT, mqtt)       \
	X(BITTORRENT, bittorrent) \
	X(NTP, ntp) /* last: the weakest signature */

#define DIS_DECLARE(ID, name) extern const struct dissector dis_##name;
SNIFF_DISSECTORS(DIS_DECLARE)
#undef DIS_DECLARE

/* Application ids: 0 = not yet known, 1.. the table's rows, then "none". */
#define DIS_ENUM(ID, name) APP_##ID,
enum app_id { APP_UNKNOWN = 0, SNIFF_DISSECTORS(DIS_ENUM) APP_NONE };
#undef DIS_ENUM
#define APP_COUNT (APP_NONE - 1)

/* sniff_dissectors[APP_X - 1] is dis_x. */
extern const struct dissector *const sniff_dissectors[APP_COUNT];
static inline const struct dissector *dissector_of(int app)
{
	return app > APP_UNKNOWN && app < APP_NONE ? sniff_dissectors[app - 1] : NULL;
}

#endif
