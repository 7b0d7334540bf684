/* QUIC Initial decryption: the RFC 9001 / RFC 9369 Appendix A vectors
 * (secrets, keys, header protection, the protected client Initial through
 * to its ClientHello), CRYPTO reassembly across packets and coalesced
 * packets (packets protected here with libcrypto, the inverse of what
 * pp-sniff does), and malformed packets, which run under ASan/UBSan. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "../../cmd/pp-sniff/dissect.h"
#include "../../cmd/pp-sniff/quic.h"
#include "check.h"
#include "quic_vectors.h"
#include "tls_build.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &out[n++]);
	return n;
}

static char *tohex(const uint8_t *p, size_t n)
{
	static char buf[4096];
	for (size_t i = 0; i < n && i < 2000; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
	buf[2 * (n < 2000 ? n : 2000)] = 0;
	return buf;
}

/* Run quic_udp over datagrams with a context writing to a memory stream. */
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

static int run_dgram(struct run *r, const uint8_t *p, size_t n)
{
	return quic_udp(&r->c, &r->state, p, n);
}

static void run_end(struct run *r)
{
	quic_free(r->state);
	jw_free(&r->w);
	fclose(r->f);
}

static void run_free(struct run *r) { free(r->out); }

/* Protect a client Initial (RFC 9001 5.3, 5.4): header || AEAD(payload),
 * then header protection. pn is encoded in 4 bytes; payload is padded so
 * that the sample exists. Returns the packet length. */
static uint8_t test_scid[4] = {0x11, 0x22, 0x33, 0x44}; /* the client's SCID */

static size_t protect2(uint32_t version, const uint8_t *dcid, size_t dl, const uint8_t *wire,
                       size_t wl, uint32_t pn, const uint8_t *payload, size_t plen, uint8_t *out)
{
	struct quic_keys k;
	uint8_t nonce[12], mask[5], tag[16];
	size_t n = 0, len_at, pn_off;
	int outl;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	quic_client_initial_keys(version, dcid, dl, &k);
	out[n++] = (uint8_t)((version == QUIC_V2 ? 0xd0 : 0xc0) | 3);
	out[n++] = (uint8_t)(version >> 24), out[n++] = (uint8_t)(version >> 16);
	out[n++] = (uint8_t)(version >> 8), out[n++] = (uint8_t)version;
	out[n++] = (uint8_t)wl;
	memcpy(out + n, wire, wl), n += wl;
	out[n++] = 4, memcpy(out + n, test_scid, 4), n += 4;
	out[n++] = 0;                                               /* token */
	len_at = n;
	n += 2;
	pn_off = n;
	out[n++] = (uint8_t)(pn >> 24), out[n++] = (uint8_t)(pn >> 16);
	out[n++] = (uint8_t)(pn >> 8), out[n++] = (uint8_t)pn;
	size_t length = 4 + plen + 16;
	out[len_at] = (uint8_t)(0x40 | length >> 8), out[len_at + 1] = (uint8_t)length;
	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, k.key, nonce);
	EVP_EncryptUpdate(ctx, NULL, &outl, out, (int)n);
	EVP_EncryptUpdate(ctx, out + n, &outl, payload, (int)plen);
	EVP_EncryptFinal_ex(ctx, out + n + plen, &outl);
	EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag);
	memcpy(out + n + plen, tag, 16);
	n += plen + 16;
	quic_hp_mask(&k, out + pn_off + 4, mask);
	out[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	EVP_CIPHER_CTX_free(ctx);
	quic_keys_free(&k);
	return n;
}

static size_t protect(uint32_t version, const uint8_t *dcid, size_t dl, uint32_t pn,
                      const uint8_t *payload, size_t plen, uint8_t *out)
{
	return protect2(version, dcid, dl, dcid, dl, pn, payload, plen, out);
}

/* A CRYPTO frame carrying msg[off, off+len). */
static size_t crypto_frame(uint8_t *p, const uint8_t *msg, size_t off, size_t len)
{
	size_t n = 0;
	p[n++] = 0x06;
	p[n++] = (uint8_t)(0x40 | off >> 8), p[n++] = (uint8_t)off;
	p[n++] = (uint8_t)(0x40 | len >> 8), p[n++] = (uint8_t)len;
	memcpy(p + n, msg + off, len);
	return n + len;
}

static void test_vectors(void)
{
	uint8_t dcid[8], secret[32], exp[64], mask[5], sample[16];
	struct quic_keys k;

	unhex(RFC_DCID, dcid);
	CASE("v1 secrets and keys (RFC 9001 A.1)");
	CHECK(quic_initial_secret(QUIC_V1, dcid, 8, true, secret) == 0);
	CHECK_STR(tohex(secret, 32), V1_CLIENT_SECRET);
	CHECK(quic_initial_secret(QUIC_V1, dcid, 8, false, secret) == 0);
	CHECK_STR(tohex(secret, 32), V1_SERVER_SECRET);
	CHECK(quic_client_initial_keys(QUIC_V1, dcid, 8, &k) == 0);
	CHECK_STR(tohex(k.key, 16), V1_KEY);
	CHECK_STR(tohex(k.iv, 12), V1_IV);
	CHECK_STR(tohex(k.hp, 16), V1_HP);
	CASE("v1 header protection (RFC 9001 A.2)");
	unhex(V1_SAMPLE, sample);
	CHECK(quic_hp_mask(&k, sample, mask) == 0);
	CHECK_STR(tohex(mask, 5), V1_MASK);
	quic_keys_free(&k);

	CASE("v2 secrets and keys (RFC 9369 A.1)");
	CHECK(quic_initial_secret(QUIC_V2, dcid, 8, true, secret) == 0);
	CHECK_STR(tohex(secret, 32), V2_CLIENT_SECRET);
	CHECK(quic_initial_secret(QUIC_V2, dcid, 8, false, secret) == 0);
	CHECK_STR(tohex(secret, 32), V2_SERVER_SECRET);
	CHECK(quic_client_initial_keys(QUIC_V2, dcid, 8, &k) == 0);
	CHECK_STR(tohex(k.key, 16), V2_KEY);
	CHECK_STR(tohex(k.iv, 12), V2_IV);
	CHECK_STR(tohex(k.hp, 16), V2_HP);
	CASE("v2 header protection (RFC 9369 A.2)");
	unhex(V2_SAMPLE, sample);
	CHECK(quic_hp_mask(&k, sample, mask) == 0);
	CHECK_STR(tohex(mask, 5), V2_MASK);
	quic_keys_free(&k);
	(void)exp;
}

static void test_open(const char *name, uint32_t version, const char *prot_hex, const char *hdr_hex)
{
	static uint8_t pkt[1300], out[1300], frames[300], zero[1200];
	uint8_t dcid[8];
	struct quic_keys k;
	size_t n, hdr_len = 0, plain_len = 0, fl;
	uint64_t pn = 0;

	CASE(name);
	unhex(RFC_DCID, dcid);
	n = unhex(prot_hex, pkt);
	fl = unhex(CLIENT_FRAMES, frames);
	CHECK(n == 1200);
	CHECK(quic_client_initial_keys(version, dcid, 8, &k) == 0);
	CHECK(quic_open_packet(&k, pkt, n, 18, -1, out, &hdr_len, &plain_len, &pn) == 0);
	CHECK(pn == 2);
	CHECK(hdr_len == 22);
	CHECK_STR(tohex(out, hdr_len), hdr_hex);
	CHECK(plain_len == 1162);
	CHECK(memcmp(out + hdr_len, frames, fl) == 0);
	CHECK(memcmp(out + hdr_len + fl, zero, plain_len - fl) == 0);
	/* One flipped ciphertext bit: the tag no longer verifies. */
	pkt[600] ^= 1;
	CHECK(quic_open_packet(&k, pkt, n, 18, -1, out, &hdr_len, &plain_len, &pn) == -1);
	quic_keys_free(&k);
}

static void test_record(const char *name, const char *prot_hex, const char *version)
{
	static uint8_t pkt[1300];
	struct run r;
	char want[128];
	size_t n = unhex(prot_hex, pkt);

	CASE(name);
	run_start(&r);
	CHECK(run_dgram(&r, pkt, n) == DIS_MORE);
	CHECK(run_dgram(&r, pkt, n) == DIS_MORE); /* a retransmission: no second record */
	run_end(&r);
	CHECK(r.out && strchr(r.out, '\n') == r.out + r.len - 1);
	snprintf(want, sizeof(want), "\"type\":\"quic\",\"ts\":0.000000,\"version\":\"%s\",", version);
	CHECK(r.out && strstr(r.out, want));
	/* JA4 computed independently from the ClientHello's lists (python,
	 * hashlib): ciphers 1301,1302; 11 extensions; ALPN "alpn". */
	CHECK(r.out && strstr(r.out, "\"sni\":\"example.com\",\"alpn\":[\"alpn\"],"
	                             "\"ja4\":\"q13d0211an_62ed6f6ca7ad_4d634acda6c0\","
	                             "\"dcid\":\"8394c8f03e515708\"}\n"));
	CHECK(r.app && !strcmp(r.app, "quic"));
	if (r.out)
		fprintf(stderr, "%s", r.out);
	run_free(&r);
}

/* A ClientHello of about 1.9 KB (like a post-quantum key share), as a
 * handshake message. */
static size_t big_hello(uint8_t *msg)
{
	static const uint16_t ciphers[] = {0x1301, 0x1302, 0x1303};
	static const uint16_t exts[] = {0x0000, 0x0010, 0x002b, 0x000d, 0x0015};
	static const uint16_t versions[] = {0x0304};
	static const uint16_t sigalgs[] = {0x0403, 0x0804};
	const char *alpn[] = {"h3"};
	static struct tb t;
	struct hello_spec s = {.legacy_version = 0x0303, .ciphers = ciphers, .n_ciphers = 3,
	                       .exts = exts, .n_exts = 5, .sni = "split.example",
	                       .alpn = alpn, .n_alpn = 1, .versions = versions, .n_versions = 1,
	                       .sigalgs = sigalgs, .n_sigalgs = 2};
	t.n = 0;
	tb_client_hello(&t, &s);
	/* The padding extension (0x0015, last) swells it: its length field and
	 * the extensions block length are patched to cover 1500 zero bytes. */
	size_t body = t.n;
	memset(t.b + body, 0, 1500);
	t.n += 1500;
	t.b[body - 2] = (uint8_t)(1500 >> 8), t.b[body - 1] = (uint8_t)(1500 & 0xff);
	size_t ext_at = 2 + 32 + 1 + 32 + 2 + 6 + 2;
	size_t el = t.n - ext_at - 2;
	t.b[ext_at] = (uint8_t)(el >> 8), t.b[ext_at + 1] = (uint8_t)el;
	msg[0] = 1, msg[1] = (uint8_t)(t.n >> 16), msg[2] = (uint8_t)(t.n >> 8), msg[3] = (uint8_t)t.n;
	memcpy(msg + 4, t.b, t.n);
	return t.n + 4;
}

static void test_reassembly(void)
{
	static uint8_t msg[4096], pay[2048], d1[1500], d2[3000];
	uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8}, dcid2[5] = {9, 9, 9, 9, 9};
	size_t ml = big_hello(msg), pl, n1, n2;
	struct run r;

	CASE("CRYPTO across packets, out of order, coalesced");
	CHECK(ml > 1600);
	/* Packet 1 (pn 0): bytes [1000, ml) then [0, 10) — two frames out of
	 * order in one packet. */
	pl = crypto_frame(pay, msg, 1000, ml - 1000);
	pl += crypto_frame(pay + pl, msg, 0, 10);
	n1 = protect(QUIC_V1, dcid, 8, 0, pay, pl, d1);
	/* Packet 2 (pn 1): PING, ACK, then [10, 1000). It carries the server's
	 * chosen DCID, as later client Initials do, yet is protected with the
	 * keys of the original DCID (RFC 9001 5.2); a PADDING-only Initial
	 * (pn 2) is coalesced after it in the same datagram. */
	pl = 0;
	pay[pl++] = 0x01;
	pay[pl++] = 0x02, pay[pl++] = 0x05, pay[pl++] = 0x00, pay[pl++] = 0x01, pay[pl++] = 0x00;
	pay[pl++] = 0x01, pay[pl++] = 0x00;
	pl += crypto_frame(pay + pl, msg, 10, 990);
	n2 = protect2(QUIC_V1, dcid, 8, dcid2, 5, 1, pay, pl, d2);
	memset(pay, 0, 100);
	n2 += protect2(QUIC_V1, dcid, 8, dcid2, 5, 2, pay, 100, d2 + n2);
	run_start(&r);
	CHECK(run_dgram(&r, d1, n1) == DIS_MORE);
	CHECK(r.app && !strcmp(r.app, "quic"));
	fflush(r.f);
	CHECK(r.len == 0); /* not complete yet */
	CHECK(run_dgram(&r, d2, n2) == DIS_MORE);
	run_end(&r);
	CHECK(r.out && strstr(r.out, "\"version\":\"v1\",\"sni\":\"split.example\",\"alpn\":[\"h3\"],"
	                             "\"ja4\":\"q13d0305h3_"));
	CHECK(r.out && strstr(r.out, "\"dcid\":\"0102030405060708\",\"scid\":\"11223344\""));
	run_free(&r);

	CASE("drafts and v2 through the same path");
	static const uint32_t versions[] = {0xff00001b, 0xff00001c, 0xff00001d, 0xff000020,
	                                    0xff000021, 0xff000022, QUIC_V2};
	static const char *names[] = {"draft-27", "draft-28", "draft-29", "draft-32",
	                              "draft-33", "draft-34", "v2"};
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char want[64];
		pl = crypto_frame(pay, msg, 0, ml);
		n1 = protect(versions[i], dcid, 8, 0, pay, pl, d2);
		run_start(&r);
		CHECK(run_dgram(&r, d2, n1) == DIS_MORE);
		run_end(&r);
		snprintf(want, sizeof(want), "\"version\":\"%s\",\"sni\":\"split.example\"", names[i]);
		CHECK(r.out && strstr(r.out, want));
		run_free(&r);
	}

	CASE("several connections on one flow, Retry");
	run_start(&r);
	pl = crypto_frame(pay, msg, 0, ml);
	for (int i = 0; i < QUIC_MAX_CONNS; i++) {
		uint8_t d[8] = {0xa0, 1, 2, 3, 4, 5, 6, (uint8_t)i};
		test_scid[0] = (uint8_t)i; /* a new client SCID per connection */
		n1 = protect(QUIC_V1, d, 8, 0, pay, pl, d2);
		CHECK(run_dgram(&r, d2, n1) == DIS_MORE);
	}
	run_end(&r);
	int lines = 0;
	for (char *q = r.out; q && (q = strchr(q, '\n')); q++)
		lines++;
	CHECK(lines == QUIC_MAX_CONNS);
	run_free(&r);
	test_scid[0] = 0x11;
	/* Retry: the client keeps its SCID and derives new keys from the new
	 * DCID; a first Initial whose CRYPTO data was incomplete is then
	 * completed by the post-Retry one. */
	run_start(&r);
	pl = crypto_frame(pay, msg, 0, 500);
	n1 = protect(QUIC_V1, dcid, 8, 0, pay, pl, d1);
	CHECK(run_dgram(&r, d1, n1) == DIS_MORE);
	pl = crypto_frame(pay, msg, 0, ml);
	n1 = protect(QUIC_V1, dcid2, 5, 0, pay, pl, d2);
	CHECK(run_dgram(&r, d2, n1) == DIS_MORE);
	run_end(&r);
	CHECK(r.out && strstr(r.out, "\"sni\":\"split.example\""));
	CHECK(r.out && strstr(r.out, "\"dcid\":\"0909090909\",\"scid\":\"11223344\""));
	run_free(&r);

	CASE("a second ClientHello after a HelloRetryRequest, same CRYPTO stream");
	run_start(&r);
	pl = crypto_frame(pay, msg, 0, ml);
	n1 = protect(QUIC_V1, dcid, 8, 0, pay, pl, d1);
	CHECK(run_dgram(&r, d1, n1) == DIS_MORE);
	/* CH2 at offset ml, in two frames, with the server's DCID on the wire. */
	static uint8_t msg2[4096];
	memcpy(msg2 + ml, msg, ml);
	pl = crypto_frame(pay, msg2, ml + 700, ml - 700);
	pl += crypto_frame(pay + pl, msg2, ml, 700);
	n2 = protect2(QUIC_V1, dcid, 8, dcid2, 5, 1, pay, pl, d2);
	CHECK(run_dgram(&r, d2, n2) == DIS_MORE);
	/* A third would be no ClientHello of this handshake: not reported. */
	pl = crypto_frame(pay, msg2, ml, ml);
	memcpy(pay + 5, msg, 4);
	n2 = protect2(QUIC_V1, dcid, 8, dcid2, 5, 2, pay, pl, d2);
	run_dgram(&r, d2, n2);
	run_end(&r);
	lines = 0;
	for (char *q = r.out; q && (q = strchr(q, '\n')); q++)
		lines++;
	CHECK(lines == 2);
	run_free(&r);

	CASE("server direction is not decrypted");
	run_start(&r);
	r.c.from_orig = false;
	CHECK(run_dgram(&r, d2, n1) == DIS_MORE);
	run_end(&r);
	CHECK(r.len == 0);
	run_free(&r);
}

static void test_malformed(void)
{
	static uint8_t pkt[1300], bad[1300];
	size_t n = unhex(V1_PROTECTED, pkt);
	struct run r;
	int records = 0;

	CASE("not QUIC");
	run_start(&r);
	CHECK(run_dgram(&r, (const uint8_t *)"\x00\x01hello", 7) == DIS_NOTMINE);
	CHECK(run_dgram(&r, (const uint8_t *)"\xc0\x51\x30\x34\x36\x08", 6) == DIS_NOTMINE); /* gQUIC */
	CHECK(run_dgram(&r, (const uint8_t *)"", 0) == DIS_NOTMINE);
	run_end(&r);
	run_free(&r);

	CASE("every truncation of the RFC packet");
	for (size_t k = 0; k < n; k++) {
		run_start(&r);
		run_dgram(&r, pkt, k);
		run_end(&r);
		records += r.len > 0;
		run_free(&r);
	}
	CHECK(records == 0);

	CASE("every single-byte corruption of the header");
	records = 0;
	for (size_t k = 0; k < 22; k++) {
		memcpy(bad, pkt, n);
		bad[k] ^= 0x5a;
		run_start(&r);
		run_dgram(&r, bad, n);
		run_end(&r);
		records += r.len > 0;
		run_free(&r);
	}
	CHECK(records == 0);

	CASE("lying lengths and huge varints");
	static const char *hdrs[] = {
		"c00000000108" RFC_DCID "00" "00" "7fff",               /* Length > datagram */
		"c00000000108" RFC_DCID "00" "44ff" "0040",             /* token longer than the packet */
		"c00000000108" RFC_DCID "00" "ffffffffffffffff" "0040", /* 2^62-1 token */
		"c00000000108" RFC_DCID "00" "00" "ffffffffffffffff",   /* 2^62-1 Length */
		"c00000000115" "0102030405060708090a0b0c0d0e0f101112131415" "00" "00" "0040", /* DCID 21 */
		"c0000000010800",                                        /* truncated DCID */
		"c000000001" "08" RFC_DCID "00" "00",                    /* no Length */
		"f0000000010800000040ff",                                /* Retry, short */
		"c0ff00001d08" RFC_DCID "00" "00" "4010",                /* too short for a sample */
	};
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		size_t k = unhex(hdrs[i], bad);
		memset(bad + k, 0xab, 64);
		run_start(&r);
		run_dgram(&r, bad, k + 64);
		run_end(&r);
		CHECK(r.len == 0);
		run_free(&r);
	}

	CASE("frames that lie (inside a valid packet)");
	uint8_t dcid[8] = {8, 7, 6, 5, 4, 3, 2, 1};
	static const char *frames[] = {
		"06ffffffffffffffff4010",        /* CRYPTO offset 2^62-1 */
		"0600bfffffffffffffff",          /* CRYPTO length 2^62-1 */
		"0600" "4100" "01",              /* CRYPTO length past the packet */
		"02" "00" "00" "bfffffffffffffff" "00", /* ACK range count 2^62-1 */
		"1c" "00" "00" "7fff",           /* CONNECTION_CLOSE reason too long */
		"0600" "04" "01ffffff",          /* ClientHello of 16 MB: dropped */
		"0600" "04" "02000010",          /* not a ClientHello */
		"ff",                            /* unknown frame */
	};
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		uint8_t pay[200] = {0};
		size_t pl = unhex(frames[i], pay);
		size_t k = protect(QUIC_V1, dcid, 8, 0, pay, pl + 40, bad);
		run_start(&r);
		run_dgram(&r, bad, k);
		run_end(&r);
		CHECK(r.len == 0);
		CHECK(r.app && !strcmp(r.app, "quic")); /* it decrypted */
		run_free(&r);
	}

	CASE("decryption attempts are capped per flow");
	run_start(&r);
	int rc = DIS_MORE, sent = 0;
	while (rc == DIS_MORE && sent < 100) {
		memcpy(bad, pkt, n);
		bad[100] ^= (uint8_t)(sent + 1); /* a fresh bad tag each time */
		rc = run_dgram(&r, bad, n);
		sent++;
	}
	CHECK(rc == DIS_DONE);
	CHECK(sent <= QUIC_MAX_ATTEMPTS);
	run_end(&r);
	run_free(&r);

	CASE("varints");
	struct cur c;
	uint64_t v;
	cur_init(&c, (const uint8_t *)"\xc2\x19\x7c\x5e\xff\x14\xe8\x8c", 8);
	CHECK(quic_varint(&c, &v) && v == 151288809941952652ull); /* RFC 9000 A.1 */
	cur_init(&c, (const uint8_t *)"\x9d\x7f\x3e\x7d", 4);
	CHECK(quic_varint(&c, &v) && v == 494878333);
	cur_init(&c, (const uint8_t *)"\x7b\xbd", 2);
	CHECK(quic_varint(&c, &v) && v == 15293);
	cur_init(&c, (const uint8_t *)"\x25", 1);
	CHECK(quic_varint(&c, &v) && v == 37);
	cur_init(&c, (const uint8_t *)"\xc2\x19\x7c", 3);
	CHECK(!quic_varint(&c, &v));
	CHECK(quic_decode_pn(0xa82f30ea, 0x9b32, 16) == 0xa82f9b32); /* RFC 9000 A.3 */
}

/* Version names, written without printf. */
static void test_version_names(void)
{
	char b[12];
	CASE("version names: v1, v2, drafts, gQUIC, others in hex");
	CHECK(!strcmp(quic_version_name(QUIC_V1, b), "v1"));
	CHECK(!strcmp(quic_version_name(0xff00001d, b), "draft-29"));
	CHECK(!strcmp(quic_version_name(0x51303436, b), "Q046"));
	CHECK(!strcmp(quic_version_name(0x1a2a3a4a, b), "0x1a2a3a4a"));
	CHECK(!strcmp(quic_version_name(0x00000000, b), "0x00000000"));
	CHECK(!strcmp(quic_version_name(0x51303a36, b), "0x51303a36")); /* Q0:6 is no gQUIC */
}

int main(void)
{
	test_version_names();
	test_vectors();
	test_open("v1 protected Initial (RFC 9001 A.2)", QUIC_V1, V1_PROTECTED, V1_UNPROTECTED_HEADER);
	test_open("v2 protected Initial (RFC 9369 A.2)", QUIC_V2, V2_PROTECTED, V2_UNPROTECTED_HEADER);
	test_record("v1 Initial to a quic record", V1_PROTECTED, "v1");
	test_record("v2 Initial to a quic record", V2_PROTECTED, "v2");
	test_reassembly();
	test_malformed();
	return check_done("test_quic");
}
