/* pp-trace: what both modes (eBPF and polling) share. Each mode produces
 * struct sock_event values; sock_event_emit() enriches them with process
 * details (proc.h) and writes the sock record (pp-records(5)), so the two
 * modes cannot drift apart in their output. */
#ifndef PP_TRACE_H
#define PP_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tuple.h"

enum sock_ev { SEV_CONNECT, SEV_ACCEPT, SEV_LISTEN, SEV_UDP, SEV_CLOSE };

struct sock_event {
	enum sock_ev ev;
	uint64_t ts_us;          /* epoch microseconds */
	struct pp_tuple t;       /* originator -> responder; listen: src only */
	bool out;                /* dir: we originated (connect, outbound udp) */
	const char *state;       /* ss-style TCP state name, or NULL */
	int64_t pid;             /* -1 when unknown (not visible to us) */
	uint32_t uid;
	bool has_uid;
	char comm[16];           /* the kernel's comm where the mode knows it */
	uint64_t tx_bytes, rx_bytes;
	bool has_bytes;
	double duration;         /* close: seconds; < 0 unknown */
	uint64_t netns;          /* 0 unknown */
	uint64_t sock_cookie;    /* ebpf: socket cookie / pointer; poll: inode */
};

struct trace_opts {
	int64_t pid;             /* -p: -1 = any */
	int64_t uid;             /* -u: -1 = any */
	const char *comm;        /* --comm */
	const char *cgroup;      /* --cgroup prefix */
	bool v4, v6, tcp, udp;   /* -4/-6/--tcp/--udp: all true when none given */
	bool once;               /* --once */
	double interval, duration;
	long long count;         /* -c: stop after this many records, 0 = no limit */
	bool verbose, stats, no_fallback;
};

#endif
