// SPDX-License-Identifier: GPL-2.0
/* For scripts/bench-ebpf.sh: programs that return at once, on the hooks
 * pp-trace attaches, so that the bench can tell what the kernel's hook
 * machinery costs (the socket lock around the cgroup sendmsg/recvmsg hooks,
 * the program arrays, the tracepoints' own work) from what pp-trace's
 * programs add. The sendmsg4/recvmsg4 pair is attached alone by bpftool
 * (mode "hooks" of the UDP ping-pong); the whole set, TCP's and DNS's
 * hooks too, by scripts/bench-emptyhooks.c (mode "empty" of the churn). */
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

#define EMPTY(sec, name, ctxtype, ret) \
	SEC(sec) int name(ctxtype *ctx) { return ret; }

EMPTY("sockops", empty_sockops, struct bpf_sock_ops, 1)
EMPTY("raw_tracepoint/inet_sock_set_state", empty_set_state, struct bpf_raw_tracepoint_args, 0)
EMPTY("tracepoint/syscalls/sys_exit_accept4", empty_accept4, void, 0)
EMPTY("tracepoint/syscalls/sys_exit_accept", empty_accept, void, 0)
EMPTY("raw_tracepoint/sock_send_length", empty_send_length, struct bpf_raw_tracepoint_args, 0)
EMPTY("raw_tracepoint/sock_recv_length", empty_recv_length, struct bpf_raw_tracepoint_args, 0)
EMPTY("cgroup/sock_release", empty_release, struct bpf_sock, 1)
EMPTY("cgroup/post_bind4", empty_bind4, struct bpf_sock, 1)
EMPTY("cgroup/connect4", empty_connect4, struct bpf_sock_addr, 1)
EMPTY("cgroup_skb/egress", empty_egress, struct __sk_buff, 1)
EMPTY("cgroup_skb/ingress", empty_ingress, struct __sk_buff, 1)
