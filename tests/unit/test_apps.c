/* The application dissectors of the table's later rows through their
 * descriptors: sessions fed in one go and byte by byte must give the same
 * records; bodies, literals, SASL lines, passwords and payloads (the canary)
 * never come out; probes say no to what merely looks close; lying lengths
 * and truncation give no record rather than a wrong one. */
#include <netinet/in.h>
#include <stdlib.h>

#include "check.h"
#include "sniff_test_ctx.h"

static struct tctx T;
static struct rec R;
#define CAN "PPCANARYxyz"

/* A TCP session: the server's bytes, then the client's, as the core hands
 * them over (growing prefixes: all at once, or a byte at a time), then the
 * last calls and the end hook. Returns the output. */
static const char *session(const struct dissector *d, const char *srv, const char *cli, bool bytewise)
{
	void *st = NULL;
	const char *b[2] = {cli, srv};
	size_t n[2] = {strlen(cli), strlen(srv)};
	int r[2] = {DIS_MORE, DIS_MORE};
	tctx_clear(&T);
	T.app = NULL;
	for (int k = 1; k >= 0; k--) { /* server first */
		T.c.from_orig = k == 0;
		for (size_t i = bytewise ? 1 : n[k]; i <= n[k] && r[k] == DIS_MORE; i++)
			r[k] = d->stream(&T.c, &st, (const uint8_t *)b[k], i, false);
	}
	for (int k = 0; k < 2; k++)
		if (r[k] == DIS_MORE) {
			T.c.from_orig = k == 0;
			d->stream(&T.c, &st, (const uint8_t *)b[k], n[k], true);
		}
	if (st && d->end)
		d->end(&T.c, st);
	if (st)
		d->free(st);
	return tctx_out(&T);
}

/* Same records in one go and byte by byte. */
static bool stable(const struct dissector *d, const char *srv, const char *cli)
{
	char *a = strdup(session(d, srv, cli, false));
	bool same = !strcmp(a, session(d, srv, cli, true));
	if (!same)
		fprintf(stderr, "one go:    %s\nbytewise:  %s\n", a, tctx_out(&T));
	free(a);
	return same;
}

static int dgram(const struct dissector *d, const void *p, size_t n)
{
	void *st = NULL;
	tctx_clear(&T);
	int r = d->datagram(&T.c, &st, p, n);
	if (st)
		d->free(st);
	return r;
}

static int probe(const struct dissector *d, bool orig, const char *s)
{
	return d->probe(&T.t, orig, (const uint8_t *)s, strlen(s), false);
}

static bool line(int i) { return tctx_line_parses(&T, &R, i); }
static bool has(const char *s) { return tctx_has(&T, s); }

int main(void)
{
	tctx_init(&T, IPPROTO_TCP, 40000, 2500);
	rec_init(&R);

	CASE("smtp: greeting, EHLO, AUTH, body with commands in it, QUIT");
	static const char smtp_srv[] = "220 mx.test ESMTP Exim 4.96 ready\r\n250 ok\r\n";
	static const char smtp_cli[] =
		"EHLO client.test\r\nAUTH PLAIN AHVzZXIA" CAN "\r\nMAIL FROM:<" CAN "@x>\r\nDATA\r\n"
		"Subject: " CAN "\r\n\r\nRCPT TO:<y>\r\nQUIT\r\n..leading dot\r\n.\r\nBDAT 18 LAST\r\n"
		"VRFY " CAN "\r\nQUIT\r\n";
	CHECK(stable(&dis_smtp, smtp_srv, smtp_cli));
	CHECK(tctx_lines(&T) == 1 && line(0));
	CHECK_STR(rec_str(&R, "type"), "smtp");
	CHECK_STR(rec_str(&R, "banner"), "mx.test ESMTP Exim 4.96 ready");
	CHECK_STR(rec_str(&R, "server_software"), "Exim 4.96");
	CHECK_STR(rec_str(&R, "helo"), "client.test");
	CHECK(has("\"commands\":[\"EHLO\",\"AUTH\",\"MAIL\",\"DATA\",\"BDAT\",\"QUIT\"]"));
	CHECK(has("\"starttls\":false"));
	CHECK(!has(CAN) && !has("VRFY") && !has("RCPT"));
	CHECK_STR(T.app, "smtp");

	CASE("smtp: STARTTLS ends the record and asks the core for TLS");
	session(&dis_smtp, "220 mx.test ESMTP\r\n220 go ahead\r\n", "EHLO a\r\nSTARTTLS\r\n\x16\x03\x01\x02\x00", false);
	CHECK(tctx_lines(&T) == 1);
	CHECK(has("\"commands\":[\"EHLO\",\"STARTTLS\"]") && has("\"starttls\":true"));
	CHECK(T.c.upgrade);

	CASE("smtp/ftp probes: 220 alone is neither, unless the port or client says");
	T.t.dport = 7777;
	CHECK(probe(&dis_smtp, false, "220 welcome\r\n") == PROBE_NO);
	CHECK(probe(&dis_ftp, false, "220 welcome\r\n") == PROBE_NO);
	CHECK(probe(&dis_smtp, false, "220 welcome") == PROBE_MORE);
	CHECK(probe(&dis_smtp, false, "220 x ESMTP\r\n") == PROBE_YES);
	CHECK(probe(&dis_ftp, false, "220 x ESMTP\r\n") == PROBE_NO);
	CHECK(probe(&dis_ftp, false, "220 ProFTPD Server\r\n") == PROBE_YES);
	CHECK(probe(&dis_smtp, true, "EHLO x\r\n") == PROBE_YES);
	CHECK(probe(&dis_smtp, true, "GET / HTTP/1.1\r\n") == PROBE_NO);
	CHECK(probe(&dis_smtp, false, "220 \x01\x02\r\n") == PROBE_NO);
	T.t.dport = 21;
	CHECK(probe(&dis_ftp, false, "220 welcome\r\n") == PROBE_YES);
	T.t.dport = 2500;

	CASE("imap: literals skipped, whatever they hold");
	static const char imap_cli[] = "a1 LOGIN {5}\r\nalice {11}\r\n" CAN "\r\n"
	                               "a2 APPEND INBOX {27+}\r\nb1 DELETE x\r\n" CAN "\r\nzz\r\n"
	                               "a3 SELECT INBOX\r\na4 LOGOUT\r\n";
	CHECK(stable(&dis_imap, "* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n", imap_cli));
	CHECK(line(0));
	CHECK(has("\"commands\":[\"LOGIN\",\"APPEND\",\"SELECT\",\"LOGOUT\"]"));
	CHECK_STR(rec_str(&R, "server_software"), "Dovecot");
	CHECK(!has(CAN) && !has("DELETE"));

	CASE("pop3 and ftp: PASS arguments never written");
	CHECK(stable(&dis_pop3, "+OK ready\r\n", "USER a\r\nPASS " CAN "\r\nSTLS\r\n"));
	CHECK(has("\"commands\":[\"USER\",\"PASS\",\"STLS\"]") && has("\"starttls\":true") && !has(CAN));
	CHECK(stable(&dis_ftp, "220-Welcome\r\n220 (vsFTPd 3.0.5)\r\n", "USER a\r\nPASS " CAN "\r\nQUIT\r\n"));
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "banner"), "Welcome");
	CHECK(rec_find(&R, "server_software") < 0); /* on a continuation line: not the greeting's text */
	CHECK(!has(CAN));

	CASE("text: a client that does not open with a command is not the protocol");
	{
		void *st = NULL;
		tctx_clear(&T);
		T.c.from_orig = false;
		static const char g[] = "220 mx.test ESMTP\r\n", q[] = "GET / HTTP/1.1\r\n";
		CHECK(dis_smtp.stream(&T.c, &st, (const uint8_t *)g, strlen(g), false) == DIS_MORE);
		T.c.from_orig = true;
		CHECK(dis_smtp.stream(&T.c, &st, (const uint8_t *)q, strlen(q), false) == DIS_NOTMINE);
		dis_smtp.end(&T.c, st);
		dis_smtp.free(st);
		CHECK(tctx_lines(&T) == 1 && line(0));
		CHECK_STR(rec_str(&R, "banner"), "mx.test ESMTP");
		CHECK(rec_find(&R, "commands") < 0);
	}

	CASE("text: a server that greets with garbage is not the protocol");
	{
		void *st = NULL;
		tctx_clear(&T);
		T.c.from_orig = false;
		CHECK(dis_pop3.stream(&T.c, &st, (const uint8_t *)"-ERR\r\n", 6, false) == DIS_NOTMINE);
		dis_pop3.free(st);
		CHECK(tctx_lines(&T) == 0);
	}

	CASE("dhcp: options past the end are reported as malformed, not read");
	{
		uint8_t p[260] = {1, 1, 6};
		p[236] = 0x63, p[237] = 0x82, p[238] = 0x53, p[239] = 0x63;
		p[240] = 53, p[241] = 1, p[242] = 3;         /* request */
		p[243] = 12, p[244] = 5, memcpy(p + 245, "host1", 5);
		p[250] = 60, p[251] = 40;                     /* runs past the end */
		T.t.proto = IPPROTO_UDP;
		CHECK(dgram(&dis_dhcp, p, sizeof(p)) == DIS_MORE);
		CHECK(line(0));
		CHECK_STR(rec_str(&R, "msg"), "request");
		CHECK_STR(rec_str(&R, "hostname"), "host1");
		CHECK_STR(rec_str(&R, "malformed"), "option runs past the end");
		CHECK(rec_find(&R, "vendor_class") < 0);
		CHECK(dgram(&dis_dhcp, p, 239) == DIS_NOTMINE);
		p[237] = 0;
		CHECK(dgram(&dis_dhcp, p, sizeof(p)) == DIS_NOTMINE); /* no cookie */
	}

	CASE("stun: XOR-MAPPED-ADDRESS over IPv6 uses the transaction id");
	{
		uint8_t p[20 + 24 + 8] = {0x01, 0x01, 0, 32, 0x21, 0x12, 0xa4, 0x42};
		for (int i = 0; i < 12; i++)
			p[8 + i] = (uint8_t)(i + 1);
		uint8_t *a = p + 20;
		a[0] = 0, a[1] = 0x20, a[2] = 0, a[3] = 20, a[4] = 0, a[5] = 2;
		a[6] = 0x12 ^ 0x21, a[7] = 0x34 ^ 0x12; /* port 0x1234 */
		static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		static const uint8_t key[16] = {0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
		for (int i = 0; i < 16; i++)
			a[8 + i] = ip6[i] ^ key[i];
		uint8_t *e = p + 44; /* ERROR-CODE 438 */
		e[0] = 0, e[1] = 9, e[2] = 0, e[3] = 4, e[4] = 0, e[5] = 0, e[6] = 4, e[7] = 38;
		CHECK(dgram(&dis_stun, p, sizeof(p)) == DIS_MORE);
		CHECK(line(0));
		CHECK_STR(rec_str(&R, "mapped_addr"), "2001:db8::1");
		CHECK(has("\"mapped_port\":4660"));
		CHECK(has("\"error_code\":438"));
		CHECK_STR(rec_str(&R, "class"), "success");
		p[3] = 36; /* the length no longer matches the datagram */
		CHECK(dgram(&dis_stun, p, sizeof(p)) == DIS_NOTMINE && tctx_lines(&T) == 0);
		p[3] = 32, a[3] = 200; /* an attribute that runs past the end */
		CHECK(dgram(&dis_stun, p, sizeof(p)) == DIS_MORE);
		CHECK(has("\"malformed\":") && !has("mapped_addr"));
	}

	CASE("ntp: tight content rules");
	{
		uint8_t p[48] = {0x23};
		p[40] = 0xe9; /* a transmit timestamp */
		CHECK(dis_ntp.probe(&T.t, true, p, 48, false) == PROBE_YES);
		CHECK(dis_ntp.probe(&T.t, true, p, 47, false) == PROBE_NO);
		CHECK(dis_ntp.probe(&T.t, true, p, 50, false) == PROBE_NO);
		p[0] = 0x26; /* mode 6: control */
		CHECK(dis_ntp.probe(&T.t, true, p, 48, false) == PROBE_NO);
		p[0] = 0x24, p[1] = 2, p[3] = 0xe8; /* server, stratum 2, precision -24 */
		CHECK(dis_ntp.probe(&T.t, true, p, 48, false) == PROBE_NO); /* no receive timestamp */
		p[32] = 0xe9;
		CHECK(dis_ntp.probe(&T.t, true, p, 48, false) == PROBE_YES);
		p[32] = 0xea; /* received after it was sent */
		CHECK(dis_ntp.probe(&T.t, true, p, 48, false) == PROBE_NO);
		p[32] = 0xe9, p[1] = 17;
		CHECK(dis_ntp.probe(&T.t, true, p, 48, false) == PROBE_NO);
	}

	CASE("ssdp: only the three message kinds");
	{
		static const char ok[] = "NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nNTS: ssdp:byebye\r\n\r\n";
		static const char no[] = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n";
		CHECK(dgram(&dis_ssdp, ok, strlen(ok)) == DIS_MORE && line(0));
		CHECK_STR(rec_str(&R, "nts"), "ssdp:byebye");
		CHECK(dgram(&dis_ssdp, no, strlen(no)) == DIS_NOTMINE);
		CHECK(dgram(&dis_ssdp, "NOTIFY * HTTP/1.1x\r\n", 20) == DIS_NOTMINE);
	}

	CASE("sip: compact headers, a quoted name with '<', the body never read");
	{
		static const char m[] = "MESSAGE sip:bob@b.test SIP/2.0\r\nf: \"a <b>\" <sips:alice@a.test:5061>;tag=1\r\n"
		                        "t: tel:+15551234\r\nl: 11\r\n\r\n" CAN;
		CHECK(dgram(&dis_sip, m, strlen(m)) == DIS_MORE && line(0));
		CHECK_STR(rec_str(&R, "method"), "MESSAGE");
		CHECK_STR(rec_str(&R, "from_host"), "a.test");
		CHECK(rec_find(&R, "to_host") < 0); /* a tel: URI has no host */
		CHECK(!has(CAN));
		CHECK(dgram(&dis_sip, "invite sip:b SIP/2.0\r\n\r\n", 24) == DIS_NOTMINE);
		CHECK(dgram(&dis_sip, "SIP/2.0 99 x\r\n\r\n", 16) == DIS_NOTMINE);
		/* over TCP a message without Content-Length is not SIP */
		T.t.proto = IPPROTO_TCP;
		CHECK(stable(&dis_sip, "", "OPTIONS sip:b SIP/2.0\r\nl: 0\r\n\r\nBYE sip:b SIP/2.0\r\nl: 3\r\n\r\nabc"));
		CHECK(tctx_lines(&T) == 2);
		session(&dis_sip, "", "OPTIONS sip:b SIP/2.0\r\nTo: <sip:b>\r\n\r\n", false);
		CHECK(tctx_lines(&T) == 0);
	}

	CASE("mqtt: split lengths, payloads and passwords never written");
	{
		static const char c5[] = "\x10\x1e\0\x04MQTT\x04\xc2\0\x3c\0\x02id\0\x01u\0\x0b" CAN
		                         "\x30\x10\0\x03t/a" CAN "\x82\x08\0\x01\0\x03t/b\x01";
		char cli[sizeof(c5)];
		memcpy(cli, c5, sizeof(c5));
		void *st = NULL;
		tctx_clear(&T);
		T.c.from_orig = true;
		int r = DIS_MORE;
		for (size_t i = 1; i <= sizeof(c5) - 1 && r == DIS_MORE; i++)
			r = dis_mqtt.stream(&T.c, &st, (const uint8_t *)cli, i, false);
		dis_mqtt.free(st);
		CHECK(tctx_lines(&T) == 3);
		CHECK(has("\"client_id\":\"id\"") && has("\"topic\":\"t/a\"") && has("\"topics\":[\"t/b\"]"));
		CHECK(!has(CAN) && !has("\"u\""));
		CHECK(dis_mqtt.probe(&T.t, true, (const uint8_t *)"\x10\x0c\0\x04MQTX\x04", 9, false) == PROBE_NO);
		CHECK(dis_mqtt.probe(&T.t, true, (const uint8_t *)"\x10\x0c\0\x04MQTX", 8, false) == PROBE_NO);
		CHECK(dis_mqtt.probe(&T.t, true, (const uint8_t *)"\x10\x0c\0\x04MQ", 6, false) == PROBE_MORE);
		CHECK(dis_mqtt.probe(&T.t, true, (const uint8_t *)"\x10\xff\xff\xff\xff\x01", 6, false) == PROBE_NO);
	}

	CASE("bittorrent: handshake prefix, DHT bencode bounds");
	{
		T.t.proto = IPPROTO_UDP;
		static const char q[] = "d1:ad2:id20:abcdefghij01234567899:info_hash20:aaaaaaaaaaaaaaaaaaaae"
		                        "1:q9:get_peers1:t2:aa1:y1:qe";
		CHECK(dgram(&dis_bittorrent, q, strlen(q)) == DIS_MORE && line(0));
		CHECK_STR(rec_str(&R, "info_hash"), "6161616161616161616161616161616161616161");
		static const char deep[] = "d1:xllllllli1eeeeeee1:t2:aa1:y1:qe";
		CHECK(dgram(&dis_bittorrent, deep, strlen(deep)) == DIS_NOTMINE);
		static const char lie[] = "d1:ad2:id99:abce1:t2:aa1:y1:qe";
		CHECK(dgram(&dis_bittorrent, lie, strlen(lie)) == DIS_NOTMINE);
		T.t.proto = IPPROTO_TCP;
		CHECK(probe(&dis_bittorrent, true, "\x13" "BitTorrent") == PROBE_MORE);
		CHECK(probe(&dis_bittorrent, true, "\x13" "BitTorrent protocoX") == PROBE_NO);
	}

	CHECK(tctx_all_valid(&T));
	rec_free(&R);
	tctx_free(&T);
	return check_done("apps");
}
