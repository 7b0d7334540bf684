/* The scope (scope.h) in eBPF mode: the read-only values of bpf/scope.h,
 * the fork/exit hooks of a process tree and its seeding from /proc. ebpf.c
 * calls these at its steps: before load, for the cgroup hooks' cgroup,
 * after attach, and at exit. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pp.h"
#include "scope.h"
#include "scope_bpf.h"
#include "trace.h"
#include "socktrace.skel.h"

static const struct trace_scope *scope_of(const struct trace_opts *o)
{
	return o->scope && o->scope->kind != SCOPE_NONE ? o->scope : NULL;
}

void scope_bpf_prepare(struct socktrace_bpf *skel, const struct trace_opts *o)
{
	const struct trace_scope *s = scope_of(o);
	bool tree = s && s->kind == SCOPE_TREE;

	if (s && s->kind == SCOPE_CGROUP) {
		skel->rodata->scope_cgid = s->cg_id;
		skel->rodata->scope_cglevel = s->cg_level;
	}
	skel->rodata->scope_tree = tree;
	if (!tree) /* a preallocated hash: no room for a scope that is off */
		bpf_map__set_max_entries(skel->maps.scope_pids, 1);
	bpf_program__set_autoload(skel->progs.rtp_scope_fork, tree);
	bpf_program__set_autoload(skel->progs.rtp_scope_exit, tree);
}

int scope_bpf_cgroup_fd(const struct trace_opts *o, int root_fd)
{
	const struct trace_scope *s = scope_of(o);
	int fd;

	/* The cgroup hooks run only for the scope's sockets when attached
	 * to its cgroup (their programs check again: bpf/scope.h). */
	if (!s || s->kind != SCOPE_CGROUP || s->cg_fd < 0 || (fd = dup(s->cg_fd)) < 0)
		return root_fd;
	if (root_fd >= 0)
		close(root_fd);
	return fd;
}

static void seed(pid_t pid, void *arg)
{
	struct socktrace_bpf *skel = arg;
	uint32_t k = (uint32_t)pid;
	uint64_t any = 0; /* alive now; the exit hook fixes its start time */

	/* BPF_NOEXIST: a fork the hook saw first already has its exact time. */
	bpf_map__update_elem(skel->maps.scope_pids, &k, sizeof(k), &any, sizeof(any), BPF_NOEXIST);
}

int scope_bpf_start(struct socktrace_bpf *skel, const struct trace_opts *o, char *why, size_t whylen)
{
	struct trace_scope *s = o->scope;

	if (!scope_of(o) || s->kind != SCOPE_TREE)
		return 0;
	/* Hooks first, then the seed: a process forked in between is either
	 * seen by the hook (its parent seeded already) or found by the scan. */
	skel->links.rtp_scope_fork = bpf_program__attach(skel->progs.rtp_scope_fork);
	skel->links.rtp_scope_exit = bpf_program__attach(skel->progs.rtp_scope_exit);
	if (!skel->links.rtp_scope_fork || !skel->links.rtp_scope_exit) {
		snprintf(why, whylen, "raw_tracepoint/sched_process_fork or _exit: %s (needed by --children)",
		         strerror(errno));
		return -1;
	}
	int n = scope_tree_each(s, seed, skel);
	if (o->verbose)
		pp_warn("following the process tree of %ld: %d process%s now", (long)s->root, n,
		        n == 1 ? "" : "es");
	return 0;
}

void scope_bpf_report(const struct socktrace_bpf *skel)
{
	if (skel->bss->scope_full)
		pp_warn("%llu fork%s not followed: the table of traced processes is full",
		        (unsigned long long)skel->bss->scope_full, PP_S(skel->bss->scope_full));
}
