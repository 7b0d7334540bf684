/* pp-trace -- COMMAND [ARG...]: trace a command and everything it starts,
 * and end with it.
 *
 * Three processes:
 *   pp-trace, the tracer: loads the programs, sandboxes itself (seccomp:
 *     from then on it can only read and write descriptors it holds), writes
 *     records; it never waits for COMMAND nor touches the cgroup itself;
 *   the keeper, forked before anything is loaded, never sandboxed and
 *     reading nothing but one-byte messages from pp-trace: it starts
 *     COMMAND, is the subreaper of its orphans (so a grandchild whose
 *     parent exited stays in the tree), passes signals on, waits for it,
 *     lets the last events arrive (closes the kernel completes after the
 *     process is gone, one more poll), removes the cgroup, hands COMMAND's
 *     wait status to pp-trace and exits, which ends the run (SIGCHLD);
 *   COMMAND: joins the cgroup (or is the root of the process tree), takes
 *     the invoking user's credentials when started through sudo, and waits
 *     on a pipe until pp-trace is ready (trace_ready()) before exec.
 *
 * Pipes: go (pp-trace -> COMMAND: one 'g', or EOF: do not run), ctl
 * (pp-trace -> keeper: the mode, then signal numbers to pass on), st
 * (keeper -> pp-trace: COMMAND's pid, then its wait status). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "cmd_run.h"
#include "outfile.h"
#include "pp.h"
#include "scope.h"
#include "trace.h"

#define EXIT_PP_FAILED 125 /* as env(1), timeout(1): the wrapper itself failed */
#define LINGER_EBPF 0.2    /* seconds after COMMAND's exit for late events */

static struct {
	bool on;                 /* a COMMAND run */
	pid_t keeper, child;
	int go_wr, ctl_wr, st_rd;
	int out_fd;              /* COMMAND's standard output (-o: the original) */
	bool ready;
	struct trace_scope scope;
	double interval;
	/* What pp-trace started with, for COMMAND. */
	bool ign[NSIG];
	sigset_t mask;
} cs = {.go_wr = -1, .ctl_wr = -1, .st_rd = -1, .out_fd = -1};

/* COMMAND's credentials: the invoking user's under sudo. */
static struct {
	bool drop;
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	int ngroups;
} cred;

void cmd_note_start(void)
{
	for (int s = 1; s < NSIG; s++) {
		struct sigaction old;
		cs.ign[s] = sigaction(s, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
		            old.sa_handler == SIG_IGN;
	}
	sigprocmask(SIG_SETMASK, NULL, &cs.mask);
}

void cmd_keep_stdout(void)
{
	cs.out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
}

/* sudo pp-trace -- COMMAND: COMMAND runs as the user who ran sudo
 * (SUDO_UID, SUDO_GID and that user's groups), as strace -u and procscope
 * do; pp-trace keeps root for itself. */
static void cred_from_sudo(void)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID"), *err;
	long long uid, gid;
	struct passwd *pw;

	if (geteuid() != 0 || !su || !*su)
		return;
	if (pp_parse_ll(su, 0, UINT32_MAX - 1, &uid, &err) != 0)
		pp_die(EXIT_PP_FAILED, "SUDO_UID=%s: %s", su, err);
	if (uid == 0)
		return;
	pw = getpwuid((uid_t)uid);
	if (sg && *sg) {
		if (pp_parse_ll(sg, 0, UINT32_MAX - 1, &gid, &err) != 0)
			pp_die(EXIT_PP_FAILED, "SUDO_GID=%s: %s", sg, err);
	} else if (pw) {
		gid = pw->pw_gid;
	} else {
		pp_die(EXIT_PP_FAILED, "SUDO_UID=%s: no such user, and no SUDO_GID", su);
	}
	cred.drop = true;
	cred.uid = (uid_t)uid;
	cred.gid = (gid_t)gid;
	cred.ngroups = PP_ARRAY_LEN(cred.groups);
	if (!pw || getgrouplist(pw->pw_name, cred.gid, cred.groups, &cred.ngroups) < 0) {
		cred.groups[0] = cred.gid; /* unknown user, or too many groups: its own only */
		cred.ngroups = 1;
	}
}

/* Every descriptor from 3 up but keep[] (-1 entries ignored): pp-trace's
 * output file, its record pipe, its netlink socket are not COMMAND's. */
static void close_fds_except(const int *keep, int n)
{
	unsigned lo = 3;

	for (;;) {
		unsigned next = ~0U;
		for (int i = 0; i < n; i++)
			if (keep[i] >= (int)lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > lo)
			close_range(lo, next - 1, 0);
		if (next == ~0U)
			return;
		lo = next + 1;
	}
}

/* --- COMMAND ------------------------------------------------------------------ */

static _Noreturn void command(char **argv, int go_rd)
{
	char c;
	ssize_t r;

	if (cs.scope.kind == SCOPE_CGROUP) {
		int fd = openat(cs.scope.cg_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			pp_warn_errno("cannot join cgroup %s", cs.scope.cg_dir);
			_exit(EXIT_PP_FAILED);
		}
		close(fd);
	}
	if (cred.drop && (setgroups((size_t)cred.ngroups, cred.groups) != 0 || setgid(cred.gid) != 0 ||
	                  setuid(cred.uid) != 0)) {
		pp_warn_errno("cannot take uid %lu gid %lu (SUDO_UID, SUDO_GID)", (unsigned long)cred.uid,
		              (unsigned long)cred.gid);
		_exit(EXIT_PP_FAILED);
	}
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, cs.ign[s] ? SIG_IGN : SIG_DFL);
	sigprocmask(SIG_SETMASK, &cs.mask, NULL);
	do
		r = read(go_rd, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1 || c != 'g')
		_exit(EXIT_PP_FAILED); /* pp-trace could not start tracing (it said why) */
	close(go_rd);
	execvp(argv[0], argv);
	int e = errno;
	pp_warn("cannot run %s: %s", argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* --- the keeper ------------------------------------------------------------- */

static _Noreturn void keeper(char **argv, int go_rd, int ctl_rd, int st_wr)
{
	int status = 0, sfd;
	bool exited = false;
	double linger = LINGER_EBPF, exited_at = 0;
	sigset_t chld;
	pid_t pid;

	/* It outlives a terminal's SIGINT (COMMAND gets its own) and must
	 * live to clean up; COMMAND's output goes where it was decided. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	dup2(cs.out_fd >= 0 ? cs.out_fd : STDERR_FILENO, STDOUT_FILENO);
	int keep[] = {go_rd, ctl_rd, st_wr, cs.scope.cg_fd};
	close_fds_except(keep, PP_ARRAY_LEN(keep));
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC);
	pid = fork();
	if (pid == 0)
		command(argv, go_rd);
	if (pid < 0 || sfd < 0 || write(st_wr, &pid, sizeof(pid)) != sizeof(pid)) {
		if (pid > 0)
			kill(pid, SIGKILL);
		_exit(EXIT_PP_FAILED);
	}
	close(go_rd);

	for (;;) {
		struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.fd = ctl_rd, .events = POLLIN}};
		/* From the exit and the linger as they are now: polling's 'p'
		 * may be read after the exit, in the same round. */
		double now = pp_mono(), until = exited_at + linger;
		int ms = exited ? (int)((until - now) * 1000) + 1 : -1;

		if (exited && now >= until)
			break;
		if (poll(pfd, 2, ms) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			pid_t w;
			int st;
			if (read(sfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
				break;
			while ((w = waitpid(-1, &st, WNOHANG)) > 0)
				if (w == pid) {
					status = st;
					exited = true;
					exited_at = pp_mono();
				}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			unsigned char b[16];
			ssize_t n = read(ctl_rd, b, sizeof(b));
			if (n <= 0) {
				close(ctl_rd); /* pp-trace is gone: COMMAND runs on, untraced */
				ctl_rd = -1;
			}
			for (ssize_t i = 0; i < n; i++) {
				if (b[i] == 'p') /* polling: one more whole poll after the exit */
					linger = LINGER_EBPF + 1.5 * cs.interval;
				else if (b[i] > 0 && b[i] < NSIG && !exited)
					kill(pid, b[i]);
			}
		}
	}
	scope_cgroup_remove(&cs.scope);
	if (write(st_wr, &status, sizeof(status)) != sizeof(status))
		_exit(EXIT_PP_FAILED);
	_exit(0);
}

/* --- pp-trace's side ------------------------------------------------------------ */

/* SIGINT, SIGTERM (and SIGHUP without -o): passed on to COMMAND, whose end
 * ends the run, unless the terminal sent it, which signals COMMAND's
 * process group itself. SIGCHLD from the keeper: the run is over. */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGCHLD) {
		if (si->si_pid == cs.keeper)
			trace_stop = 1;
		return;
	}
	if (si->si_code != SI_KERNEL && cs.ctl_wr >= 0) {
		unsigned char b = (unsigned char)sig;
		int e = errno;
		if (write(cs.ctl_wr, &b, 1) < 0) {
			/* the keeper is gone; so is the run */
		}
		errno = e;
	}
}

static void handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (pp_sighup_ends_run()) /* with -o, SIGHUP reopens the file */
		sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags |= SA_NOCLDWAIT; /* the keeper is never waited for (seccomp) */
	sigaction(SIGCHLD, &sa, NULL);
}

static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

void cmd_start(struct trace_opts *o, char **argv, bool records_to_file)
{
	int go[2], ctl[2], st[2];
	char why[256];

	cs.on = true;
	cs.interval = o->interval;
	cs.scope.cg_fd = -1;
	if (!records_to_file && cs.out_fd >= 0) {
		close(cs.out_fd); /* COMMAND writes to our standard error */
		cs.out_fd = -1;
	}
	cred_from_sudo();
	/* PP_TRACE_NO_CGROUP=1 (tests): as if no cgroup could be made. */
	const char *nocg = getenv("PP_TRACE_NO_CGROUP");
	if (nocg && *nocg == '1')
		snprintf(why, sizeof(why), "PP_TRACE_NO_CGROUP=1");
	if ((nocg && *nocg == '1' ? -1 : scope_cgroup_create(&cs.scope, why, sizeof(why))) != 0 &&
	    o->verbose)
		pp_warn("%s; following %s's process tree instead", why, argv[0]);
	if (pipe2(go, O_CLOEXEC) || pipe2(ctl, O_CLOEXEC) || pipe2(st, O_CLOEXEC))
		pp_die(EXIT_PP_FAILED, "pipe: %s", strerror(errno));
	fflush(NULL);
	cs.keeper = fork();
	if (cs.keeper < 0)
		pp_die(EXIT_PP_FAILED, "fork: %s", strerror(errno));
	if (cs.keeper == 0) {
		close(go[1]);
		close(ctl[1]);
		close(st[0]);
		keeper(argv, go[0], ctl[0], st[1]);
	}
	close(go[0]);
	close(ctl[0]);
	close(st[1]);
	if (cs.out_fd >= 0)
		close(cs.out_fd);
	cs.go_wr = go[1];
	cs.ctl_wr = ctl[1];
	cs.st_rd = st[0];
	handlers();
	if (read_full(cs.st_rd, &cs.child, sizeof(cs.child)) < 0)
		pp_die(EXIT_PP_FAILED, "cannot start %s", argv[0]);
	if (cs.scope.kind != SCOPE_CGROUP && scope_tree_init(&cs.scope, cs.child, cs.keeper) != 0)
		pp_die(EXIT_PP_FAILED, "cannot start %s", argv[0]);
	o->scope = &cs.scope;
}

void trace_ready(bool polling)
{
	if (!cs.on || cs.ready)
		return;
	cs.ready = true;
	if (polling && write(cs.ctl_wr, "p", 1) != 1)
		return;
	if (write(cs.go_wr, "g", 1) != 1)
		pp_warn_errno("cannot start the command");
	close(cs.go_wr);
	cs.go_wr = -1;
}

int cmd_finish(int trace_status)
{
	int st;

	if (!cs.ready)
		pp_warn("command not started: tracing could not begin");
	if (cs.go_wr >= 0)
		close(cs.go_wr); /* COMMAND, still held, ends without running */
	cs.go_wr = -1;
	if (read_full(cs.st_rd, &st, sizeof(st)) < 0) {
		pp_warn("the command's exit status is unknown: its keeper died");
		st = EXIT_PP_FAILED << 8;
		trace_status = PP_EXIT_RUNTIME;
	}
	close(cs.st_rd);
	close(cs.ctl_wr);
	cs.ctl_wr = -1;
	scope_free(&cs.scope);
	if (!cs.ready || trace_status != PP_EXIT_OK)
		return EXIT_PP_FAILED;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_PP_FAILED;
}

void cmd_children(struct trace_opts *o, pid_t pid)
{
	static struct trace_scope tree = {.cg_fd = -1};

	if (scope_tree_init(&tree, pid, 0) != 0)
		pp_usage_error("-p %ld: no such process", (long)pid);
	o->scope = &tree;
}
