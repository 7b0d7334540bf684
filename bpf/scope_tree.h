/* The process-tree scope of bpf/scope.h (scope_tree, scope_pids): the
 * table and its check, which dns.h applies to a DNS socket's owner (the
 * packet programs run in softirq, where only the owner tells). */
#ifndef PP_BPF_SCOPE_TREE_H
#define PP_BPF_SCOPE_TREE_H

const volatile bool scope_tree = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* 1 when the scope is off (user space) */
	__type(key, __u32);   /* tgid */
	__type(value, __u64); /* start_boottime of the group leader; 0: any */
} scope_pids SEC(".maps");

/* Is this process (tgid and its leader's start_boottime) in the tree
 * scope? (true when that scope is off) */
static __always_inline bool scope_pid_ok(__u32 pid, __u64 pstart_ns)
{
	__u64 *v;

	if (!scope_tree)
		return true;
	v = bpf_map_lookup_elem(&scope_pids, &pid);
	return v && (*v == 0 || *v == pstart_ns);
}

#endif
