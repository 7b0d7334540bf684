/* pp-trace's DNS from the kernel: the dns records of the messages that
 * bpf/dns.h (in the socktrace object, whose programs ebpf.c attaches)
 * puts into its own ring buffer, read in the same drain as the socket
 * records (kdns_event.c decodes them). Off with --no-dns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "kdns.h"
#include "kdns_event.h"
#include "pp.h"
#include "xalloc.h"
#include "../../bpf/dnssnoop.h"

struct kdns {
	struct bpf_map *counters; /* per CPU: struct ppd_counters */
	const struct trace_opts *o;
	const struct ebpf_clock *clk;
	unsigned long long bad;
};

static int on_dns(void *ctx, void *data, size_t size)
{
	struct kdns *k = ctx;
	struct kdns_msg m;
	const char *why;

	if (kdns_decode(data, size, k->clk, &m, &why) != 0) {
		if (k->bad++ == 0)
			pp_warn("kernel DNS record skipped: %s", why);
		return 0;
	}
	if (kdns_emit(&m, k->o, stdout) < 0) {
		trace_stop = 1; /* -c reached, the reader gone, a write error */
		return -1;
	}
	return 0;
}

struct kdns *kdns_start(const struct trace_opts *o, struct ring_buffer *rb, struct bpf_map *events,
                        struct bpf_map *counters, bool owners, const struct ebpf_clock *clk)
{
	struct kdns *k = xcalloc(1, sizeof(*k));

	k->o = o;
	k->clk = clk;
	k->counters = counters;
	if (!owners)
		pp_warn("DNS messages come without their process: cgroup/connect hooks missing");
	if (ring_buffer__add(rb, bpf_map__fd(events), on_dns, k) < 0) {
		pp_warn("DNS from the kernel off: ring buffer: %s", strerror(errno));
		free(k);
		return NULL;
	}
	if (o->verbose)
		pp_warn("DNS from the kernel: cgroup_skb/egress, cgroup_skb/ingress%s",
		        owners ? ", cgroup/connect4, connect6" : "");
	return k;
}

void kdns_stop(struct kdns *k)
{
	struct ppd_counters *vals, sum = {0};
	uint32_t zero = 0;
	int ncpu;

	if (!k)
		return;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0) {
		vals = xcalloc((size_t)ncpu, sizeof(*vals));
		if (bpf_map__lookup_elem(k->counters, &zero, sizeof(zero), vals,
		                         sizeof(*vals) * (size_t)ncpu, 0) == 0) {
			for (int i = 0; i < ncpu; i++) {
				sum.records += vals[i].records;
				sum.drops += vals[i].drops;
				sum.tcp_skipped += vals[i].tcp_skipped;
			}
			if (sum.drops)
				pp_warn("%llu DNS message%s dropped: ring buffer full",
				        (unsigned long long)sum.drops, PP_S(sum.drops));
			if (k->o->verbose || k->o->stats)
				pp_warn("%llu DNS message%s from the kernel, %llu dropped, %llu TCP segment%s "
				        "skipped (no message start known)",
				        (unsigned long long)sum.records, PP_S(sum.records),
				        (unsigned long long)sum.drops, (unsigned long long)sum.tcp_skipped,
				        PP_S(sum.tcp_skipped));
		}
		free(vals);
	}
	if (k->bad)
		pp_warn("%llu kernel DNS record%s skipped", k->bad, PP_S(k->bad));
	free(k);
}
