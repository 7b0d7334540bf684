/* TLS handshake parsing shared by the TCP path (tls.c's tls_stream) and
 * QUIC (quic.c feeds the ClientHello it decrypted from CRYPTO frames).
 * Everything is bounded: lists longer than the arrays below are cut, and
 * the hello says so (truncated), so that JA4 never hashes a partial list
 * without anyone knowing. */
#ifndef PP_SNIFF_TLS_H
#define PP_SNIFF_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect.h"

#define TLS_MAX_CIPHERS 512  /* real hellos offer < 100; 0x0000..0xffff exist */
#define TLS_MAX_EXTS 128
#define TLS_MAX_SIGALGS 128
#define TLS_MAX_VERSIONS 16
#define TLS_MAX_ALPN 32
#define TLS_MAX_ALPN_LEN 255 /* a protocol id is at most 255 bytes */
#define TLS_MAX_SNI 255      /* a DNS name; longer ones are cut */

/* TLS handshake message types. */
enum { TLS_HS_CLIENT_HELLO = 1, TLS_HS_SERVER_HELLO = 2, TLS_HS_CERTIFICATE = 11 };

/* TLS_GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static inline bool tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

struct tls_alpn {
	uint8_t len;
	char s[TLS_MAX_ALPN_LEN + 1]; /* NUL-terminated copy; may hold any byte */
};

/* A parsed ClientHello. GREASE values are removed from every list (JA4 and
 * the versions key ignore them) except where noted. Parsing clears the
 * counts and flags only (TLS_HELLO_CLEAR): an array holds what its count
 * says and nothing beyond is read, so a caller can keep one hello of
 * about 10 KiB for every parse without clearing it all each time. */
struct tls_hello {
	uint16_t legacy_version;     /* client_version field of the hello */
	bool has_sni;                /* the server_name extension is present */
	bool has_supported_versions;
	bool truncated;              /* some list was longer than its array */
	size_t sni_len;
	int n_alpn;                  /* ALPN protocols in order */
	int n_versions;              /* supported_versions, GREASE removed */
	int n_ciphers;
	int n_exts;                  /* extension types in wire order */
	int n_sigalgs;               /* signature_algorithms in wire order */
	/* The arrays, valid up to their counts (sni: sni_len bytes). */
	char sni[TLS_MAX_SNI + 1];   /* its first host_name, NUL-terminated */
	struct tls_alpn alpn[TLS_MAX_ALPN];
	uint16_t versions[TLS_MAX_VERSIONS];
	uint16_t ciphers[TLS_MAX_CIPHERS];
	uint16_t exts[TLS_MAX_EXTS];
	uint16_t sigalgs[TLS_MAX_SIGALGS];
};
/* The bytes of a tls_hello that parsing clears: everything before sni. */
#define TLS_HELLO_CLEAR offsetof(struct tls_hello, sni)

/* Parse the body of a ClientHello handshake message (after the 4-byte
 * handshake header). Returns 0; 1 when a cipher-suite, extensions or
 * extension length lies and what came before it (at least one cipher
 * suite) was kept; -1 if the bytes are not a ClientHello. */
int tls_parse_client_hello(const uint8_t *body, size_t len, struct tls_hello *out);

/* A parsed ServerHello. */
struct tls_server_hello {
	uint16_t legacy_version;
	uint16_t selected_version;   /* supported_versions ext, 0 if absent */
	uint16_t cipher;
	bool has_alpn;
	struct tls_alpn alpn;
	bool is_hrr;                 /* a HelloRetryRequest (RFC 8446 4.1.3) */
};
int tls_parse_server_hello(const uint8_t *body, size_t len, struct tls_server_hello *out);

/* "TLS 1.3", "TLS 1.2", ..., "SSL 3.0", "TLS 1.3 draft N", or "0xXXXX"
 * (written into buf). */
#define TLS_VERSION_BUF 24
const char *tls_version_name(uint16_t v, char *buf);
/* IANA name of a common cipher suite, or "0xXXXX" into buf (>= 7 bytes). */
const char *tls_cipher_name(uint16_t v, char *buf);

/* The effective version the client offers: the highest of supported_versions
 * where present, else the legacy version (what JA4 uses). */
uint16_t tls_hello_max_version(const struct tls_hello *h);

/* Write the ClientHello keys (sni, alpn, versions if asked, ja4) into an
 * open record; ja4_proto is 't' for TCP, 'q' for QUIC. */
void tls_write_hello(struct jw *w, const struct tls_hello *h, char ja4_proto, bool versions);

#endif
