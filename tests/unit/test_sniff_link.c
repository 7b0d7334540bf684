/* Link layers: where the IP header starts and the outer VLAN id, for every
 * link type pp-sniff decodes, and short frames. */
#include <pcap/dlt.h>
#include <string.h>

#include "../../cmd/pp-sniff/sniff.h"
#include "check.h"

static const uint8_t ip4[] = {0x45, 0, 0, 20};
static const uint8_t ip6[] = {0x60, 0, 0, 0};

/* frame = header bytes + an IP start; checks offset, version, vlan. */
static int ok(int dlt, const uint8_t *hdr, size_t hl, const uint8_t *ip, size_t off, int l3, int vlan)
{
	uint8_t f[256];
	struct link_info li;
	memcpy(f, hdr, hl);
	memcpy(f + hl, ip, 4);
	if (link_parse(dlt, f, hl + 4, &li) != LINK_OK)
		return 0;
	/* every shorter frame is truncated, never read past */
	for (size_t n = 0; n < off; n++) {
		struct link_info l2;
		if (link_parse(dlt, f, n, &l2) != LINK_TRUNC)
			return 0;
	}
	return li.off == off && li.l3 == l3 && li.vlan == vlan;
}

int main(void)
{
	uint8_t h[64];
	struct link_info li;

	CASE("ethernet");
	memset(h, 0, sizeof(h));
	h[12] = 0x08, h[13] = 0x00;
	CHECK(ok(DLT_EN10MB, h, 14, ip4, 14, 4, -1));
	h[12] = 0x86, h[13] = 0xdd;
	CHECK(ok(DLT_EN10MB, h, 14, ip6, 14, 6, -1));

	CASE("QinQ: the outer tag is the vlan");
	memset(h, 0, sizeof(h));
	uint8_t q[] = {0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00};
	memcpy(h + 12, q, sizeof(q));
	CHECK(ok(DLT_EN10MB, h, 22, ip4, 22, 4, 100));

	CASE("VLAN 0 (priority tag)");
	uint8_t v0[] = {0x81, 0x00, 0x20, 0x00, 0x86, 0xdd};
	memcpy(h + 12, v0, sizeof(v0));
	CHECK(ok(DLT_EN10MB, h, 18, ip6, 18, 6, 0));

	CASE("MPLS stack");
	uint8_t m[] = {0x88, 0x47, 0, 0x01, 0x00, 0x40, 0, 0x02, 0x01, 0x40};
	memcpy(h + 12, m, sizeof(m));
	CHECK(ok(DLT_EN10MB, h, 22, ip4, 22, 4, -1));

	CASE("PPPoE session");
	uint8_t pp[] = {0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0x00, 0x20, 0x00, 0x57};
	memcpy(h + 12, pp, sizeof(pp));
	CHECK(ok(DLT_EN10MB, h, 22, ip6, 22, 6, -1));

	CASE("802.3 with LLC/SNAP");
	uint8_t snap[] = {0x00, 0x40, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
	memcpy(h + 12, snap, sizeof(snap));
	CHECK(ok(DLT_EN10MB, h, 22, ip4, 22, 4, -1));

	CASE("not IP: skipped");
	h[12] = 0x08, h[13] = 0x06; /* ARP */
	CHECK(link_parse(DLT_EN10MB, h, 60, &li) == LINK_SKIP);

	CASE("too many tags: skipped");
	for (int i = 0; i < 12; i++)
		h[12 + 4 * i] = 0x81, h[13 + 4 * i] = 0x00;
	CHECK(link_parse(DLT_EN10MB, h, 64, &li) != LINK_OK);

	CASE("Linux cooked v1 and v2");
	memset(h, 0, sizeof(h));
	h[14] = 0x08, h[15] = 0x00;
	CHECK(ok(DLT_LINUX_SLL, h, 16, ip4, 16, 4, -1));
	memset(h, 0, sizeof(h));
	h[0] = 0x86, h[1] = 0xdd, h[7] = 3;
	CHECK(ok(276, h, 20, ip6, 20, 6, -1));
	CHECK(link_parse(276, (uint8_t[24]){0x86, 0xdd, 0, 0, 0, 0, 0, 7}, 24, &li) == LINK_OK && li.ifindex == 7);

	CASE("BSD loopback, both byte orders; LOOP in network order");
	uint8_t n2[] = {2, 0, 0, 0}, n30[] = {0, 0, 0, 30}, n10[] = {10, 0, 0, 0};
	CHECK(ok(DLT_NULL, n2, 4, ip4, 4, 4, -1));
	CHECK(ok(DLT_NULL, n30, 4, ip6, 4, 6, -1));
	CHECK(ok(DLT_NULL, n10, 4, ip6, 4, 6, -1));
	uint8_t l2[] = {0, 0, 0, 2};
	CHECK(ok(DLT_LOOP, l2, 4, ip4, 4, 4, -1));

	CASE("raw IP and the IPv4/IPv6 link types");
	CHECK(ok(DLT_RAW, h, 0, ip6, 0, 6, -1));
	CHECK(ok(228, h, 0, ip4, 0, 4, -1));
	CHECK(ok(229, h, 0, ip6, 0, 6, -1));

	CASE("PPP with and without address/control; Cisco HDLC");
	uint8_t ppp1[] = {0xff, 0x03, 0x00, 0x21}, ppp2[] = {0x00, 0x57};
	CHECK(ok(DLT_PPP, ppp1, 4, ip4, 4, 4, -1));
	CHECK(ok(DLT_PPP, ppp2, 2, ip6, 2, 6, -1));
	uint8_t hdlc[] = {0x0f, 0x00, 0x08, 0x00};
	CHECK(ok(DLT_C_HDLC, hdlc, 4, ip4, 4, 4, -1));

	CASE("NFLOG: the payload TLV after others");
	uint8_t nf[] = {2, 0, 0, 0, 8, 0, 1, 0, 0, 0, 0, 0, /* a TLV of 8 */
	                5, 0, 2, 0, 9, 0, 0, 0,             /* 5 bytes, padded to 8 */
	                8, 0, 9, 0};                        /* payload */
	CHECK(ok(239, nf, sizeof(nf), ip4, sizeof(nf), 4, -1));
	uint8_t nfbad[] = {2, 0, 0, 0, 2, 0, 1, 0};          /* TLV length < 4 */
	CHECK(link_parse(239, nfbad, sizeof(nfbad), &li) != LINK_OK);

	CASE("unknown link type");
	CHECK(link_parse(147, h, 64, &li) == LINK_SKIP);

	return check_done("test_sniff_link");
}
