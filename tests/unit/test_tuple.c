/* Addresses (RFC 5952 output), the normalised key, and the Community ID
 * specification's published test vectors. */
#include <netinet/in.h>

#include "check.h"
#include "tuple.h"

static const char *fmt6(const char *in, char *buf)
{
	struct pp_addr a;
	if (pp_addr_parse(in, &a) < 0)
		return "parse error";
	return pp_addr_fmt(&a, buf);
}

static const char *cid(const char *s, int sp, const char *d, int dp, int proto, int seed, char *out)
{
	struct pp_tuple t = {.sport = (uint16_t)sp, .dport = (uint16_t)dp, .proto = (uint8_t)proto};
	pp_addr_parse(s, &t.src);
	pp_addr_parse(d, &t.dst);
	pp_community_id(&t, (uint16_t)seed, out);
	return out;
}

int main(void)
{
	char b[PP_ADDRSTRLEN], c[PP_COMMUNITY_ID_LEN];

	CASE("RFC 5952");
	CHECK_STR(fmt6("2001:0db8:0000:0000:0000:0000:0002:0001", b), "2001:db8::2:1");
	CHECK_STR(fmt6("2001:db8:0:0:1:0:0:1", b), "2001:db8::1:0:0:1"); /* leftmost of equal runs */
	CHECK_STR(fmt6("2001:db8:0:1:1:1:1:1", b), "2001:db8:0:1:1:1:1:1"); /* no :: for one group */
	CHECK_STR(fmt6("2001:DB8::AbCd", b), "2001:db8::abcd");
	CHECK_STR(fmt6("2001:0:0:1:0:0:0:1", b), "2001:0:0:1::1"); /* longest run */
	CHECK_STR(fmt6("::", b), "::");
	CHECK_STR(fmt6("::1", b), "::1");
	CHECK_STR(fmt6("1::", b), "1::");
	CHECK_STR(fmt6("::ffff:192.0.2.1", b), "::ffff:192.0.2.1");
	CHECK_STR(fmt6("fe80:0:0:0:1:0:0:0", b), "fe80::1:0:0:0"); /* tie: leftmost */
	CHECK_STR(fmt6("fe80:0:0:1:0:0:0:0", b), "fe80:0:0:1::"); /* longest wins */
	CHECK_STR(fmt6("10.1.2.3", b), "10.1.2.3");
	{
		struct pp_addr a;
		CHECK(pp_addr_parse("1.2.3", &a) < 0);
		CHECK(pp_addr_parse("::g", &a) < 0);
		CHECK(pp_addr_parse("::ffff:10.0.0.1", &a) == 0);
		pp_addr_unmap(&a);
		CHECK(a.family == AF_INET);
		CHECK_STR(pp_addr_fmt(&a, b), "10.0.0.1");
	}
	CASE("CIDR");
	{
		struct pp_addr a, n;
		pp_addr_parse("10.1.2.3", &a);
		pp_addr_parse("10.1.0.0", &n);
		CHECK(pp_addr_in(&a, &n, 16));
		CHECK(!pp_addr_in(&a, &n, 24));
		pp_addr_parse("2001:db8::1", &a);
		pp_addr_parse("2001:db8::", &n);
		CHECK(pp_addr_in(&a, &n, 32));
	}
	CASE("Community ID vectors (corelight community-id-spec)");
	CHECK_STR(cid("1.2.3.4", 1122, "5.6.7.8", 3344, IPPROTO_TCP, 0, c), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
	CHECK_STR(cid("5.6.7.8", 3344, "1.2.3.4", 1122, IPPROTO_TCP, 0, c), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
	CHECK_STR(cid("1.2.3.4", 1122, "5.6.7.8", 3344, IPPROTO_UDP, 0, c), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
	CHECK_STR(cid("1.2.3.4", 8, "5.6.7.8", 0, IPPROTO_ICMP, 0, c), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
	CHECK_STR(cid("5.6.7.8", 0, "1.2.3.4", 0, IPPROTO_ICMP, 0, c), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
	CHECK_STR(cid("fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 128,
	              "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 129, IPPROTO_ICMPV6, 0, c),
	          "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
	CHECK_STR(cid("1.2.3.4", 1122, "5.6.7.8", 3344, IPPROTO_TCP, 1, c), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
	CHECK_STR(cid("1.2.3.4", 1122, "5.6.7.8", 3344, IPPROTO_UDP, 1, c), "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
	CHECK_STR(cid("1.2.3.4", 8, "5.6.7.8", 0, IPPROTO_ICMP, 1, c), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=");
	CHECK_STR(cid("fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 128,
	              "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 129, IPPROTO_ICMPV6, 1, c),
	          "1:IO27GQzPuCtNnwFvjWALMHu5tJE=");
	CHECK_STR(cid("1.2.3.4", 0, "5.6.7.8", 0, 46, 0, c), "1:ikv3kmf89luf73WPz1jOs49S768=");

	CASE("normalised key is direction-independent");
	{
		struct pp_tuple t = {.sport = 5000, .dport = 80, .proto = IPPROTO_TCP}, k1, k2, rev;
		bool sw1, sw2;
		pp_addr_parse("10.0.0.9", &t.src);
		pp_addr_parse("10.0.0.1", &t.dst);
		rev = t;
		rev.src = t.dst, rev.dst = t.src, rev.sport = t.dport, rev.dport = t.sport;
		pp_tuple_norm(&t, &k1, &sw1);
		pp_tuple_norm(&rev, &k2, &sw2);
		CHECK(pp_tuple_eq(&k1, &k2));
		CHECK(sw1 != sw2);
		CHECK(pp_tuple_hash(&k1) == pp_tuple_hash(&k2));
	}
	return check_done("tuple");
}
