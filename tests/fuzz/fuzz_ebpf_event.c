/* pp-trace eBPF mode: arbitrary bytes as a ring-buffer record (any size),
 * and as /proc/mounts text. Decoding never crashes, and what it accepts has
 * a known event, a printable state and a bounded comm. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-trace/ebpf_env.h"
#include "../../cmd/pp-trace/ebpf_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ebpf_clock clk = { .mono_to_epoch_us = 1700000000000000LL, .eph_lo = 32768,
				  .eph_hi = 60999, .clk_tck = 100 };
	struct sock_event e;
	const char *why = NULL;
	bool nl;
	char root[64], buf[PP_ADDRSTRLEN];

	if (ebpf_event_decode(data, size, &clk, &e, &nl, &why) == 0) {
		if (e.ev > SEV_CLOSE || strlen(e.comm) > 15)
			abort();
		if (e.t.proto == 6 && !e.state)
			abort();
		pp_addr_fmt(&e.t.src, buf);
	} else if (!why) {
		abort();
	}
	if (size > 0) {
		char *copy = malloc(size);
		memcpy(copy, data, size);
		FILE *f = fmemopen(copy, size, "r");
		if (f) {
			if (ebpf_cgroup2_root(f, root, sizeof(root)) == 0 && strlen(root) >= sizeof(root))
				abort();
			fclose(f);
		}
		free(copy);
	}
	return 0;
}
