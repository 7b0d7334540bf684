// SPDX-License-Identifier: GPL-2.0
/* For scripts/bench-ebpf.sh: cgroup sendmsg4/recvmsg4 programs that return
 * at once, so that the bench can tell what the kernel's hook machinery
 * costs per datagram (the socket lock it takes, the program array) from
 * what pp-trace's programs add. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("cgroup/sendmsg4")
int empty_send4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/recvmsg4")
int empty_recv4(struct bpf_sock_addr *ctx)
{
	return 1;
}
