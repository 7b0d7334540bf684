/* The TLS stream dissector: ClientHello/ServerHello/Certificate records
 * from a byte stream fed as the core feeds it (growing prefixes, in any
 * split), handshake messages spanning records, TLS 1.3 HelloRetryRequest,
 * the bounds, and garbage. Certificates are made here with libcrypto. */
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../cmd/pp-sniff/dissect.h"
#include "../../cmd/pp-sniff/tls.h"
#include "check.h"
#include "tls_build.h"

struct run {
	char *out;
	size_t len;
	FILE *f;
	struct jw w;
	struct sniff_ctx c;
	const char *app;
	void *state;
};

static void run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->f = open_memstream(&r->out, &r->len);
	jw_init(&r->w);
	r->c.w = &r->w, r->c.out = r->f, r->c.from_orig = true, r->c.app = &r->app;
}

/* Feed buf[0..n) growing by step bytes per call, as segments arrive. */
static int feed(struct run *r, bool orig, const uint8_t *buf, size_t n, size_t step)
{
	int rc = DIS_MORE;
	r->c.from_orig = orig;
	for (size_t k = step < n ? step : n; rc == DIS_MORE; k = k + step < n ? k + step : n) {
		rc = tls_stream(&r->c, &r->state, buf, k, false);
		if (k == n)
			break;
	}
	return rc;
}

static void run_end(struct run *r)
{
	tls_free(r->state);
	jw_free(&r->w);
	fclose(r->f);
}

static const uint16_t ciphers[] = {0x2a2a, 0x1301, 0x1302, 0xc02f};
static const uint16_t exts[] = {0x0000, 0x0010, 0x002b, 0x000d, 0x4a4a};
static const uint16_t versions[] = {0x8a8a, 0x0304, 0x0303};
static const uint16_t sigalgs[] = {0x0403, 0x0804};
static const char *alpn[] = {"h2", "http/1.1"};

static size_t client_hello(uint8_t *out, size_t rec_max, const char *sni)
{
	static struct tb body, recs;
	struct hello_spec s = {.legacy_version = 0x0303, .ciphers = ciphers, .n_ciphers = 4,
	                       .exts = exts, .n_exts = 5, .sni = sni, .alpn = alpn, .n_alpn = 2,
	                       .versions = versions, .n_versions = 3, .sigalgs = sigalgs, .n_sigalgs = 2};
	body.n = recs.n = 0;
	tb_client_hello(&body, &s);
	tb_records(&recs, 1, body.b, body.n, rec_max);
	memcpy(out, recs.b, recs.n);
	return recs.n;
}

/* ServerHello body: version, cipher, and optional supported_versions/ALPN. */
static void server_hello(struct tb *t, unsigned legacy, unsigned cipher, unsigned sv,
                         const char *alpn1, bool hrr)
{
	static const uint8_t hrr_random[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
		0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
	size_t at, e;
	tb_u16(t, legacy);
	if (hrr)
		tb_put(t, hrr_random, 32);
	else
		for (int i = 0; i < 32; i++) tb_u8(t, 0x42);
	tb_u8(t, 0);
	tb_u16(t, cipher);
	tb_u8(t, 0);
	at = t->n; tb_u16(t, 0);
	if (sv) { tb_u16(t, 0x002b); tb_u16(t, 2); tb_u16(t, sv); }
	if (alpn1) {
		tb_u16(t, 0x0010); e = t->n; tb_u16(t, 0);
		tb_u16(t, (unsigned)strlen(alpn1) + 1); tb_u8(t, (unsigned)strlen(alpn1));
		tb_put(t, alpn1, strlen(alpn1));
		tb_len(t, e, 2);
	}
	tb_len(t, at, 2);
}

/* A self-signed certificate for CN=subject, issued by CN=issuer. */
static int make_cert(const char *subject, const char *issuer, uint8_t *der)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *s = X509_NAME_new(), *i = X509_NAME_new();
	unsigned char *p = der;
	int n;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(s, "O", MBSTRING_UTF8, (const unsigned char *)"PortPulse", -1, -1, 0);
	X509_NAME_add_entry_by_txt(s, "CN", MBSTRING_UTF8, (const unsigned char *)subject, -1, -1, 0);
	X509_NAME_add_entry_by_txt(i, "CN", MBSTRING_UTF8, (const unsigned char *)issuer, -1, -1, 0);
	X509_set_subject_name(x, s);
	X509_set_issuer_name(x, i);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	n = i2d_X509(x, &p);
	X509_NAME_free(s);
	X509_NAME_free(i);
	X509_free(x);
	EVP_PKEY_free(key);
	return n;
}

static void test_client_hello(void)
{
	static uint8_t buf[20000];
	struct run r;
	size_t n;
	const char *want = "{\"type\":\"tls\",\"ts\":0.000000,\"msg\":\"client_hello\",\"sni\":\"www.example.org\","
	                   "\"alpn\":[\"h2\",\"http/1.1\"],\"versions\":[\"TLS 1.3\",\"TLS 1.2\"],\"ja4\":\"t13d0304h2_";

	static const size_t steps[] = {1, 7, 100, 5000};
	static const size_t recmax[] = {16384, 50, 1};
	for (size_t a = 0; a < 3; a++)
		for (size_t b = 0; b < 4; b++) {
			char name[64];
			snprintf(name, sizeof(name), "ClientHello, records of %zu, segments of %zu", recmax[a], steps[b]);
			CASE(name);
			n = client_hello(buf, recmax[a], "www.example.org");
			CHECK(tls_looks_like(buf, n));
			run_start(&r);
			CHECK(feed(&r, true, buf, n, steps[b]) == DIS_MORE);
			run_end(&r);
			CHECK(r.out && !strncmp(r.out, want, strlen(want)));
			CHECK(r.out && strchr(r.out, '\n') == r.out + r.len - 1); /* exactly one record */
			CHECK(r.app && !strcmp(r.app, "tls"));
			free(r.out);
		}

	CASE("capped stream");
	n = client_hello(buf, 16384, "x");
	run_start(&r);
	CHECK(tls_stream(&r.c, &r.state, buf, n / 2, true) == DIS_DONE);
	run_end(&r);
	CHECK(r.len == 0);
	free(r.out);

	CASE("hostile SNI bytes are escaped");
	n = client_hello(buf, 16384, "a\"b\\c\x01\xff");
	run_start(&r);
	feed(&r, true, buf, n, n);
	run_end(&r);
	CHECK(r.out && strstr(r.out, "\"sni\":\"a\\\"b\\\\c\\u0001\xef\xbf\xbd\""));
	free(r.out);
}

static void test_server(void)
{
	static uint8_t cbuf[20000], sbuf[40000], der[2000];
	static struct tb sh, cert, recs;
	struct run r;
	size_t cn;
	int dn;

	CASE("TLS 1.2 ServerHello and Certificate");
	cn = client_hello(cbuf, 16384, "cert.example");
	sh.n = cert.n = recs.n = 0;
	server_hello(&sh, 0x0303, 0xc02f, 0, "h2", false);
	tb_records(&recs, 2, sh.b, sh.n, 16384);
	dn = make_cert("cert.example", "PortPulse Test CA", der);
	CHECK(dn > 100);
	/* certificate_list with the server's certificate then a second one. */
	tb_u24(&cert, (unsigned)(2 * (dn + 3)));
	tb_u24(&cert, (unsigned)dn); tb_put(&cert, der, (size_t)dn);
	tb_u24(&cert, (unsigned)dn); tb_put(&cert, der, (size_t)dn);
	tb_records(&recs, 11, cert.b, cert.n, 300); /* split over records */
	tb_records(&recs, 14, (const uint8_t *)"", 0, 16384); /* ServerHelloDone */
	memcpy(sbuf, recs.b, recs.n);
	run_start(&r);
	CHECK(feed(&r, true, cbuf, cn, cn) == DIS_MORE);
	CHECK(feed(&r, false, sbuf, recs.n, 13) == DIS_DONE);
	run_end(&r);
	CHECK(r.out && strstr(r.out, "{\"type\":\"tls\",\"ts\":0.000000,\"msg\":\"server_hello\",\"version\":\"TLS 1.2\","
	                             "\"cipher\":\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\",\"alpn\":[\"h2\"]}\n"));
	CHECK(r.out && strstr(r.out, "{\"type\":\"tls\",\"ts\":0.000000,\"msg\":\"certificate\","
	                             "\"subject\":\"cert.example\",\"issuer\":\"PortPulse Test CA\"}\n"));
	free(r.out);

	CASE("TLS 1.3 ServerHello: version from supported_versions, then encrypted");
	sh.n = recs.n = 0;
	server_hello(&sh, 0x0303, 0x1301, 0x0304, NULL, false);
	tb_records(&recs, 2, sh.b, sh.n, 16384);
	tb_u8(&recs, 20); tb_u16(&recs, 0x0303); tb_u16(&recs, 1); tb_u8(&recs, 1); /* CCS */
	tb_u8(&recs, 23); tb_u16(&recs, 0x0303); tb_u16(&recs, 40);
	for (int i = 0; i < 40; i++) tb_u8(&recs, 0x0b); /* looks like a Certificate if misread */
	run_start(&r);
	CHECK(feed(&r, false, recs.b, recs.n, 1) == DIS_DONE);
	run_end(&r);
	CHECK(r.out && strstr(r.out, "\"version\":\"TLS 1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\"}"));
	CHECK(r.out && !strstr(r.out, "certificate"));
	free(r.out);

	CASE("HelloRetryRequest: the second ClientHello after a CCS is read");
	run_start(&r);
	cn = client_hello(cbuf, 16384, "first.example");
	cbuf[cn++] = 20, cbuf[cn++] = 3, cbuf[cn++] = 3, cbuf[cn++] = 0, cbuf[cn++] = 1, cbuf[cn++] = 1;
	size_t cn2 = client_hello(cbuf + cn, 16384, "second.example");
	CHECK(feed(&r, true, cbuf, cn - 6, cn - 6) == DIS_MORE);
	sh.n = recs.n = 0;
	server_hello(&sh, 0x0303, 0x1301, 0x0304, NULL, true);
	tb_records(&recs, 2, sh.b, sh.n, 16384);
	CHECK(feed(&r, false, recs.b, recs.n, recs.n) == DIS_MORE);
	CHECK(feed(&r, true, cbuf, cn + cn2, cn + cn2) == DIS_MORE);
	run_end(&r);
	CHECK(r.out && strstr(r.out, "\"hello_retry\":true"));
	CHECK(r.out && strstr(r.out, "\"sni\":\"first.example\""));
	CHECK(r.out && strstr(r.out, "\"sni\":\"second.example\""));
	free(r.out);
}

static void test_garbage(void)
{
	static uint8_t buf[20000];
	struct run r;
	size_t n;

	CASE("not TLS");
	CHECK(!tls_looks_like((const uint8_t *)"GET / HTTP/1.1\r\n", 16));
	CHECK(!tls_looks_like((const uint8_t *)"\x16\x03\x01\x00\x00\x01", 6));
	CHECK(!tls_looks_like((const uint8_t *)"\x16\x03\x01\x02\x00\x0b", 6));
	run_start(&r);
	CHECK(tls_stream(&r.c, &r.state, (const uint8_t *)"SSH-2.0-x\r\n", 11, false) == DIS_NOTMINE);
	run_end(&r);
	free(r.out);
	run_start(&r);
	CHECK(tls_stream(&r.c, &r.state, (const uint8_t *)"\x17\x03\x03\x00\x01\x00", 6, false) == DIS_NOTMINE);
	run_end(&r);
	free(r.out);

	CASE("every truncation and every corrupted byte of a ClientHello");
	n = client_hello(buf, 100, "t.example");
	for (size_t k = 0; k <= n; k++) {
		run_start(&r);
		tls_stream(&r.c, &r.state, buf, k, k == n);
		run_end(&r);
		CHECK(k == n || r.len == 0);
		free(r.out);
	}
	for (size_t k = 0; k < n; k++) {
		static uint8_t bad[20000];
		memcpy(bad, buf, n);
		bad[k] ^= 0xa5;
		run_start(&r);
		tls_stream(&r.c, &r.state, bad, n, true);
		run_end(&r);
		free(r.out);
	}
	CHECK(true);

	CASE("an empty handshake record first (found by fuzz_tls)");
	run_start(&r);
	memcpy(buf, "\x16\x03\x01\x00\x00", 5);
	n = client_hello(buf + 5, 16384, "after.empty") + 5;
	CHECK(tls_stream(&r.c, &r.state, buf, n, false) == DIS_MORE);
	run_end(&r);
	CHECK(r.out && strstr(r.out, "\"sni\":\"after.empty\""));
	free(r.out);

	CASE("a handshake message larger than the bound is dropped");
	static struct tb t;
	t.n = 0;
	tb_u8(&t, 22), tb_u16(&t, 0x0301), tb_u16(&t, 4);
	tb_u8(&t, 1), tb_u24(&t, 0xffffff);
	run_start(&r);
	CHECK(tls_stream(&r.c, &r.state, t.b, t.n, false) == DIS_DONE);
	run_end(&r);
	free(r.out);
}

/* The names of versions and ciphers written without printf. */
static void test_names(void)
{
	char b[TLS_VERSION_BUF];
	CASE("version and cipher names: known, drafts, others in hex");
	CHECK(!strcmp(tls_version_name(0x0303, b), "TLS 1.2"));
	CHECK(!strcmp(tls_version_name(0x7f12, b), "TLS 1.3 draft 18"));
	CHECK(!strcmp(tls_version_name(0x7f00, b), "TLS 1.3 draft 0"));
	CHECK(!strcmp(tls_version_name(0x7fff, b), "TLS 1.3 draft 255"));
	CHECK(!strcmp(tls_version_name(0x0a0a, b), "0x0a0a"));
	CHECK(!strcmp(tls_version_name(0xfeff, b), "0xfeff"));
	CHECK(!strcmp(tls_cipher_name(0x1301, b), "TLS_AES_128_GCM_SHA256"));
	CHECK(!strcmp(tls_cipher_name(0xabcd, b), "0xabcd"));
	CHECK(!strcmp(tls_cipher_name(0x0000, b), "0x0000"));
}

int main(void)
{
	test_names();
	test_client_hello();
	test_server();
	test_garbage();
	return check_done("test_tls");
}
