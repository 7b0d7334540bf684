/* Link layers: find where the IP header starts, and the outer VLAN id.
 * Every read is checked against the captured length: a frame too short for
 * its link header is LINK_TRUNC, a frame that carries something other than
 * IP (ARP, LLDP, ...) is LINK_SKIP. */
#include <pcap/dlt.h>

#include "bytes.h"
#include "sniff.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_NFLOG
#define DLT_NFLOG 239
#endif

#ifndef DLT_IEEE802_11
#define DLT_IEEE802_11 105
#endif
#ifndef DLT_IEEE802_11_RADIO
#define DLT_IEEE802_11_RADIO 127
#endif
#ifndef DLT_PPI
#define DLT_PPI 192
#endif
#ifndef DLT_IEEE802_15_4_NOFCS
#define DLT_IEEE802_15_4_NOFCS 230
#endif

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD1 0x9100
#define ETH_QINQ_OLD2 0x9200
#define ETH_MPLS 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE 0x8864

/* Bound on stacked tags and labels: real stacks are 1-3 deep. */
#define MAX_STACK 8

bool sniff_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_NULL: case DLT_LOOP:
	case DLT_RAW: case 101: /* LINKTYPE_RAW, where libpcap did not map it */
	case DLT_IPV4: case DLT_IPV6: case DLT_PPP: case DLT_C_HDLC: case DLT_NFLOG:
	case DLT_FDDI: case DLT_IEEE802_11: case DLT_IEEE802_11_RADIO: case DLT_PPI:
		return true;
	case DLT_IEEE802_15_4_NOFCS: case DLT_IEEE802_15_4:
		/* Read, but its frames (6LoWPAN, Zigbee) carry no IP we decode:
		 * the capture gives no records rather than an error. */
		return true;
	}
	return false;
}

static int ppp_proto(uint16_t proto, struct link_info *li)
{
	if (proto == 0x0021)
		li->l3 = 4;
	else if (proto == 0x0057)
		li->l3 = 6;
	else
		return LINK_SKIP;
	return LINK_OK;
}

/* The version nibble of what follows an MPLS label stack or a raw link. */
static int guess_ip(struct cur *c, struct link_info *li)
{
	uint8_t v;
	if (!cur_u8(c, &v))
		return LINK_TRUNC;
	c->off--;
	if (v >> 4 != 4 && v >> 4 != 6)
		return LINK_SKIP;
	li->l3 = v >> 4;
	return LINK_OK;
}

/* An EtherType and whatever tags follow it, up to the IP header. */
static int ethertype(struct cur *c, uint16_t type, struct link_info *li)
{
	for (int depth = 0; depth < MAX_STACK; depth++) {
		uint16_t tci, ppp;
		uint32_t label;
		switch (type) {
		case ETH_IPV4: li->l3 = 4; return LINK_OK;
		case ETH_IPV6: li->l3 = 6; return LINK_OK;
		case ETH_VLAN: case ETH_QINQ: case ETH_QINQ_OLD1: case ETH_QINQ_OLD2:
			if (!cur_u16(c, &tci) || !cur_u16(c, &type))
				return LINK_TRUNC;
			if (li->vlan < 0) /* the outermost tag names the VLAN */
				li->vlan = tci & 0x0fff;
			continue;
		case ETH_MPLS: case ETH_MPLS_MC:
			for (int n = 0; n < MAX_STACK; n++) {
				if (!cur_u32(c, &label))
					return LINK_TRUNC;
				if (label & 0x100) /* bottom of stack */
					return guess_ip(c, li);
			}
			return LINK_SKIP;
		case ETH_PPPOE: {
			/* A session header, then the PPP protocol: one byte when
			 * its low bit is set (RFC 1661 6.5 field compression). */
			uint8_t p1, p2;
			if (!cur_skip(c, 6) || !cur_u8(c, &p1))
				return LINK_TRUNC;
			if (p1 & 1)
				ppp = p1;
			else if (!cur_u8(c, &p2))
				return LINK_TRUNC;
			else
				ppp = (uint16_t)(p1 << 8 | p2);
			return ppp_proto(ppp, li);
		}
		default:
			return LINK_SKIP;
		}
	}
	return LINK_SKIP;
}

static int ethernet(struct cur *c, struct link_info *li)
{
	uint16_t type;
	if (!cur_skip(c, 12) || !cur_u16(c, &type))
		return LINK_TRUNC;
	if (type < 0x0600) { /* 802.3 length: only LLC/SNAP can carry IP */
		const uint8_t *llc = cur_bytes(c, 3);
		if (!llc)
			return LINK_TRUNC;
		if (llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03)
			return LINK_SKIP;
		if (!cur_skip(c, 3) || !cur_u16(c, &type))
			return LINK_TRUNC;
	}
	return ethertype(c, type, li);
}

/* LLC/SNAP with an EtherType (802.2 with the 00-00-00 OUI, RFC 1042). */
static int llc_snap(struct cur *c, struct link_info *li)
{
	const uint8_t *llc = cur_bytes(c, 8);
	if (!llc)
		return LINK_TRUNC;
	if (llc[0] != 0xaa || llc[1] != 0xaa || llc[2] != 0x03 || llc[3] || llc[4] || llc[5])
		return LINK_SKIP;
	return ethertype(c, (uint16_t)(llc[6] << 8 | llc[7]), li);
}

/* An IEEE 802.11 data frame (802.11-2020 9.3.2.1): frame control and
 * duration, three addresses and sequence control, a fourth address when
 * both DS bits are set, QoS control for QoS subtypes, HT control when QoS
 * and +HTC/Order; then LLC/SNAP. Management and control frames, frames
 * without data, protected (encrypted) frames and A-MSDUs are skipped.
 * swap: CAPWAP access points that send frame control byte-swapped (as
 * Wireshark's default capwap.swap_frame_control assumes). */
int link_wlan(struct cur *c, struct link_info *li, bool swap)
{
	const uint8_t *h = cur_bytes(c, 2);
	if (!h)
		return LINK_TRUNC;
	uint8_t fc = swap ? h[1] : h[0], fl = swap ? h[0] : h[1];
	if ((fc & 0x03) != 0 || ((fc >> 2) & 3) != 2 || (fc & 0x40) || (fl & 0x40))
		return LINK_SKIP; /* version 0 data frames with data, in the clear */
	bool qos = fc & 0x80;
	if (!cur_skip(c, 22 + ((fl & 3) == 3 ? 6 : 0)))
		return LINK_TRUNC;
	if (qos) {
		uint8_t qc;
		if (!cur_u8(c, &qc) || !cur_skip(c, 1 + ((fl & 0x80) ? 4 : 0)))
			return LINK_TRUNC;
		if (qc & 0x80)
			return LINK_SKIP; /* A-MSDU: subframes, not one LLC header */
	}
	return llc_snap(c, li);
}

/* BSD loopback: the address family in the capturing host's byte order. */
static int null_family(uint32_t fam, struct link_info *li)
{
	if (fam > 0xffff)
		fam = __builtin_bswap32(fam);
	if (fam == 2)
		li->l3 = 4;
	else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		li->l3 = 6; /* AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS */
	else
		return LINK_SKIP;
	return LINK_OK;
}

/* NFLOG: a 4-byte header, then TLVs (length and type in host order, which
 * for the captures we meet is little-endian) of which type 9 holds the
 * packet. */
static int nflog(struct cur *c, struct link_info *li)
{
	uint8_t fam;
	if (!cur_u8(c, &fam) || !cur_skip(c, 3))
		return LINK_TRUNC;
	for (int n = 0; n < 64; n++) {
		const uint8_t *h = cur_bytes(c, 4);
		if (!h)
			return LINK_TRUNC;
		uint16_t tlen = (uint16_t)(h[0] | h[1] << 8), type = (uint16_t)(h[2] | h[3] << 8);
		if (tlen < 4)
			return LINK_SKIP; /* malformed */
		if ((type & 0x7fff) == 9) {
			li->l3 = fam == 2 ? 4 : fam == 10 ? 6 : 0;
			return LINK_OK;
		}
		size_t pad = ((size_t)tlen + 3) / 4 * 4 - 4;
		if (!cur_skip(c, pad))
			return LINK_TRUNC;
	}
	return LINK_SKIP;
}

int link_parse(int dlt, const uint8_t *p, size_t len, struct link_info *li)
{
	struct cur c;
	uint16_t type, u16;
	uint32_t u32;
	int rc;

	cur_init(&c, p, len);
	li->l3 = 0, li->vlan = -1, li->ifindex = 0;
	switch (dlt) {
	case DLT_EN10MB:
		rc = ethernet(&c, li);
		break;
	case DLT_LINUX_SLL: /* pkttype, hatype, halen, addr[8], protocol */
		if (!cur_skip(&c, 14) || !cur_u16(&c, &type))
			return LINK_TRUNC;
		rc = ethertype(&c, type, li);
		break;
	case DLT_LINUX_SLL2: /* protocol, reserved, ifindex, hatype, pkttype, halen, addr[8] */
		if (!cur_u16(&c, &type) || !cur_skip(&c, 2) || !cur_u32(&c, &u32) || !cur_skip(&c, 12))
			return LINK_TRUNC;
		li->ifindex = (int)u32;
		rc = ethertype(&c, type, li);
		break;
	case DLT_NULL:
		if (!cur_need(&c, 4))
			return LINK_TRUNC;
		u32 = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		c.off = 4;
		rc = null_family(u32, li);
		break;
	case DLT_LOOP:
		if (!cur_u32(&c, &u32))
			return LINK_TRUNC;
		rc = null_family(u32, li);
		break;
	case DLT_RAW: case 101:
		rc = guess_ip(&c, li);
		break;
	case DLT_IPV4: li->l3 = 4; rc = LINK_OK; break;
	case DLT_IPV6: li->l3 = 6; rc = LINK_OK; break;
	case DLT_PPP:
		if (!cur_u16(&c, &u16))
			return LINK_TRUNC;
		if (u16 == 0xff03 && !cur_u16(&c, &u16)) /* address and control */
			return LINK_TRUNC;
		rc = ppp_proto(u16, li);
		break;
	case DLT_C_HDLC:
		if (!cur_skip(&c, 2) || !cur_u16(&c, &type))
			return LINK_TRUNC;
		rc = ethertype(&c, type, li);
		break;
	case DLT_NFLOG:
		rc = nflog(&c, li);
		break;
	case DLT_FDDI: /* frame control, destination, source, then LLC */
		if (!cur_skip(&c, 13))
			return LINK_TRUNC;
		rc = llc_snap(&c, li);
		break;
	case DLT_IEEE802_11:
		rc = link_wlan(&c, li, false);
		break;
	case DLT_IEEE802_11_RADIO: { /* radiotap: version 0, pad, LE length */
		const uint8_t *h = cur_bytes(&c, 4);
		if (!h)
			return LINK_TRUNC;
		if (h[0] != 0 || !cur_skip(&c, (size_t)(h[2] | h[3] << 8) - 4))
			return h[0] ? LINK_SKIP : LINK_TRUNC;
		rc = link_wlan(&c, li, false);
		break;
	}
	case DLT_PPI: { /* version 0, flags, LE length, LE link type of the rest */
		const uint8_t *h = cur_bytes(&c, 8);
		if (!h)
			return LINK_TRUNC;
		size_t hl = (size_t)(h[2] | h[3] << 8);
		int inner = (int)((uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24);
		if (h[0] != 0 || hl < 8 || inner == DLT_PPI)
			return LINK_SKIP;
		if (hl > len)
			return LINK_TRUNC;
		rc = link_parse(inner, p + hl, len - hl, li);
		li->off += hl;
		return rc;
	}
	default:
		return LINK_SKIP;
	}
	li->off = c.off;
	return rc;
}
