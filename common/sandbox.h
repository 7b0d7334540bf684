/* Sandbox after init: once a command holds what it needs (capture handle
 * open, BPF programs loaded and attached, output files created), it gives
 * up what it no longer needs, so that a bug in a parser of hostile bytes is
 * worth little to an attacker:
 *
 *   1. no_new_privs: no execve() can ever grant privileges again;
 *   2. Landlock (kernel ABI detected at run time, degrading gracefully):
 *      filesystem: read only the given paths, write only the paths the user
 *      named; network (ABI >= 4): no TCP bind/connect at all; scopes
 *      (ABI >= 6): no abstract unix sockets or signals outside the sandbox;
 *   3. capabilities: every one dropped from the effective, permitted,
 *      inheritable, ambient and bounding sets except a caller-given few;
 *   4. seccomp-bpf (when the command asks for it): only an allow-list of
 *      system calls from then on (seccomp_filter.h).
 *
 * Already open descriptors keep working: Landlock checks at open(), so a
 * file opened before the sandbox needs no rule. Call it before creating
 * threads (these settings are per thread and inherited only by threads
 * created later) and after anything that opens files lazily (tzset(),
 * OpenSSL's configuration, name service lookups).
 *
 * Test hook: PP_SANDBOX_FAKE_ABI=N makes the Landlock ABI look like at most
 * N (0: no Landlock), to check degradation and --sandbox-strict on a kernel
 * that has every feature. It can only weaken the sandbox, as --no-sandbox
 * can, so it gives the person who runs the command nothing new.
 * PP_SANDBOX_FAKE_NO_SECCOMP=1 likewise makes seccomp look unavailable. */
#ifndef PP_SANDBOX_H
#define PP_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "seccomp_filter.h"

/* A capability number as a bit of pp_sandbox.keep_caps: PP_CAP(CAP_BPF). */
#define PP_CAP(c) (UINT64_C(1) << (c))

struct pp_sandbox {
	/* NULL-terminated lists (either may be NULL). Files or directories;
	 * a directory's rule covers everything beneath it. A path that does
	 * not exist is skipped (said with -v). */
	const char *const *read_paths;  /* read-only */
	const char *const *write_paths; /* read, write, create, remove beneath */
	/* Directories where regular files may be created and written, not
	 * read, listed or removed: the -o file's, for its reopen on SIGHUP. */
	const char *const *create_dirs;
	uint64_t keep_caps;             /* PP_CAP() bits still needed afterwards */
	bool allow_tcp;                 /* do not restrict TCP bind/connect */
	/* Set when the command cannot live under Landlock at all, saying why
	 * (-v prints it). Landlock also confines ptrace access, which
	 * /proc/PID/fd, /proc/PID/exe and /proc/PID/ns of other processes
	 * need: a tracer that attributes sockets to processes cannot have it.
	 * Not a failure for --sandbox-strict: a choice, not a missing feature. */
	const char *no_landlock_why;
	/* Install a seccomp allow-list last: the base list of seccomp_filter.h and
	 * these PP_SYS_* groups. */
	bool seccomp;
	unsigned syscalls;
};

enum {
	PP_SANDBOX_STRICT = 1 << 0,  /* fail if any layer could not be applied */
	PP_SANDBOX_VERBOSE = 1 << 1, /* one line per layer on stderr */
};

/* Apply every layer the kernel offers. Returns 0 when all were applied, the
 * number of layers that could not be (each said on stderr with VERBOSE), or
 * -1 when STRICT and something could not be applied (said on stderr), or
 * on an error that leaves the sandbox half-built. */
int pp_sandbox_apply(const struct pp_sandbox *spec, unsigned flags);

/* Option handling shared by the commands that sandbox themselves:
 *   { PP_SANDBOX_LONGOPTS, ... } in the getopt_long table, then in the
 *   switch: default: if (pp_sandbox_getopt(&sb, ch)) break; ...
 * and after init: pp_sandbox_run(&spec, &sb) (exits 1 when strict fails). */
enum { PP_OPT_NO_SANDBOX = 0x5b00, PP_OPT_SANDBOX_STRICT };
#define PP_SANDBOX_LONGOPTS                                              \
	{"no-sandbox", no_argument, NULL, PP_OPT_NO_SANDBOX},            \
	{"sandbox-strict", no_argument, NULL, PP_OPT_SANDBOX_STRICT}
#define PP_SANDBOX_USAGE                                                  \
	"      --no-sandbox      do not restrict the process after init\n"  \
	"      --sandbox-strict  exit if any sandbox layer is unavailable\n"

struct pp_sandbox_opts {
	bool disabled; /* --no-sandbox */
	bool strict;   /* --sandbox-strict */
	bool verbose;  /* the command's -v */
};

/* true if ch was one of the sandbox options (and recorded in o). */
bool pp_sandbox_getopt(struct pp_sandbox_opts *o, int ch);
/* Apply spec as the options say; with --sandbox-strict a layer that could
 * not be applied ends the program with status 1 and a message. Returns the
 * number of layers not applied (0 with --no-sandbox). */
int pp_sandbox_run(const struct pp_sandbox *spec, const struct pp_sandbox_opts *o);

/* Feature detection by trying: run fn(arg) with the capabilities in drop
 * taken out of the effective set for the moment, then put them back.
 * Returns fn's result (e.g. "does a BPF map lookup still work without
 * CAP_BPF on this kernel?"). */
bool pp_sandbox_try_without(uint64_t drop, bool (*fn)(void *), void *arg);

/* Drop every capability of the calling thread only (effective,
 * permitted, inheritable): for a helper thread started before the sandbox,
 * whose capabilities pp_sandbox_apply in another thread cannot reach.
 * 0 on success. */
int pp_sandbox_drop_thread_caps(void);

/* The kernel's Landlock ABI version (honouring PP_SANDBOX_FAKE_ABI), 0 if
 * Landlock is unavailable. */
int pp_landlock_abi(void);

#endif
