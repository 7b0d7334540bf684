/* pp-trace's DNS from the kernel: arbitrary bytes as a dnssnoop ring-buffer
 * record (header and message prefix). Decoding never crashes; what it
 * accepts is written as a dns record (the shared DNS walk) into memory,
 * which must be one line without a raw control byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-trace/kdns_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ebpf_clock clk = { .mono_to_epoch_us = 1700000000000000LL, .clk_tck = 100 };
	struct trace_opts o = {.pid = -1, .uid = -1, .v4 = true, .v6 = true, .tcp = true, .udp = true};
	struct kdns_msg m;
	const char *why = NULL;
	char *out = NULL;
	size_t len = 0;

	if (kdns_decode(data, size, &clk, &m, &why) != 0) {
		if (!why)
			abort();
		return 0;
	}
	if (m.len > 512 || strlen(m.e.comm) > 15)
		abort();
	m.e.pid = -1; /* no /proc lookups of whatever pid the bytes name */
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return 0;
	kdns_emit(&m, &o, f);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 && !(out[i] == '\n' && i + 1 == len))
			abort();
	free(out);
	return 0;
}
