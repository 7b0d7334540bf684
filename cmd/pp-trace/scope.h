/* pp-trace's scope: which processes' sockets a run reports, for
 * `pp-trace -- COMMAND` and `pp-trace -p PID --children`.
 *
 *   SCOPE_CGROUP: a cgroup v2 of our own, made for COMMAND below
 *     pp-trace's own cgroup (scope.c) and removed at the end (cmd_run.c).
 *     eBPF: the kernel keeps only sockets of that cgroup (bpf/scope.h);
 *     polling: the owner's /proc/PID/cgroup is that cgroup or below it.
 *   SCOPE_TREE: a process and its descendants, where no cgroup can be made
 *     (-p: moving a running process would change the system; COMMAND when
 *     pp-trace may not create cgroups). eBPF: a pid set the kernel follows
 *     through fork (bpf/scope.h), seeded from /proc; polling: the owner's
 *     parent chain in /proc reaches the root, or a process already known to
 *     be in the tree (scope_poll_tick() notes the tree's members every
 *     interval, so that one whose parent exited stays in). */
#ifndef PP_TRACE_SCOPE_H
#define PP_TRACE_SCOPE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "htab.h"

struct proc_info;
struct sock_event;

enum scope_kind { SCOPE_NONE, SCOPE_CGROUP, SCOPE_TREE };

struct trace_scope {
	enum scope_kind kind;
	/* SCOPE_CGROUP */
	char cg_path[4096];      /* as /proc/PID/cgroup names it: "/pp-trace.123" */
	char cg_dir[4096];       /* the directory: mount point + cg_path */
	char cg_parent[4096];    /* the directory it was made in */
	int cg_fd;               /* cg_dir, O_DIRECTORY; -1 none */
	uint64_t cg_id;          /* the kernel's cgroup id (kernfs node id) */
	unsigned cg_level;       /* depth below the cgroup v2 root */
	/* SCOPE_TREE */
	pid_t root;              /* -p PID, or COMMAND */
	uint64_t root_start;     /* its start time (clock ticks), 0 unknown */
	pid_t reaper;            /* COMMAND's keeper (subreaper of its orphans), 0 none */
	uint64_t reaper_start;
	struct htab members;     /* polling: (pid, start) known to be in the tree */
	double last_tick;
};

/* Make a cgroup v2 for COMMAND below pp-trace's own (found from
 * /proc/mounts and /proc/self/cgroup): pp-trace.PID. 0, or -1 with why[]
 * (mkdir refused, no cgroup v2 ...). */
int scope_cgroup_create(struct trace_scope *s, char *why, size_t whylen);
/* Move what is still in it to the cgroup it was made in and remove it
 * (retried while processes fork in it); warns when it must stay. */
void scope_cgroup_remove(struct trace_scope *s);

/* SCOPE_TREE rooted at pid: 0, or -1 when there is no such process. */
int scope_tree_init(struct trace_scope *s, pid_t root, pid_t reaper);
/* Every process now in the tree (its root first), from one /proc scan:
 * calls add(pid) for each; returns how many. */
int scope_tree_each(struct trace_scope *s, void (*add)(pid_t pid, void *arg), void *arg);
/* Polling: note the tree's members (at most every interval seconds). */
void scope_poll_tick(struct trace_scope *s, double interval);

/* Is a polled event's owner in the scope? (pi: its /proc details, NULL
 * unknown: then it is not.) eBPF events were chosen in the kernel: true. */
bool scope_event_ok(struct trace_scope *s, const struct sock_event *e, const struct proc_info *pi);

void scope_free(struct trace_scope *s);

#endif
