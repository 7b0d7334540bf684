/* STUN (RFC 8489) and TURN (RFC 8656) over UDP: one "stun" record per
 * message with its method and class, the mapped address the server saw
 * (XOR-MAPPED-ADDRESS or MAPPED-ADDRESS: a WebRTC peer's public address),
 * TURN's relayed address and the peer address a TURN client relays to,
 * the SOFTWARE attribute and an error code
 * (pp-records(5)). Recognised by content on any port: the two zero bits,
 * a length that is the rest of the datagram in whole attributes, the magic
 * cookie. USERNAME, MESSAGE-INTEGRITY and the DATA of TURN Send/Data
 * indications (a relayed payload) are never written. Classic STUN (RFC
 * 3489, no cookie) and STUN over TCP are not dissected; the non-STUN
 * datagrams of the same flow (DTLS, SRTP, ChannelData) are ignored. */
#include <netinet/in.h>

#include "bytes.h"
#include "dissect.h"
#include "pp.h"

#define STUN_HDR 20
#define STUN_COOKIE 0x2112A442u

static int stun_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *p, size_t n, bool capped)
{
	struct cur c;
	uint16_t type, len;
	uint32_t cookie;
	cur_init(&c, p, n);
	if (!cur_u16(&c, &type) || !cur_u16(&c, &len) || !cur_u32(&c, &cookie))
		return PROBE_NO;
	return (type & 0xc000) == 0 && len % 4 == 0 && (size_t)len + STUN_HDR == n &&
	               cookie == STUN_COOKIE
	           ? PROBE_YES
	           : PROBE_NO;
}

static const char *method_name(unsigned m)
{
	switch (m) {
	case 0x001: return "binding";
	case 0x003: return "allocate";
	case 0x004: return "refresh";
	case 0x006: return "send";
	case 0x007: return "data";
	case 0x008: return "create_permission";
	case 0x009: return "channel_bind";
	case 0x00a: return "connect";
	case 0x00b: return "connection_bind";
	case 0x00c: return "connection_attempt";
	}
	return NULL;
}

static const char *const classes[] = {"request", "indication", "success", "error"};

/* An address attribute's value; xor with the cookie and the transaction
 * id (tid) for the XOR- kinds. */
static bool put_address(struct sniff_ctx *c, const char *key, const char *pkey, const uint8_t *v,
                        size_t n, bool xor, const uint8_t *tid)
{
	uint8_t a[16];
	static const uint8_t ck[4] = {0x21, 0x12, 0xa4, 0x42};
	struct pp_addr ad;
	char buf[PP_ADDRSTRLEN];
	uint16_t port;
	size_t alen;

	if (n < 4)
		return false;
	alen = v[1] == 1 ? 4 : v[1] == 2 ? 16 : 0;
	if (!alen || n != 4 + alen)
		return false;
	port = (uint16_t)(v[2] << 8 | v[3]);
	memcpy(a, v + 4, alen);
	if (xor) {
		port ^= 0x2112;
		for (size_t i = 0; i < alen; i++)
			a[i] ^= i < 4 ? ck[i] : tid[i - 4];
	}
	if (alen == 4)
		pp_addr_from4(&ad, a);
	else
		pp_addr_from6(&ad, a);
	jw_str(c->w, key, pp_addr_fmt(&ad, buf));
	jw_uint(c->w, pkey, port);
	return true;
}

static int stun_datagram(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	struct cur cu;
	uint16_t type = 0, len = 0;
	const uint8_t *tid;
	bool mapped = false, relayed = false, peer = false, software = false, err = false;
	const char *method;

	if (stun_probe(c->tuple, c->from_orig, p, n, true) != PROBE_YES)
		return DIS_NOTMINE;
	cur_init(&cu, p, n);
	if (!cur_u16(&cu, &type) || !cur_u16(&cu, &len) || !cur_skip(&cu, 4) ||
	    !(tid = cur_bytes(&cu, 12)))
		return DIS_NOTMINE;
	unsigned m = (type & 0x000f) | (type & 0x00e0) >> 1 | (type & 0x3e00) >> 2;
	unsigned cls = (type & 0x0010) >> 4 | (type & 0x0100) >> 7;
	if (!(method = method_name(m)))
		return DIS_NOTMINE;
	if (c->app)
		*c->app = "stun";
	sniff_rec_begin(c, "stun");
	jw_str(c->w, "method", method);
	jw_str(c->w, "class", classes[cls]);
	while (cur_left(&cu) >= 4) {
		uint16_t at = 0, al = 0;
		const uint8_t *v;
		if (!cur_u16(&cu, &at) || !cur_u16(&cu, &al) || !(v = cur_bytes(&cu, al)) || !cur_skip(&cu, (4 - al % 4) % 4)) {
			jw_str(c->w, "malformed", "attribute runs past the end");
			break;
		}
		switch (at) {
		case 0x0020: /* XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS */
		case 0x8020: /* its pre-RFC 5389 code */
			if (!mapped)
				mapped = put_address(c, "mapped_addr", "mapped_port", v, al, true, tid);
			break;
		case 0x0001:
			if (!mapped && cls == 2) {
				/* only when no XOR form follows: look ahead */
				struct cur la = cu;
				bool has_xor = false;
				while (cur_left(&la) >= 4) {
					uint16_t t2 = 0, l2 = 0;
					if (!cur_u16(&la, &t2) || !cur_u16(&la, &l2))
						break;
					has_xor |= t2 == 0x0020 || t2 == 0x8020;
					if (!cur_skip(&la, l2) || !cur_skip(&la, (4 - l2 % 4) % 4))
						break;
				}
				if (!has_xor)
					mapped = put_address(c, "mapped_addr", "mapped_port", v, al, false, tid);
			}
			break;
		case 0x0016:
			if (!relayed)
				relayed = put_address(c, "relayed_addr", "relayed_port", v, al, true, tid);
			break;
		case 0x0012: /* XOR-PEER-ADDRESS: the peer a TURN client relays to */
			if (!peer)
				peer = put_address(c, "peer_addr", "peer_port", v, al, true, tid);
			break;
		case 0x8022:
			if (!software && al) {
				jw_strn(c->w, "software", v, al > 128 ? 128 : al);
				software = true;
			}
			break;
		case 0x0009:
			if (!err && al >= 4) {
				jw_uint(c->w, "error_code", (unsigned)(v[2] & 7) * 100 + v[3] % 100);
				err = true;
			}
			break;
		}
	}
	sniff_rec_end(c);
	return DIS_MORE;
}

static void stun_free(void *state) { (void)state; }

const struct dissector dis_stun = {
	.name = "stun", .probe = stun_probe, .datagram = stun_datagram, .free = stun_free,
};
