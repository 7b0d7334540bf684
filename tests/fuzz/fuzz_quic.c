/* QUIC. Input: a control byte, then data.
 *   control & 1 == 0: the data is a series of datagrams, each preceded by a
 *     2-byte length, all from the client except where control bit 1 says
 *     every other one is the server's;
 *   control & 1 == 1: the data is a series of Initial payloads (frames), each
 *     preceded by a 2-byte length, which are protected here as the client's
 *     Initials of one connection (packet numbers 0, 1, ...), so that the
 *     fuzzer reaches the frame parser and CRYPTO reassembly behind the
 *     AEAD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../cmd/pp-sniff/dissect.h"
#include "../../cmd/pp-sniff/quic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sniff_ctx *ctx(void)
{
	static struct sniff_ctx c;
	static struct jw w;
	static const char *app;
	if (!c.out) {
		jw_init(&w);
		c.out = fopen("/dev/null", "w");
		c.w = &w;
		c.app = &app;
	}
	return &c;
}

/* A v1 client Initial with payload p (padded to carry a sample). */
static size_t protect(struct quic_keys *k, uint32_t pn, const uint8_t *p, size_t plen, uint8_t *out)
{
	static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
	uint8_t nonce[12], mask[5];
	size_t n = 0, pn_off, padded = plen < 32 ? 32 : plen;
	int outl;
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();

	out[n++] = 0xc3;
	memcpy(out + n, "\x00\x00\x00\x01\x08", 5), n += 5;
	memcpy(out + n, dcid, 8), n += 8;
	out[n++] = 0, out[n++] = 0; /* SCID, token */
	size_t length = 4 + padded + 16;
	out[n++] = (uint8_t)(0x40 | length >> 8), out[n++] = (uint8_t)length;
	pn_off = n;
	for (int i = 3; i >= 0; i--)
		out[n++] = (uint8_t)(pn >> (8 * i));
	memcpy(out + n, p, plen);
	memset(out + n + plen, 0, padded - plen);
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 4; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_EncryptInit_ex(e, EVP_aes_128_gcm(), NULL, k->key, nonce);
	EVP_EncryptUpdate(e, NULL, &outl, out, (int)n);
	EVP_EncryptUpdate(e, out + n, &outl, out + n, (int)padded);
	EVP_EncryptFinal_ex(e, out + n + padded, &outl);
	EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, 16, out + n + padded);
	EVP_CIPHER_CTX_free(e);
	n += padded + 16;
	quic_hp_mask(k, out + pn_off + 4, mask);
	out[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct quic_keys k;
	static bool have_keys;
	static uint8_t pkt[70000];
	struct sniff_ctx *c = ctx();
	void *st = NULL;
	uint8_t ctl;
	uint32_t pn = 0;

	if (size < 1)
		return 0;
	if (!have_keys) {
		static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
		have_keys = quic_client_initial_keys(QUIC_V1, dcid, 8, &k) == 0;
	}
	ctl = data[0];
	data++, size--;
	c->from_orig = true;
	(void)gquic_clear_packet(c, data, size); /* Google QUIC in the clear */
	{
		size_t n = gquic_chlo_len(data, size);
		if (n)
			gquic_chlo_write(c, 0x51303530u, data, n);
	}
	for (int i = 0; size >= 2; i++) {
		size_t n = (size_t)data[0] << 8 | data[1];
		data += 2, size -= 2;
		if (n > size)
			n = size;
		c->from_orig = !(ctl & 2) || i % 2 == 0;
		if (ctl & 1) {
			size_t m = protect(&k, pn++, data, n, pkt);
			c->from_orig = true;
			quic_udp(c, &st, pkt, m);
		} else {
			quic_udp(c, &st, data, n);
		}
		data += n, size -= n;
	}
	quic_free(st);
	return 0;
}
