/* The seccomp-bpf layer of the sandbox (sandbox.h): after init, a command
 * may make only the system calls of a short allow-list, many of them only
 * with given arguments. The list is a base every sandboxed command needs
 * (reading and writing open descriptors, memory, time, poll, signals
 * returning, exit) plus the groups the command asks for. Any other call
 * fails with EPERM and is named on stderr (a SIGSYS handler), so that a
 * list that misses something a feature needs shows in every test of that
 * feature instead of as a silent error. docs/security.md lists the calls.
 *
 * Applied last, after the capabilities are dropped: it needs no privilege
 * once no_new_privs is set. Filters are per thread: apply it before any
 * thread is created (the commands have none). Built with libseccomp, which
 * maps the names to each architecture's numbers. */
#ifndef PP_SECCOMP_FILTER_H
#define PP_SECCOMP_FILTER_H

#include <stdbool.h>

#include "sbuf.h"

enum {
	/* open read-only, list directories, read links (/proc scans) */
	PP_SYS_READ_FILES = 1 << 0,
	/* open for writing and create (an output file reopened on SIGHUP) */
	PP_SYS_CREATE_FILES = 1 << 1,
	/* send and receive on sockets already open; new NETLINK_SOCK_DIAG
	 * sockets (sock_diag queries; they can only read socket tables) */
	PP_SYS_NETLINK = 1 << 2,
	/* UDP sockets connected (never sent on) to learn which local address
	 * the kernel would use towards a peer */
	PP_SYS_UDP_ROUTE = 1 << 3,
	/* bpf() map reads and detaching, perf event disable (loaded programs) */
	PP_SYS_BPF = 1 << 4,
	/* capture socket options: libpcap's statistics and ring teardown */
	PP_SYS_PACKET = 1 << 5,
};

/* Is seccomp filtering available (honouring PP_SANDBOX_FAKE_NO_SECCOMP=1,
 * a test hook that can only weaken the sandbox)? */
bool pp_seccomp_available(void);

/* Install the filter: the base list and the groups. 0 on success (desc
 * gets one line saying what is allowed), -1 with errno-style reason in
 * desc when it could not be installed (nothing was then). */
int pp_seccomp_apply(unsigned groups, struct sbuf *desc);

#endif
