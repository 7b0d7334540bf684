/* The sandbox for real: each case forks a child that applies it and then
 * tries what it must no longer be able to do (write outside the allowed
 * paths, read /etc, connect over TCP, reach an abstract unix socket or
 * signal a process outside, execve), reading its own /proc/self/status for
 * the capability sets and NoNewPrivs. The parent collects the children's
 * check counts. PP_SANDBOX_FAKE_ABI simulates older kernels. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "sandbox.h"

static char dir[64], ro[128], rw[128], outside[128], pre[128], errfile[160];
static int tcp_port;
static char abstract_name[64];
static int result_pipe[2];

/* "CapEff:\t0000...": the hex value of a /proc/self/status line, or -1. */
static long long status_field(const char *key)
{
	char line[256];
	long long v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtoll(line + kl + 1, NULL, !strncmp(key, "Cap", 3) ? 16 : 10);
			break;
		}
	fclose(f);
	return v;
}

/* 0 if it worked, else the errno. */
static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_tcp_connect(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(tcp_port)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	close(s);
	return r;
}

static int try_tcp_bind(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(0);
	r = bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	close(s);
	return r;
}

static int try_abstract_connect(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;
	size_t n = strlen(abstract_name + 1) + 1;
	memcpy(a.sun_path, abstract_name, n);
	r = connect(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0
	        ? errno
	        : 0;
	close(s);
	return r;
}

static int try_exec(void)
{
	pid_t p = fork();
	int st;
	if (p == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(errno == EACCES ? 3 : 4);
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Lines of the child's stderr (verbose report) containing needle. */
static int err_lines(const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(errfile, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void write_pre(int fd)
{
	CHECK(write(fd, "x", 1) == 1); /* opened before: still usable */
}

/* Case bodies run in the child; they end by reporting their counts. */
static void child_full(void)
{
	const char *rd[] = {"/proc", ro, NULL}, *wr[] = {rw, NULL};
	struct pp_sandbox sb = {.read_paths = rd, .write_paths = wr,
	                        .keep_caps = PP_CAP(CAP_NET_RAW)};
	int pre_fd = open(pre, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	char path[192];
	bool root = geteuid() == 0;
	int abi = pp_landlock_abi(), r;

	CASE("full sandbox");
	r = pp_sandbox_apply(&sb, PP_SANDBOX_VERBOSE);
	CHECK(r == (abi >= 6 ? 0 : abi >= 4 ? 1 : 2));
	CHECK(status_field("NoNewPrivs") == 1);
	if (root) {
		/* Everything but CAP_NET_RAW is gone, from every set. */
		CHECK(status_field("CapEff") == 1LL << CAP_NET_RAW);
		CHECK(status_field("CapPrm") == 1LL << CAP_NET_RAW);
		CHECK(status_field("CapBnd") == 1LL << CAP_NET_RAW);
	} else {
		CHECK(status_field("CapEff") == 0);
	}
	CHECK(status_field("CapInh") == 0);
	CHECK(status_field("CapAmb") == 0);
	CHECK(err_lines("sandbox: no_new_privs: on") == 1);
	CHECK(err_lines("sandbox: capabilities: kept cap_net_raw") == (root ? 1 : 0));
	CHECK(err_lines("sandbox: landlock filesystem") == (abi >= 1 ? 1 : 0));
	write_pre(pre_fd);
	close(pre_fd);
	if (abi < 1)
		goto out;
	snprintf(path, sizeof(path), "%s/new", rw);
	CHECK(try_open(path, O_WRONLY | O_CREAT | O_TRUNC) == 0);
	CHECK(try_open(path, O_RDONLY) == 0);
	CHECK(try_open(outside, O_WRONLY | O_CREAT) == EACCES);
	CHECK(try_open(pre, O_WRONLY) == EACCES);
	CHECK(try_open("/etc/passwd", O_RDONLY) == EACCES);
	snprintf(path, sizeof(path), "%s/in", ro);
	CHECK(try_open(path, O_RDONLY) == 0);
	CHECK(try_open(path, O_WRONLY) == EACCES);
	snprintf(path, sizeof(path), "%s/new", ro);
	CHECK(try_open(path, O_WRONLY | O_CREAT) == EACCES);
	CHECK(try_open("/proc/self/status", O_RDONLY) == 0);
	CHECK(try_exec() == 3); /* no execute right anywhere */
	if (abi >= 4) {
		CHECK(try_tcp_connect() == EACCES);
		CHECK(try_tcp_bind() == EACCES);
		CHECK(err_lines("sandbox: landlock network: TCP bind and connect denied") == 1);
	} else {
		printf("SKIP sandbox network: Landlock ABI %d < 4\n", abi);
	}
	if (abi >= 6) {
		CHECK(try_abstract_connect() == EPERM);
		CHECK(kill(getppid(), 0) < 0 && errno == EPERM);
		CHECK(err_lines("sandbox: landlock scopes:") == 1);
	} else {
		printf("SKIP sandbox scopes: Landlock ABI %d < 6\n", abi);
	}
out:;
}

/* An old kernel (ABI 3): the filesystem part only, said so; not strict. */
static void child_abi3(void)
{
	const char *rd[] = {"/proc", NULL}, *wr[] = {rw, NULL};
	struct pp_sandbox sb = {.read_paths = rd, .write_paths = wr};

	CASE("ABI 3, not strict");
	CHECK(pp_landlock_abi() == 3);
	CHECK(pp_sandbox_apply(&sb, PP_SANDBOX_VERBOSE) == 2);
	CHECK(status_field("NoNewPrivs") == 1);
	CHECK(try_open(outside, O_WRONLY | O_CREAT) == EACCES);
	CHECK(try_tcp_connect() == 0); /* honest: not restricted there */
	CHECK(err_lines("landlock network: not applied (kernel's Landlock ABI 3 < 4)") == 1);
	CHECK(err_lines("landlock scopes: not applied") == 1);
}

/* No Landlock at all: no_new_privs and capabilities still applied. */
static void child_abi0(void)
{
	struct pp_sandbox sb = {0};

	CASE("no Landlock, not strict");
	CHECK(pp_sandbox_apply(&sb, PP_SANDBOX_VERBOSE) == 3);
	CHECK(status_field("NoNewPrivs") == 1);
	CHECK(status_field("CapEff") == 0);
	CHECK(try_open(outside, O_WRONLY | O_CREAT) == 0);
	CHECK(err_lines("landlock: not applied") == 1);
}

/* Strict on a kernel lacking a feature: nothing applied, a clear message. */
static void child_strict(void)
{
	struct pp_sandbox sb = {0};
	long long eff = status_field("CapEff");

	CASE("strict, ABI 1");
	CHECK(pp_sandbox_apply(&sb, PP_SANDBOX_STRICT) == -1);
	CHECK(status_field("NoNewPrivs") == 0);
	CHECK(status_field("CapEff") == eff);
	CHECK(err_lines("Landlock ABI is 1: no network rules (ABI 4) or scopes (ABI 6); "
	                "--sandbox-strict: stopping") == 1);
}

/* The option helper exits 1 itself. */
static void child_run_strict(void)
{
	struct pp_sandbox sb = {0};
	struct pp_sandbox_opts o = {0};
	CHECK(pp_sandbox_getopt(&o, PP_OPT_SANDBOX_STRICT));
	CHECK(!pp_sandbox_getopt(&o, 'v'));
	pp_sandbox_run(&sb, &o);
	CHECK(!"pp_sandbox_run returned in strict mode on ABI 5");
}

/* Run body in a child with stderr to errfile; add its counts to ours.
 * Returns the child's exit status. */
static int run_child(const char *fake_abi, void (*body)(void))
{
	pid_t p;
	int st, counts[2] = {0, 0};

	fflush(NULL);
	p = fork();
	if (p == 0) {
		int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		check_failures = check_count = 0; /* count the child's own */
		if (fake_abi)
			setenv("PP_SANDBOX_FAKE_ABI", fake_abi, 1);
		dup2(fd, 2);
		body();
		counts[0] = check_failures;
		counts[1] = check_count;
		if (write(result_pipe[1], counts, sizeof(counts)) != sizeof(counts))
			_exit(99);
		fflush(NULL);
		exit(0);
	}
	waitpid(p, &st, 0);
	if (read(result_pipe[0], counts, sizeof(counts)) == sizeof(counts)) {
		check_failures += counts[0];
		check_count += counts[1];
	}
	if (check_failures) {
		/* Show what the child said. */
		char line[1024];
		FILE *f = fopen(errfile, "r");
		while (f && fgets(line, sizeof(line), f))
			fprintf(stderr, "  child: %s", line);
		if (f)
			fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct sockaddr_un u = {.sun_family = AF_UNIX};
	socklen_t al = sizeof(a);
	int ls, us, fd, abi = pp_landlock_abi();
	char path[192];

	snprintf(dir, sizeof(dir), "/tmp/pp-sandbox.XXXXXX");
	if (!mkdtemp(dir) || pipe2(result_pipe, O_NONBLOCK) < 0)
		return 1;
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	snprintf(rw, sizeof(rw), "%s/rw", dir);
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	snprintf(pre, sizeof(pre), "%s/pre", dir);
	/* In rw: the sandboxed children read their own report back. */
	snprintf(errfile, sizeof(errfile), "%s/rw/stderr", dir);
	mkdir(ro, 0700);
	mkdir(rw, 0700);
	snprintf(path, sizeof(path), "%s/in", ro);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);

	/* Peers outside the sandbox: a TCP listener and an abstract socket. */
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 8) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) < 0)
		return 1;
	tcp_port = ntohs(a.sin_port);
	snprintf(abstract_name + 1, sizeof(abstract_name) - 1, "pp-sandbox-%d", (int)getpid());
	us = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(u.sun_path, abstract_name, strlen(abstract_name + 1) + 1);
	if (bind(us, (struct sockaddr *)&u,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(abstract_name + 1) + 1)) < 0 ||
	    listen(us, 8) < 0)
		return 1;

	if (abi < 1)
		printf("SKIP sandbox landlock: not available in this kernel\n");
	if (geteuid() != 0)
		printf("SKIP sandbox capabilities: not root, only the empty set is checked\n");

	CASE("full sandbox: child exit");
	CHECK(run_child(NULL, child_full) == 0);
	CASE("ABI 3: child exit");
	CHECK(run_child("3", child_abi3) == 0);
	CASE("no Landlock: child exit");
	CHECK(run_child("0", child_abi0) == 0);
	CASE("strict: child exit");
	CHECK(run_child("1", child_strict) == 0);
	CASE("pp_sandbox_run strict: exit 1");
	CHECK(run_child("5", child_run_strict) == 1);
	CHECK(err_lines("Landlock ABI is 5: no scopes (ABI 6); --sandbox-strict: stopping") == 1);

	close(ls);
	close(us);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return check_done("test_sandbox");
}
