/* The subject and issuer common names of a server certificate. */
#ifndef PP_SNIFF_CERTNAMES_H
#define PP_SNIFF_CERTNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cert_names {
	int subject_len, issuer_len; /* -1: no common name */
	char subject[256], issuer[256];
};

/* Parse DER (libcrypto's d2i_X509): false if it is not a certificate. */
bool cert_names(const uint8_t *der, size_t n, struct cert_names *out);

#endif
