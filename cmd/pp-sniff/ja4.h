/* JA4 TLS client fingerprint (FoxIO's public specification,
 * technical_details/JA4.md): "t13d1516h2_8daaf6152771_e5627efa2ab1". */
#ifndef PP_SNIFF_JA4_H
#define PP_SNIFF_JA4_H

#include <stddef.h>
#include <stdint.h>

#include "tls.h"

#define JA4_LEN 37 /* 10 + 1 + 12 + 1 + 12 characters and the NUL */

/* proto: 't' (TLS over TCP), 'q' (QUIC), 'd' (DTLS). out holds JA4_LEN. */
char *ja4_compute(const struct tls_hello *h, char proto, char *out);

/* The parts, for tests: the first 10 characters, and the two hashed strings
 * ("002f,0035,..." and "0005,000a,..._0403,0804,...") into buf/len. */
void ja4_part_a(const struct tls_hello *h, char proto, char out[11]);
size_t ja4_cipher_string(const struct tls_hello *h, char *buf, size_t len);
size_t ja4_ext_string(const struct tls_hello *h, char *buf, size_t len);
/* First 12 hex digits of SHA-256 of s, or "000000000000" when s is empty. */
void ja4_hash12(const char *s, size_t n, char out[13]);

#endif
