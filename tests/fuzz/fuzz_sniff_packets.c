/* libFuzzer target for pp-sniff's core: link layers, IPv4/IPv6 and their
 * extension headers, fragment reassembly, the flow table and timeouts,
 * TCP stream reassembly and the dispatch to dissectors.
 *
 * Input: one byte choosing the link type, then packets, each as a 2-byte
 * big-endian length, a 1-byte time step (in 1/16 s, so timeouts fire too)
 * and that many bytes. The dissectors here are stand-ins, one for every
 * row of the table, that read every byte they are given (so ASan sees any
 * buffer handed out too long) and claim a protocol by its first byte, so
 * detection, the retry of a wrong guess, STARTTLS offsets and the last
 * capped call all run. */
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
		*state = malloc(16); /* freed by the matching free */
	if (n && b[0] % 7 == 0)
		return DIS_NOTMINE;
	if (n > 3 && b[n - 1] % 5 == 0) {
		*c->app = sniff_dissectors[kind]->name;
		sniff_rec_begin(c, sniff_dissectors[kind]->name);
		jw_uint(c->w, "n", n);
		sniff_rec_end(c);
		return DIS_DONE;
	}
	return capped ? DIS_DONE : DIS_MORE;
}
static void standin_free(void *s) { free(s); }
/* Dissector i claims a direction whose first byte is in its own slice of
 * the byte values, and asks for more bytes on a first byte of 0xff. */
static int standin_probe(int kind, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sink += b[i];
	if (n == 0 || (b[0] == 0xff && n < 4))
		return PROBE_MORE;
	return b[0] / (256 / (APP_COUNT + 1)) == kind + 1 ? PROBE_YES : PROBE_NO;
}
/* Each row gets stand-ins of its own (kind = its row), for TCP and UDP. */
#define STANDIN(ID, nm)                                                                        \
	static int nm##_sprobe(const struct pp_tuple *t, bool o, const uint8_t *b, size_t n, bool cp) \
	{                                                                                         \
		return standin_probe(APP_##ID - 1, b, n);                                          \
	}                                                                                         \
	static int nm##_sstream(struct sniff_ctx *c, void **s, const uint8_t *b, size_t n, bool cp) \
	{                                                                                         \
		return touch(c, s, b, n, cp, APP_##ID - 1);                                        \
	}                                                                                         \
	static int nm##_sdgram(struct sniff_ctx *c, void **s, const uint8_t *b, size_t n)         \
	{                                                                                         \
		return touch(c, s, b, n, false, APP_##ID - 1);                                     \
	}                                                                                         \
	const struct dissector dis_##nm = {                                                       \
		.name = #nm, .stream = nm##_sstream, .datagram = nm##_sdgram, .free = standin_free, \
		.flags = DIS_F_ALT, .probe = APP_##ID == APP_QUIC ? NULL : nm##_sprobe,            \
	};
SNIFF_DISSECTORS(STANDIN)

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
