/* QUIC: long headers of v1 (RFC 9000 17.2), v2 (RFC 9369) and drafts
 * 27-34; the client's Initial packets decrypted (RFC 9001 5), their CRYPTO
 * frames reassembled into the ClientHello, which goes through the TLS
 * parser of tls_hello.c. Entry point quic_udp() is in dissect.h. */
#ifndef PP_SNIFF_QUIC_H
#define PP_SNIFF_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "quic_crypto.h"

/* Bounds (documented in pp-sniff(1)). */
#define QUIC_CRYPTO_MAX (32 * 1024) /* CRYPTO bytes reassembled per connection */
#define QUIC_MAX_RANGES 32          /* disjoint CRYPTO ranges held per connection */
#define QUIC_MAX_CONNS 4            /* connections (original DCIDs) per flow */
#define QUIC_MAX_ATTEMPTS 32        /* decryption attempts per flow */
#define QUIC_MAX_LIVE_CONNS 65536   /* connections tracked at once, all flows */

/* A variable-length integer (RFC 9000 16). */
bool quic_varint(struct cur *c, uint64_t *v);

/* "v1", "v2", "draft-29", or "0xXXXXXXXX" (buf holds 12). */
const char *quic_version_name(uint32_t v, char *buf);

/* Packet number recovery (RFC 9000 A.3). */
uint64_t quic_decode_pn(int64_t largest, uint64_t truncated, unsigned bits);

/* Remove header protection from the long-header packet pkt[0..pkt_len)
 * whose packet number field starts at pn_off, and decrypt it. out (pkt_len
 * bytes) receives the unprotected header (*hdr_len bytes, packet number
 * included) followed by the plaintext (*plain_len bytes). 0, or -1 when the
 * packet is too short or does not authenticate. */
int quic_open_packet(struct quic_keys *k, const uint8_t *pkt, size_t pkt_len, size_t pn_off,
                     int64_t largest_pn, uint8_t *out, size_t *hdr_len, size_t *plain_len,
                     uint64_t *pn);

/* quic_google.c: Google QUIC's CHLO. "Qddd" as ddd, else 0. */
unsigned gquic_version_num(uint32_t v);
/* Length of the complete CHLO at p, or 0 (not a CHLO, or not all there). */
size_t gquic_chlo_len(const uint8_t *p, size_t n);
/* Its "quic" record (SNI, UAID); false if the tag table lies. */
struct sniff_ctx;
bool gquic_chlo_write(struct sniff_ctx *c, uint32_t version, const uint8_t *p, size_t n);
/* A clear-text client packet of Q024-Q046 carrying a CHLO: record
 * written, true. */
bool gquic_clear_packet(struct sniff_ctx *c, const uint8_t *p, size_t n);

/* Statistics since start, for tests and the benchmark. */
struct quic_stats {
	unsigned long long decrypted, failed, hellos, dropped_conns;
};
extern struct quic_stats quic_stats;

#endif
