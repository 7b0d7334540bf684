/* SHA-1 and SHA-256 of a buffer, for per-flow and per-hello hashes
 * (Community ID, JA4). OpenSSL 3's one-shot SHA1()/SHA256() and
 * EVP_Digest() with an implicit algorithm look the algorithm up and allocate
 * a context on every call, which costs more than hashing 40 bytes: here the
 * algorithm is fetched once and one context is reused. Not thread-safe (the
 * commands are single-threaded). */
#ifndef PP_DIGEST_H
#define PP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_SHA1_LEN 20
#define PP_SHA256_LEN 32

/* false only if libcrypto cannot provide the algorithm (out is then unset). */
bool pp_sha1(const void *p, size_t n, uint8_t out[PP_SHA1_LEN]);
bool pp_sha256(const void *p, size_t n, uint8_t out[PP_SHA256_LEN]);

#endif
