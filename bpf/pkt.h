/* The IP and transport headers of a packet that a cgroup_skb program sees,
 * read once for everything that looks at it (dns.h, udp_wild.h): straight
 * loads from the packet's linear head, where a local socket's packet has
 * its headers, no helper call. Included by socktrace.bpf.c. */
#ifndef PP_BPF_PKT_H
#define PP_BPF_PKT_H

struct pkt_hdr {
	__u32 l4;           /* offset of the UDP or TCP header */
	__u16 sport, dport; /* host order */
	__u8 family;        /* of the packet: AF_INET or AF_INET6 */
	__u8 proto;         /* IPPROTO_UDP or IPPROTO_TCP */
};

/* IPv6 extension headers followed to the transport header: hop-by-hop
 * and destination options, routing, a first fragment, AH (what a socket
 * option or an IPsec policy puts before a datagram's UDP header), up to
 * PKT_V6_EXT of them, within the first PKT_V6_EXT_END bytes. */
#define PKT_V6_EXT 4
#define PKT_V6_EXT_END 512
/* Their next-header numbers (linux/ipv6.h's NEXTHDR_*, not in vmlinux.h). */
#define PKT_NH_HOP 0
#define PKT_NH_ROUTING 43
#define PKT_NH_FRAGMENT 44
#define PKT_NH_AH 51
#define PKT_NH_DEST 60

/* UDP or TCP, and its ports: true. Anything else (another protocol, a
 * longer chain of IPv6 extension headers or one past the packet's linear
 * head, ESP, a later fragment, which has no transport header) is false. */
static __always_inline bool pkt_hdr_read(struct __sk_buff *skb, struct pkt_hdr *h)
{
	__u8 *p = (__u8 *)(long)skb->data, *end = (__u8 *)(long)skb->data_end, *l;
	__u32 l4;

	if (p + 20 > end)
		return false;
	if ((p[0] >> 4) == 4) {
		h->proto = p[9];
		l4 = (__u32)(p[0] & 0x0f) << 2;
		if (l4 < 20 || ((p[6] & 0x1f) | p[7])) /* a later fragment */
			return false;
		h->family = AF_INET;
	} else if ((p[0] >> 4) == 6) {
		__u8 nh;
		if (p + 40 > end)
			return false;
		nh = p[6];
		l4 = 40;
#pragma unroll
		for (int i = 0; i < PKT_V6_EXT; i++) {
			__u8 *x = p + l4;
			if (nh != PKT_NH_HOP && nh != PKT_NH_ROUTING && nh != PKT_NH_DEST &&
			    nh != PKT_NH_FRAGMENT && nh != PKT_NH_AH)
				break;
			if (x + 8 > end)
				return false;
			if (nh == PKT_NH_FRAGMENT) {
				if (((x[2] << 8) | x[3]) & 0xfff8) /* a later fragment */
					return false;
				l4 += 8;
			} else if (nh == PKT_NH_AH) {
				l4 += ((__u32)x[1] + 2) << 2;
			} else {
				l4 += ((__u32)x[1] + 1) << 3;
			}
			nh = x[0];
			if (l4 > PKT_V6_EXT_END)
				return false;
		}
		h->proto = nh;
		h->family = AF_INET6;
	} else {
		return false;
	}
	if (h->proto != IPPROTO_UDP && h->proto != IPPROTO_TCP)
		return false;
	h->l4 = l4;
	l = p + l4;
	if (l + 4 > end)
		return false;
	h->sport = (__u16)(l[0] << 8 | l[1]);
	h->dport = (__u16)(l[2] << 8 | l[3]);
	return true;
}

static __always_inline void pkt_addr_put(__u8 *to, const __u8 *v4, bool mapped)
{
	if (mapped) {
		to[10] = 0xff;
		to[11] = 0xff;
		__builtin_memcpy(to + 12, v4, 4);
	} else {
		__builtin_memcpy(to, v4, 4);
	}
}

/* The packet's source and destination addresses (h: as pkt_hdr_read gave
 * it), in the form of a socket of family sfamily: an IPv4 packet of an
 * IPv6 socket as ::ffff:a.b.c.d. false (and zeros): not in that form. */
static __always_inline bool pkt_addrs(struct __sk_buff *skb, const struct pkt_hdr *h, __u16 sfamily,
				      __u8 *src, __u8 *dst)
{
	__u8 *p = (__u8 *)(long)skb->data, *end = (__u8 *)(long)skb->data_end;

	__builtin_memset(src, 0, 16);
	__builtin_memset(dst, 0, 16);
	if (h->family == AF_INET) {
		if (p + 20 > end)
			return false;
		pkt_addr_put(src, p + 12, sfamily == AF_INET6);
		pkt_addr_put(dst, p + 16, sfamily == AF_INET6);
		return true;
	}
	if (sfamily != AF_INET6 || p + 40 > end)
		return false;
	__builtin_memcpy(src, p + 8, 16);
	__builtin_memcpy(dst, p + 24, 16);
	return true;
}

#endif
