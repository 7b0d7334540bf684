/* Certificate names, remembered by the certificate's bytes.
 *
 * d2i_X509 decodes the whole certificate, public key included (OpenSSL 3
 * runs its decoder machinery for that): about 1.5M instructions, more than
 * everything else pp-sniff does for a TLS 1.2 connection. A host talks to
 * the same servers again and again, so the answer is kept for the last
 * certificates seen, keyed by all their bytes: the same bytes give the same
 * answer, so what is written never depends on the cache. */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "certnames.h"

#define CACHE_SLOTS 256           /* direct-mapped */
#define CACHE_CERT_MAX (16 << 10) /* larger certificates are parsed each time */

struct slot {
	uint8_t *der;
	size_t n;
	bool ok;
	struct cert_names names;
};

static struct slot cache[CACHE_SLOTS];

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

static void get_cn(X509_NAME *name, char *buf, int *len)
{
	int n;
	*len = -1;
	if (!name || (n = X509_NAME_get_text_by_NID(name, NID_commonName, buf, 256)) <= 0)
		return;
	*len = n > 255 ? 255 : n;
}

static bool parse(const uint8_t *der, size_t n, struct cert_names *out)
{
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)n);
	if (!x)
		return false;
	get_cn(X509_get_subject_name(x), out->subject, &out->subject_len);
	get_cn(X509_get_issuer_name(x), out->issuer, &out->issuer_len);
	X509_free(x);
	return true;
}

bool cert_names(const uint8_t *der, size_t n, struct cert_names *out)
{
	if (n > CACHE_CERT_MAX)
		return parse(der, n, out);
	struct slot *s = &cache[hash_bytes(der, n) % CACHE_SLOTS];
	if (s->der && s->n == n && !memcmp(s->der, der, n)) {
		*out = s->names;
		return s->ok;
	}
	bool ok = parse(der, n, out);
	uint8_t *copy = malloc(n ? n : 1);
	if (copy) {
		memcpy(copy, der, n);
		free(s->der);
		s->der = copy, s->n = n, s->ok = ok;
		if (ok)
			s->names = *out;
	}
	return ok;
}
