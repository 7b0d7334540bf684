/* syscall_probe PID NR [ARG...]: make the running process PID execute the
 * system call NR with up to six integer arguments, from the outside, and
 * say what happened to it:
 *   "refused by seccomp" (exit 0): the kernel's filter stopped it (a
 *       SIGSYS with si_code SYS_SECCOMP for this call, which is not
 *       delivered: the process never sees it);
 *   "allowed: returned N" (exit 1): it ran;
 *   anything else (exit 2): the probe could not do it.
 * The process carries on as before: its registers are put back, and the
 * system call it was waiting in is restarted by the kernel.
 *
 * How: ptrace-attach, find a `syscall` instruction just before the
 * instruction pointer (the process is waiting in poll()), point the
 * registers at it with the call to make, single-step, read the outcome,
 * restore, detach. x86_64 only (tests/e2e/sandbox.sh skips elsewhere).
 * Used by tests/e2e/sandbox.sh to prove that a sandboxed pp-sniff or
 * pp-trace cannot execve, open sockets or ptrace while it keeps working. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

/* Signals pending for the thread pid (SigPnd | ShdPnd of its status). */
static unsigned long long pending(pid_t pid)
{
	char path[64], line[256];
	unsigned long long m = 0, v;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if ((sscanf(line, "SigPnd: %llx", &v) == 1 || sscanf(line, "ShdPnd: %llx", &v) == 1))
			m |= v;
	fclose(f);
	return m;
}

static int wait_stop(pid_t pid, int *sig)
{
	int st;
	if (waitpid(pid, &st, __WALL) < 0 || !WIFSTOPPED(st))
		return -1;
	*sig = WSTOPSIG(st);
	return 0;
}

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	struct user_regs_struct saved, r;
	long args[6] = {0};
	pid_t pid;
	int sig, tries;
	long nr;

	if (argc < 3 || argc > 9) {
		fprintf(stderr, "usage: syscall_probe PID NR [ARG...]\n");
		return 2;
	}
	pid = (pid_t)strtol(argv[1], NULL, 10);
	nr = strtol(argv[2], NULL, 0);
	for (int i = 3; i < argc; i++)
		args[i - 3] = strtol(argv[i], NULL, 0);

	for (tries = 0; tries < 50; tries++) {
		if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0) {
			fprintf(stderr, "syscall_probe: attach %d: %s\n", pid, strerror(errno));
			return 2;
		}
		if (wait_stop(pid, &sig) < 0 || ptrace(PTRACE_GETREGS, pid, 0, &saved) < 0) {
			fprintf(stderr, "syscall_probe: stop %d: %s\n", pid, strerror(errno));
			return 2;
		}
		/* In a system call: orig_rax is its number, and the two bytes
		 * before rip are the syscall instruction (0f 05). */
		errno = 0;
		long word = ptrace(PTRACE_PEEKTEXT, pid, saved.rip - 2, 0);
		if ((long long)saved.orig_rax >= 0 && errno == 0 && (word & 0xffff) == 0x050f)
			break;
		ptrace(PTRACE_DETACH, pid, 0, 0);
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	if (tries == 50) {
		fprintf(stderr, "syscall_probe: %d never seen waiting in a system call\n", pid);
		return 2;
	}
	r = saved;
	r.rip = saved.rip - 2;
	r.rax = (unsigned long long)nr;
	r.orig_rax = (unsigned long long)-1; /* not a system call to restart */
	r.rdi = (unsigned long long)args[0];
	r.rsi = (unsigned long long)args[1];
	r.rdx = (unsigned long long)args[2];
	r.r10 = (unsigned long long)args[3];
	r.r8 = (unsigned long long)args[4];
	r.r9 = (unsigned long long)args[5];
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0 || ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0 ||
	    wait_stop(pid, &sig) < 0) {
		fprintf(stderr, "syscall_probe: step: %s\n", strerror(errno));
		return 2;
	}
	/* The step ends with a SIGTRAP, and a refused call adds a SIGSYS:
	 * take each stop (neither signal is delivered) until neither is
	 * pending, so that the process gets back neither. */
	bool refused = false, other = false;
	long long ret = 0;
	for (;;) {
		if (sig == SIGSYS) {
			siginfo_t si;
			if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0 && si.si_code == SYS_SECCOMP &&
			    si.si_syscall == nr)
				refused = true;
			else
				other = true;
		} else if (sig == SIGTRAP) {
			if (ptrace(PTRACE_GETREGS, pid, 0, &r) == 0)
				ret = (long long)r.rax;
		} else {
			other = true;
		}
		if (!(pending(pid) & ((1ULL << (SIGTRAP - 1)) | (1ULL << (SIGSYS - 1)))))
			break;
		if (ptrace(PTRACE_CONT, pid, 0, 0) < 0 || wait_stop(pid, &sig) < 0) {
			fprintf(stderr, "syscall_probe: next stop: %s\n", strerror(errno));
			return 2;
		}
	}
	int rc;
	if (other) {
		printf("unexpected stop (signal %d)\n", sig);
		rc = 2;
	} else if (refused) {
		printf("refused by seccomp\n");
		rc = 0;
	} else {
		/* Even -EPERM: the commands' filters trap, they never just
		 * return an error, so this call got past them. */
		printf("allowed: returned %lld\n", ret);
		rc = 1;
	}
	/* Back to where it was; the signal of this stop is not delivered. */
	if (ptrace(PTRACE_SETREGS, pid, 0, &saved) < 0 || ptrace(PTRACE_DETACH, pid, 0, 0) < 0) {
		fprintf(stderr, "syscall_probe: restore: %s\n", strerror(errno));
		return 2;
	}
	return rc;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "syscall_probe: x86_64 only\n");
	return 2;
#endif
}
