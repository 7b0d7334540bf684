/* pp-trace's DNS from the kernel: load bpf/dnssnoop.bpf.c, attach its
 * programs to the cgroup v2 root (as the socket hooks are), and write a dns
 * record per message it reports (kdns_event.c). Off with --no-dns. Nothing
 * is pinned: the programs go with the process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "kdns.h"
#include "kdns_event.h"
#include "pp.h"
#include "dnssnoop.skel.h"
#include "../../bpf/dnssnoop.h"

struct kdns {
	struct dnssnoop_bpf *skel;
	const struct trace_opts *o;
	const struct ebpf_clock *clk;
	unsigned long long bad;
	bool owners;   /* the connect/sendmsg hooks are on: messages have pids */
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

struct hook {
	struct bpf_program *prog;
	struct bpf_link **link;
	bool needed;  /* without it, no DNS at all */
};

struct kdns *kdns_start(const struct trace_opts *o, struct ring_buffer *rb, int cg_fd, int tree_fd,
                        const struct ebpf_clock *clk)
{
	struct kdns *k;
	int err;

	if (o->no_dns)
		return NULL;
	if (cg_fd < 0) {
		pp_warn("DNS from the kernel off: no cgroup v2 mount");
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->o = o;
	k->clk = clk;
	k->skel = dnssnoop_bpf__open();
	if (!k->skel) {
		pp_warn("DNS from the kernel off: cannot open its BPF object: %s", strerror(errno));
		goto fail;
	}
	/* A process tree: its table is socktrace's, filled by that object's
	 * fork hook; otherwise this object's own, of one unused entry. */
	k->skel->rodata->scope_tree = tree_fd >= 0;
	if (tree_fd >= 0)
		err = bpf_map__reuse_fd(k->skel->maps.scope_pids, tree_fd);
	else
		err = bpf_map__set_max_entries(k->skel->maps.scope_pids, 1);
	if (err) {
		pp_warn("DNS from the kernel off: its process table: %s", strerror(-err));
		goto fail;
	}
	err = dnssnoop_bpf__load(k->skel);
	if (err) {
		pp_warn("DNS from the kernel off: the kernel refused its programs (%s)%s", strerror(-err),
		        o->verbose ? "" : "; -v shows libbpf's messages");
		goto fail;
	}

	struct dnssnoop_bpf *s = k->skel;
	struct hook hooks[] = {
		{s->progs.dns_egress, &s->links.dns_egress, true},
		{s->progs.dns_ingress, &s->links.dns_ingress, true},
		{s->progs.dns_connect4, &s->links.dns_connect4, false},
		{s->progs.dns_connect6, &s->links.dns_connect6, false},
		{s->progs.dns_sendmsg4, &s->links.dns_sendmsg4, false},
		{s->progs.dns_sendmsg6, &s->links.dns_sendmsg6, false},
	};
	k->owners = true;
	for (size_t i = 0; i < PP_ARRAY_LEN(hooks); i++) {
		struct bpf_link *l = bpf_program__attach_cgroup(hooks[i].prog, cg_fd);
		if (!l) {
			if (hooks[i].needed) {
				pp_warn("DNS from the kernel off: %s does not attach (%s)",
				        bpf_program__section_name(hooks[i].prog), strerror(errno));
				goto fail;
			}
			if (k->owners)
				pp_warn("DNS messages come without their process: %s does not attach (%s)",
				        bpf_program__section_name(hooks[i].prog), strerror(errno));
			k->owners = false;
			continue;
		}
		*hooks[i].link = l;
	}
	if (ring_buffer__add(rb, bpf_map__fd(s->maps.dns_events), on_dns, k) < 0) {
		pp_warn("DNS from the kernel off: ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (o->verbose)
		pp_warn("DNS from the kernel: cgroup_skb/egress, cgroup_skb/ingress%s",
		        k->owners ? ", cgroup/connect4, connect6, sendmsg4, sendmsg6" : "");
	return k;
fail:
	dnssnoop_bpf__destroy(k->skel); /* detaches what did attach */
	free(k);
	return NULL;
}

void kdns_stop(struct kdns *k)
{
	struct ppd_counters *vals, sum = {0};
	uint32_t zero = 0;
	int ncpu;

	if (!k)
		return;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0 && (vals = calloc((size_t)ncpu, sizeof(*vals)))) {
		if (bpf_map__lookup_elem(k->skel->maps.dns_counters, &zero, sizeof(zero), vals,
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
	dnssnoop_bpf__destroy(k->skel);
	free(k);
}
