/* NTP (RFC 5905) over UDP: one "ntp" record per message with its version,
 * mode, stratum, poll interval and, from servers, the reference id (the
 * server's own time source: a clock name for stratum 1, an IPv4 address
 * for stratum 2 and up, a kiss code for stratum 0), pp-records(5).
 *
 * NTP has no magic number, so the content must fit tightly on any port:
 * version 3 or 4, mode 1 to 5, a 48-byte header followed only by whole
 * extension fields or a MAC (key id + 16 or 20 bytes), a stratum of at most
 * 16, a poll exponent of at most 17, a transmit timestamp; a server reply
 * also needs a precision between 2^-32 and 1 s and a receive timestamp no
 * later than its transmit timestamp (the same era). Control (mode 6) and
 * private (mode 7) messages are not dissected. */
#include <netinet/in.h>

#include "bytes.h"
#include "dissect.h"
#include "pp.h"

#define NTP_HDR 48

static const char *const modes[] = {
	NULL, "symmetric_active", "symmetric_passive", "client", "server", "broadcast",
};

struct ntp_hdr {
	uint8_t li, vn, mode, stratum, poll;
	int8_t precision;
	uint8_t refid[4];
	uint32_t rx_s, tx_s;
	bool tx_set, rx_set;
};

/* What follows the header: a MAC (4-byte key id and a 16- or 20-byte
 * digest), or extension fields (RFC 7822: type, length >= 16, a multiple
 * of 4) optionally followed by a MAC. */
static bool tail_ok(const uint8_t *p, size_t n)
{
	while (n) {
		if (n == 20 || n == 24)
			return true; /* a MAC */
		if (n < 16)
			return false;
		size_t len = (size_t)p[2] << 8 | p[3];
		if (len < 16 || len % 4 || len > n)
			return false;
		p += len, n -= len;
	}
	return true;
}

static bool ntp_parse(const uint8_t *p, size_t n, struct ntp_hdr *h)
{
	struct cur c;
	uint8_t b0, prec;
	const uint8_t *ref, *ts;
	cur_init(&c, p, n);
	if (n < NTP_HDR || !cur_u8(&c, &b0) || !cur_u8(&c, &h->stratum) || !cur_u8(&c, &h->poll) ||
	    !cur_u8(&c, &prec) || !cur_skip(&c, 8) || !(ref = cur_bytes(&c, 4)) ||
	    !(ts = cur_bytes(&c, 32)))
		return false;
	h->li = b0 >> 6, h->vn = (b0 >> 3) & 7, h->mode = b0 & 7;
	h->precision = (int8_t)prec;
	memcpy(h->refid, ref, 4);
	/* ts: reference, origin, receive, transmit (seconds, fraction) */
	h->rx_s = (uint32_t)ts[16] << 24 | (uint32_t)ts[17] << 16 | (uint32_t)ts[18] << 8 | ts[19];
	h->tx_s = (uint32_t)ts[24] << 24 | (uint32_t)ts[25] << 16 | (uint32_t)ts[26] << 8 | ts[27];
	h->rx_set = h->rx_s || ts[20] || ts[21] || ts[22] || ts[23];
	h->tx_set = h->tx_s || ts[28] || ts[29] || ts[30] || ts[31];
	if ((h->vn != 3 && h->vn != 4) || h->mode < 1 || h->mode > 5 || h->stratum > 16 ||
	    h->poll > 17 || !h->tx_set || !tail_ok(p + NTP_HDR, n - NTP_HDR))
		return false;
	if (h->mode == 4 || h->mode == 2) {
		if (h->precision > 0 || h->precision < -32)
			return false;
		/* a kiss-o'-death (stratum 0) may leave the timestamps out */
		if (h->stratum && (!h->rx_set || h->rx_s > h->tx_s || h->tx_s - h->rx_s > 60))
			return false;
	}
	return true;
}

static int ntp_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *p, size_t n, bool capped)
{
	struct ntp_hdr h;
	return ntp_parse(p, n, &h) ? PROBE_YES : PROBE_NO;
}

static bool printable4(const uint8_t *r)
{
	for (int i = 0; i < 4; i++)
		if (r[i] && (r[i] < 0x20 || r[i] > 0x7e))
			return false;
	return r[0] != 0;
}

static int ntp_datagram(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	struct ntp_hdr h;
	if (!ntp_parse(p, n, &h))
		return DIS_NOTMINE;
	if (c->app)
		*c->app = "ntp";
	sniff_rec_begin(c, "ntp");
	jw_uint(c->w, "version", h.vn);
	jw_str(c->w, "mode", modes[h.mode]);
	if (h.mode != 3) {
		jw_uint(c->w, "stratum", h.stratum);
		size_t k = 0;
		while (k < 4 && h.refid[k])
			k++;
		if (h.stratum <= 1 && printable4(h.refid)) {
			jw_strn(c->w, h.stratum ? "reference_id" : "kiss_code", h.refid, k);
		} else if (h.stratum >= 2 && (h.refid[0] | h.refid[1] | h.refid[2] | h.refid[3])) {
			/* an IPv4 address, or (IPv6 upstreams) the first bytes of its hash */
			struct pp_addr a;
			char buf[PP_ADDRSTRLEN];
			pp_addr_from4(&a, h.refid);
			jw_str(c->w, "reference_id", pp_addr_fmt(&a, buf));
		}
		if (h.li == 3)
			jw_bool(c->w, "unsynchronized", true);
	}
	jw_uint(c->w, "poll", h.poll);
	sniff_rec_end(c);
	return DIS_MORE;
}

static void ntp_free(void *state) { (void)state; }

const struct dissector dis_ntp = {
	.name = "ntp", .probe = ntp_probe, .datagram = ntp_datagram, .free = ntp_free,
};
