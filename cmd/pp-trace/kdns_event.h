/* pp-trace's DNS from the kernel: the records of bpf/dns.h (a
 * header and a prefix of one DNS message) turned into dns records. Pure
 * functions on bytes: the unit test and the fuzz target feed them
 * directly. */
#ifndef PP_KDNS_EVENT_H
#define PP_KDNS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ebpf_event.h"
#include "trace.h"

struct kdns_msg {
	struct sock_event e;  /* time, client -> server tuple, process (pid -1: unknown) */
	const uint8_t *msg;   /* the message bytes the kernel kept, in the record */
	size_t len;
	bool cut;             /* the kernel kept only part of the message */
	bool tcp;
};

/* Check and decode one ring-buffer record of n bytes. 0, or -1 with *why
 * set when the bytes are not a record we understand. */
int kdns_decode(const void *data, size_t n, const struct ebpf_clock *clk, struct kdns_msg *m,
                const char **why);

/* Write its dns record (pp-records(5)) through the sock record writer:
 * filters, process fields, -c. 1 written, 0 filtered out or not a DNS
 * message at all, -1 the run must end (trace_record_emit). */
int kdns_emit(const struct kdns_msg *m, const struct trace_opts *o, FILE *out);

#endif
