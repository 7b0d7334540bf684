/* seccomp-bpf allow-lists (see seccomp_filter.h), built with libseccomp. */
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#include "pp.h"

#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif

/* Calls with no argument worth checking, by group. Names missing on an
 * architecture (e.g. "open" on arm64) are skipped. */
struct names {
	unsigned group; /* 0: the base list */
	const char *const *list;
};

static const char *const base_calls[] = {
	/* descriptors already open: stdout, stderr, the capture, -w, maps */
	"read", "readv", "pread64", "write", "writev", "pwrite64", "lseek", "close", "dup",
	"fcntl", "fstat", "newfstatat", "statx", "fsync", "fdatasync",
	/* memory (mmap and mprotect below, without PROT_EXEC) */
	"munmap", "mremap", "brk", "madvise", "futex",
	/* waiting and time */
	"poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday",
	"time",
	/* signals: handlers return, masks change; no new handlers */
	"rt_sigreturn", "rt_sigprocmask", "sigaltstack", "restart_syscall",
	/* what libc asks about itself */
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "uname", "sysinfo",
	"getrandom", "sched_yield", "exit", "exit_group",
	NULL,
};
static const char *const read_files_calls[] = {
	"getdents64", "readlinkat", "readlink", "faccessat", "faccessat2", "access", "stat",
	"lstat", NULL,
};
static const char *const create_files_calls[] = {"openat", "open", "dup2", "dup3", NULL};
static const char *const netlink_calls[] = {
	"sendto", "recvfrom", "sendmsg", "recvmsg", "bind", "getsockname", NULL,
};
static const char *const udp_route_calls[] = {"connect", "getsockname", NULL};
static const char *const bpf_calls[] = {"epoll_ctl", NULL};
static const char *const packet_calls[] = {"getsockopt", "recvfrom", "recvmsg", NULL};
#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only (make test): LeakSanitizer stops the process at
 * exit with a tracer thread (clone, ptrace, waitpid) and reads
 * /proc/self/maps. Release builds are not affected. */
static const char *const sanitizer_calls[] = {
	"clone", "wait4", "waitid", "prctl", "getppid", "sched_getaffinity", "prlimit64",
	"getrlimit", "rt_sigaction", "getdents", "getdents64", "readlink", "mincore", NULL,
};
#endif

static const struct names groups_calls[] = {
	{0, base_calls},
	{PP_SYS_READ_FILES, read_files_calls},
	{PP_SYS_CREATE_FILES, create_files_calls},
	{PP_SYS_NETLINK, netlink_calls},
	{PP_SYS_UDP_ROUTE, udp_route_calls},
	{PP_SYS_BPF, bpf_calls},
	{PP_SYS_PACKET, packet_calls},
};

/* Allow name(args) if present on this architecture; counts what was added. */
static int allow(scmp_filter_ctx f, const char *name, unsigned n, const struct scmp_arg_cmp *a,
                 int *count)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;
	int rc = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, nr, n, a);
	if (rc == 0)
		(*count)++;
	return rc == -EDOM || rc == -EFAULT ? 0 : rc; /* not filterable here: skip */
}

#define ALLOW(name, ...)                                                                   \
	do {                                                                               \
		const struct scmp_arg_cmp a_[] = {__VA_ARGS__};                             \
		if ((rc = allow(f, name, PP_ARRAY_LEN(a_), a_, &count)) < 0)                \
			goto fail;                                                         \
	} while (0)
#define ALLOW0(name)                                                                       \
	do {                                                                               \
		if ((rc = allow(f, name, 0, NULL, &count)) < 0)                             \
			goto fail;                                                         \
	} while (0)

/* Refused calls: named on stderr (at most a few times), failing with
 * EPERM. Only async-signal-safe calls here. */
static volatile sig_atomic_t refused_said;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	char msg[160], num[16];
	size_t n = 0, k = 0;
	int nr = si->si_syscall;
	ucontext_t *uc = ucv;
	const char *parts[] = {pp_progname, ": sandbox: system call ", num,
	                       " refused (seccomp; see docs/security.md)\n"};

	(void)sig;
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-EPERM;
#else
	(void)uc;
#endif
	if (refused_said >= 8)
		return;
	refused_said++;
	if (nr < 0)
		nr = 0;
	do
		num[k++] = (char)('0' + nr % 10);
	while ((nr /= 10) && k < sizeof(num) - 1);
	for (size_t i = 0; i < k / 2; i++) {
		char t = num[i];
		num[i] = num[k - 1 - i];
		num[k - 1 - i] = t;
	}
	num[k] = '\0';
	for (size_t i = 0; i < PP_ARRAY_LEN(parts); i++)
		for (const char *p = parts[i]; *p && n < sizeof(msg); p++)
			msg[n++] = *p;
	ssize_t w = write(STDERR_FILENO, msg, n);
	(void)w;
}

bool pp_seccomp_available(void)
{
	const char *fake = getenv("PP_SANDBOX_FAKE_NO_SECCOMP");
	if (fake && strcmp(fake, "1") == 0)
		return false;
	/* EINVAL: built without CONFIG_SECCOMP; filters need API level 1+. */
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && seccomp_api_get() >= 1;
}

int pp_seccomp_apply(unsigned groups, struct sbuf *desc)
{
	scmp_filter_ctx f;
	struct sigaction sa;
	uint32_t action = SCMP_ACT_ERRNO(EPERM);
	int rc = 0, count = 0;
	const int wr = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;

	if (!pp_seccomp_available()) {
		sb_puts(desc, "not supported by this kernel");
		return -1;
	}
#if defined(__x86_64__) || defined(__aarch64__)
	/* Trap, so that a refused call is named; the handler makes it fail
	 * with EPERM as the plain errno action would. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == 0)
		action = SCMP_ACT_TRAP;
#else
	(void)sa;
#endif
	f = seccomp_init(action);
	if (!f) {
		sb_puts(desc, "seccomp_init failed");
		return -1;
	}
	for (size_t g = 0; g < PP_ARRAY_LEN(groups_calls); g++) {
		if (groups_calls[g].group && !(groups & groups_calls[g].group))
			continue;
		for (const char *const *p = groups_calls[g].list; *p; p++)
			ALLOW0(*p);
	}
#if defined(__SANITIZE_ADDRESS__)
	for (const char *const *p = sanitizer_calls; *p; p++)
		ALLOW0(*p);
	ALLOW("ptrace", SCMP_A0(SCMP_CMP_NE, PTRACE_TRACEME));
	ALLOW("openat", SCMP_A2(SCMP_CMP_MASKED_EQ, wr, 0));
	ALLOW("open", SCMP_A1(SCMP_CMP_MASKED_EQ, wr, 0));
	ALLOW0("mprotect"); /* the tracer thread's stack guard */
#else
	ALLOW("mprotect", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
#endif
	/* No new executable memory: code can only be what was loaded. */
	ALLOW("mmap", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* isatty(), terminal width, bytes waiting; never TIOCSTI. */
	ALLOW("ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TCGETS));
	ALLOW("ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCGWINSZ));
	ALLOW("ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, FIONREAD));
	/* abort() and raise() signal this process only. */
	ALLOW("tgkill", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if ((groups & PP_SYS_READ_FILES) && !(groups & PP_SYS_CREATE_FILES)) {
		ALLOW("openat", SCMP_A2(SCMP_CMP_MASKED_EQ, wr, 0));
		ALLOW("open", SCMP_A1(SCMP_CMP_MASKED_EQ, wr, 0));
	}
	if (groups & PP_SYS_NETLINK) {
		ALLOW("socket", SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
		      SCMP_A2(SCMP_CMP_EQ, NETLINK_SOCK_DIAG));
		ALLOW("setsockopt", SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET));
	}
	if (groups & PP_SYS_UDP_ROUTE) {
		/* SOCK_DGRAM with any of SOCK_CLOEXEC and SOCK_NONBLOCK. */
		const scmp_datum_t type_mask = 0xf;
		ALLOW("socket", SCMP_A0(SCMP_CMP_EQ, AF_INET),
		      SCMP_A1(SCMP_CMP_MASKED_EQ, type_mask, SOCK_DGRAM), SCMP_A2(SCMP_CMP_EQ, 0));
		ALLOW("socket", SCMP_A0(SCMP_CMP_EQ, AF_INET6),
		      SCMP_A1(SCMP_CMP_MASKED_EQ, type_mask, SOCK_DGRAM), SCMP_A2(SCMP_CMP_EQ, 0));
	}
	if (groups & PP_SYS_BPF) {
		static const int cmds[] = {BPF_MAP_LOOKUP_ELEM, BPF_MAP_GET_NEXT_KEY,
		                           BPF_MAP_LOOKUP_BATCH, BPF_OBJ_GET_INFO_BY_FD,
		                           BPF_PROG_DETACH, BPF_LINK_DETACH};
		for (size_t i = 0; i < PP_ARRAY_LEN(cmds); i++)
			ALLOW("bpf", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)cmds[i]));
		ALLOW("ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, PERF_EVENT_IOC_DISABLE));
	}
	if (groups & PP_SYS_PACKET) {
		ALLOW("setsockopt", SCMP_A1(SCMP_CMP_EQ, SOL_PACKET));
		/* interface names for -i any, on a socket opened before */
		ALLOW("ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, SIOCGIFNAME));
	}
	/* Every thread, should a library have started one. */
	seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
	rc = seccomp_load(f);
	if (rc < 0)
		goto fail;
	seccomp_release(f);
	sb_printf(desc, "%d rules; other system calls fail with EPERM%s", count,
	          action == SCMP_ACT_TRAP ? " and are named on stderr" : "");
	return 0;
fail:
	seccomp_release(f);
	sb_printf(desc, "%s", strerror(-rc));
	return -1;
}
