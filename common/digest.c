/* Digests with the algorithm fetched once and a reused context (digest.h). */
#include "digest.h"

#include <openssl/evp.h>

struct dg {
	const char *name;
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	bool failed;
};

static bool run(struct dg *d, const void *p, size_t n, uint8_t *out)
{
	unsigned int len;
	if (!d->md && !d->failed) {
		d->md = EVP_MD_fetch(NULL, d->name, NULL);
		d->ctx = EVP_MD_CTX_new();
		d->failed = !d->md || !d->ctx;
	}
	if (d->failed)
		return false;
	/* Re-initialising a context that already holds this algorithm keeps
	 * its provider state: no allocation per call. */
	return EVP_DigestInit_ex2(d->ctx, d->md, NULL) && EVP_DigestUpdate(d->ctx, p, n) &&
	       EVP_DigestFinal_ex(d->ctx, out, &len);
}

bool pp_sha1(const void *p, size_t n, uint8_t out[PP_SHA1_LEN])
{
	static struct dg d = {.name = "SHA1"};
	return run(&d, p, n, out);
}

bool pp_sha256(const void *p, size_t n, uint8_t out[PP_SHA256_LEN])
{
	static struct dg d = {.name = "SHA256"};
	return run(&d, p, n, out);
}
