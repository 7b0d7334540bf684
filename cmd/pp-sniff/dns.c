/* DNS dissector: messages over UDP (DNS, mDNS, LLMNR: one per datagram)
 * and over TCP (RFC 1035 4.2.2: each message prefixed by a 2-byte length,
 * several per stream). Writes one "dns" record per message with the first
 * question and the ANSWER section (pp-records(5)); the walk of a message
 * is common/dnsmsg.c's, which pp-trace's DNS from the kernel shares. */
#include <stdlib.h>
#include <netinet/in.h>

#include "dissect.h"
#include "dnsmsg.h"
#include "pp.h"

#define DNS_HDR_LEN 12
#define DNS_TCP_SANE 16384 /* first message by content: longer ones are not waited for */

/* One message, one record. false if it cannot be DNS (too short for a
 * header). */
static bool dns_message(struct sniff_ctx *c, const uint8_t *p, size_t n, const char *transport)
{
	if (!pp_dns_msg_ok(p, n, c->cut))
		return false;
	if (c->app)
		*c->app = "dns";
	sniff_rec_begin(c, "dns");
	pp_dns_msg_write(c->w, p, n, c->cut, transport);
	sniff_rec_end(c);
	return true;
}

int dns_tcp_looks_like(const uint8_t *b, size_t n, bool dns_port)
{
	if (n < 2)
		return 0;
	size_t mlen = (size_t)(b[0] << 8 | b[1]);
	if (mlen < DNS_HDR_LEN || (!dns_port && mlen > DNS_TCP_SANE))
		return -1;
	if (dns_port) { /* the port, and a header with a sane question count */
		if (n < 2 + DNS_HDR_LEN)
			return 0;
		return (b[2 + 4] << 8 | b[2 + 5]) <= DNS_MAX_QUESTIONS ? 1 : -1;
	}
	if (n >= 2 + DNS_HDR_LEN && ((b[2 + 2] >> 3 & 0xf) == 3 || (b[2 + 2] >> 3 & 0xf) > 6 ||
	                             b[2 + 4] || b[2 + 5] != 1))
		return -1; /* an opcode or question count no message has */
	if (n < 2 + mlen)
		return 0;
	return dns_looks_like(b + 2, mlen) ? 1 : -1;
}

int dns_http2(struct sniff_ctx *c, const uint8_t *p, size_t n)
{
	return dns_message(c, p, n, "http2") ? DIS_DONE : DIS_NOTMINE;
}

int dns_udp(struct sniff_ctx *c, const uint8_t *p, size_t n)
{
	return dns_message(c, p, n, "udp") ? DIS_DONE : DIS_NOTMINE;
}

/* Per flow: where the next length prefix starts in each direction, and
 * whether a message was seen there (after which garbage ends the direction
 * instead of disowning the flow). */
struct dns_tcp {
	size_t off[2];
	bool seen[2];
};

int dns_tcp_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	struct dns_tcp *s = *state;
	int d = c->from_orig ? 0 : 1;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return DIS_DONE;
		*state = s;
	}
	for (;;) {
		size_t off = s->off[d], mlen;
		bool part = false;
		if (len - off < 2)
			return capped ? DIS_DONE : DIS_MORE;
		mlen = (size_t)buf[off] << 8 | buf[off + 1];
		if (mlen < DNS_HDR_LEN)
			return s->seen[d] ? DIS_DONE : DIS_NOTMINE;
		if (len - off - 2 < mlen) {
			if (!capped)
				return DIS_MORE;
			/* The rest will never come: say what the part shows. */
			mlen = len - off - 2;
			part = true;
		}
		if (!dns_message(c, buf + off + 2, mlen, "tcp"))
			return s->seen[d] ? DIS_DONE : DIS_NOTMINE;
		if (part)
			return DIS_DONE;
		s->seen[d] = true;
		s->off[d] = off + 2 + mlen;
	}
}

void dns_free(void *state)
{
	free(state);
}

/* DNS by content on any port; its ports (53; over UDP also mDNS 5353 and
 * LLMNR 5355) take every datagram, and over TCP port 53 only lowers the
 * bar (a header's worth, or a direction that ends inside it). */
static bool dns_port(uint16_t p) { return p == 53 || p == 5353 || p == 5355; }
static int dns_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	if (t->proto == IPPROTO_TCP) {
		bool p53 = t->sport == 53 || t->dport == 53;
		int d = dns_tcp_looks_like(buf, len, p53);
		if (d > 0 || (d == 0 && capped && p53))
			return PROBE_YES;
		return d == 0 && !capped ? PROBE_MORE : PROBE_NO;
	}
	return dns_port(t->sport) || dns_port(t->dport) || dns_looks_like(buf, len) ? PROBE_YES : PROBE_NO;
}
/* Every datagram of the flow is a message of its own. */
static int dns_datagram(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	return dns_udp(c, p, n) == DIS_DONE ? DIS_MORE : DIS_NOTMINE;
}
const struct dissector dis_dns = {
	.name = "dns", .probe = dns_probe, .stream = dns_tcp_stream, .datagram = dns_datagram,
	.free = dns_free,
};
