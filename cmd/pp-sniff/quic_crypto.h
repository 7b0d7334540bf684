/* QUIC Initial packet protection (RFC 9001 5.2-5.4, RFC 9369 3.3): the
 * keys derived from the client's Destination Connection ID, header
 * protection, and AEAD_AES_128_GCM. All cryptography is libcrypto's. */
#ifndef PP_SNIFF_QUIC_CRYPTO_H
#define PP_SNIFF_QUIC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_T050 0x54303530u /* "T050" */
#define QUIC_T051 0x54303531u
#define QUIC_Q050 0x51303530u /* "Q050": Google QUIC, IETF-style Initial */
#define QUIC_MVFST_22 0xfaceb001u /* Facebook mvfst */
#define QUIC_MVFST_27 0xfaceb002u
#define QUIC_MVFST_EXP 0xfaceb00eu

struct quic_keys {
	uint8_t key[16], iv[12], hp[16];
};

/* Is this a version whose Initial protection we know (v1, v2, drafts
 * 23-34, Google's T050, T051 and Q050, mvfst, 0x?a?a?a?a)? */
bool quic_version_known(uint32_t version);

/* The client's (client=true) or server's Initial secret for a DCID
 * (RFC 9001 5.2): HKDF-Extract(salt of version, dcid), then
 * HKDF-Expand-Label("client in"/"server in"). 0 or -1. */
int quic_initial_secret(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool client,
                        uint8_t secret[32]);
/* key, iv, hp from a secret ("quic key"... or "quicv2 key"... for v2). */
int quic_keys_from_secret(uint32_t version, const uint8_t secret[32], struct quic_keys *k);
/* Both steps, for the client's Initial keys. */
int quic_client_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                             struct quic_keys *k);
/* Forget the keys (they are plain bytes; nothing is allocated). */
void quic_keys_free(struct quic_keys *k);

/* The 5-byte header protection mask from a 16-byte sample (AES-128-ECB). */
int quic_hp_mask(struct quic_keys *k, const uint8_t sample[16], uint8_t mask[5]);
/* Decrypt and authenticate: ct holds the ciphertext followed by the 16-byte
 * tag; out receives ct_len - 16 bytes. Returns the plaintext length, or -1
 * when the tag does not verify. */
int quic_aead_open(struct quic_keys *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                   const uint8_t *ct, size_t ct_len, uint8_t *out);

#endif
