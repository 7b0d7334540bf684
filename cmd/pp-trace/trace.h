/* pp-trace: what both modes (eBPF and polling) share. Each mode produces
 * struct sock_event values; sock_event_emit() enriches them with process
 * details (proc.h) and writes the sock record (pp-records(5)), so the two
 * modes cannot drift apart in their output.
 *
 * Life of a run (main.c): options are parsed into struct trace_opts,
 * SIGINT/SIGTERM handlers set trace_stop, then ebpf_run() is tried unless
 * --no-ebpf was given; when it returns TRACE_UNAVAILABLE, main prints
 * "eBPF unavailable: <trace_unavailable_reason>" once and runs poll_run().
 * A mode runs until trace_stop is set, sock_event_emit() returns -1 (count
 * reached, reader gone, write error) or o->duration has passed, then calls
 * sock_emit_flush() and returns trace_exit_status(). */
#ifndef PP_TRACE_H
#define PP_TRACE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sandbox.h"
#include "tuple.h"

enum sock_ev { SEV_CONNECT, SEV_ACCEPT, SEV_LISTEN, SEV_UDP, SEV_CLOSE };

struct sock_event {
	enum sock_ev ev;
	uint64_t ts_us;          /* epoch microseconds */
	struct pp_tuple t;       /* originator -> responder; listen: src only.
	                          * IPv4-mapped addresses are shown as IPv4. */
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
	/* Added after the first version; zero-initialised events keep their
	 * old meaning. */
	const char *source;      /* "poll" or "ebpf"; NULL means "ebpf" */
	bool initial;            /* existed when pp-trace started ("initial":true) */
	uint32_t ppid;           /* ebpf: the parent's pid at the event, 0 unknown;
	                          * used when /proc no longer has the process */
	uint64_t start_time;     /* ebpf: the process's start in clock ticks after
	                          * boot (/proc/PID/stat field 22), 0 unknown: /proc
	                          * details of another start are a reused pid's */
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
	/* Added for the polling mode. */
	bool proc_net;           /* --proc-net: /proc/net tables, not sock_diag */
	bool no_dns;             /* --no-dns: no dns records from the kernel (kdns.c) */
	/* --no-sandbox, --sandbox-strict, -v (sandbox.h) */
	struct pp_sandbox_opts sandbox;
	/* -- COMMAND, -p PID --children: only these processes (scope.h);
	 * NULL: every process. */
	struct trace_scope *scope;
};

/* A mode is ready to see events (attached, or polling): COMMAND may start
 * now (cmd_run.c; nothing without one). polling: the mode that runs. */
void trace_ready(bool polling);

/* --cgroup PATH and the polled scope: is cg PATH itself or below it? */
bool trace_cgroup_under(const char *cg, const char *want);

/* After init (programs attached, or netlink socket open): no_new_privs and
 * every capability dropped but keep (PP_CAP bits) and what reading other
 * processes' /proc entries needs (tsandbox.c). */
void trace_sandbox(const struct trace_opts *o, uint64_t keep, bool ebpf);

/* --- the record writer (emit.c), used by both modes ---------------------- */

/* Filter (-p -u --comm --cgroup -4 -6 --tcp --udp), enrich from /proc
 * (ppid, uid, comm, exe, cmdline, cgroup, container, netns; see proc.h) and
 * write one sock record with community_id. Fields of e win over /proc
 * (e.g. the comm the kernel reported at the event). Returns 1 when written,
 * 0 when filtered out, -1 when the run must end: -c count reached, the
 * reader went away, or a write error (already reported). */
int sock_event_emit(const struct sock_event *e, const struct trace_opts *o, FILE *out);
/* The same for a record of another type (pp-trace's dns records, kdns.c):
 * the 5-tuple of e, then what body() writes, then e's process fields and
 * "source"; filtered and counted (-c) as sock records are. */
struct jw;
int trace_record_emit(const struct sock_event *e, const struct trace_opts *o, FILE *out,
                      const char *type, void (*body)(struct jw *w, void *arg), void *arg);
/* Does the event pass the filters that need no /proc lookup (-4 -6 --tcp
 * --udp)? Lets a mode skip work early; sock_event_emit checks again. */
bool sock_event_cheap_match(const struct sock_event *e, const struct trace_opts *o);
/* End of a batch: flush out (live pipelines see it now) and start a new
 * /proc cache generation. 0, or -1 as above. */
int sock_emit_flush(FILE *out);
/* Progress marks (pp-records(5) "mark"), for pp-join's event time: only
 * when out is a pipe, FIFO or socket (a reader that joins streams), never
 * into a file or onto a terminal. sock_emit_marks decides once; each
 * sock_emit_mark(ts) then promises that no sock record older than ts
 * follows (it is skipped unless ts moved on). 0, or -1 as above. */
void sock_emit_marks(FILE *out);
int sock_emit_mark(FILE *out, uint64_t ts_us);

/* Called after each record written, when set (--update, update.c): the
 * event, its tuple as written, and the comm and uid it went out with. */
extern void (*sock_emit_track)(const struct sock_event *e, const struct pp_tuple *t,
                               const char *comm, bool has_uid, uint32_t uid);
/* Records written so far. */
unsigned long long sock_emit_count(void);
/* Has output ended (a write failed, or the reader went away)? */
bool sock_emit_output_ended(void);
/* At exit: flush and close the output unless it ended (common/wfail.h);
 * PP_EXIT_RUNTIME after a write error. */
int sock_emit_close(FILE *out);
/* Free the writer's buffers and the /proc cache (at exit). */
void sock_emit_cleanup(void);
/* The process cache the writer uses, for a mode that wants details early. */
struct proc_cache *sock_emit_proc_cache(void);

/* Exit status of the run so far: 1 after a write error, else 0 (a closed
 * stdout, a signal, -c and -d all end with 0). A mode may add its own
 * runtime errors with trace_fail(). */
int trace_exit_status(void);
void trace_fail(void);

/* Set by the SIGINT/SIGTERM handlers: end the run (after a flush). */
extern volatile sig_atomic_t trace_stop;

/* --- the modes ----------------------------------------------------------- */

#define TRACE_UNAVAILABLE (-1)
/* Returns an exit status (0 or 1), or TRACE_UNAVAILABLE after filling
 * trace_unavailable_reason (one line, no "pp-trace:" prefix) when eBPF
 * cannot be used here; main then polls. */
int ebpf_run(const struct trace_opts *o);
extern char trace_unavailable_reason[256];

/* The polling mode (poll.c). Returns an exit status. */
int poll_run(const struct trace_opts *o);

#endif
