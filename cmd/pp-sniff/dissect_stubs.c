/* Weak stand-ins for the application dissectors (dns.c, http.c, ssh.c,
 * tls.c, quic.c), so that pp-sniff links and tracks flows on its own. The
 * real definitions, where present, override these at link time. */
#include "dissect.h"

#define WEAK __attribute__((weak))

WEAK int dns_tcp_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return DIS_NOTMINE;
}
WEAK int tls_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return DIS_NOTMINE;
}
WEAK int http_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return DIS_NOTMINE;
}
WEAK int ssh_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return DIS_NOTMINE;
}
WEAK void dns_free(void *state) {}
WEAK void tls_free(void *state) {}
WEAK void http_free(void *state) {}
WEAK void ssh_free(void *state) {}
WEAK bool tls_looks_like(const uint8_t *buf, size_t len) { return false; }
WEAK bool http_looks_like(const uint8_t *buf, size_t len) { return false; }
WEAK bool ssh_looks_like(const uint8_t *buf, size_t len) { return false; }
WEAK int dns_udp(struct sniff_ctx *c, const uint8_t *p, size_t n) { return DIS_NOTMINE; }
WEAK int quic_udp(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	return DIS_NOTMINE;
}
WEAK void quic_free(void *state) {}
WEAK bool dns_looks_like(const uint8_t *p, size_t n) { return false; }
WEAK int dns_tcp_looks_like(const uint8_t *buf, size_t len, bool dns_port) { return -1; }
WEAK int dns_http2(struct sniff_ctx *c, const uint8_t *p, size_t n) { return DIS_NOTMINE; }
