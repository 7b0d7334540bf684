/* DNS over UDP (the whole input as one datagram) and over TCP (the input as
 * one direction's stream, handed over in growing prefixes). */
#include "fuzz_ctx.h"
#include "fuzz_prefix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sniff_ctx *c;
	void *st = NULL;
	size_t step;

	if (size == 0)
		return 0;
	c = fuzz_ctx(IPPROTO_UDP);
	dns_udp(c, data + 1, size - 1);
	(void)dns_looks_like(data + 1, size - 1); /* DNS by content, any port */
	(void)dns_tcp_looks_like(data + 1, size - 1, data[0] & 2);
	c->cut = true; /* a first fragment, a snaplen cut */
	dns_udp(c, data + 1, size - 1);
	c->cut = false;
	c = fuzz_ctx(IPPROTO_TCP);
	c->from_orig = data[0] & 1;
	step = 1 + data[0] / 2;
	for (size_t k = 1; k < size; k = fuzz_next_prefix(k, step))
		if (dns_tcp_stream(c, &st, data + 1, k, false) != DIS_MORE)
			goto out;
	dns_tcp_stream(c, &st, data + 1, size - 1, true);
out:
	dns_free(st);
	return 0;
}
