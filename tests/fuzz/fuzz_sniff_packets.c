/* libFuzzer target for pp-sniff's core: link layers, IPv4/IPv6 and their
 * extension headers, fragment reassembly, the flow table and timeouts,
 * TCP stream reassembly and the dispatch to dissectors.
 *
 * Input: one byte choosing the link type, then packets, each as a 2-byte
 * big-endian length, a 1-byte time step (in 1/16 s, so timeouts fire too)
 * and that many bytes. The dissectors here are stand-ins that read every
 * byte they are given (so ASan sees any buffer handed out too long) and
 * claim a protocol by its first byte, so detection, the retry of a wrong
 * guess, STARTTLS offsets and the last capped call all run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-sniff/dissect.h"
#include "../../cmd/pp-sniff/sniff.h"

#ifndef FUZZ_REAL_DISSECTORS
static unsigned sink;

static int touch(struct sniff_ctx *c, void **state, const uint8_t *b, size_t n, bool capped, int kind)
{
	for (size_t i = 0; i < n; i++)
		sink += b[i];
	if (!*state)
		*state = malloc(16); /* freed by the matching _free */
	if (n && b[0] % 7 == 0)
		return DIS_NOTMINE;
	if (n > 3 && b[n - 1] % 5 == 0) {
		static const char *const names[] = {"dns", "tls", "http", "ssh"};
		*c->app = names[kind];
		sniff_rec_begin(c, names[kind]);
		jw_uint(c->w, "n", n);
		sniff_rec_end(c);
		return DIS_DONE;
	}
	return capped ? DIS_DONE : DIS_MORE;
}
int dns_tcp_stream(struct sniff_ctx *c, void **s, const uint8_t *b, size_t n, bool capped) { return touch(c, s, b, n, capped, 0); }
int tls_stream(struct sniff_ctx *c, void **s, const uint8_t *b, size_t n, bool capped) { return touch(c, s, b, n, capped, 1); }
int http_stream(struct sniff_ctx *c, void **s, const uint8_t *b, size_t n, bool capped) { return touch(c, s, b, n, capped, 2); }
int ssh_stream(struct sniff_ctx *c, void **s, const uint8_t *b, size_t n, bool capped) { return touch(c, s, b, n, capped, 3); }
void dns_free(void *s) { free(s); }
void tls_free(void *s) { free(s); }
void http_free(void *s) { free(s); }
void ssh_free(void *s) { free(s); }
void quic_free(void *s) { free(s); }
static bool first_is(const uint8_t *b, size_t n, uint8_t lo, uint8_t hi)
{
	for (size_t i = 0; i < n; i++)
		sink += b[i];
	return n > 0 && b[0] >= lo && b[0] <= hi;
}
bool tls_looks_like(const uint8_t *b, size_t n) { return first_is(b, n, 0x14, 0x17); }
bool http_looks_like(const uint8_t *b, size_t n) { return first_is(b, n, 'A', 'Z'); }
bool ssh_looks_like(const uint8_t *b, size_t n) { return first_is(b, n, 'S', 'S'); }
int dns_udp(struct sniff_ctx *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sink += p[i];
	return DIS_DONE;
}
/* DNS by content (app.c asks before the port table): odd first bytes. */
bool dns_looks_like(const uint8_t *p, size_t n) { return first_is(p, n, 0x01, 0x01); }
int dns_tcp_looks_like(const uint8_t *b, size_t n, bool dns_port)
{
	return n < 2 ? 0 : first_is(b, n, 0x00, 0x00) ? 1 : -1;
}
int quic_udp(struct sniff_ctx *c, void **s, const uint8_t *p, size_t n)
{
	return touch(c, s, p, n, false, 1);
}

#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = {1, 113, 276, 0, 108, 12, 228, 229, 9, 104, 239, 10, 105, 127, 192, 230};
	static FILE *devnull;
	struct sniff_opts o;
	struct sniff s;
	uint64_t ts = 1700000000ull * 1000000;

	if (size < 1)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	sniff_defaults(&o);
	o.max_flows = 8;        /* eviction happens */
	o.stream_cap = 4096;    /* the cap is reached */
	o.update_us = 500000;
	if (sniff_init(&s, &o, devnull) != 0)
		return 0;
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	size_t off = 1;
	while (off + 3 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		ts += (uint64_t)data[off + 2] * 62500;
		off += 3;
		if (len > size - off)
			len = size - off;
		/* a copy of exactly len bytes: reads past it are caught */
		uint8_t *pkt = malloc(len ? len : 1);
		memcpy(pkt, data + off, len);
		sniff_packet(&s, dlt, ts, pkt, len, len + (data[off - 1] & 1), NULL);
		free(pkt);
		off += len;
	}
	sniff_finish(&s);
	return 0;
}
