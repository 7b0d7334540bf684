/* Google QUIC before IETF QUIC (Q024-Q046, in the clear) and Q050
 * (IETF Initial protection, opened by quic.c): the client's CHLO handshake
 * message, a tag-value map whose SNI and UAID (user agent) tags are
 * written as a "quic" record with the version ("Q046"). Layouts from
 * Chromium's QUIC sources as Wireshark and nDPI read them:
 *
 *   Q024-Q043  public flags (0x01 version, 0x08 8-byte connection id,
 *              0x30 packet number length), connection id, version, packet
 *              number, 12-byte message hash, before Q034 a private flags
 *              byte, then frames;
 *   Q046       long header 0xc?: version, 0x50 (8-byte DCID, no SCID),
 *              DCID, packet number (low 2 bits of byte 0 + 1 bytes),
 *              12-byte hash, then frames;
 *   frames     STREAM (1fdooo ss): stream 1 carries the handshake; its data
 *              length is little-endian before Q039, big-endian after.
 *
 * The CHLO: "CHLO", tag count (LE16), 2 bytes padding, then per tag its
 * name and the LE32 end offset of its value, then the values. */
#include <string.h>

#include "bytes.h"
#include "dissect.h"
#include "quic.h"

/* "Qddd" -> ddd, or 0 when not a Google QUIC version. */
unsigned gquic_version_num(uint32_t v)
{
	unsigned d[3] = {(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
	if (v >> 24 != 'Q')
		return 0;
	for (int i = 0; i < 3; i++)
		if (d[i] < '0' || d[i] > '9')
			return 0;
	return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The length of the CHLO at p if all of it is there, else 0. */
size_t gquic_chlo_len(const uint8_t *p, size_t n)
{
	if (n < 8 || memcmp(p, "CHLO", 4) != 0)
		return 0;
	size_t ntags = (size_t)(p[4] | p[5] << 8), vals = 8 + 8 * ntags;
	if (ntags == 0 || vals > n)
		return 0;
	uint32_t last = le32(p + vals - 4);
	if (last > n - vals)
		return 0;
	return vals + last;
}

/* Write the record for a complete CHLO (n from gquic_chlo_len). false if
 * its tag table is inconsistent (offsets must not decrease). */
bool gquic_chlo_write(struct sniff_ctx *c, uint32_t version, const uint8_t *p, size_t n)
{
	size_t ntags = (size_t)(p[4] | p[5] << 8), vals = 8 + 8 * ntags;
	const uint8_t *sni = NULL, *ua = NULL;
	size_t sni_len = 0, ua_len = 0;
	uint32_t prev = 0;
	char vb[12];

	for (size_t i = 0; i < ntags; i++) {
		const uint8_t *t = p + 8 + 8 * i;
		uint32_t end = le32(t + 4);
		if (end < prev || end > n - vals)
			return false;
		if (!memcmp(t, "SNI\0", 4))
			sni = p + vals + prev, sni_len = end - prev;
		else if (!memcmp(t, "UAID", 4))
			ua = p + vals + prev, ua_len = end - prev;
		prev = end;
	}
	if (c->app)
		*c->app = "quic";
	sniff_rec_begin(c, "quic");
	jw_str(c->w, "version", quic_version_name(version, vb));
	if (sni_len)
		jw_strn(c->w, "sni", (const char *)sni, sni_len);
	if (ua_len)
		jw_strn(c->w, "user_agent", (const char *)ua, ua_len);
	sniff_rec_end(c);
	quic_stats.hellos++;
	return true;
}

/* The frames of a clear-text packet: the STREAM frame of stream 1 at the
 * start (after padding, or one ACK an older CHLO retransmission carries),
 * holding a whole CHLO. */
static bool chlo_frames(struct sniff_ctx *c, uint32_t version, struct cur *cu)
{
	unsigned num = gquic_version_num(version);
	uint8_t type, sid;
	uint16_t dlen;
	const uint8_t *data;

	while (cur_left(cu) && cu->p[cu->off] == 0)
		cu->off++;
	if (!cur_u8(cu, &type) || (type & 0xe3) != 0xa0) /* stream, data length, 1-byte id */
		return false;
	size_t olen = (type >> 2) & 7;
	if (!cur_u8(cu, &sid) || sid != 1 || !cur_skip(cu, olen ? olen + 1 : 0))
		return false;
	if (!cur_u16(cu, &dlen))
		return false;
	if (num < 39)
		dlen = (uint16_t)(dlen >> 8 | dlen << 8);
	if (!(data = cur_bytes(cu, dlen)))
		return false;
	size_t len = gquic_chlo_len(data, dlen);
	return len && gquic_chlo_write(c, version, data, len);
}

bool gquic_clear_packet(struct sniff_ctx *c, const uint8_t *p, size_t n)
{
	struct cur cu;
	uint8_t fl, cil;
	uint32_t version;

	cur_init(&cu, p, n);
	if (!cur_u8(&cu, &fl))
		return false;
	if (fl & 0x80) { /* Q046 long header */
		if (!cur_u32(&cu, &version) || gquic_version_num(version) != 46 ||
		    !cur_u8(&cu, &cil) || cil != 0x50 || !cur_skip(&cu, 8 + (size_t)(fl & 3) + 1))
			return false;
	} else {
		static const size_t pnlen[4] = {1, 2, 4, 6};
		/* version present, 8-byte connection id, no reset */
		if ((fl & 0x0b) != 0x09 || (fl & 0x02) || !cur_skip(&cu, 8) || !cur_u32(&cu, &version))
			return false;
		unsigned num = gquic_version_num(version);
		if (num < 24 || num > 43)
			return false;
		/* 0x04 is a server's nonce in later versions, part of the
		 * connection id length (0x0c: 8 bytes) in earlier ones: a
		 * client never sends a nonce either way. */
		if (!cur_skip(&cu, pnlen[(fl >> 4) & 3]))
			return false;
		if (num < 34 && !cur_skip(&cu, 12 + 1)) /* hash, private flags */
			return false;
	}
	if (gquic_version_num(version) >= 34 && !cur_skip(&cu, 12))
		return false;
	return chlo_frames(c, version, &cu);
}
