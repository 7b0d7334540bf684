/* The process behind an event, as every pp-trace BPF program names it
 * (socktrace.bpf.c with dns.h): tgid, parent, uid, the group leader's
 * comm (the name ps shows, not a thread's) and start time (which tells a
 * pid used again from the process that had it). Also how these programs
 * read kernel memory (KR, KCAST). Included after vmlinux.h and
 * <bpf/bpf_core_read.h>. */
#ifndef PP_BPF_PROC_H
#define PP_BPF_PROC_H

/* Kernel memory. Since Linux 6.2 a kernel address can be cast to its BTF
 * type (the bpf_rdonly_cast kfunc) and its fields read with plain loads,
 * which the verifier guards, instead of a bpf_probe_read_kernel call per
 * field: most of what a record costs. KR(expr) reads a field through such
 * a pointer, KCAST(type, address) makes one. Defined before the include,
 * PP_PROBE_READ makes KR a probe read and KCAST a plain cast, for older
 * kernels (socktrace_probe.bpf.c). */
#ifdef PP_PROBE_READ
/* no __builtin_preserve_access_index (it cannot nest): vmlinux.h marks every
 * type with preserve_access_index, so the field offsets are relocated anyway */
#define KR(x) ({ typeof(x) __kr; bpf_probe_read_kernel((void *)&__kr, sizeof(__kr), (const void *)&(x)); __kr; })
#define KCAST(type, v) ((const type *)(v))
#else
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define KR(x) (x)
#define KCAST(type, v) ((const type *)bpf_rdonly_cast((const void *)(v), bpf_core_type_id_kernel(type)))
#endif

#define PP_PROC_COMM_LEN 16

struct pp_proc {
	__u64 pstart_ns;  /* the group leader's start_boottime */
	__u32 pid, ppid, uid;
	__u32 pad;
	char comm[PP_PROC_COMM_LEN];
};

/* What the two below share: parent, start time and comm of task's
 * process. false: the comm could not be read (probe reads only). */
static __always_inline bool proc_fields(const struct task_struct *task, struct pp_proc *p)
{
	const struct task_struct *leader = KR(task->group_leader);

	p->ppid = KR(KR(task->real_parent)->tgid);
	p->pstart_ns = KR(leader->start_boottime);
#ifdef PP_PROBE_READ
	return bpf_core_read_str(p->comm, sizeof(p->comm), &leader->comm) >= 0;
#else
	/* Two plain loads, not a string copy by helper (a probe read per
	 * byte): the kernel keeps comm NUL-terminated within its 16 bytes,
	 * and user space cuts at the first NUL. */
	{
		const __u64 *c = (const __u64 *)&leader->comm; /* a BTF pointer still */
		__u64 w[2] = { c[0], c[1] };
		__builtin_memcpy(p->comm, w, sizeof(w));
	}
	return true;
#endif
}

/* The current process (process context only: in softirq `current` is
 * whoever the packet interrupted). */
static __always_inline void current_proc(struct pp_proc *p)
{
	const struct task_struct *task = KCAST(struct task_struct, bpf_get_current_task());

	p->pid = bpf_get_current_pid_tgid() >> 32;
	p->uid = (__u32)bpf_get_current_uid_gid();
	if (!proc_fields(task, p))
		bpf_get_current_comm(p->comm, sizeof(p->comm));
}

/* The process of any task (a BPF iterator's), with the task's real uid,
 * as bpf_get_current_uid_gid gives it. */
static __always_inline void task_proc(const struct task_struct *task, struct pp_proc *p)
{
	p->pid = KR(task->tgid);
	p->uid = KR(KR(task->cred)->uid.val);
	if (!proc_fields(task, p))
		p->comm[0] = '\0';
}

#endif
