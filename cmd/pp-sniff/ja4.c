/* JA4 per FoxIO's specification (technical_details/JA4.md):
 *   a: proto, version, d/i, 2-digit cipher count, 2-digit extension count,
 *      first+last character of the first ALPN value
 *   b: sha256("002f,0035,...": ciphers sorted, hex) truncated to 12
 *   c: sha256("0005,000a,..._0403,0804,...": extensions sorted without SNI
 *      and ALPN, "_", signature algorithms in wire order) truncated to 12
 * GREASE is already gone from the hello's lists (tls_parse_client_hello). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "ja4.h"
#include "memo.h"

static const char *version_code(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0200: return "s2";
	case 0x0100: return "s1";
	case 0xfeff: return "d1"; /* DTLS 1.0 */
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	}
	return "00";
}

/* Insertion sort: lists are a few dozen values, where qsort's calls
 * through a comparison function cost more than the moves. */
static void sort_u16(uint16_t *v, int n)
{
	for (int i = 1; i < n; i++) {
		uint16_t x = v[i];
		int j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

void ja4_part_a(const struct tls_hello *h, char proto, char out[11])
{
	char alpn[3] = "00";
	unsigned nc = h->n_ciphers > 99 ? 99 : (unsigned)h->n_ciphers;
	unsigned ne = h->n_exts > 99 ? 99 : (unsigned)h->n_exts;
	const char *v = version_code(tls_hello_max_version(h));

	if (h->n_alpn > 0 && h->alpn[0].len > 0) {
		const struct tls_alpn *a = &h->alpn[0];
		unsigned char f = (unsigned char)a->s[0], l = (unsigned char)a->s[a->len - 1];
		if (isalnum(f) && isalnum(l) && f < 0x80 && l < 0x80) {
			alpn[0] = (char)f, alpn[1] = (char)l;
		} else {
			/* The spec: otherwise the first and last characters of the
			 * value's hex form, i.e. first byte's high nibble and last
			 * byte's low nibble. */
			static const char hx[] = "0123456789abcdef";
			alpn[0] = hx[f >> 4], alpn[1] = hx[l & 15];
		}
	}
	out[0] = proto, out[1] = v[0], out[2] = v[1], out[3] = h->has_sni ? 'd' : 'i';
	out[4] = (char)('0' + nc / 10), out[5] = (char)('0' + nc % 10);
	out[6] = (char)('0' + ne / 10), out[7] = (char)('0' + ne % 10);
	out[8] = alpn[0], out[9] = alpn[1], out[10] = 0;
}

/* "xxxx,xxxx,..." of n values into buf (NUL-terminated, cut at len),
 * without printf: a hello has up to a few hundred of them. */
static size_t hexlist(const uint16_t *v, int n, char *buf, size_t len, size_t off)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < n; i++) {
		if (off + 6 > len)
			break;
		char *p = buf + off;
		if (i)
			*p++ = ',';
		p[0] = hx[v[i] >> 12], p[1] = hx[v[i] >> 8 & 15], p[2] = hx[v[i] >> 4 & 15], p[3] = hx[v[i] & 15];
		p[4] = '\0';
		off = (size_t)(p + 4 - buf);
	}
	return off;
}

size_t ja4_cipher_string(const struct tls_hello *h, char *buf, size_t len)
{
	uint16_t sorted[TLS_MAX_CIPHERS];
	memcpy(sorted, h->ciphers, (size_t)h->n_ciphers * sizeof(uint16_t));
	sort_u16(sorted, h->n_ciphers);
	buf[0] = 0;
	return hexlist(sorted, h->n_ciphers, buf, len, 0);
}

size_t ja4_ext_string(const struct tls_hello *h, char *buf, size_t len)
{
	uint16_t sorted[TLS_MAX_EXTS];
	int n = 0;
	size_t off;

	for (int i = 0; i < h->n_exts; i++)
		if (h->exts[i] != 0x0000 && h->exts[i] != 0x0010)
			sorted[n++] = h->exts[i];
	sort_u16(sorted, n);
	buf[0] = 0;
	off = hexlist(sorted, n, buf, len, 0);
	if (h->n_sigalgs > 0 && off + 1 < len) {
		buf[off++] = '_';
		buf[off] = 0;
		off = hexlist(h->sigalgs, h->n_sigalgs, buf, len, off);
	}
	return off;
}

void ja4_hash12(const char *s, size_t n, char out[13])
{
	uint8_t md[PP_SHA256_LEN];

	if (n == 0 || !pp_sha256(s, n, md)) {
		memcpy(out, "000000000000", 13);
		return;
	}
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 6; i++)
		out[2 * i] = hx[md[i] >> 4], out[2 * i + 1] = hx[md[i] & 15];
	out[12] = 0;
}

/* Parts b and c by the lists they come from: a host's few TLS stacks send
 * the same lists again and again, and sorting, hex and SHA-256 cost a
 * microsecond a hello (memo.h: the same lists give the same hashes). */
static struct memo memo_b = MEMO_INIT(64, 13, TLS_MAX_CIPHERS * 2);
static struct memo memo_c = MEMO_INIT(64, 13, 2 + (TLS_MAX_EXTS + TLS_MAX_SIGALGS) * 2);

char *ja4_compute(const struct tls_hello *h, char proto, char *out)
{
	/* 5 characters per value: the lists are bounded by the arrays. */
	char buf[(TLS_MAX_CIPHERS > TLS_MAX_EXTS + TLS_MAX_SIGALGS ? TLS_MAX_CIPHERS
	                                                           : TLS_MAX_EXTS + TLS_MAX_SIGALGS) * 5 + 8];
	char a[11], b[13], c[13];
	uint8_t key[2 + (TLS_MAX_EXTS + TLS_MAX_SIGALGS) * 2];
	size_t n, kl;

	ja4_part_a(h, proto, a);
	kl = (size_t)h->n_ciphers * 2;
	if (!memo_get(&memo_b, h->ciphers, kl, b)) {
		n = ja4_cipher_string(h, buf, sizeof(buf));
		ja4_hash12(buf, n, b);
		memo_put(&memo_b, h->ciphers, kl, b);
	}
	/* The extensions' count first: where the signature algorithms start. */
	key[0] = (uint8_t)(h->n_exts >> 8), key[1] = (uint8_t)h->n_exts;
	memcpy(key + 2, h->exts, (size_t)h->n_exts * 2);
	memcpy(key + 2 + (size_t)h->n_exts * 2, h->sigalgs, (size_t)h->n_sigalgs * 2);
	kl = 2 + ((size_t)h->n_exts + (size_t)h->n_sigalgs) * 2;
	if (!memo_get(&memo_c, key, kl, c)) {
		n = ja4_ext_string(h, buf, sizeof(buf));
		ja4_hash12(buf, n, c);
		memo_put(&memo_c, key, kl, c);
	}
	/* a_b_c: 10 + 1 + 12 + 1 + 12 characters */
	memcpy(out, a, 10);
	out[10] = '_';
	memcpy(out + 11, b, 12);
	out[23] = '_';
	memcpy(out + 24, c, 13);
	return out;
}
