/* The 5-tuple of a captured packet. See pktkey.h. */
#include "pktkey.h"

#include <netinet/in.h>
#include <pcap/pcap.h>
#include <string.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Ports of TCP, UDP, SCTP at p (n bytes). */
static bool ports(const uint8_t *p, size_t n, uint8_t proto, struct pp_tuple *t)
{
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP) || n < 4)
		return false;
	t->proto = proto;
	t->sport = be16(p);
	t->dport = be16(p + 2);
	return true;
}

static bool ip_tuple(const uint8_t *p, size_t n, struct pp_tuple *t)
{
	if (n < 1)
		return false;
	if (p[0] >> 4 == 4) {
		size_t hl = (size_t)(p[0] & 15) * 4;
		if (n < 20 || hl < 20 || hl > n)
			return false;
		if (be16(p + 6) & 0x1fff)
			return false; /* a later fragment: no ports */
		pp_addr_from4(&t->src, p + 12);
		pp_addr_from4(&t->dst, p + 16);
		return ports(p + hl, n - hl, p[9], t);
	}
	if (p[0] >> 4 == 6) {
		size_t off = 40;
		uint8_t nh;
		if (n < 40)
			return false;
		nh = p[6];
		pp_addr_from6(&t->src, p + 8);
		pp_addr_from6(&t->dst, p + 24);
		/* hop-by-hop, routing, destination options, fragment */
		for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 60 || nh == 44); i++) {
			if (n - off < 8)
				return false;
			if (nh == 44 && (be16(p + off + 2) & 0xfff8))
				return false;
			size_t hl = nh == 44 ? 8 : ((size_t)p[off + 1] + 1) * 8;
			nh = p[off];
			if (n - off < hl)
				return false;
			off += hl;
		}
		return ports(p + off, n - off, nh, t);
	}
	return false;
}

/* The link layers pp-sniff -w writes for the interfaces it captures on. */
bool pkt_tuple(int dlt, const uint8_t *p, size_t n, struct pp_tuple *t)
{
	size_t off;
	uint16_t et;
	memset(t, 0, sizeof(*t));
	switch (dlt) {
	case DLT_EN10MB:
		if (n < 14)
			return false;
		et = be16(p + 12), off = 14;
		for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); i++) {
			if (n < off + 4)
				return false;
			et = be16(p + off + 2), off += 4;
		}
		break;
	case DLT_LINUX_SLL:
		if (n < 16)
			return false;
		et = be16(p + 14), off = 16;
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (n < 20)
			return false;
		et = be16(p), off = 20;
		break;
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		return ip_tuple(p, n, t);
	case DLT_NULL:
	case DLT_LOOP: {
		uint32_t fam;
		if (n < 4)
			return false;
		memcpy(&fam, p, 4);
		if (dlt == DLT_LOOP)
			fam = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		else if (fam > 0xffff) /* written on a host of the other byte order */
			fam = __builtin_bswap32(fam);
		if (fam != 2 && fam != 24 && fam != 28 && fam != 30)
			return false;
		return ip_tuple(p + 4, n - 4, t);
	}
	default:
		return false;
	}
	if (et != 0x0800 && et != 0x86dd)
		return false;
	return ip_tuple(p + off, n - off, t);
}

