/* Certificate names, remembered by the certificate's bytes.
 *
 * d2i_X509 decodes the whole certificate, public key included (OpenSSL 3
 * runs its decoder machinery for that): about 1.5M instructions, more than
 * everything else pp-sniff does for a TLS 1.2 connection. A host talks to
 * the same servers again and again, so the answer is kept for the last
 * certificates seen, keyed by all their bytes (memo.h). */
#include <string.h>

#include <openssl/x509.h>

#include "certnames.h"
#include "memo.h"

/* A value: whether it parsed, and the names. */
struct entry {
	bool ok;
	struct cert_names names;
};

/* 256 certificates of up to 16 KiB (larger ones are parsed each time). */
static struct memo cache = MEMO_INIT(256, sizeof(struct entry), 16 << 10);

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
	struct entry e;
	if (memo_get(&cache, der, n, &e)) {
		if (e.ok)
			*out = e.names;
		return e.ok;
	}
	memset(&e, 0, sizeof(e));
	e.ok = parse(der, n, &e.names);
	memo_put(&cache, der, n, &e);
	if (e.ok)
		*out = e.names;
	return e.ok;
}
