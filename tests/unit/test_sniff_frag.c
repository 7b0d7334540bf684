/* Fragment reassembly: order, overlaps (first copy wins), truncated
 * fragments, timeouts, IPv6's protocol from the first fragment, limits. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../cmd/pp-sniff/sniff.h"
#include "check.h"

static struct sniff_stats st;

static int add(struct fragtab *t, uint64_t now, int family, uint32_t id, uint32_t off, bool more,
               const uint8_t *d, size_t n, struct frag_out *out)
{
	struct frag_in in;
	memset(&in, 0, sizeof(in));
	in.src.family = in.dst.family = (uint8_t)family;
	in.src.a[0] = 10, in.dst.a[0] = 11;
	in.id = id;
	in.proto = 17;
	in.proto_known = family == AF_INET || off == 0;
	in.off = off;
	in.more = more;
	in.data = d;
	in.len = n;
	in.ip_bytes = n + 20;
	return frag_add(t, now, &in, out, &st);
}

int main(void)
{
	struct fragtab *t = frag_new();
	struct frag_out o;
	uint8_t data[3000], bad[3000];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	memset(bad, 'Z', sizeof(bad));

	CASE("three fragments, last first");
	CHECK(add(t, 1, AF_INET, 1, 2000, false, data + 2000, 500, &o) == 0);
	CHECK(add(t, 2, AF_INET, 1, 1000, true, data + 1000, 1000, &o) == 0);
	CHECK(add(t, 3, AF_INET, 1, 0, true, data, 1000, &o) == 1);
	CHECK(o.len == 2500 && memcmp(o.data, data, 2500) == 0);
	CHECK(o.npkts == 3 && o.proto == 17 && o.ip_bytes == 2560);
	free(o.data);

	CASE("an overlapping duplicate does not rewrite");
	CHECK(add(t, 1, AF_INET, 2, 0, true, data, 1000, &o) == 0);
	CHECK(add(t, 1, AF_INET, 2, 504, true, bad, 1000, &o) == 0);
	CHECK(add(t, 1, AF_INET, 2, 1000, false, data + 1000, 100, &o) == 1);
	CHECK(o.len == 1100 && memcmp(o.data, data, 1000) == 0 && memcmp(o.data + 1000, data + 1000, 100) != 0);
	/* bytes 1000..1503 came first from the Z fragment: they stay Z */
	CHECK(o.data[1000] == 'Z');
	free(o.data);

	CASE("a different id is another datagram");
	CHECK(add(t, 1, AF_INET, 3, 0, true, data, 8, &o) == 0);
	CHECK(add(t, 1, AF_INET, 4, 8, false, data + 8, 8, &o) == 0);

	CASE("a truncated fragment never completes");
	struct frag_in in;
	memset(&in, 0, sizeof(in));
	in.src.family = in.dst.family = AF_INET;
	in.id = 5, in.proto = 17, in.proto_known = true, in.more = true;
	in.data = data, in.len = 100, in.truncated = true;
	CHECK(frag_add(t, 1, &in, &o, &st) == 0);
	CHECK(add(t, 1, AF_INET, 5, 1000, false, data, 10, &o) == 0);

	CASE("timeout: old datagrams are dropped and counted");
	uint64_t before = st.frag_dropped;
	CHECK(add(t, 100000000, AF_INET, 6, 0, true, data, 8, &o) == 0);
	CHECK(st.frag_dropped == before + 4); /* ids 3, 4 and both of 5 */
	CHECK(add(t, 100000000, AF_INET, 3, 8, false, data + 8, 8, &o) == 0); /* id 3 is gone */

	CASE("IPv6: the protocol comes with the first fragment");
	CHECK(add(t, 100000001, AF_INET6, 7, 8, false, data + 8, 8, &o) == 0);
	CHECK(add(t, 100000001, AF_INET6, 7, 0, true, data, 8, &o) == 1);
	CHECK(o.len == 16 && o.proto == 17);
	free(o.data);

	CASE("beyond 65535 bytes is malformed");
	uint64_t m = st.malformed;
	CHECK(add(t, 100000002, AF_INET, 8, 65528, false, data, 100, &o) == 0);
	CHECK(st.malformed == m + 1);

	CASE("many datagrams: bounded");
	for (uint32_t id = 1000; id < 3100; id++)
		add(t, 100000003, AF_INET, id, 0, true, data, 8, &o);
	CHECK(st.frag_dropped > 1000);

	frag_free(t, &st);
	return check_done("test_sniff_frag");
}
