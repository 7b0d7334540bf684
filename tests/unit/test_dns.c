/* The DNS dissector on messages built here by code: every record type it
 * formats, name compression (good, looping, pointing past the end), labels
 * and names over the limits, truncation, lying counts, mDNS bits, DNS over
 * TCP framing, payload that must never be written; then random mutations of
 * a valid message, each of whose outputs must be a valid record. */
#include <netinet/in.h>
#include <stdlib.h>

#include "check.h"
#include "rec.h"
#include "sniff_test_ctx.h"

/* A message builder. */
struct mb {
	uint8_t b[70000];
	size_t n;
};
static void u8(struct mb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void u16(struct mb *m, unsigned v) { u8(m, v >> 8); u8(m, v & 0xff); }
static void u32(struct mb *m, uint32_t v) { u16(m, v >> 16); u16(m, v & 0xffff); }
static void raw(struct mb *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
/* "www.example.com" as labels, ended by the root unless ptr >= 0, then by
 * a pointer to ptr. */
static void name_to(struct mb *m, const char *s, int ptr)
{
	while (*s) {
		const char *d = strchr(s, '.');
		size_t l = d ? (size_t)(d - s) : strlen(s);
		u8(m, (unsigned)l);
		raw(m, s, l);
		s += l + (d ? 1 : 0);
	}
	if (ptr >= 0)
		u16(m, 0xc000 | (unsigned)ptr);
	else
		u8(m, 0);
}
static void name(struct mb *m, const char *s) { name_to(m, s, -1); }
static void hdr(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	u16(m, id), u16(m, flags), u16(m, qd), u16(m, an), u16(m, ns), u16(m, ar);
}
/* An answer header: name already written; type, class, ttl; returns the
 * offset of rdlength, to be patched by rd_end(). */
static size_t rr(struct mb *m, unsigned type, unsigned cls, uint32_t ttl)
{
	size_t at;
	u16(m, type), u16(m, cls), u32(m, ttl);
	at = m->n;
	u16(m, 0);
	return at;
}
static void rd_end(struct mb *m, size_t at)
{
	size_t l = m->n - at - 2;
	m->b[at] = (uint8_t)(l >> 8), m->b[at + 1] = (uint8_t)l;
}

static struct tctx T;
static struct rec R;

/* Run one UDP message; returns the dissector's result; the record (if
 * any) is parsed into R. */
static int run(const struct mb *m)
{
	const char *err;
	const char *line;
	int r;
	tctx_clear(&T);
	T.app = NULL;
	r = dns_udp(&T.c, m->b, m->n);
	line = tctx_line(&T, 0);
	if (line)
		CHECK(rec_parse(&R, line, strlen(line), &err) == 0);
	return r;
}
static bool has(const char *s) { return strstr(tctx_out(&T), s) != NULL; }
static bool nokey(const char *k) { return rec_find(&R, k) < 0; }

static void t_query(void)
{
	struct mb m;
	long long v;
	CASE("simple query");
	hdr(&m, 0x1234, 0x0100, 1, 0, 0, 0);
	name(&m, "www.example.com");
	u16(&m, 1), u16(&m, 1);
	CHECK(run(&m) == DIS_DONE);
	CHECK(tctx_lines(&T) == 1);
	CHECK_STR(T.app, "dns");
	CHECK_STR(rec_str(&R, "type"), "dns");
	CHECK_STR(rec_str(&R, "msg"), "query");
	CHECK(rec_i64(&R, "id", &v) && v == 0x1234);
	CHECK_STR(rec_str(&R, "qname"), "www.example.com");
	CHECK_STR(rec_str(&R, "qtype"), "A");
	CHECK_STR(rec_str(&R, "transport"), "udp");
	CHECK_STR(rec_str(&R, "src"), "192.0.2.1");
	CHECK(nokey("rcode") && nokey("answers") && nokey("malformed") && nokey("qclass"));

	CASE("root and odd types");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u8(&m, 0);
	u16(&m, 65280), u16(&m, 3);
	run(&m);
	CHECK_STR(rec_str(&R, "qname"), ".");
	CHECK_STR(rec_str(&R, "qtype"), "TYPE65280");
	CHECK_STR(rec_str(&R, "qclass"), "CH");

	CASE("opcode");
	hdr(&m, 1, 5 << 11, 0, 0, 0, 0);
	run(&m);
	CHECK_STR(rec_str(&R, "opcode"), "UPDATE");
	CHECK(nokey("qname"));
}

static void t_answers(void)
{
	struct mb m;
	size_t at;
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t ech[5] = {0xfe, 0x0d, 0x00, 0x01, 0xff};

	CASE("response with every formatted type");
	hdr(&m, 7, 0x8180, 1, 13, 0, 0);
	name(&m, "www.example.com"); /* at 12; "example.com" at 16 */
	u16(&m, 1), u16(&m, 1);
	u16(&m, 0xc00c);
	at = rr(&m, 5, 1, 300);
	name_to(&m, "cdn", 16); /* cdn.example.com */
	rd_end(&m, at);
	u16(&m, 0xc00c);
	at = rr(&m, 1, 1, 60);
	u8(&m, 192), u8(&m, 0), u8(&m, 2), u8(&m, 33);
	rd_end(&m, at);
	u16(&m, 0xc00c);
	at = rr(&m, 28, 1, 60);
	raw(&m, v6, 16);
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 15, 1, 3600);
	u16(&m, 10);
	name_to(&m, "mail", 16);
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 2, 1, 3600);
	name(&m, "ns1.example.net");
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 12, 1, 1);
	name(&m, "host.example");
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 16, 1, 1);
	u8(&m, 7), raw(&m, "v=spf1 ", 7), u8(&m, 10), raw(&m, "CANARY-TXT", 10);
	rd_end(&m, at);
	name_to(&m, "_sip._tcp", 16);
	at = rr(&m, 33, 1, 5);
	u16(&m, 1), u16(&m, 2), u16(&m, 5060);
	name_to(&m, "sip", 16);
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 6, 1, 5);
	name_to(&m, "ns1", 16), name_to(&m, "hostmaster", 16);
	u32(&m, 2024010101), u32(&m, 7200), u32(&m, 900), u32(&m, 1209600), u32(&m, 300);
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 65, 1, 300);
	u16(&m, 1), u8(&m, 0);                      /* priority 1, target "." */
	u16(&m, 0), u16(&m, 2), u16(&m, 1);           /* mandatory=alpn */
	u16(&m, 1), u16(&m, 6), u8(&m, 2), raw(&m, "h2", 2), u8(&m, 2), raw(&m, "h3", 2);
	u16(&m, 2), u16(&m, 0);                       /* no-default-alpn */
	u16(&m, 3), u16(&m, 2), u16(&m, 8443);        /* port */
	u16(&m, 4), u16(&m, 8), u32(&m, 0xc0000201), u32(&m, 0xc0000202);
	u16(&m, 5), u16(&m, 5), raw(&m, ech, 5);
	u16(&m, 6), u16(&m, 16), raw(&m, v6, 16);
	u16(&m, 9999), u16(&m, 3), raw(&m, "a,b", 3);
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 64, 1, 300);
	u16(&m, 0);
	name(&m, "svc.example.net");
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 39, 1, 9);
	name(&m, "example.org");
	rd_end(&m, at);
	u16(&m, 0xc010);
	at = rr(&m, 10, 1, 9); /* NULL: no presentation form here */
	raw(&m, "CANARY-NULL-RDATA", 17);
	rd_end(&m, at);
	CHECK(run(&m) == DIS_DONE);
	CHECK_STR(rec_str(&R, "msg"), "response");
	CHECK_STR(rec_str(&R, "rcode"), "NOERROR");
	CHECK(nokey("malformed"));
	CHECK(has("\"answers\":[{\"name\":\"www.example.com\",\"type\":\"CNAME\",\"ttl\":300,\"data\":\"cdn.example.com\"},"));
	CHECK(has("{\"name\":\"www.example.com\",\"type\":\"A\",\"ttl\":60,\"data\":\"192.0.2.33\"}"));
	CHECK(has("\"type\":\"AAAA\",\"ttl\":60,\"data\":\"2001:db8::1\"}"));
	CHECK(has("{\"name\":\"example.com\",\"type\":\"MX\",\"ttl\":3600,\"data\":\"10 mail.example.com\"}"));
	CHECK(has("\"type\":\"NS\",\"ttl\":3600,\"data\":\"ns1.example.net\"}"));
	CHECK(has("\"type\":\"PTR\",\"ttl\":1,\"data\":\"host.example\"}"));
	CHECK(has("{\"name\":\"example.com\",\"type\":\"TXT\",\"ttl\":1},")); /* TXT is payload */
	CHECK(has("{\"name\":\"_sip._tcp.example.com\",\"type\":\"SRV\",\"ttl\":5,\"data\":\"1 2 5060 sip.example.com\"}"));
	CHECK(has("\"data\":\"ns1.example.com hostmaster.example.com 2024010101 7200 900 1209600 300\"}"));
	CHECK(has("\"type\":\"HTTPS\",\"ttl\":300,\"data\":\"1 . mandatory=alpn alpn=h2,h3 no-default-alpn port=8443 "
	          "ipv4hint=192.0.2.1,192.0.2.2 ech=/g0AAf8= ipv6hint=2001:db8::1 key9999=a,b\"}"));
	CHECK(has("\"type\":\"SVCB\",\"ttl\":300,\"data\":\"0 svc.example.net\"}"));
	CHECK(has("\"type\":\"DNAME\",\"ttl\":9,\"data\":\"example.org\"}"));
	CHECK(has("{\"name\":\"example.com\",\"type\":\"TYPE10\",\"ttl\":9}]"));
	CHECK(!has("CANARY"));

	CASE("rcodes");
	hdr(&m, 7, 0x8183, 0, 0, 0, 0);
	run(&m);
	CHECK_STR(rec_str(&R, "rcode"), "NXDOMAIN");
	hdr(&m, 7, 0x818c, 0, 0, 0, 0);
	run(&m);
	CHECK_STR(rec_str(&R, "rcode"), "RCODE12");

	CASE("bad rdata loses only its data");
	hdr(&m, 7, 0x8180, 0, 2, 0, 0);
	name(&m, "a.example");
	at = rr(&m, 1, 1, 1);
	raw(&m, "\1\2\3\4\5", 5);
	rd_end(&m, at);
	name(&m, "b.example");
	at = rr(&m, 1, 1, 1);
	raw(&m, "\1\2\3\4", 4);
	rd_end(&m, at);
	run(&m);
	CHECK(has("{\"name\":\"a.example\",\"type\":\"A\",\"ttl\":1},{\"name\":\"b.example\",\"type\":\"A\",\"ttl\":1,\"data\":\"1.2.3.4\"}"));
	CHECK_STR(rec_str(&R, "malformed"), "bad rdata");

	CASE("CNAME whose name runs past its rdata");
	hdr(&m, 7, 0x8180, 0, 1, 0, 0);
	name(&m, "a.example");
	at = rr(&m, 5, 1, 1);
	name(&m, "x.example");
	rd_end(&m, at);
	m.b[at + 1] = 3; /* rdlength 3, the name needs 11 */
	run(&m);
	CHECK_STR(rec_str(&R, "malformed"), "bad rdata");
	CHECK(!has("\"data\""));

	CASE("TXT whose string runs past its rdata");
	hdr(&m, 7, 0x8180, 0, 1, 0, 0);
	name(&m, "t.example");
	at = rr(&m, 16, 1, 1);
	u8(&m, 9), raw(&m, "CANARY", 6);
	rd_end(&m, at);
	run(&m);
	CHECK_STR(rec_str(&R, "malformed"), "bad rdata");
	CHECK(!has("CANARY"));
}

static void t_names(void)
{
	struct mb m;
	size_t at;

	CASE("escaped labels");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u8(&m, 5), raw(&m, "a.b\\c", 5);
	u8(&m, 4), raw(&m, "x y\x07", 4);
	u8(&m, 2), raw(&m, "\xc3\xa9", 2);
	u8(&m, 0);
	u16(&m, 1), u16(&m, 1);
	run(&m);
	/* Well-formed UTF-8 stays text (as tshark shows it); controls and
	 * bytes that are not UTF-8 are \DDD. */
	CHECK_STR(rec_str(&R, "qname"), "a\\.b\\\\c.x\\032y\\007.\xc3\xa9");
	CASE("bytes that are not UTF-8, and a C1 control");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u8(&m, 3), raw(&m, "\xc3x\xff", 3);
	u8(&m, 3), raw(&m, "\xc2\x85z", 3);
	u8(&m, 4), raw(&m, "\xe2\x80\x99s", 4);
	u8(&m, 0);
	u16(&m, 1), u16(&m, 1);
	run(&m);
	CHECK_STR(rec_str(&R, "qname"), "\\195x\\255.\\194\\133z.\xe2\x80\x99s");

	CASE("pointer to itself");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u16(&m, 0xc00c);
	u16(&m, 1), u16(&m, 1);
	CHECK(run(&m) == DIS_DONE);
	CHECK(nokey("qname"));
	CHECK_STR(rec_str(&R, "qtype"), "A"); /* the question's extent is known */
	CHECK_STR(rec_str(&R, "malformed"), "name pointer loop");

	CASE("two pointers that loop, behind a label");
	hdr(&m, 1, 0x8000, 1, 1, 0, 0);
	u8(&m, 1), u8(&m, 'a'), u16(&m, 0xc000 | 20); /* 12: a -> 20 */
	u16(&m, 1), u16(&m, 1);                        /* 16 */
	u8(&m, 1), u8(&m, 'b'), u16(&m, 0xc00c);        /* 20: b -> 12 */
	at = rr(&m, 1, 1, 1);
	u32(&m, 0x01020304);
	rd_end(&m, at);
	run(&m);
	CHECK_STR(rec_str(&R, "malformed"), "name pointer loop");
	CHECK(nokey("qname"));
	CHECK(has("{\"type\":\"A\",\"ttl\":1,\"data\":\"1.2.3.4\"}")); /* the walk went on */

	CASE("pointer past the end");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u16(&m, 0xc000 | 500);
	u16(&m, 28), u16(&m, 1);
	run(&m);
	CHECK(nokey("qname"));
	CHECK_STR(rec_str(&R, "qtype"), "AAAA");
	CHECK_STR(rec_str(&R, "malformed"), "name pointer past end");

	CASE("label of 64 (reserved type 0x40)");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u8(&m, 64);
	for (int i = 0; i < 64; i++)
		u8(&m, 'x');
	u8(&m, 0), u16(&m, 1), u16(&m, 1);
	run(&m);
	CHECK(nokey("qname") && nokey("qtype"));
	CHECK_STR(rec_str(&R, "malformed"), "bad label type");

	CASE("label of 63 is fine");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u8(&m, 63);
	for (int i = 0; i < 63; i++)
		u8(&m, 'y');
	u8(&m, 0), u16(&m, 1), u16(&m, 1);
	run(&m);
	CHECK(rec_str(&R, "qname") && strlen(rec_str(&R, "qname")) == 63);
	CHECK(nokey("malformed"));

	CASE("name of 256 octets in place, then a good answer");
	hdr(&m, 1, 0x8000, 1, 1, 0, 0);
	for (int i = 0; i < 4; i++) { /* 4 * 64 = 256 octets + root */
		u8(&m, 63);
		for (int j = 0; j < 63; j++)
			u8(&m, 'z');
	}
	u8(&m, 0), u16(&m, 1), u16(&m, 1);
	u16(&m, 0xc00c); /* the answer's name is the same long name */
	at = rr(&m, 1, 1, 7);
	u32(&m, 0x0a000001);
	rd_end(&m, at);
	run(&m);
	CHECK(nokey("qname"));
	CHECK_STR(rec_str(&R, "qtype"), "A");
	CHECK_STR(rec_str(&R, "malformed"), "name too long");
	CHECK(has("[{\"type\":\"A\",\"ttl\":7,\"data\":\"10.0.0.1\"}]"));

	CASE("name of 255 octets is fine");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		u8(&m, 63);
		for (int j = 0; j < 63; j++)
			u8(&m, 'z');
	}
	u8(&m, 61);
	for (int j = 0; j < 61; j++)
		u8(&m, 'w');
	u8(&m, 0), u16(&m, 1), u16(&m, 1);
	run(&m);
	CHECK(rec_str(&R, "qname") && strlen(rec_str(&R, "qname")) == 253);
	CHECK(nokey("malformed"));

	CASE("too long through pointers, no loop");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u16(&m, 0xc000 | 18); /* 12: -> 18 */
	u16(&m, 1), u16(&m, 1);
	for (int i = 0; i < 5; i++) { /* 18 + 65i: 62 octets, then -> the next */
		u8(&m, 62);
		for (int j = 0; j < 62; j++)
			u8(&m, 'a' + i);
		if (i < 4)
			u16(&m, 0xc000 | (unsigned)(18 + 65 * (i + 1)));
		else
			u8(&m, 0);
	}
	run(&m);
	CHECK_STR(rec_str(&R, "malformed"), "name too long");
	CHECK_STR(rec_str(&R, "qtype"), "A");
	CHECK(nokey("qname"));

	CASE("label and a pointer to itself: a loop");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	u8(&m, 62);
	for (int j = 0; j < 62; j++)
		u8(&m, 'q');
	u16(&m, 0xc00c);
	u16(&m, 1), u16(&m, 1);
	run(&m);
	CHECK_STR(rec_str(&R, "malformed"), "name pointer loop");
	CHECK_STR(rec_str(&R, "qtype"), "A");
}

static void t_truncated(void)
{
	struct mb m, full;
	size_t at;

	CASE("short header");
	hdr(&m, 1, 0, 1, 0, 0, 0);
	m.n = 11;
	CHECK(run(&m) == DIS_NOTMINE);
	CHECK(tctx_lines(&T) == 0);
	CHECK(T.app == NULL);
	CASE("unassigned opcode: read, flagged (tshark reads it too)");
	hdr(&m, 1, 3 << 11, 1, 0, 0, 0);
	name(&m, "op.example");
	u16(&m, 1), u16(&m, 1);
	CHECK(run(&m) == DIS_DONE);
	CHECK_STR(rec_str(&R, "opcode"), "OPCODE3");
	CHECK_STR(rec_str(&R, "qname"), "op.example");
	CHECK_STR(rec_str(&R, "malformed"), "unassigned opcode");
	CHECK(!dns_looks_like(m.b, m.n)); /* but not DNS by content */

	CASE("cut after id and flags (a first fragment's 4 bytes)");
	hdr(&m, 0x7f55, 0x8400, 1, 0, 0, 0);
	m.n = 4;
	T.c.cut = true;
	CHECK(run(&m) == DIS_DONE);
	T.c.cut = false;
	CHECK_STR(rec_str(&R, "msg"), "response");
	CHECK(has("\"id\":32597,"));
	CHECK(has("\"cut\":true"));
	CHECK(nokey("qname") && nokey("malformed"));
	CHECK(run(&m) == DIS_NOTMINE); /* not cut: too short to be DNS */

	CASE("cut at every byte");
	hdr(&full, 9, 0x8180, 1, 2, 0, 0);
	name(&full, "t.example");
	u16(&full, 1), u16(&full, 1);
	u16(&full, 0xc00c);
	at = rr(&full, 1, 1, 1);
	u32(&full, 0x01010101);
	rd_end(&full, at);
	u16(&full, 0xc00c);
	at = rr(&full, 1, 1, 1);
	u32(&full, 0x02020202);
	rd_end(&full, at);
	for (size_t n = 12; n < full.n; n++) {
		m = full;
		m.n = n;
		CHECK(run(&m) == DIS_DONE);
		CHECK_STR(rec_str(&R, "malformed"), "truncated");
		if (n >= 27 + 16)
			CHECK(has("\"data\":\"1.1.1.1\""));
		if (n < 27 + 16)
			CHECK(nokey("answers"));
	}
	m = full;
	run(&m);
	CHECK(nokey("malformed"));
	CHECK(has("2.2.2.2"));

	CASE("huge counts, little data");
	hdr(&m, 1, 0x8000, 65535, 65535, 65535, 65535);
	name(&m, "x");
	u16(&m, 1), u16(&m, 1);
	CHECK(run(&m) == DIS_DONE);
	CHECK_STR(rec_str(&R, "malformed"), "truncated");
	CHECK_STR(rec_str(&R, "qname"), "x");
	CHECK(nokey("answers"));

	CASE("many answers: 100 written, the rest counted");
	hdr(&m, 1, 0x8000, 0, 300, 0, 0);
	for (int i = 0; i < 300; i++) {
		u8(&m, 0);
		at = rr(&m, 1, 1, 1);
		u32(&m, (uint32_t)i);
		rd_end(&m, at);
	}
	run(&m);
	{
		long long v;
		CHECK(rec_i64(&R, "answers_omitted", &v) && v == 200);
		CHECK(has("\"data\":\"0.0.0.99\"") && !has("\"data\":\"0.0.0.100\""));
	}
}

/* DNS recognised by content on any port: whole, sane messages only. */
static void t_content(void)
{
	struct mb m;
	size_t at, n;

	CASE("by content: a query and a response parse whole");
	hdr(&m, 2, 0x0100, 1, 0, 0, 0);
	name(&m, "2.dnscrypt-cert.example.com");
	u16(&m, 16), u16(&m, 1);
	CHECK(dns_looks_like(m.b, m.n));
	n = m.n;
	u8(&m, 0); /* a byte more: not one message */
	CHECK(!dns_looks_like(m.b, m.n));
	m.n = n - 1; /* a byte less */
	CHECK(!dns_looks_like(m.b, m.n));
	hdr(&m, 3, 0x8180, 1, 1, 0, 0);
	name(&m, "a.example");
	u16(&m, 1), u16(&m, 1);
	u16(&m, 0xc00c);
	at = rr(&m, 1, 1, 60);
	raw(&m, "\xc0\x00\x02\x01", 4);
	rd_end(&m, at);
	CHECK(dns_looks_like(m.b, m.n));
	m.b[at + 1] = 5; /* rdlength past the end */
	CHECK(!dns_looks_like(m.b, m.n));

	CASE("by content: what is not DNS");
	hdr(&m, 1, 0, 0, 0, 0, 0); /* no question */
	u8(&m, 0), u16(&m, 1), u16(&m, 1);
	CHECK(!dns_looks_like(m.b, m.n));
	hdr(&m, 1, 0, 2, 0, 0, 0); /* two questions */
	name(&m, "a.example"), u16(&m, 1), u16(&m, 1);
	name(&m, "b.example"), u16(&m, 1), u16(&m, 1);
	CHECK(!dns_looks_like(m.b, m.n));
	hdr(&m, 1, 0, 1, 0, 0, 0); /* class 7 */
	name(&m, "a.example"), u16(&m, 1), u16(&m, 7);
	CHECK(!dns_looks_like(m.b, m.n));
	CHECK(!dns_looks_like((const uint8_t *)"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27));

	CASE("by content over TCP: the length prefix and the whole first message");
	{
		struct mb t;
		hdr(&m, 2, 0x0100, 1, 0, 0, 0);
		name(&m, "tcp.example");
		u16(&m, 1), u16(&m, 1);
		t.n = 0;
		u16(&t, (unsigned)m.n);
		raw(&t, m.b, m.n);
		CHECK(dns_tcp_looks_like(t.b, t.n, false) == 1);
		CHECK(dns_tcp_looks_like(t.b, t.n - 1, false) == 0); /* wait for the rest */
		CHECK(dns_tcp_looks_like((const uint8_t *)"GET / HTTP/1.1\r\n", 16, false) == -1);
		CHECK(dns_tcp_looks_like((const uint8_t *)"GET / HTTP/1.1\r\n", 16, true) == -1);
		CHECK(dns_tcp_looks_like(t.b, 14, true) == 1); /* port 53: a header */
	}

	CASE("SVCB with bad parameters keeps priority and target");
	hdr(&m, 4, 0x8180, 1, 1, 0, 0);
	name(&m, "svc.example");
	u16(&m, 64), u16(&m, 1);
	u16(&m, 0xc00c);
	at = rr(&m, 64, 1, 300);
	u16(&m, 1);
	name(&m, "target.example");
	u16(&m, 3), u16(&m, 5), u16(&m, 443); /* port with length 5 */
	rd_end(&m, at);
	run(&m);
	CHECK(has("\"type\":\"SVCB\",\"ttl\":300,\"data\":\"1 target.example\"}"));
	CHECK_STR(rec_str(&R, "malformed"), "bad rdata");
}

static void t_mdns(void)
{
	struct mb m;
	size_t at;
	CASE("mDNS: QU bit, cache-flush bit, several questions");
	hdr(&m, 0, 0x8400, 3, 1, 0, 0);
	name(&m, "_ipp._tcp.local");
	u16(&m, 12), u16(&m, 0x8001);
	name_to(&m, "_printer._tcp", 22);
	u16(&m, 12), u16(&m, 1);
	name(&m, "host.local");
	u16(&m, 28), u16(&m, 0x8001);
	u16(&m, 0xc00c);
	at = rr(&m, 12, 0x8001, 4500);
	name_to(&m, "Printer", 12);
	rd_end(&m, at);
	run(&m);
	CHECK_STR(rec_str(&R, "qname"), "_ipp._tcp.local");
	CHECK_STR(rec_str(&R, "qtype"), "PTR");
	CHECK(nokey("qclass"));
	CHECK(has("\"questions\":[{\"name\":\"_ipp._tcp.local\",\"type\":\"PTR\"},{\"name\":\"_printer._tcp.local\",\"type\":\"PTR\"},{\"name\":\"host.local\",\"type\":\"AAAA\"}]"));
	CHECK(has("\"data\":\"Printer._ipp._tcp.local\""));
	CHECK(nokey("malformed"));
}

/* Payload that is not one of the fields must never be written: EDNS
 * padding and unknown additional records. */
static void t_canary(void)
{
	struct mb m;
	size_t at;
	CASE("canary in EDNS padding and additional data");
	hdr(&m, 1, 0x0100, 1, 0, 0, 1);
	name(&m, "example.com");
	u16(&m, 1), u16(&m, 1);
	u8(&m, 0);
	at = rr(&m, 41, 4096, 0);
	u16(&m, 12), u16(&m, 20), raw(&m, "PPCANARY-PAD-0123456", 20);
	rd_end(&m, at);
	run(&m);
	CHECK(tctx_lines(&T) == 1);
	CHECK(!has("PPCANARY"));
}

static void t_tcp(void)
{
	struct mb q, s;
	size_t at;
	void *st = NULL;
	uint8_t buf[4096];
	size_t n = 0;
	int r;

	CASE("TCP: two messages, fed byte by byte");
	tctx_clear(&T);
	hdr(&q, 0xa, 0x0100, 1, 0, 0, 0);
	name(&q, "one.example");
	u16(&q, 1), u16(&q, 1);
	buf[n++] = (uint8_t)(q.n >> 8), buf[n++] = (uint8_t)q.n;
	memcpy(buf + n, q.b, q.n), n += q.n;
	hdr(&q, 0xb, 0x0100, 1, 0, 0, 0);
	name(&q, "two.example");
	u16(&q, 28), u16(&q, 1);
	buf[n++] = (uint8_t)(q.n >> 8), buf[n++] = (uint8_t)q.n;
	memcpy(buf + n, q.b, q.n), n += q.n;
	for (size_t k = 1; k <= n; k++) {
		r = dns_tcp_stream(&T.c, &st, buf, k, false);
		CHECK(r == DIS_MORE);
	}
	CHECK(tctx_lines(&T) == 2);
	CHECK(strstr(tctx_line(&T, 0), "\"qname\":\"one.example\"") != NULL);
	CHECK(strstr(tctx_line(&T, 1), "\"qname\":\"two.example\",\"qtype\":\"AAAA\"") != NULL);
	CHECK(strstr(tctx_line(&T, 1), "\"transport\":\"tcp\"") != NULL);
	CHECK(dns_tcp_stream(&T.c, &st, buf, n, true) == DIS_DONE);
	CHECK(tctx_lines(&T) == 2);

	CASE("TCP: the other direction, cut short by the cap");
	T.c.from_orig = false;
	hdr(&s, 0xa, 0x8180, 1, 1, 0, 0);
	name(&s, "one.example");
	u16(&s, 1), u16(&s, 1);
	u16(&s, 0xc00c);
	at = rr(&s, 1, 1, 1);
	u32(&s, 0x05060708);
	rd_end(&s, at);
	n = 0;
	buf[n++] = (uint8_t)(s.n >> 8), buf[n++] = (uint8_t)s.n;
	memcpy(buf + n, s.b, s.n), n += s.n;
	CHECK(dns_tcp_stream(&T.c, &st, buf, n - 3, false) == DIS_MORE);
	CHECK(tctx_lines(&T) == 2);
	CHECK(dns_tcp_stream(&T.c, &st, buf, n - 3, true) == DIS_DONE);
	CHECK(tctx_lines(&T) == 3);
	CHECK(strstr(tctx_line(&T, 2), "\"malformed\":\"truncated\"") != NULL);
	CHECK(strstr(tctx_line(&T, 2), "\"msg\":\"response\"") != NULL);
	dns_free(st);
	T.c.from_orig = true;

	CASE("TCP: not DNS");
	st = NULL;
	tctx_clear(&T);
	CHECK(dns_tcp_stream(&T.c, &st, (const uint8_t *)"\0\4abcd", 6, false) == DIS_NOTMINE);
	CHECK(dns_tcp_stream(&T.c, &st, (const uint8_t *)"", 0, false) == DIS_MORE);
	dns_free(st);
	dns_free(NULL);
	CHECK(tctx_lines(&T) == 0);
}

/* Random mutations of a valid response: never a crash (ASan/UBSan), and
 * every output line a valid record. */
static void t_mutate(void)
{
	struct mb m, full;
	size_t at;
	int bad = 0;
	CASE("mutations");
	hdr(&full, 9, 0x8180, 2, 3, 0, 0);
	name(&full, "m.example.com");
	u16(&full, 65), u16(&full, 1);
	name_to(&full, "n", 12);
	u16(&full, 1), u16(&full, 1);
	u16(&full, 0xc00c);
	at = rr(&full, 65, 1, 1);
	u16(&full, 1), name_to(&full, "svc", 12);
	u16(&full, 1), u16(&full, 3), u8(&full, 2), raw(&full, "h2", 2);
	u16(&full, 5), u16(&full, 4), u32(&full, 0xdeadbeef);
	rd_end(&full, at);
	u16(&full, 0xc00c);
	at = rr(&full, 6, 1, 1);
	name_to(&full, "ns", 12), name_to(&full, "h", 14);
	u32(&full, 1), u32(&full, 2), u32(&full, 3), u32(&full, 4), u32(&full, 5);
	rd_end(&full, at);
	u16(&full, 0xc00c);
	at = rr(&full, 16, 1, 1);
	u8(&full, 3), raw(&full, "a\"\\", 3);
	rd_end(&full, at);
	srandom(42);
	for (int i = 0; i < 20000; i++) {
		m = full;
		for (int k = random() % 4; k >= 0; k--)
			m.b[random() % m.n] = (uint8_t)random();
		if (random() % 3 == 0)
			m.n = (size_t)random() % (m.n + 1);
		tctx_clear(&T);
		dns_udp(&T.c, m.b, m.n);
		if (!tctx_all_valid(&T))
			bad++;
	}
	CHECK(bad == 0);
}

int main(void)
{
	tctx_init(&T, IPPROTO_UDP, 40000, 53);
	rec_init(&R);
	t_query();
	t_answers();
	t_names();
	t_truncated();
	t_content();
	t_mdns();
	t_canary();
	t_tcp();
	t_mutate();
	rec_free(&R);
	tctx_free(&T);
	return check_done("test_dns");
}
