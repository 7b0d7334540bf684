/* pp-trace's sandbox after init (sandbox.h): once the BPF programs are
 * loaded and attached (or the sock_diag socket is open), nothing more is
 * loaded: no_new_privs, and every capability dropped except
 *   CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH: /proc/PID/fd (inode -> process),
 *     /proc/PID/exe and /proc/PID/ns/net of other users' processes;
 *   CAP_BPF in eBPF mode only where this kernel still wants it for reading
 *     a map (before Linux 6.5 every bpf() command did; ebpf.c tries).
 * Landlock is not used: besides files it confines ptrace access, and the
 * /proc reads above are ptrace-access checked, so under Landlock every
 * socket would lose its process. The seccomp allow-list has the /proc
 * reads (read-only opens), and
 *   eBPF: bpf() map reads and detaching, and connected UDP sockets (the
 *     local address of a datagram on a wildcard-bound socket, ebpf.c);
 *   polling, and --update in both modes: sock_diag netlink (its thread
 *     starts before the sandbox: update.c drops its capabilities). */
#include <linux/capability.h>

#include "outfile.h"
#include "trace.h"

void trace_sandbox(const struct trace_opts *o, uint64_t keep, bool ebpf)
{
	struct pp_sandbox spec = {
		.seccomp = true,
		.syscalls = PP_SYS_READ_FILES |
		            (ebpf ? PP_SYS_BPF | PP_SYS_UDP_ROUTE : 0) |
		            PP_SYS_NETLINK | /* polling, and --update's thread in both modes */
		            (pp_output_dir() ? PP_SYS_CREATE_FILES : 0), /* -o reopened on SIGHUP */
		.keep_caps = keep | PP_CAP(CAP_SYS_PTRACE) | PP_CAP(CAP_DAC_READ_SEARCH),
		.no_landlock_why = "it would confine the ptrace-checked reads of /proc/PID/fd, "
		                   "exe and ns/net that attribute sockets to processes",
	};
	pp_sandbox_run(&spec, &o->sandbox);
}
