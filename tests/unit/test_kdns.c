/* pp-trace's DNS from the kernel, the user-space half: decoding dnssnoop
 * ring-buffer records (every rejection), and the dns record they give
 * (pp-records(5): the shape of pp-sniff's, with the process keys and
 * "source"), from real DNS messages: a query, an answer with a CNAME and
 * an address, a message the kernel cut, hostile bytes. */
#include <linux/types.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "../../bpf/dnssnoop.h"
#include "../../cmd/pp-trace/kdns_event.h"

static const struct ebpf_clock clk = { .mono_to_epoch_us = 1700000000000000LL, .clk_tck = 100 };
static uint8_t rec[sizeof(struct ppd_hdr) + PPD_MSG_MAX];

/* A record around msg[0..n) (whole message of msg_len bytes). */
static size_t mk(const uint8_t *msg, size_t n, size_t msg_len, uint8_t flags)
{
	struct ppd_hdr h;
	memset(&h, 0, sizeof(h));
	h.ts_ns = 5000000000ULL;
	h.family = AF_INET;
	h.caddr[0] = 127, h.caddr[3] = 1;
	h.saddr[0] = 127, h.saddr[1] = 0, h.saddr[2] = 0, h.saddr[3] = 53;
	h.cport = 40000;
	h.sport = 53;
	h.len = (__u16)n;
	h.msg_len = (__u16)msg_len;
	h.flags = flags;
	h.pid = 4242;
	h.ppid = 1;
	h.uid = 1000;
	h.netns = 4026531840u;
	memcpy(h.comm, "dig", 4);
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), msg, n);
	return sizeof(h) + n;
}

static char *out;
static size_t outlen;

static int emit(const struct kdns_msg *m)
{
	struct trace_opts o = {.pid = -1, .uid = -1, .v4 = true, .v6 = true, .tcp = true, .udp = true};
	FILE *f = open_memstream(&out, &outlen);
	int r = kdns_emit(m, &o, f);
	fclose(f);
	return r;
}

/* www.example.com A, id 0x1234 */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
};
/* its answer: www.example.com CNAME edge.example.net, edge.example.net A 192.0.2.7 */
static const uint8_t answer[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
	0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 18,
	4, 'e', 'd', 'g', 'e', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
	0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 7,
};

int main(void)
{
	struct kdns_msg m;
	const char *why;
	size_t n;

	CASE("query");
	n = mk(query, sizeof(query), sizeof(query), PPD_F_PID);
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == 0);
	CHECK(m.e.pid == 4242 && m.e.has_uid && m.e.uid == 1000 && !strcmp(m.e.comm, "dig"));
	CHECK(m.e.t.proto == IPPROTO_UDP && m.e.t.sport == 40000 && m.e.t.dport == 53);
	CHECK(m.e.ts_us == 1700000005000000ULL && m.e.netns == 4026531840u);
	CHECK(emit(&m) == 1);
	/* the Community ID of the 5-tuple, as every other record has it */
	char cid[PP_COMMUNITY_ID_LEN], want[512];
	pp_community_id(&m.e.t, 0, cid);
	snprintf(want, sizeof(want),
	         "{\"type\":\"dns\",\"ts\":1700000005.000000,\"proto\":\"udp\",\"src\":\"127.0.0.1\",\"sport\":40000,"
	               "\"dst\":\"127.0.0.53\",\"dport\":53,\"community_id\":\"%s\","
	               "\"msg\":\"query\",\"id\":4660,\"qname\":\"www.example.com\",\"qtype\":\"A\","
	               "\"transport\":\"udp\",\"pid\":4242,\"ppid\":1,\"uid\":1000,\"comm\":\"dig\","
	               "\"netns\":4026531840,\"source\":\"ebpf\"}\n", cid);
	CHECK_STR(out, want);
	free(out);

	CASE("answer over TCP, no owner");
	n = mk(answer, sizeof(answer), sizeof(answer), PPD_F_TCP | PPD_F_IN);
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == 0);
	CHECK(m.e.pid == -1 && m.tcp && !m.cut);
	CHECK(emit(&m) == 1);
	CHECK(strstr(out, "\"proto\":\"tcp\"") && strstr(out, "\"transport\":\"tcp\""));
	CHECK(strstr(out, "\"rcode\":\"NOERROR\",\"answers\":[{\"name\":\"www.example.com\",\"type\":\"CNAME\","
	                  "\"ttl\":60,\"data\":\"edge.example.net\"},{\"name\":\"edge.example.net\",\"type\":\"A\","
	                  "\"ttl\":30,\"data\":\"192.0.2.7\"}]"));
	CHECK(!strstr(out, "\"pid\"") && !strstr(out, "\"comm\""));
	free(out);

	CASE("cut by the kernel: not malformed");
	n = mk(answer, sizeof(answer) - 16, sizeof(answer), PPD_F_CUT | PPD_F_IN);
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == 0 && m.cut);
	CHECK(emit(&m) == 1);
	CHECK(strstr(out, "\"cut\":true") && !strstr(out, "malformed") && strstr(out, "edge.example.net"));
	free(out);

	CASE("the same bytes uncut: truncated");
	n = mk(answer, sizeof(answer) - 16, sizeof(answer) - 16, PPD_F_IN);
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == 0 && !m.cut);
	CHECK(emit(&m) == 1);
	CHECK(strstr(out, "\"malformed\":\"truncated\"") && !strstr(out, "\"cut\""));
	free(out);

	CASE("hostile name: escaped");
	{
		uint8_t bad[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0x1b, '[', '2', 'J', '\n', 0, 0, 1, 0, 1};
		n = mk(bad, sizeof(bad), sizeof(bad), PPD_F_IN);
		CHECK(kdns_decode(rec, n, &clk, &m, &why) == 0);
		CHECK(emit(&m) == 1);
		CHECK(strstr(out, "\"qname\":\"\\\\027[2J\\\\010\"") != NULL);
		for (size_t i = 0; i + 1 < outlen; i++)
			CHECK(out[i] >= 0x20);
		free(out);
	}

	CASE("shorter than a header: no record");
	n = mk(query, 3, 3, PPD_F_IN);
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == 0);
	CHECK(emit(&m) == 0);
	free(out);

	CASE("rejections");
	why = NULL;
	CHECK(kdns_decode(rec, sizeof(struct ppd_hdr) - 1, &clk, &m, &why) == -1 && why);
	n = mk(query, sizeof(query), sizeof(query), 0);
	CHECK(kdns_decode(rec, n - 1, &clk, &m, &why) == -1);     /* len says more */
	n = mk(query, sizeof(query), sizeof(query) - 1, 0);
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == -1);         /* more than the message */
	n = mk(query, sizeof(query), sizeof(query), 0x80);
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == -1);         /* unknown flag */
	n = mk(query, sizeof(query), sizeof(query), 0);
	((struct ppd_hdr *)rec)->family = 7;
	CHECK(kdns_decode(rec, n, &clk, &m, &why) == -1);
	return check_done("test_kdns");
}
