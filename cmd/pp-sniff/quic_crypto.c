/* QUIC Initial keys, header protection and AEAD via libcrypto (OpenSSL 3:
 * EVP_KDF "HKDF" for extract and expand, EVP_CIPHER for AES). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "quic_crypto.h"

/* Initial salts: RFC 9001 5.2 (v1, also drafts 33-34), RFC 9369 3.3.1 (v2),
 * draft-ietf-quic-tls-29 5.2 (drafts 29-32), -23 (drafts 23-28), -22
 * (Facebook's mvfst 0xfaceb001, built on draft 22). */
static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
static const uint8_t salt_d29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                     0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
static const uint8_t salt_d23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                     0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
static const uint8_t salt_d22[20] = {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
                                     0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};
/* Google QUIC Q050 (Chromium's quic_crypto_utils.cc): IETF Initial
 * protection around Google's own CHLO. */
static const uint8_t salt_q50[20] = {0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94,
                                     0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45};

/* Google's QUIC with TLS, versions T050 and T051 (Chromium's
 * quic_crypto_utils.cc), which use the IETF Initial packet layout. */
static const uint8_t salt_t50[20] = {0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80,
                                     0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10};
static const uint8_t salt_t51[20] = {0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50,
                                     0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d};

static const uint8_t *version_salt(uint32_t v)
{
	if (v == QUIC_T050)
		return salt_t50;
	if (v == QUIC_T051)
		return salt_t51;
	if (v == QUIC_V1)
		return salt_v1;
	if (v == QUIC_V2)
		return salt_v2;
	if (v == QUIC_Q050)
		return salt_q50;
	if (v == QUIC_MVFST_22)
		return salt_d22;
	if (v == QUIC_MVFST_27 || v == QUIC_MVFST_EXP) /* mvfst on draft 27 */
		return salt_d23;
	/* 0x?a?a?a?a: reserved to make the server answer with Version
	 * Negotiation (RFC 9000 15); their clients (the interop runner's)
	 * protect the Initial as draft 29 does, as Wireshark assumes. A wrong
	 * guess costs nothing: the packet then fails authentication. */
	if ((v & 0x0f0f0f0fu) == 0x0a0a0a0au)
		return salt_d29;
	if (v >= 0xff000017u && v <= 0xff00001cu) /* drafts 23-28 */
		return salt_d23;
	if (v >= 0xff00001du && v <= 0xff000020u) /* drafts 29-32 */
		return salt_d29;
	if (v >= 0xff000021u && v <= 0xff000022u) /* drafts 33, 34 */
		return salt_v1;
	return NULL;
}

bool quic_version_known(uint32_t version)
{
	return version_salt(version) != NULL;
}

/* libcrypto objects fetched once: in OpenSSL 3 every implicit fetch (by
 * name, or EVP_aes_128_gcm() at init) costs more than the AES itself. Two
 * HKDF contexts with digest and mode set once are reused: each derivation
 * passes its key and salt or info anew, which replace the previous ones.
 * (OpenSSL 3.0's HKDF cannot duplicate a context.) pp-sniff is
 * single-threaded. */
static EVP_CIPHER *aes_ecb, *aes_gcm;
static EVP_KDF_CTX *hkdf_ctx[2]; /* [0] extract only, [1] expand only */

static int crypto_init(void)
{
	static int state; /* 0 not yet, 1 ready, -1 failed */
	if (state)
		return state;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	aes_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	state = kdf && aes_ecb && aes_gcm ? 1 : -1;
	for (int i = 0; i < 2 && state == 1; i++) {
		int mode = i ? EVP_KDF_HKDF_MODE_EXPAND_ONLY : EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
			OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
			OSSL_PARAM_construct_end(),
		};
		if (!(hkdf_ctx[i] = EVP_KDF_CTX_new(kdf)) || !EVP_KDF_CTX_set_params(hkdf_ctx[i], p))
			state = -1;
	}
	EVP_KDF_free(kdf); /* the contexts hold their own reference */
	return state;
}

static int hkdf_run(int mode, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                    size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
                    size_t out_len)
{
	OSSL_PARAM p[4], *q = p;

	if (crypto_init() < 0)
		return -1;
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	if (salt)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	if (info)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*q = OSSL_PARAM_construct_end();
	return EVP_KDF_derive(hkdf_ctx[mode == EVP_KDF_HKDF_MODE_EXPAND_ONLY], out, out_len, p) > 0 ? 0 : -1;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
static int expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1];
	size_t ll = strlen(label), n = 0;

	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;
	return hkdf_run(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, secret, 32, info, n, out, len);
}

int quic_initial_secret(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool client,
                        uint8_t secret[32])
{
	const uint8_t *salt = version_salt(version);
	uint8_t initial[32];

	if (!salt || hkdf_run(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, 20, dcid, dcid_len, NULL, 0,
	                      initial, 32) < 0)
		return -1;
	return expand_label(initial, client ? "client in" : "server in", secret, 32);
}

int quic_keys_from_secret(uint32_t version, const uint8_t secret[32], struct quic_keys *k)
{
	bool v2 = version == QUIC_V2;

	memset(k, 0, sizeof(*k));
	if (expand_label(secret, v2 ? "quicv2 key" : "quic key", k->key, 16) < 0 ||
	    expand_label(secret, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) < 0 ||
	    expand_label(secret, v2 ? "quicv2 hp" : "quic hp", k->hp, 16) < 0)
		return -1;
	return 0;
}

int quic_client_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                             struct quic_keys *k)
{
	uint8_t secret[32];
	if (quic_initial_secret(version, dcid, dcid_len, true, secret) < 0)
		return -1;
	return quic_keys_from_secret(version, secret, k);
}

void quic_keys_free(struct quic_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* One context per cipher for the whole program, re-keyed per packet: a key
 * schedule costs far less than creating and initialising a context. */
static EVP_CIPHER_CTX *ecb_ctx, *gcm_ctx;

int quic_hp_mask(struct quic_keys *k, const uint8_t sample[16], uint8_t mask[5])
{
	uint8_t block[32];
	int outl = 0;

	if (crypto_init() < 0)
		return -1;
	if (!ecb_ctx && !(ecb_ctx = EVP_CIPHER_CTX_new()))
		return -1;
	if (!EVP_EncryptInit_ex2(ecb_ctx, aes_ecb, k->hp, NULL, NULL))
		return -1;
	EVP_CIPHER_CTX_set_padding(ecb_ctx, 0);
	if (!EVP_EncryptUpdate(ecb_ctx, block, &outl, sample, 16) || outl != 16)
		return -1;
	memcpy(mask, block, 5);
	return 0;
}

int quic_aead_open(struct quic_keys *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                   const uint8_t *ct, size_t ct_len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t nonce[12];
	int n = 0, fin = 0;

	if (ct_len < 16 || ct_len - 16 > (size_t)INT32_MAX || aad_len > (size_t)INT32_MAX)
		return -1;
	if (crypto_init() < 0)
		return -1;
	if (!gcm_ctx && !(gcm_ctx = EVP_CIPHER_CTX_new()))
		return -1;
	ctx = gcm_ctx;
	/* The nonce is the IV with the packet number XORed into its low end. */
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	if (!EVP_DecryptInit_ex2(ctx, aes_gcm, k->key, nonce, NULL) ||
	    !EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) ||
	    !EVP_DecryptUpdate(ctx, out, &n, ct, (int)(ct_len - 16)) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(ct + ct_len - 16)) ||
	    EVP_DecryptFinal_ex(ctx, out + n, &fin) <= 0)
		return -1;
	return n + fin;
}
