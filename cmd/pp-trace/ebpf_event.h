/* pp-trace eBPF mode: the kernel's ring-buffer records (bpf/socktrace.h)
 * turned into struct sock_event. Pure functions: the unit test and the fuzz
 * target feed them bytes directly. */
#ifndef PP_EBPF_EVENT_H
#define PP_EBPF_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/* What the conversion needs to know about the host. */
struct ebpf_clock {
	int64_t mono_to_epoch_us;  /* epoch_us = mono_ns / 1000 + this */
	uint16_t eph_lo, eph_hi;   /* ip_local_port_range, for sockets older than us */
	long clk_tck;              /* sysconf(_SC_CLK_TCK): process start times in ticks */
};

/* Decode one ring-buffer record of n bytes into *e. The record comes from
 * the kernel, but its size and every enum in it are still checked. Returns 0,
 * or -1 with *why set when the bytes are not a record we understand.
 * *needs_local: a UDP record whose local address is a wildcard (the socket
 * is bound to 0.0.0.0 or ::), which the caller may resolve. */
int ebpf_event_decode(const void *data, size_t n, const struct ebpf_clock *clk,
		      struct sock_event *e, bool *needs_local, const char **why);

/* ss(8)'s name of a kernel TCP state number, or NULL. */
const char *ebpf_tcp_state_name(unsigned state);

/* Sum of the per-CPU counter slots that bpf_map_lookup_elem returned. */
struct ebpf_counts {
	uint64_t events, drops, sock_full, udp_unread;
};
void ebpf_counts_sum(const void *percpu, int ncpu, struct ebpf_counts *sum);

#endif
