/* Builds ClientHello/ServerHello bytes for the TLS, JA4 and QUIC unit tests,
 * field by field as RFC 8446 4.1.2 lays them out, so that the tests state
 * their inputs as lists (the way the JA4 specification writes them). */
#ifndef PP_TEST_TLS_BUILD_H
#define PP_TEST_TLS_BUILD_H

#include <stdint.h>
#include <string.h>

struct tb {
	uint8_t b[16384];
	size_t n;
};

static inline void tb_u8(struct tb *t, unsigned v) { t->b[t->n++] = (uint8_t)v; }
static inline void tb_u16(struct tb *t, unsigned v) { tb_u8(t, v >> 8); tb_u8(t, v); }
static inline void tb_u24(struct tb *t, unsigned v) { tb_u8(t, v >> 16); tb_u16(t, v); }
static inline void tb_put(struct tb *t, const void *p, size_t n) { memcpy(t->b + t->n, p, n); t->n += n; }
/* Backpatch a length of w bytes at position at, covering everything after it. */
static inline void tb_len(struct tb *t, size_t at, int w)
{
	size_t v = t->n - at - (size_t)w;
	for (int i = w - 1; i >= 0; i--, v >>= 8)
		t->b[at + (size_t)i] = (uint8_t)v;
}

struct hello_spec {
	unsigned legacy_version;
	const uint16_t *ciphers; int n_ciphers;
	const uint16_t *exts; int n_exts;          /* in wire order */
	const char *sni;                           /* body of 0x0000 when listed */
	const char *const *alpn; int n_alpn;       /* body of 0x0010 */
	const uint16_t *versions; int n_versions;  /* body of 0x002b */
	const uint16_t *sigalgs; int n_sigalgs;    /* body of 0x000d */
};

/* A ClientHello body (no handshake header). */
static inline void tb_client_hello(struct tb *t, const struct hello_spec *s)
{
	size_t at, ext_at, e_at;
	tb_u16(t, s->legacy_version);
	for (int i = 0; i < 32; i++) tb_u8(t, i);
	tb_u8(t, 32);
	for (int i = 0; i < 32; i++) tb_u8(t, 0xee);
	at = t->n; tb_u16(t, 0);
	for (int i = 0; i < s->n_ciphers; i++) tb_u16(t, s->ciphers[i]);
	tb_len(t, at, 2);
	tb_u8(t, 1); tb_u8(t, 0);
	ext_at = t->n; tb_u16(t, 0);
	for (int i = 0; i < s->n_exts; i++) {
		unsigned e = s->exts[i];
		tb_u16(t, e);
		e_at = t->n; tb_u16(t, 0);
		if (e == 0x0000 && s->sni) {
			size_t l = t->n; tb_u16(t, 0);
			tb_u8(t, 0); tb_u16(t, (unsigned)strlen(s->sni)); tb_put(t, s->sni, strlen(s->sni));
			tb_len(t, l, 2);
		} else if (e == 0x0010) {
			size_t l = t->n; tb_u16(t, 0);
			for (int k = 0; k < s->n_alpn; k++) {
				tb_u8(t, (unsigned)strlen(s->alpn[k])); tb_put(t, s->alpn[k], strlen(s->alpn[k]));
			}
			tb_len(t, l, 2);
		} else if (e == 0x002b) {
			tb_u8(t, (unsigned)(2 * s->n_versions));
			for (int k = 0; k < s->n_versions; k++) tb_u16(t, s->versions[k]);
		} else if (e == 0x000d) {
			tb_u16(t, (unsigned)(2 * s->n_sigalgs));
			for (int k = 0; k < s->n_sigalgs; k++) tb_u16(t, s->sigalgs[k]);
		}
		tb_len(t, e_at, 2);
	}
	tb_len(t, ext_at, 2);
}

/* Wrap body as a handshake message of type, in one or more TLS records of
 * at most rec_max bytes each. */
static inline void tb_records(struct tb *out, unsigned hs_type, const uint8_t *body, size_t n,
                              size_t rec_max)
{
	uint8_t msg[16384];
	size_t m = 0, off = 0;
	msg[m++] = (uint8_t)hs_type;
	msg[m++] = (uint8_t)(n >> 16); msg[m++] = (uint8_t)(n >> 8); msg[m++] = (uint8_t)n;
	memcpy(msg + m, body, n); m += n;
	while (off < m) {
		size_t k = m - off < rec_max ? m - off : rec_max;
		tb_u8(out, 22); tb_u16(out, 0x0301); tb_u16(out, (unsigned)k);
		tb_put(out, msg + off, k);
		off += k;
	}
}

#endif
