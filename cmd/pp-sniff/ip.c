/* IPv4 with options and IPv6 with extension headers, down to the transport
 * header. Fragments go to frag.c; a completed datagram continues here as if
 * it had come in one piece. A packet cut short by the snaplen is counted as
 * truncated, a header whose lengths contradict each other as malformed. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "bytes.h"
#include "sniff.h"

void flow_input(struct sniff *s, const struct pkt *pk);

/* Extension headers we walk: bounded, real chains are 0-3 long. */
#define MAX_EXT 16

static bool ipv6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == 135 /* mobility */ || nh == 139 /* HIP */ || nh == 140 /* shim6 */;
}

/* Walk IPv6 extension headers from c, leaving c at the transport header and
 * *nh its protocol. A fragment header fills *frag (if frag is non-NULL) and
 * stops the walk. 0 ok, -1 truncated, -2 malformed. */
struct v6frag { bool seen; uint32_t id, off; bool more; };
static int ipv6_walk(struct cur *c, uint8_t *nh, struct v6frag *frag)
{
	for (int i = 0; i < MAX_EXT; i++) {
		uint8_t next, hlen;
		uint16_t offm;
		uint32_t id;
		if (ipv6_ext(*nh)) {
			if (!cur_u8(c, &next) || !cur_u8(c, &hlen) || !cur_skip(c, (size_t)hlen * 8 + 6))
				return -1;
			*nh = next;
		} else if (*nh == IPPROTO_AH) {
			if (!cur_u8(c, &next) || !cur_u8(c, &hlen) || !cur_skip(c, (size_t)hlen * 4 + 6))
				return -1;
			*nh = next;
		} else if (*nh == IPPROTO_FRAGMENT && frag) {
			if (!cur_u8(c, &next) || !cur_skip(c, 1) || !cur_u16(c, &offm) || !cur_u32(c, &id))
				return -1;
			*nh = next;
			if ((offm & 0xfff8) == 0 && !(offm & 1))
				continue; /* atomic fragment (RFC 6946): not fragmented */
			frag->seen = true, frag->id = id, frag->off = offm & 0xfff8, frag->more = offm & 1;
			return 0;
		} else {
			return 0;
		}
	}
	return -2;
}

static void deliver(struct sniff *s, struct pkt *pk, uint8_t proto, const uint8_t *l4, size_t len,
                    size_t wire)
{
	pk->proto = proto;
	pk->l4 = l4;
	pk->l4len = len;
	pk->l4wire = wire;
	flow_input(s, pk);
}

static void reassembled(struct sniff *s, struct pkt *pk, struct frag_out *fo)
{
	struct cur c;
	uint8_t nh = fo->proto;

	pk->ip_bytes = fo->ip_bytes;
	pk->npkts = fo->npkts;
	cur_init(&c, fo->data, fo->len);
	/* IPv6: headers after the fragment header are part of the payload. */
	if (pk->src.family == AF_INET6 && ipv6_walk(&c, &nh, NULL) != 0)
		sniff_bad(s, false, "IPv6 extension headers in a reassembled datagram");
	else
		deliver(s, pk, nh, fo->data + c.off, cur_left(&c), cur_left(&c));
	free(fo->data);
}

/* The first part of a datagram whose other fragments never came: its
 * transport header and what follows, as far as it goes, marked as cut
 * (UDP: the header's length says more than there is). */
static void partial(struct sniff *s, struct frag_out *fo)
{
	struct pkt pk;
	struct cur c;
	uint8_t nh = fo->proto;

	memset(&pk, 0, sizeof(pk));
	pk.ts_us = fo->ts_us;
	pk.vlan = -1;
	pk.src = fo->src, pk.dst = fo->dst;
	pk.ip_bytes = fo->ip_bytes;
	pk.npkts = fo->npkts;
	pk.partial = true;
	cur_init(&c, fo->data, fo->len);
	if (pk.src.family == AF_INET6 && ipv6_walk(&c, &nh, NULL) != 0) {
		free(fo->data);
		return;
	}
	size_t n = cur_left(&c), wire = n;
	const uint8_t *l4 = fo->data + c.off;
	if (nh == IPPROTO_UDP && n >= 8 && (size_t)(l4[4] << 8 | l4[5]) > n)
		wire = (size_t)(l4[4] << 8 | l4[5]);
	deliver(s, &pk, nh, l4, n, wire);
	free(fo->data);
}

void ip_frag_flush(struct sniff *s, bool all)
{
	struct frag_out fo;
	if (all)
		frag_drop_all(s->frag, &s->st);
	while (frag_take_partial(s->frag, &fo)) {
		partial(s, &fo);
		if (all)
			frag_drop_all(s->frag, &s->st);
	}
}

static void ipv4(struct sniff *s, const uint8_t *p, size_t caplen, struct pkt *pk)
{
	struct frag_in fi;
	struct frag_out fo;
	size_t ihl, tot;
	uint16_t offm;

	if (caplen < 20) {
		sniff_bad(s, true, "IPv4 header");
		return;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = (size_t)(p[2] << 8 | p[3]);
	if (tot == 0) /* segmentation offload: the NIC fills it in later */
		tot = caplen;
	if (ihl < 20 || tot < ihl) {
		sniff_bad(s, false, "IPv4 header (header or total length)");
		return;
	}
	if (caplen < ihl) {
		sniff_bad(s, true, "IPv4 options");
		return;
	}
	pp_addr_from4(&pk->src, p + 12);
	pp_addr_from4(&pk->dst, p + 16);
	pk->ip_bytes = tot;
	pk->npkts = 1;
	size_t have = (caplen < tot ? caplen : tot) - ihl;
	offm = (uint16_t)(p[6] << 8 | p[7]);
	if (offm & 0x3fff) { /* MF or an offset: a fragment */
		memset(&fi, 0, sizeof(fi));
		fi.src = pk->src, fi.dst = pk->dst;
		fi.id = (uint32_t)(p[4] << 8 | p[5]);
		fi.proto = p[9], fi.proto_known = true;
		fi.off = (uint32_t)(offm & 0x1fff) * 8;
		fi.more = offm & 0x2000;
		fi.data = p + ihl, fi.len = have;
		fi.truncated = have < tot - ihl;
		fi.ip_bytes = tot;
		if (frag_add(s->frag, pk->ts_us, &fi, &fo, &s->st) == 1)
			reassembled(s, pk, &fo);
		ip_frag_flush(s, false);
		return;
	}
	deliver(s, pk, p[9], p + ihl, have, tot - ihl);
}

static void ipv6(struct sniff *s, const uint8_t *p, size_t caplen, struct pkt *pk)
{
	struct v6frag fr = {0};
	struct frag_in fi;
	struct frag_out fo;
	struct cur c;
	size_t plen, have;
	uint8_t nh;
	int rc;

	if (caplen < 40) {
		sniff_bad(s, true, "IPv6 header");
		return;
	}
	plen = (size_t)(p[4] << 8 | p[5]);
	if (plen == 0) /* jumbogram or offload: take what was captured */
		plen = caplen - 40;
	pp_addr_from6(&pk->src, p + 8);
	pp_addr_from6(&pk->dst, p + 24);
	pk->ip_bytes = 40 + plen;
	pk->npkts = 1;
	have = caplen - 40 < plen ? caplen - 40 : plen;
	nh = p[6];
	cur_init(&c, p + 40, have);
	rc = ipv6_walk(&c, &nh, &fr);
	if (rc == -1) {
		sniff_bad(s, have < plen, "IPv6 extension header");
		return;
	}
	if (rc == -2) {
		sniff_bad(s, false, "IPv6 extension header chain (too long)");
		return;
	}
	size_t wire = plen - c.off;
	if (fr.seen) {
		memset(&fi, 0, sizeof(fi));
		fi.src = pk->src, fi.dst = pk->dst;
		fi.id = fr.id;
		fi.proto = nh, fi.proto_known = fr.off == 0;
		fi.off = fr.off;
		fi.more = fr.more;
		fi.data = p + 40 + c.off, fi.len = cur_left(&c);
		fi.truncated = fi.len < wire;
		fi.ip_bytes = pk->ip_bytes;
		if (frag_add(s->frag, pk->ts_us, &fi, &fo, &s->st) == 1)
			reassembled(s, pk, &fo);
		ip_frag_flush(s, false);
		return;
	}
	deliver(s, pk, nh, p + 40 + c.off, cur_left(&c), wire);
}

void ip_input(struct sniff *s, const uint8_t *p, size_t caplen, int l3, struct pkt *pk)
{
	if (caplen < 1) {
		sniff_bad(s, true, "IP header");
		return;
	}
	if (l3 == 0 || l3 != p[0] >> 4) {
		/* NFLOG and friends may not say; and the nibble must agree. */
		if (p[0] >> 4 != 4 && p[0] >> 4 != 6) {
			sniff_bad(s, false, "IP header (version)");
			return;
		}
		l3 = p[0] >> 4;
	}
	if (l3 == 4)
		ipv4(s, p, caplen, pk);
	else
		ipv6(s, p, caplen, pk);
}

/* Tunnels: GTP-U (mobile networks, UDP port 2152), VXLAN (UDP 4789),
 * Geneve (UDP 6081), GRE (IP protocol 47, or in UDP on port 4754, RFC
 * 8086) with IP, Ethernet, ERSPAN (mirrored traffic) or Aruba's 802.11
 * inside, AYIYA (UDP 5072), CAPWAP data (UDP 5247, 802.11 or Ethernet),
 * IP in IP (4in4, 6in4, 4in6, 6in6). The inner packets are flows of their
 * own; the outer flow is counted as well. Nesting is bounded. */
#define MAX_TUNNEL_DEPTH 2
static int tunnel_depth;

static void inner(struct sniff *s, const struct pkt *outer, const uint8_t *p, size_t n, int l3)
{
	struct pkt pk;
	memset(&pk, 0, sizeof(pk));
	pk.ts_us = outer->ts_us;
	pk.vlan = outer->vlan;
	pk.iface = outer->iface;
	tunnel_depth++;
	ip_input(s, p, n, l3, &pk);
	tunnel_depth--;
}

/* A link-layer frame inside a tunnel (kind e: Ethernet, w: 802.11, s:
 * 802.11 with its frame control byte-swapped) at p. */
static bool inner_frame(struct sniff *s, const struct pkt *outer, const uint8_t *p, size_t n,
                        int kind)
{
	struct link_info li = {0};
	struct cur c;
	int rc;

	cur_init(&c, p, n);
	li.vlan = -1;
	if (kind == 'e')
		rc = link_parse(1 /* DLT_EN10MB */, p, n, &li);
	else if ((rc = link_wlan(&c, &li, kind == 's')) == LINK_OK)
		li.off = c.off;
	if (rc != LINK_OK)
		return false;
	inner(s, outer, p + li.off, n - li.off, li.l3);
	return true;
}

/* A GRE packet (RFC 2784/2890): flags and version, protocol, then
 * checksum, key and sequence number when their flags say so. */
static bool gre(struct sniff *s, const struct pkt *outer, const uint8_t *p, size_t n)
{
	struct cur c;
	uint16_t fl, type;

	cur_init(&c, p, n);
	if (!cur_u16(&c, &fl) || !cur_u16(&c, &type) || (fl & 7) != 0)
		return false;
	if (!cur_skip(&c, (fl & 0x8000 ? 4 : 0) + (fl & 0x2000 ? 4 : 0) + (fl & 0x1000 ? 4 : 0)))
		return false;
	p += c.off, n -= c.off;
	switch (type) {
	case 0x0800: case 0x86dd:
		inner(s, outer, p, n, type == 0x0800 ? 4 : 6);
		return true;
	case 0x6558: /* transparent Ethernet bridging */
		return inner_frame(s, outer, p, n, 'e');
	case 0x88be: /* ERSPAN type II (8-byte header; type I, without a
	              * sequence number, has none) */
		if (fl & 0x1000) {
			if (n < 8 || p[0] >> 4 != 1)
				return false;
			p += 8, n -= 8;
		}
		return inner_frame(s, outer, p, n, 'e');
	case 0x22eb: /* ERSPAN type III: 12 bytes, 8 more with the O flag */
		if (n < 12 || p[0] >> 4 != 2 || n < 12u + (p[11] & 1 ? 8 : 0))
			return false;
		return inner_frame(s, outer, p + 12 + (p[11] & 1 ? 8 : 0), n - 12 - (p[11] & 1 ? 8 : 0), 'e');
	}
	if (type >= 0x8200 && type <= 0x8216) /* Aruba: an 802.11 frame */
		return inner_frame(s, outer, p, n, 'w');
	return false;
}

void ip_tunnel_input(struct sniff *s, const struct pkt *outer)
{
	if (tunnel_depth >= MAX_TUNNEL_DEPTH)
		return;
	if (outer->proto == IPPROTO_IPIP || outer->proto == IPPROTO_IPV6) {
		inner(s, outer, outer->l4, outer->l4len, outer->proto == IPPROTO_IPIP ? 4 : 6);
		return;
	}
	gre(s, outer, outer->l4, outer->l4len);
}

static bool gtpu_payload(struct cur *c)
{
	uint8_t fl, type, next, len;
	if (!cur_u8(c, &fl) || !cur_u8(c, &type) || !cur_skip(c, 6))
		return false;
	if ((fl >> 5) != 1 || !(fl & 0x10) || type != 0xff) /* GTPv1, G-PDU */
		return false;
	if (!(fl & 0x07))
		return true;
	if (!cur_skip(c, 3) || !cur_u8(c, &next))
		return false;
	for (int i = 0; next && i < 8; i++) { /* extension headers */
		if (!cur_u8(c, &len) || len == 0 || !cur_skip(c, (size_t)len * 4 - 2) || !cur_u8(c, &next))
			return false;
	}
	return next == 0;
}

bool tunnel_port(uint16_t sport, uint16_t dport)
{
	return sport == 2152 || dport == 2152 || dport == 4789 || dport == 6081 || dport == 4754 ||
	       sport == 5072 || dport == 5072 || sport == 5247 || dport == 5247;
}

bool tunnel_input(struct sniff *s, const struct pkt *outer, uint16_t sport, uint16_t dport,
                  const uint8_t *p, size_t n)
{
	struct link_info li;
	struct cur c;
	int l3 = 0;
	uint8_t b0, b1, b2, b3;
	uint16_t u16;

	if (tunnel_depth >= MAX_TUNNEL_DEPTH)
		return false;
	cur_init(&c, p, n);
	if (sport == 2152 || dport == 2152) {
		if (!gtpu_payload(&c))
			return false;
	} else if (dport == 4789) {
		uint8_t fl;
		if (!cur_u8(&c, &fl) || !(fl & 0x08) || !cur_skip(&c, 7)) /* I flag: a VNI */
			return false;
		if (link_parse(1 /* DLT_EN10MB */, p + c.off, n - c.off, &li) != LINK_OK)
			return false;
		c.off += li.off;
		l3 = li.l3;
	} else if (dport == 6081) { /* Geneve (RFC 8926): version 0, options */
		if (!cur_u8(&c, &b0) || b0 >> 6 != 0 || !cur_skip(&c, 1) || !cur_u16(&c, &u16) ||
		    !cur_skip(&c, 4 + (size_t)(b0 & 0x3f) * 4))
			return false;
		if (u16 == 0x6558)
			return inner_frame(s, outer, p + c.off, n - c.off, 'e');
		if (u16 != 0x0800 && u16 != 0x86dd)
			return false;
		l3 = u16 == 0x0800 ? 4 : 6;
	} else if (dport == 4754) {
		return gre(s, outer, p, n);
	} else if (sport == 5072 || dport == 5072) {
		/* AYIYA: identity and signature lengths, opcode 1 (forward),
		 * next header, epoch, identity, signature, then the packet. */
		if (!cur_u8(&c, &b0) || !cur_u8(&c, &b1) || !cur_u8(&c, &b2) || !cur_u8(&c, &b3) ||
		    (b2 & 0x0f) != 1 || (b3 != 4 && b3 != 41))
			return false;
		if (!cur_skip(&c, 4 + ((size_t)1 << (b0 >> 4)) * ((b0 >> 4) ? 1 : 0) + (size_t)(b1 >> 4) * 4))
			return false;
		l3 = b3 == 4 ? 4 : 6;
	} else if (sport == 5247 || dport == 5247) {
		/* CAPWAP data (RFC 5415 4.3): preamble version 0 type 0, HLEN
		 * in 4-byte words, WBID, T: native frame (802.11 for WBID 1)
		 * rather than 802.3; fragments (F) are not reassembled. */
		if (!cur_u8(&c, &b0) || b0 != 0 || !cur_u8(&c, &b1) || !cur_u8(&c, &b2) || !cur_u8(&c, &b3))
			return false;
		size_t hlen = (size_t)(b1 >> 3) * 4;
		unsigned wbid = (unsigned)((b2 >> 1) & 0x1f);
		bool native = b2 & 1, frag = b3 & 0x80;
		if (hlen < 8 || hlen > n || frag || (native && wbid != 1))
			return false;
		return inner_frame(s, outer, p + hlen, n - hlen, native ? 's' : 'e');
	} else {
		return false;
	}
	inner(s, outer, p + c.off, n - c.off, l3);
	return true;
}
