/* pp-trace eBPF mode: what the loader needs to know about the host before
 * it tries: capabilities, the cgroup v2 mount, tracefs, and the few answers
 * user space adds to kernel records (local address of a wildcard-bound UDP
 * socket, the ephemeral port range). */
#ifndef PP_EBPF_ENV_H
#define PP_EBPF_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tuple.h"

/* Capabilities the mode needs, as a bit set of these. */
enum { EC_BPF = 1, EC_PERFMON = 2, EC_NET_ADMIN = 4 };

/* Which of CAP_BPF, CAP_PERFMON (both covered by CAP_SYS_ADMIN) and
 * CAP_NET_ADMIN the process lacks in its effective set. */
unsigned ebpf_missing_caps(void);
/* "CAP_BPF and CAP_PERFMON" etc. into buf. Returns buf. */
char *ebpf_caps_name(unsigned missing, char *buf, size_t len);

/* The first cgroup2 mount point in a /proc/mounts-format stream (octal
 * escapes such as \040 decoded) into buf. 0, or -1 when there is none. */
int ebpf_cgroup2_root(FILE *mounts, char *buf, size_t len);

/* Make classic tracepoints usable: 0 when tracefs is (or now is, after we
 * mounted it at /sys/kernel/tracing) available; -1 with errno otherwise.
 * *mounted tells whether this call mounted it. */
int ebpf_tracefs_ready(bool *mounted);

/* The address this host would send from to reach peer:port (a routing
 * lookup through connect(2) on a UDP socket; no packet is sent). 0 or -1. */
int ebpf_local_addr(const struct pp_addr *peer, uint16_t port, struct pp_addr *local);

/* net.ipv4.ip_local_port_range (default 32768..60999 when unreadable). */
void ebpf_port_range(uint16_t *lo, uint16_t *hi);

#endif
