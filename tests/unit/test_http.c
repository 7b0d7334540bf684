/* The HTTP/1.x dissector on messages built here: requests and responses,
 * heads split at every byte, pipelining over Content-Length and chunked
 * bodies, HEAD and interim responses, method and version validation, caps,
 * and a canary in every body that must never be written. */
#include <netinet/in.h>
#include <stdlib.h>

#include "check.h"
#include "rec.h"
#include "sniff_test_ctx.h"

static struct tctx T;
static struct rec R;

static int feed(const char *s, size_t n, bool orig, bool bytewise, bool capped)
{
	return tctx_feed(&T, http_stream, http_free, s, n, orig, bytewise, capped);
}
static int feeds(const char *s, bool orig) { return feed(s, strlen(s), orig, false, false); }
static bool line(int i) { return tctx_line_parses(&T, &R, i); }
static bool has(const char *s) { return tctx_has(&T, s); }

static const char *req1 =
    "GET /index.html?q=1 HTTP/1.1\r\n"
    "Host:  www.example.com \r\n"
    "user-agent: curl/8.0.1\r\n"
    "Accept: */*\r\n"
    "\r\n";

static void t_request(void)
{
	CASE("GET request");
	tctx_clear(&T);
	CHECK(feeds(req1, true) == DIS_MORE); /* more requests may follow */
	CHECK(tctx_lines(&T) == 1);
	CHECK(line(0));
	CHECK_STR(T.app, "http");
	CHECK_STR(rec_str(&R, "type"), "http");
	CHECK_STR(rec_str(&R, "msg"), "request");
	CHECK_STR(rec_str(&R, "method"), "GET");
	CHECK_STR(rec_str(&R, "host"), "www.example.com");
	CHECK_STR(rec_str(&R, "path"), "/index.html?q=1");
	CHECK_STR(rec_str(&R, "user_agent"), "curl/8.0.1");
	CHECK_STR(rec_str(&R, "version"), "HTTP/1.1");
	CHECK(rec_find(&R, "status") < 0);

	CASE("split at every byte");
	tctx_clear(&T);
	CHECK(feed(req1, strlen(req1), true, true, false) == DIS_MORE);
	CHECK(tctx_lines(&T) == 1);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "user_agent"), "curl/8.0.1");

	CASE("bare LF line ends, no Host, odd method");
	tctx_clear(&T);
	feeds("MKCALENDAR /cal HTTP/1.0\nX-A: b\n\n", true);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "method"), "MKCALENDAR");
	CHECK(rec_find(&R, "host") < 0 && rec_find(&R, "user_agent") < 0);
	CHECK_STR(rec_str(&R, "version"), "HTTP/1.0");

	CASE("HTTP/0.9 request");
	tctx_clear(&T);
	CHECK(feeds("GET /\r\n\r\n<html>PPCANARY", true) == DIS_DONE);
	CHECK(tctx_lines(&T) == 1 && line(0));
	CHECK_STR(rec_str(&R, "method"), "GET");
	CHECK_STR(rec_str(&R, "path"), "/");
	CHECK(rec_find(&R, "version") < 0);
	CHECK(!has("PPCANARY"));

	CASE("non-ASCII and control bytes in the target are escaped");
	tctx_clear(&T);
	feeds("GET /\xff\xc3\xa9 HTTP/1.1\r\nUser-Agent: a\x01" "b\r\n\r\n", true);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "path"), "/\xef\xbf\xbd\xc3\xa9");
	CHECK_STR(rec_str(&R, "user_agent"), "a\x01" "b");
	CHECK(tctx_all_valid(&T));
}

static void t_response(void)
{
	CASE("response");
	tctx_clear(&T);
	CHECK(feeds("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nPPC", false) == DIS_MORE);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "msg"), "response");
	{
		long long v;
		CHECK(rec_i64(&R, "status", &v) && v == 404);
	}
	CHECK_STR(rec_str(&R, "version"), "HTTP/1.1");
	CHECK(rec_find(&R, "method") < 0);

	CASE("status line without reason");
	tctx_clear(&T);
	feeds("HTTP/1.0 200\r\n\r\n", false);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "msg"), "response");

	CASE("bad status lines");
	tctx_clear(&T);
	CHECK(feeds("HTTP/1.1 20 OK\r\n\r\n", false) == DIS_NOTMINE);
	CHECK(feeds("HTTP/1.1 2000 OK\r\n\r\n", false) == DIS_NOTMINE);
	CHECK(feeds("HTTP/x.1 200 OK\r\n\r\n", false) == DIS_NOTMINE);
	CHECK(tctx_lines(&T) == 0);
}

/* What servers and tshark read although it is not quite HTTP/1.1. */
static void t_lenient(void)
{
	CASE("runs of spaces in the request line");
	tctx_clear(&T);
	CHECK(feeds("GET  /a   HTTP/1.1\r\nHost: h\r\n\r\n", true) == DIS_MORE);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "path"), "/a");
	CHECK_STR(rec_str(&R, "host"), "h");
	CHECK(rec_find(&R, "malformed") < 0);

	CASE("a space in the target: its first word, flagged (as tshark reads it)");
	tctx_clear(&T);
	feeds("GET /uri afterspace HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: curl/7.54.0\r\n\r\n", true);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "path"), "/uri");
	CHECK_STR(rec_str(&R, "version"), "HTTP/1.1");
	CHECK_STR(rec_str(&R, "user_agent"), "curl/7.54.0");
	CHECK_STR(rec_str(&R, "malformed"), "spaces in the request target");

	CASE("a request line without target or version, headers after it");
	tctx_clear(&T);
	feeds("GET\r\nHost: bare.example\r\nUser-Agent: x/1\r\n\r\n", true);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "method"), "GET");
	CHECK(rec_find(&R, "path") < 0);
	CHECK_STR(rec_str(&R, "host"), "bare.example");
	CHECK_STR(rec_str(&R, "user_agent"), "x/1");
	tctx_clear(&T);
	feeds("GET /nover\r\nHost: nv.example\r\n\r\n", true);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "path"), "/nover");
	CHECK_STR(rec_str(&R, "host"), "nv.example");

	CASE("pipelined requests separated by blank lines");
	tctx_clear(&T);
	feeds("GET /1 HTTP/1.1\r\nHost: p\r\n\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: p\r\n\r\n\nGET /3 HTTP/1.1\r\n\r\n", true);
	CHECK(tctx_lines(&T) == 3);
	CHECK(has("\"path\":\"/2\"") && has("\"path\":\"/3\""));

	CASE("no cap on messages per direction");
	{
		static char big[64 * 1024];
		size_t n = 0;
		for (int i = 0; i < 1000; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "GET /%d HTTP/1.1\r\nHost: k\r\n\r\n", i);
		tctx_clear(&T);
		feed(big, n, true, false, false);
		CHECK(tctx_lines(&T) == 1000);
		CHECK(has("\"path\":\"/999\""));
	}

	CASE("HTTP through a CONNECT tunnel");
	tctx_clear(&T);
	{
		void *st = NULL;
		const char *c1 = "CONNECT abc:443 HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n";
		const char *s1 = "HTTP/1.1 200 OK\r\nServer: VictorServer/1.0\r\n\r\n";
		char c2[256];
		snprintf(c2, sizeof(c2), "%sGET / HTTP/1.1\r\nUser-Agent: Victor/1.0\r\n\r\n", c1);
		T.c.from_orig = true;
		CHECK(http_stream(&T.c, &st, (const uint8_t *)c1, strlen(c1), false) == DIS_MORE);
		T.c.from_orig = false;
		CHECK(http_stream(&T.c, &st, (const uint8_t *)s1, strlen(s1), false) == DIS_MORE);
		T.c.from_orig = true;
		CHECK(http_stream(&T.c, &st, (const uint8_t *)c2, strlen(c2), false) == DIS_MORE);
		http_free(st);
		CHECK(tctx_lines(&T) == 3);
		CHECK(has("\"method\":\"CONNECT\"") && has("\"method\":\"GET\""));
	}
}

static void t_invalid(void)
{
	CASE("not HTTP");
	tctx_clear(&T);
	CHECK(feeds("SSH-2.0-OpenSSH_9.6\r\n", false) == DIS_NOTMINE);
	CHECK(feeds("\x16\x03\x01\x02\x00\x01", true) == DIS_NOTMINE);
	CHECK(feeds("GET\t/ HTTP/1.1\r\n\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("GET / HTTP/1.1 extra\r\n\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("FOO /\r\n\r\n", true) == DIS_NOTMINE); /* 0.9 with an unknown method */
	CHECK(feeds("G(T / HTTP/1.1\r\n\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ / HTTP/1.1\r\n\r\n", true) == DIS_NOTMINE);
	CHECK(feeds("", true) == DIS_MORE);
	CHECK(feeds("GE", true) == DIS_MORE);
	CHECK(feeds("GET /partial", true) == DIS_MORE);
	CHECK(tctx_lines(&T) == 0);
	CHECK(T.app == NULL);

	CASE("a first line that never ends");
	{
		char *big = malloc(10000);
		memcpy(big, "GET /", 5);
		memset(big + 5, 'a', 10000 - 5);
		CHECK(feed(big, 10000, true, false, false) == DIS_NOTMINE);
		free(big);
	}
}

static void t_looks_like(void)
{
	CASE("http_looks_like");
	CHECK(http_looks_like((const uint8_t *)"GET / HTTP/1.1", 14));
	CHECK(http_looks_like((const uint8_t *)"POS", 3));
	CHECK(http_looks_like((const uint8_t *)"HTTP/1.1 200", 12));
	CHECK(http_looks_like((const uint8_t *)"HTT", 3));
	CHECK(http_looks_like((const uint8_t *)"M-SEARCH * HTTP/1.1", 19));
	CHECK(!http_looks_like((const uint8_t *)"GETX / HTTP/1.1", 15));
	CHECK(!http_looks_like((const uint8_t *)"HTTP/x.1", 8));
	CHECK(!http_looks_like((const uint8_t *)"SSH-2.0", 7));
	CHECK(!http_looks_like((const uint8_t *)"\x16\x03\x01", 3));
	CHECK(!http_looks_like((const uint8_t *)"", 0));
}

/* Pipelined requests with bodies of each kind, then the responses; the
 * canary in each body must never show. */
static void t_pipeline(void)
{
	const char *reqs =
	    "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 22\r\n\r\n"
	    "PPCANARY GET /x HTTP/1"
	    "PUT /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
	    "5;ext=1\r\nPPCAN\r\n10\r\nARY-chunked-1234\r\n0\r\nX-Trailer: PPCANARY\r\n\r\n"
	    "HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /d HTTP/1.1\r\nHost: h\r\n\r\n";
	const char *resps =
	    "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 201 Created\r\nContent-Length: 8\r\n\r\nPPCANARY"
	    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n8\r\nPPCANARY\r\n0\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"   /* HEAD: no body */
	    "HTTP/1.1 304 Not Modified\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nPPCANARY to the end";
	void *st = NULL;

	CASE("pipelined requests");
	tctx_clear(&T);
	T.c.from_orig = true;
	CHECK(http_stream(&T.c, &st, (const uint8_t *)reqs, strlen(reqs), false) == DIS_MORE);
	CHECK(tctx_lines(&T) == 4);
	CHECK(line(0) && !strcmp(rec_str(&R, "path"), "/a"));
	CHECK(line(1) && !strcmp(rec_str(&R, "path"), "/b"));
	CHECK(line(2) && !strcmp(rec_str(&R, "method"), "HEAD"));
	CHECK(line(3) && !strcmp(rec_str(&R, "path"), "/d"));

	CASE("their responses, byte by byte");
	T.c.from_orig = false;
	{
		int r = DIS_MORE;
		size_t n = strlen(resps), k;
		for (k = 1; k <= n && r == DIS_MORE; k++)
			r = http_stream(&T.c, &st, (const uint8_t *)resps, k, false);
		CHECK(r == DIS_DONE); /* the last body runs to the end of the stream */
	}
	CHECK(tctx_lines(&T) == 10);
	CHECK(line(4) && rec_find(&R, "status") >= 0);
	CHECK(has("\"status\":100,") && has("\"status\":201,") && has("\"status\":304,"));
	CHECK(line(9) && !strcmp(rec_str(&R, "msg"), "response"));
	CHECK(!has("PPCANARY") && !has("PPCAN") && !has("chunked-1234"));
	CHECK(tctx_all_valid(&T));
	http_free(st);

	CASE("CONNECT hands the TLS after it on, 101 ends the direction");
	tctx_clear(&T);
	/* The real TLS recogniser is linked (command libraries), so the tunnel
	 * is an upgrade to TLS, as pp-sniff runs it. */
	CHECK(feeds("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n\x16\x03\x01", true) == DIS_UPGRADE);
	CHECK(feeds("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05PPCANARY", false) == DIS_DONE);
	CHECK(tctx_lines(&T) == 2);
	CHECK(!has("PPCANARY"));

	CASE("garbage after a message ends the direction");
	tctx_clear(&T);
	CHECK(feeds("GET / HTTP/1.1\r\n\r\n\x01\x02\x03", true) == DIS_DONE);
	CHECK(tctx_lines(&T) == 1);
}

static void t_caps(void)
{
	size_t n = 70000, k;
	char *big = malloc(n + 1);
	CASE("headers beyond our cap: the complete lines");
	k = (size_t)sprintf(big, "GET /big HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n");
	while (k + 20 < n)
		k += (size_t)sprintf(big + k, "X-Pad: PPCANARY-%04zu\r\n", k % 10000);
	tctx_clear(&T);
	CHECK(feed(big, k, true, false, false) == DIS_DONE);
	CHECK(tctx_lines(&T) == 1);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "host"), "h");
	CHECK_STR(rec_str(&R, "user_agent"), "ua");
	CHECK(!has("PPCANARY"));

	CASE("capped by the core mid-header");
	tctx_clear(&T);
	CHECK(feed("GET /c HTTP/1.1\r\nHost: cut\r\nUser-Agent: half", 44, true, false, true) == DIS_DONE);
	CHECK(line(0));
	CHECK_STR(rec_str(&R, "host"), "cut");
	CHECK(rec_find(&R, "user_agent") < 0);
	free(big);
}

/* Random mutations of a pipelined stream: no crash, valid records, and
 * the body canary never out while the framing before it is intact (a
 * mutation there may rightly turn body bytes into a header or the next
 * request line). */
static void t_mutate(void)
{
	const char *base =
	    "POST /m HTTP/1.1\r\nHost: m\r\nContent-Length: 9\r\nUser-Agent: u\r\n\r\nPP\001CANARY"
	    "GET /n HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nPP\001CANARY\r\n0\r\n\r\n"
	    "HTTP/1.1 200 OK\r\n\r\n";
	size_t n = strlen(base);
	char m[256];
	int bad = 0, leak = 0;
	size_t body_end = (size_t)(strstr(base, "CANARY") - base) + 6;
	CASE("mutations");
	srandom(7);
	for (int i = 0; i < 20000; i++) {
		void *st = NULL;
		size_t len = n;
		memcpy(m, base, n);
		for (int k = random() % 3; k >= 0; k--)
			m[random() % n] = (char)random();
		if (random() % 4 == 0)
			len = (size_t)random() % (n + 1);
		tctx_clear(&T);
		T.c.from_orig = random() % 2;
		for (size_t k = 1; k <= len; k += 1 + (size_t)random() % 16)
			if (http_stream(&T.c, &st, (const uint8_t *)m, k, false) != DIS_MORE)
				break;
		http_stream(&T.c, &st, (const uint8_t *)m, len, true);
		http_free(st);
		if (!tctx_all_valid(&T))
			bad++;
		/* Only where the first message's framing is intact is its body
		 * certainly a body. */
		if (!memcmp(m, base, body_end) && has("\\u0001CANARY")) {
			if (!leak++)
				fprintf(stderr, "leak: %.*s\n---\n%s", (int)len, m, tctx_out(&T));
		}
	}
	CHECK(bad == 0);
	CHECK(leak == 0);
}

int main(void)
{
	tctx_init(&T, IPPROTO_TCP, 40000, 80);
	rec_init(&R);
	t_request();
	t_response();
	t_lenient();
	t_invalid();
	t_looks_like();
	t_pipeline();
	t_caps();
	t_mutate();
	rec_free(&R);
	tctx_free(&T);
	return check_done("test_http");
}
