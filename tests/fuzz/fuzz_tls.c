/* The TLS stream dissector and the hello parsers. Input: a control byte
 * (bit 0: a split of the input into the two directions follows as a 2-byte
 * offset; the rest: the growth step), then the bytes. Each direction is fed
 * as growing prefixes, then capped, as pp-sniff's core feeds it. */
#include <stdio.h>
#include <stdlib.h>

#include "../../cmd/pp-sniff/dissect.h"
#include "../../cmd/pp-sniff/ja4.h"
#include "../../cmd/pp-sniff/tls.h"
#include "fuzz_prefix.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sniff_ctx *c = ctx();
	static struct tls_hello h;
	struct tls_server_hello sh;
	char ja4[JA4_LEN];
	void *st = NULL;
	size_t step, split;

	if (size < 3)
		return 0;
	step = 1 + (data[0] >> 1);
	split = data[0] & 1 ? ((size_t)data[1] << 8 | data[2]) : size;
	data += 3, size -= 3;
	if (split > size)
		split = size;
	/* The parsers on their own, on the raw bytes. */
	if (tls_parse_client_hello(data, size, &h) == 0)
		ja4_compute(&h, 't', ja4);
	tls_parse_server_hello(data, size, &sh);
	(void)tls_looks_like(data, size);
	/* Originator's bytes, then the responder's, interleaved by step. */
	const uint8_t *dir[2] = {data, data + split};
	size_t len[2] = {split, size - split}, fed[2] = {0, 0};
	int res[2] = {DIS_MORE, DIS_MORE};
	while ((res[0] == DIS_MORE && fed[0] < len[0]) || (res[1] == DIS_MORE && fed[1] < len[1])) {
		for (int d = 0; d < 2; d++) {
			if (res[d] != DIS_MORE || fed[d] >= len[d])
				continue;
			size_t next = fuzz_next_prefix(fed[d], step);
			fed[d] = next < len[d] ? next : len[d];
			c->from_orig = d == 0;
			res[d] = tls_stream(c, &st, dir[d], fed[d], false);
			if (res[d] == DIS_NOTMINE)
				goto out;
		}
	}
	for (int d = 0; d < 2; d++)
		if (res[d] == DIS_MORE) {
			c->from_orig = d == 0;
			tls_stream(c, &st, dir[d], len[d], true);
		}
out:
	tls_free(st);
	return 0;
}
