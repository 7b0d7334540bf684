/* SSH banners: the input (after a control byte: direction and step) as one
 * direction's stream in growing prefixes, then capped. */
#include "fuzz_ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sniff_ctx *c = fuzz_ctx(IPPROTO_TCP);
	void *st = NULL;
	size_t step;

	if (size == 0)
		return 0;
	c->from_orig = data[0] & 1;
	step = 1 + data[0] / 2;
	(void)ssh_looks_like(data + 1, size - 1);
	for (size_t k = 1; k < size; k += step)
		if (ssh_stream(c, &st, data + 1, k, false) != DIS_MORE)
			goto out;
	ssh_stream(c, &st, data + 1, size - 1, true);
out:
	ssh_free(st);
	return 0;
}
