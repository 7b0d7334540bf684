/* HTTP/1.x: the input (after a control byte) as both directions of one
 * flow, split at an offset the control byte picks, each handed over in
 * growing prefixes, then capped. */
#include "fuzz_ctx.h"
#include "fuzz_prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sniff_ctx *c = fuzz_ctx(IPPROTO_TCP);
	void *st = NULL;
	const uint8_t *d[2];
	size_t n[2], step;
	int r[2] = {DIS_MORE, DIS_MORE};

	if (size == 0)
		return 0;
	step = 1 + (data[0] & 15);
	n[0] = (size - 1) * (data[0] >> 4) / 15;
	d[0] = data + 1, d[1] = data + 1 + n[0], n[1] = size - 1 - n[0];
	(void)http_looks_like(d[0], n[0]);
	for (size_t k = 1; r[0] == DIS_MORE || r[1] == DIS_MORE; k = fuzz_next_prefix(k, step)) {
		for (int i = 0; i < 2; i++) {
			if (r[i] != DIS_MORE)
				continue;
			c->from_orig = i == 0;
			r[i] = http_stream(c, &st, d[i], k < n[i] ? k : n[i], k >= n[i]);
			if (k >= n[i] && r[i] == DIS_MORE)
				r[i] = DIS_DONE;
		}
	}
	http_free(st);
	return 0;
}
