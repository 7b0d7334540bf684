/* pp-trace's DNS from the kernel (bpf/dnssnoop.bpf.c): its own skeleton,
 * attached to the cgroup that the socket hooks use, its ring buffer read
 * in the same drain as theirs (ring_buffer__add), so that dns records and
 * sock records share the marks of one stream. */
#ifndef PP_KDNS_H
#define PP_KDNS_H

#include "ebpf_event.h"
#include "trace.h"

struct kdns;
struct ring_buffer;

/* Load and attach, and add the ring buffer to rb. NULL when off
 * (--no-dns) or unavailable here, which is said once on stderr: the
 * socket records go on without dns records. tree_fd: the process tree's
 * table of the socket programs (scope_bpf_tree_fd), shared so that only
 * the tree's messages are reported; -1 when the scope is not a tree (a
 * cgroup scope is cg_fd itself). clk is read at each record (ebpf.c keeps
 * it in step). */
struct kdns *kdns_start(const struct trace_opts *o, struct ring_buffer *rb, int cg_fd, int tree_fd,
                        const struct ebpf_clock *clk);
/* At exit, after the last drain: drops and skipped records on stderr,
 * then detach and free. NULL is fine. */
void kdns_stop(struct kdns *k);

#endif
