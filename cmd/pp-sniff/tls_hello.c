/* ClientHello and ServerHello parsing (RFC 8446 4.1.2, 4.1.3; RFC 5246
 * 7.4.1). Every read goes through bytes.h; a length that does not fit its
 * enclosing structure makes the hello invalid. */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "ja4.h"
#include "jsonw.h"
#include "tls.h"

enum {
	EXT_SERVER_NAME = 0x0000,
	EXT_SIGNATURE_ALGORITHMS = 0x000d,
	EXT_ALPN = 0x0010,
	EXT_SUPPORTED_VERSIONS = 0x002b,
};

static void parse_sni(struct cur *e, struct tls_hello *h)
{
	struct cur list;
	uint16_t n;

	h->has_sni = true;
	if (!cur_u16(e, &n) || !cur_sub(e, n, &list))
		return;
	while (cur_left(&list) >= 3) {
		uint8_t type = 0;
		uint16_t nlen = 0;
		const uint8_t *name;
		cur_u8(&list, &type);
		cur_u16(&list, &nlen);
		if (!(name = cur_bytes(&list, nlen)))
			return;
		if (type == 0 && h->sni_len == 0 && nlen > 0) { /* host_name */
			size_t k = nlen > TLS_MAX_SNI ? TLS_MAX_SNI : nlen;
			memcpy(h->sni, name, k);
			h->sni[k] = 0;
			h->sni_len = k;
		}
	}
}

/* ALPN extension body: a 2-byte list length, then 1-byte-length strings. */
static int parse_alpn_list(struct cur *e, struct tls_alpn *out, int max, bool *truncated)
{
	struct cur list;
	uint16_t n;
	int count = 0;

	if (!cur_u16(e, &n) || !cur_sub(e, n, &list))
		return 0;
	while (cur_left(&list) > 0) {
		uint8_t plen;
		const uint8_t *p;
		if (!cur_u8(&list, &plen) || !(p = cur_bytes(&list, plen)))
			break;
		if (count == max) {
			*truncated = true;
			break;
		}
		out[count].len = plen;
		memcpy(out[count].s, p, plen);
		out[count].s[plen] = 0;
		count++;
	}
	return count;
}

/* A list of u16 values behind a length prefix of lenbytes (1 or 2). */
static int parse_u16_list(struct cur *e, int lenbytes, uint16_t *out, int max, bool grease,
                          bool *truncated)
{
	struct cur list;
	int count = 0;
	size_t n;

	if (lenbytes == 1) {
		uint8_t v;
		if (!cur_u8(e, &v))
			return 0;
		n = v;
	} else {
		uint16_t v;
		if (!cur_u16(e, &v))
			return 0;
		n = v;
	}
	if (!cur_sub(e, n, &list))
		return 0;
	uint16_t v;
	while (cur_u16(&list, &v)) {
		if (!grease && tls_is_grease(v))
			continue;
		if (count == max) {
			*truncated = true;
			break;
		}
		out[count++] = v;
	}
	return count;
}

int tls_parse_client_hello(const uint8_t *body, size_t len, struct tls_hello *h)
{
	struct cur c, exts;
	uint8_t sid_len, comp_len;
	uint16_t n, v = 0;

	memset(h, 0, TLS_HELLO_CLEAR);
	h->sni[0] = 0;
	cur_init(&c, body, len);
	if (!cur_u16(&c, &h->legacy_version) || !cur_skip(&c, 32) || /* random */
	    !cur_u8(&c, &sid_len) || sid_len > 32 || !cur_skip(&c, sid_len))
		return -1;
	if (!cur_u16(&c, &n) || n == 0)
		return -1;
	/* Lengths that lie (a fuzzer's, or a broken client's): what the
	 * bytes hold is still read, up to where they stop making sense, and
	 * the hello said to be malformed (1). */
	bool lied = false;
	if ((n & 1) || cur_left(&c) < n) {
		n = (uint16_t)((cur_left(&c) < n ? cur_left(&c) : n) & ~1u);
		lied = true;
	}
	for (size_t i = 0; i < n; i += 2) {
		cur_u16(&c, &v);
		if (tls_is_grease(v))
			continue;
		if (h->n_ciphers == TLS_MAX_CIPHERS)
			h->truncated = true;
		else
			h->ciphers[h->n_ciphers++] = v;
	}
	if (lied)
		return h->n_ciphers ? 1 : -1;
	if (!cur_u8(&c, &comp_len) || comp_len == 0 || !cur_skip(&c, comp_len))
		return h->n_ciphers ? 1 : -1;
	if (cur_left(&c) == 0)
		return 0; /* no extensions at all: legal before TLS 1.3 */
	if (!cur_u16(&c, &n))
		return 1;
	if (!cur_sub(&c, n, &exts)) { /* the extensions' length lies */
		cur_sub(&c, cur_left(&c), &exts);
		lied = true;
	}
	while (cur_left(&exts) > 0) {
		uint16_t type, elen;
		struct cur e;
		if (!cur_u16(&exts, &type) || !cur_u16(&exts, &elen) || !cur_sub(&exts, elen, &e))
			return 1;
		if (tls_is_grease(type))
			continue;
		if (h->n_exts == TLS_MAX_EXTS)
			h->truncated = true;
		else
			h->exts[h->n_exts++] = type;
		switch (type) {
		case EXT_SERVER_NAME:
			parse_sni(&e, h);
			break;
		case EXT_ALPN:
			if (h->n_alpn == 0)
				h->n_alpn = parse_alpn_list(&e, h->alpn, TLS_MAX_ALPN, &h->truncated);
			break;
		case EXT_SUPPORTED_VERSIONS:
			h->has_supported_versions = true;
			h->n_versions = parse_u16_list(&e, 1, h->versions, TLS_MAX_VERSIONS, false,
			                               &h->truncated);
			break;
		case EXT_SIGNATURE_ALGORITHMS:
			h->n_sigalgs = parse_u16_list(&e, 2, h->sigalgs, TLS_MAX_SIGALGS, false,
			                              &h->truncated);
			break;
		}
	}
	return lied ? 1 : 0;
}

/* SHA-256 of "HelloRetryRequest" (RFC 8446 4.1.3): the random of an HRR. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

int tls_parse_server_hello(const uint8_t *body, size_t len, struct tls_server_hello *s)
{
	struct cur c, exts;
	const uint8_t *random;
	uint8_t sid_len, comp;
	uint16_t n;

	memset(s, 0, sizeof(*s));
	cur_init(&c, body, len);
	if (!cur_u16(&c, &s->legacy_version) || !(random = cur_bytes(&c, 32)) ||
	    !cur_u8(&c, &sid_len) || sid_len > 32 || !cur_skip(&c, sid_len) ||
	    !cur_u16(&c, &s->cipher) || !cur_u8(&c, &comp))
		return -1;
	s->is_hrr = memcmp(random, hrr_random, 32) == 0;
	if (cur_left(&c) == 0)
		return 0;
	if (!cur_u16(&c, &n) || !cur_sub(&c, n, &exts))
		return -1;
	while (cur_left(&exts) > 0) {
		uint16_t type, elen;
		struct cur e;
		if (!cur_u16(&exts, &type) || !cur_u16(&exts, &elen) || !cur_sub(&exts, elen, &e))
			return -1;
		if (type == EXT_SUPPORTED_VERSIONS) {
			cur_u16(&e, &s->selected_version);
		} else if (type == EXT_ALPN) {
			bool trunc = false;
			s->has_alpn = parse_alpn_list(&e, &s->alpn, 1, &trunc) == 1;
		}
	}
	return 0;
}

uint16_t tls_hello_max_version(const struct tls_hello *h)
{
	uint16_t best = 0;
	if (h->has_supported_versions && h->n_versions > 0) {
		for (int i = 0; i < h->n_versions; i++)
			if (h->versions[i] > best)
				best = h->versions[i];
		return best;
	}
	return h->legacy_version;
}

/* "0x%04x" of v, or draft followed by v's low byte in decimal (the TLS 1.3
 * drafts as Chrome 55 offered them), without printf: in every tls record. */
static const char *hex16(char *buf, const char *draft, uint16_t v)
{
	uint8_t be[2] = {v >> 8, v & 0xff};
	char *p = buf;
	if (draft) {
		memcpy(p, draft, strlen(draft));
		p = jw_fmt_u64(p + strlen(draft), v & 0xff);
	} else {
		memcpy(p, "0x", 2);
		p = jw_fmt_hex(p + 2, be, 2);
	}
	*p = '\0';
	return buf;
}

const char *tls_version_name(uint16_t v, char *buf)
{
	switch (v) {
	case 0x0304: return "TLS 1.3";
	case 0x0303: return "TLS 1.2";
	case 0x0302: return "TLS 1.1";
	case 0x0301: return "TLS 1.0";
	case 0x0300: return "SSL 3.0";
	case 0x0200: return "SSL 2.0";
	}
	return hex16(buf, (v & 0xff00) == 0x7f00 ? "TLS 1.3 draft " : NULL, v);
}

static const struct {
	uint16_t id;
	const char *name;
} ciphers[] = {
	{0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
	{0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
	{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
	{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
	{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
	{0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
	{0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
	{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
	{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
	{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0x1301, "TLS_AES_128_GCM_SHA256"},
	{0x1302, "TLS_AES_256_GCM_SHA384"},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
	{0x1304, "TLS_AES_128_CCM_SHA256"},
	{0x1305, "TLS_AES_128_CCM_8_SHA256"},
	{0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
	{0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
	{0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
	{0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
	{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
	{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

const char *tls_cipher_name(uint16_t v, char *buf)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (ciphers[i].id == v)
			return ciphers[i].name;
	return hex16(buf, NULL, v);
}

void tls_write_hello(struct jw *w, const struct tls_hello *h, char ja4_proto, bool versions)
{
	char vb[TLS_VERSION_BUF], ja4[JA4_LEN];

	if (h->sni_len)
		jw_strn(w, "sni", h->sni, h->sni_len);
	if (h->n_alpn) {
		jw_arr_open(w, "alpn");
		for (int i = 0; i < h->n_alpn; i++)
			jw_strn(w, NULL, h->alpn[i].s, h->alpn[i].len);
		jw_arr_close(w);
	}
	if (!versions) {
		/* not asked */
	} else if (h->n_versions) {
		jw_arr_open(w, "versions");
		for (int i = 0; i < h->n_versions; i++)
			jw_str(w, NULL, tls_version_name(h->versions[i], vb));
		jw_arr_close(w);
	} else if (!h->has_supported_versions) {
		/* Before TLS 1.3 the client offers its legacy version and below. */
		jw_arr_open(w, "versions");
		jw_str(w, NULL, tls_version_name(h->legacy_version, vb));
		jw_arr_close(w);
	}
	jw_str(w, "ja4", ja4_compute(h, ja4_proto, ja4));
}
