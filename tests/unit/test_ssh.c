/* The SSH dissector: client and server banners, split at every byte, lines
 * before a server's banner, the 255-character limit, malformed
 * identification strings, and the binary packets after a banner that must
 * never be written. */
#include <netinet/in.h>
#include <stdlib.h>

#include "check.h"
#include "rec.h"
#include "sniff_test_ctx.h"

static struct tctx T;
static struct rec R;

static int feed(const char *s, size_t n, bool orig, bool bytewise, bool capped)
{
	return tctx_feed(&T, ssh_stream, ssh_free, s, n, orig, bytewise, capped);
}
static int feeds(const char *s, bool orig) { return feed(s, strlen(s), orig, false, false); }
static bool line(int i) { return tctx_line_parses(&T, &R, i); }
static bool has(const char *s) { return tctx_has(&T, s); }

int main(void)
{
	/* a banner followed by the start of a binary packet with a canary */
	static const char cli[] = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n\0\0\4\x2c\x0a\x14PPCANARY";
	static const char srv[] = "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u3\r\n";
	char big[400];

	tctx_init(&T, IPPROTO_TCP, 40000, 22);
	rec_init(&R);

	CASE("client banner, one segment");
	CHECK(feed(cli, sizeof(cli) - 1, true, false, false) == DIS_DONE);
	CHECK(tctx_lines(&T) == 1);
	CHECK(line(0));
	CHECK_STR(T.app, "ssh");
	CHECK_STR(rec_str(&R, "type"), "ssh");
	CHECK_STR(rec_str(&R, "client"), "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13");
	CHECK_STR(rec_str(&R, "client_software"), "OpenSSH_9.6p1");
	CHECK_STR(rec_str(&R, "version"), "2.0");
	CHECK(rec_find(&R, "server") < 0);
	CHECK(!has("PPCANARY"));

	CASE("server banner, byte by byte");
	tctx_clear(&T);
	CHECK(feed(srv, strlen(srv), false, true, false) == DIS_DONE);
	CHECK(tctx_lines(&T) == 1);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "server"), "SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u3");
	CHECK_STR(rec_str(&R, "server_software"), "OpenSSH_7.4p1");
	CHECK(rec_find(&R, "client") < 0);

	CASE("SSH 1.99, LF only, no comments");
	tctx_clear(&T);
	CHECK(feeds("SSH-1.99-Cisco-1.25\n", false) == DIS_DONE);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "version"), "1.99");
	CHECK_STR(rec_str(&R, "server_software"), "Cisco-1.25");
	CHECK_STR(rec_str(&R, "server"), "SSH-1.99-Cisco-1.25");

	CASE("lines before the server's banner");
	tctx_clear(&T);
	CHECK(feeds("Welcome PPCANARY\r\nauthorised use only\r\nSSH-2.0-dropbear_2022.83\r\n", false) == DIS_DONE);
	CHECK(tctx_lines(&T) == 1);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "server_software"), "dropbear_2022.83");
	CHECK(!has("PPCANARY") && !has("Welcome"));

	CASE("but not before the client's");
	tctx_clear(&T);
	CHECK(feeds("Hello\r\nSSH-2.0-x\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("GET / HTTP/1.1\r\n", true) == DIS_NOTMINE);
	CHECK(tctx_lines(&T) == 0);

	CASE("too many lines before a banner");
	{
		size_t k = 0, n = 1100 * 6;
		char *many = malloc(n);
		for (int i = 0; i < 1100; i++)
			k += (size_t)snprintf(many + k, n - k, "l%04d\n", i);
		CHECK(feed(many, k, false, false, false) == DIS_NOTMINE);
		/* 1024 lines are allowed */
		memcpy(many + 1024 * 6, "SSH-2.0-x\r\n", 11);
		tctx_clear(&T);
		CHECK(feed(many, 1024 * 6 + 11, false, false, false) == DIS_DONE);
		CHECK(tctx_lines(&T) == 1);
		free(many);
	}
	CASE("a line before the banner that never ends");
	{
		char *l = malloc(9000);
		memset(l, 'x', 9000);
		CHECK(feed(l, 9000, false, false, false) == DIS_NOTMINE);
		CHECK(feed(l, 8000, false, false, false) == DIS_MORE);
		free(l);
	}

	CASE("255 characters with CR LF is the limit");
	memset(big, 'a', sizeof(big));
	memcpy(big, "SSH-2.0-", 8);
	memcpy(big + 253, "\r\n", 2);
	tctx_clear(&T);
	CHECK(feed(big, 255, true, false, false) == DIS_DONE);
	CHECK(line(0) && strlen(rec_str(&R, "client")) == 253);
	memcpy(big + 253, "a\r\n", 3);
	CHECK(feed(big, 256, true, false, false) == DIS_NOTMINE);
	CHECK(feed(big, 253, true, false, false) == DIS_MORE);
	CHECK(feed(big, 300, true, false, false) == DIS_NOTMINE);
	CHECK(tctx_lines(&T) == 1);

	CASE("malformed identification strings");
	tctx_clear(&T);
	CHECK(feeds("SSH-2.0\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("SSH--OpenSSH\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("SSH-2.x-OpenSSH\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("SSH-2.0-\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("SSH-2.0- comment\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("SSH-2.0-x", true) == DIS_MORE);
	CHECK(feed("SSH-2.0-x", 9, true, false, true) == DIS_NOTMINE);
	CHECK(feeds("", true) == DIS_MORE);
	CHECK(tctx_lines(&T) == 0);

	CASE("odd bytes in the software are escaped");
	tctx_clear(&T);
	CHECK(feeds("SSH-2.0-ab\x1b[31m\xff\r\n", false) == DIS_DONE);
	CHECK(tctx_all_valid(&T));
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "server_software"), "ab\x1b[31m\xef\xbf\xbd");

	CASE("ssh_looks_like");
	CHECK(ssh_looks_like((const uint8_t *)"SSH-2.0-x", 9));
	CHECK(ssh_looks_like((const uint8_t *)"SS", 2));
	CHECK(ssh_looks_like((const uint8_t *)"SSH-", 4));
	CHECK(!ssh_looks_like((const uint8_t *)"SSH-x", 5));
	CHECK(!ssh_looks_like((const uint8_t *)"GET ", 4));
	CHECK(!ssh_looks_like((const uint8_t *)"", 0));

	CASE("mutations");
	{
		int bad = 0;
		srandom(3);
		for (int i = 0; i < 20000; i++) {
			char m[sizeof(cli)];
			size_t len = sizeof(cli) - 1;
			memcpy(m, cli, sizeof(cli));
			for (int k = random() % 3; k >= 0; k--)
				m[random() % len] = (char)random();
			tctx_clear(&T);
			feed(m, (size_t)random() % (len + 1), random() % 2, random() % 2, true);
			if (!tctx_all_valid(&T) || has("PPCANARY"))
				bad++;
		}
		CHECK(bad == 0);
	}

	rec_free(&R);
	tctx_free(&T);
	return check_done("test_ssh");
}
