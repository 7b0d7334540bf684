/* Sandbox after init: no_new_privs, Landlock, capabilities, seccomp. See
 * sandbox.h.
 *
 * Straight system calls, no libcap/liblandlock: the kernel interfaces are
 * small and stable, and Debian 12's <linux/landlock.h> predates the network
 * (ABI 4) and scope (ABI 6) parts, so those constants are defined here with
 * the values of the kernel's UAPI. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pp.h"
#include "sbuf.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef PR_SET_SECUREBITS
#define PR_SET_SECUREBITS 28
#endif

/* Landlock UAPI (include/uapi/linux/landlock.h). */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)    /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

/* Rights on a directory (beneath it) and on a single file. */
#define LL_READ_DIR_RIGHTS (LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_READ_FILE_RIGHTS (LL_FS_READ_FILE)
#define LL_WRITE_DIR_RIGHTS                                                                    \
	(LL_FS_READ_FILE | LL_FS_READ_DIR | LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR |              \
	 LL_FS_REMOVE_FILE | LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_TRUNCATE)
#define LL_WRITE_FILE_RIGHTS (LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE)
#define LL_CREATE_DIR_RIGHTS (LL_FS_MAKE_REG | LL_FS_WRITE_FILE)
enum { LL_READ, LL_WRITE, LL_CREATE }; /* kinds of path rules */

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
	"setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
	"net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
	"sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
	"audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

static const char *sbs(const struct sbuf *b)
{
	return b->s ? b->s : "";
}

static void say(unsigned flags, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(unsigned flags, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!(flags & PP_SANDBOX_VERBOSE))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pp_warn("sandbox: %s", msg);
}

int pp_landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	const char *fake = getenv("PP_SANDBOX_FAKE_ABI");
	long long f;
	const char *e;

	if (abi < 0)
		abi = 0; /* ENOSYS: not built in; EOPNOTSUPP: disabled at boot */
	if (fake && pp_parse_ll(fake, 0, 1000, &f, &e) == 0 && f < abi)
		abi = (long)f;
	return (int)abi;
}

/* --- capabilities --------------------------------------------------------- */

struct capsets {
	uint64_t eff, prm, inh;
};

static int caps_get(struct capsets *c)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(const struct capsets *c)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
		{(uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh},
		{(uint32_t)(c->eff >> 32), (uint32_t)(c->prm >> 32), (uint32_t)(c->inh >> 32)},
	};
	return (int)syscall(SYS_capset, &h, d);
}

/* The bounding set, probed without /proc (which Landlock may hide). */
static uint64_t caps_bounding(void)
{
	uint64_t b = 0;
	for (int c = 0; c < 64; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (r < 0)
			break; /* EINVAL past the kernel's last capability */
		if (r == 1)
			b |= PP_CAP(c);
	}
	return b;
}

static void cap_list(struct sbuf *s, uint64_t set)
{
	bool first = true;
	for (unsigned c = 0; c < 64; c++) {
		if (!(set & PP_CAP(c)))
			continue;
		if (c < PP_ARRAY_LEN(cap_names))
			sb_printf(s, "%scap_%s", first ? "" : ",", cap_names[c]);
		else
			sb_printf(s, "%scap_%u", first ? "" : ",", c);
		first = false;
	}
	if (first)
		sb_puts(s, "none");
}

/* 0 applied, 1 not applied. */
static int apply_caps(const struct pp_sandbox *spec, unsigned flags)
{
	struct capsets c, now;
	uint64_t bnd = caps_bounding(), keep;
	bool setpcap;
	int bnd_fail = 0;
	struct sbuf s;

	if (caps_get(&c) < 0) {
		pp_warn_errno("sandbox: capget");
		return 1;
	}
	keep = spec->keep_caps & c.prm;
	setpcap = c.eff & PP_CAP(CAP_SETPCAP);
	if (setpcap) {
		/* No way back to full privilege through execve of anything,
		 * even as uid 0 (no_new_privs already says so; belt and
		 * braces for kernels where it did not). */
		prctl(PR_SET_SECUREBITS, (1 << 0) | (1 << 1) | /* NOROOT, locked */
		      (1 << 5) |                             /* KEEP_CAPS locked */
		      (1 << 6) | (1 << 7),                   /* NO_CAP_AMBIENT_RAISE, locked */
		      0, 0, 0);
		for (int n = 0; n < 64; n++)
			if ((bnd & PP_CAP(n)) && !(keep & PP_CAP(n)) &&
			    prctl(PR_CAPBSET_DROP, n, 0, 0, 0) < 0)
				bnd_fail++;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); /* EINVAL before 4.3 */
	now.eff = now.prm = keep;
	now.inh = 0;
	if (caps_set(&now) < 0 || caps_get(&now) < 0 || now.eff != keep || now.prm != keep) {
		pp_warn_errno("sandbox: capabilities: capset");
		return 1;
	}
	bnd = caps_bounding();
	sb_init(&s);
	sb_puts(&s, "capabilities: kept ");
	cap_list(&s, keep);
	sb_printf(&s, "; effective/permitted %016llx", (unsigned long long)keep);
	if (setpcap && !bnd_fail)
		sb_printf(&s, ", bounding %016llx", (unsigned long long)bnd);
	else
		/* Without CAP_SETPCAP the bounding set cannot shrink; with
		 * no_new_privs nothing can be gained from it by execve. */
		sb_printf(&s, ", bounding %016llx unchanged (no cap_setpcap)",
		            (unsigned long long)bnd);
	say(flags, "%s", sbs(&s));
	sb_free(&s);
	return 0;
}

/* --- Landlock ------------------------------------------------------------- */

static uint64_t ll_fs_handled(int abi)
{
	uint64_t a = (LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
	if (abi >= 2)
		a |= LL_FS_REFER;
	if (abi >= 3)
		a |= LL_FS_TRUNCATE;
	if (abi >= 5)
		a |= LL_FS_IOCTL_DEV;
	return a;
}

/* Add one path rule; 1 added, 0 skipped (missing), -1 error. */
static int ll_add_path(int rs, const char *path, int kind, uint64_t handled, struct sbuf *desc)
{
	struct ll_path_beneath_attr pb;
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		/* Not there or not reachable: nothing to allow. */
		sb_printf(desc, " (%s skipped: %s)", path, strerror(e));
		return 0;
	}
	if (kind == LL_CREATE)
		pb.allowed_access = S_ISDIR(st.st_mode) ? LL_CREATE_DIR_RIGHTS : LL_FS_WRITE_FILE;
	else if (S_ISDIR(st.st_mode))
		pb.allowed_access = kind == LL_WRITE ? LL_WRITE_DIR_RIGHTS : LL_READ_DIR_RIGHTS;
	else
		pb.allowed_access = kind == LL_WRITE ? LL_WRITE_FILE_RIGHTS : LL_READ_FILE_RIGHTS;
	pb.allowed_access &= handled;
	pb.parent_fd = fd;
	if (syscall(__NR_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0) < 0) {
		int e = errno;
		close(fd);
		pp_warn("sandbox: landlock rule for %s: %s", path, strerror(e));
		return -1;
	}
	close(fd);
	sb_printf(desc, " %s", path);
	return 1;
}

static int ll_add_paths(int rs, const char *const *paths, int kind, uint64_t handled,
                        struct sbuf *desc)
{
	if (!paths || !*paths) {
		sb_puts(desc, " nothing");
		return 0;
	}
	for (; *paths; paths++)
		if (ll_add_path(rs, *paths, kind, handled, desc) < 0)
			return -1;
	return 0;
}

/* Returns the number of Landlock layers (filesystem, network, scopes) not
 * applied; -1 when the ruleset could not be built or enforced. */
static int apply_landlock(const struct pp_sandbox *spec, unsigned flags, int abi)
{
	struct ll_ruleset_attr attr = {0};
	size_t attr_size = sizeof(attr.handled_access_fs);
	struct sbuf rd, wr, cr;
	int rs, missing = 0;

	if (abi < 1) {
		say(flags, "landlock: not applied (not supported or disabled in this kernel)");
		return 3;
	}
	attr.handled_access_fs = ll_fs_handled(abi);
	if (abi >= 4 && !spec->allow_tcp) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	rs = (int)syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0);
#if defined(__SANITIZE_ADDRESS__)
	/* Sanitizer builds only (make test): LeakSanitizer reads
	 * /proc/self/{maps,task} at exit. Release builds are not affected. */
	if (rs >= 0) {
		static const char *const proc[] = {"/proc", NULL};
		struct sbuf ign;
		sb_init(&ign);
		ll_add_paths(rs, proc, LL_READ, attr.handled_access_fs, &ign);
		sb_free(&ign);
	}
#endif
	if (rs < 0) {
		pp_warn_errno("sandbox: landlock_create_ruleset");
		return -1;
	}
	sb_init(&rd);
	sb_init(&wr);
	sb_init(&cr);
	if (ll_add_paths(rs, spec->read_paths, LL_READ, attr.handled_access_fs, &rd) < 0 ||
	    ll_add_paths(rs, spec->write_paths, LL_WRITE, attr.handled_access_fs, &wr) < 0 ||
	    (spec->create_dirs &&
	     ll_add_paths(rs, spec->create_dirs, LL_CREATE, attr.handled_access_fs, &cr) < 0) ||
	    (syscall(__NR_landlock_restrict_self, rs, 0) < 0 &&
	     (pp_warn_errno("sandbox: landlock_restrict_self"), 1))) {
		close(rs);
		sb_free(&rd);
		sb_free(&wr);
		sb_free(&cr);
		return -1;
	}
	close(rs);
	say(flags, "landlock filesystem (ABI %d): read only:%s; write:%s%s%s", abi, sbs(&rd),
	    sbs(&wr), cr.len ? "; create files in:" : "", sbs(&cr));
	sb_free(&rd);
	sb_free(&wr);
	sb_free(&cr);
	if (spec->allow_tcp)
		say(flags, "landlock network: TCP left open (the command needs it)");
	else if (abi >= 4)
		say(flags, "landlock network: TCP bind and connect denied");
	else {
		say(flags, "landlock network: not applied (kernel's Landlock ABI %d < 4)", abi);
		missing++;
	}
	if (abi >= 6)
		say(flags, "landlock scopes: abstract unix sockets and signals confined");
	else {
		say(flags, "landlock scopes: not applied (kernel's Landlock ABI %d < 6)", abi);
		missing++;
	}
	return missing;
}

int pp_sandbox_drop_thread_caps(void)
{
	const struct capsets none = {0, 0, 0};
	return caps_set(&none);
}

bool pp_sandbox_try_without(uint64_t drop, bool (*fn)(void *), void *arg)
{
	struct capsets saved, lower;
	bool r;

	if (caps_get(&saved) < 0)
		return fn(arg);
	lower = saved;
	lower.eff &= ~drop;
	if (caps_set(&lower) < 0)
		return fn(arg);
	r = fn(arg);
	caps_set(&saved); /* raising back within the permitted set is allowed */
	return r;
}

/* --- the whole sandbox ------------------------------------------------------- */

int pp_sandbox_apply(const struct pp_sandbox *spec, unsigned flags)
{
	int abi = pp_landlock_abi(), missing = 0, r;

	if ((flags & PP_SANDBOX_STRICT) && abi < 6 && !spec->no_landlock_why) {
		/* Nothing is applied then: a strict run gets all of it or stops. */
		if (abi < 1)
			pp_warn("sandbox: Landlock is not supported or is disabled in this kernel; "
			        "--sandbox-strict: stopping");
		else
			pp_warn("sandbox: this kernel's Landlock ABI is %d: %s; --sandbox-strict: "
			        "stopping",
			        abi, abi < 4 ? "no network rules (ABI 4) or scopes (ABI 6)"
			                     : "no scopes (ABI 6)");
		return -1;
	}
	if ((flags & PP_SANDBOX_STRICT) && spec->seccomp && !pp_seccomp_available()) {
		pp_warn("sandbox: seccomp filtering is not supported by this kernel; "
		        "--sandbox-strict: stopping");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		pp_warn_errno("sandbox: no_new_privs");
		missing++;
	} else {
		say(flags, "no_new_privs: on");
	}
	/* Landlock before dropping capabilities: the rule paths are opened
	 * with the privileges the command started with. */
	if (spec->no_landlock_why) {
		say(flags, "landlock: not used: %s", spec->no_landlock_why);
	} else {
		r = apply_landlock(spec, flags, abi);
		if (r < 0)
			return -1;
		missing += r;
	}
	missing += apply_caps(spec, flags);
	/* Last: capset and the rest above are not on any allow-list. */
	if (spec->seccomp) {
		struct sbuf d;
		sb_init(&d);
		if (pp_seccomp_apply(spec->syscalls, &d) == 0) {
			say(flags, "seccomp: %s", sbs(&d));
		} else {
			say(flags, "seccomp: not applied: %s", sbs(&d));
			missing++;
		}
		sb_free(&d);
	}
	if (missing && (flags & PP_SANDBOX_STRICT)) {
		pp_warn("sandbox: %d layer%s could not be applied; --sandbox-strict: stopping",
		        missing, missing == 1 ? "" : "s");
		return -1;
	}
	return missing;
}

bool pp_sandbox_getopt(struct pp_sandbox_opts *o, int ch)
{
	if (ch == PP_OPT_NO_SANDBOX)
		o->disabled = true;
	else if (ch == PP_OPT_SANDBOX_STRICT)
		o->strict = true;
	else
		return false;
	if (o->disabled && o->strict)
		pp_usage_error("--no-sandbox and --sandbox-strict exclude each other");
	return true;
}

int pp_sandbox_run(const struct pp_sandbox *spec, const struct pp_sandbox_opts *o)
{
	int r;
	if (o->disabled) {
		if (o->verbose)
			pp_warn("sandbox: off (--no-sandbox)");
		return 0;
	}
	r = pp_sandbox_apply(spec, (o->strict ? PP_SANDBOX_STRICT : 0) |
	                                   (o->verbose ? PP_SANDBOX_VERBOSE : 0));
	if (r < 0)
		exit(PP_EXIT_RUNTIME);
	return r;
}
