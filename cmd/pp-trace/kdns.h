/* pp-trace's DNS from the kernel (bpf/dns.h, part of the socktrace
 * object): its ring buffer read in the same drain as the socket records'
 * (ring_buffer__add), so that dns records and sock records share the
 * marks of one stream. */
#ifndef PP_KDNS_H
#define PP_KDNS_H

#include "ebpf_event.h"
#include "trace.h"

struct kdns;
struct ring_buffer;
struct bpf_map;

/* Add the DNS ring buffer (events) to rb; ebpf.c has attached the
 * programs. owners: the hooks that see who asks are attached (else that
 * is said once on stderr: messages come without their process). counters:
 * the per-CPU struct ppd_counters, read at exit. clk is read at each
 * record (ebpf.c keeps it in step). NULL on failure, said on stderr. */
struct kdns *kdns_start(const struct trace_opts *o, struct ring_buffer *rb, struct bpf_map *events,
                        struct bpf_map *counters, bool owners, const struct ebpf_clock *clk);
/* At exit, after the last drain: drops and skipped records on stderr,
 * then free. NULL is fine. */
void kdns_stop(struct kdns *k);

#endif
