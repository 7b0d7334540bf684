/* Fault injection in the style of jq's src/inject_errors.c: an LD_PRELOAD
 * library that makes writes to standard output fail, to check that every
 * command reports a failed write and exits non-zero instead of truncating
 * its output silently, and that a reader going away (EPIPE) ends it quietly.
 *
 *   PP_INJECT_ERRNO=ENOSPC|EPIPE|EIO  the error (unset: the library does nothing)
 *   PP_INJECT_AFTER=N                 bytes that still get through (default 0)
 *
 * stdout is replaced, before main(), by a stdio stream of our own whose
 * write function passes the first N bytes on to fd 1 and then fails with
 * the error, as a full disk or a closed pipe would: so every stdio path
 * (fwrite, fputs, printf, putc and its inline forms, fflush, fclose, and
 * libraries such as libcsv) meets the error where the real one would show.
 * write() and writev() on fd 1 share the same budget. EPIPE also raises
 * SIGPIPE, as the kernel does, so a command that forgot to ignore it dies
 * of it (status 141) and the test sees that.
 *
 * With the sanitizer builds, preload libasan first:
 *   LD_PRELOAD="$(gcc -print-file-name=libasan.so) ./inject_errors.so" */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int inject_errno;       /* 0: inactive */
static unsigned long long budget; /* bytes still allowed */

/* How many of n bytes may pass; 0 and errno set when none may. */
static size_t allow(size_t n)
{
	if (!inject_errno || budget >= n) {
		if (inject_errno)
			budget -= n;
		return n;
	}
	n = (size_t)budget;
	budget = 0;
	return n;
}

static ssize_t fail(void)
{
	if (inject_errno == EPIPE)
		raise(SIGPIPE); /* the kernel's behaviour; ignored by our commands */
	errno = inject_errno;
	return -1;
}

static ssize_t raw_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t n)
{
	size_t ok = allow(n);
	ssize_t w;
	(void)cookie;
	if (ok == n)
		return raw_write(STDOUT_FILENO, buf, n);
	/* What glibc's own file streams do when write() fails part way: the
	 * bytes that went out are counted, and errno tells why the rest did
	 * not (a cookie stream does not retry a short count by itself). */
	w = ok ? raw_write(STDOUT_FILENO, buf, ok) : 0;
	fail();
	return w > 0 ? w : -1;
}

static int cookie_close(void *cookie)
{
	(void)cookie;
	return 0; /* fd 1 stays open, as after fclose(stdout) it would close */
}

__attribute__((constructor)) static void inject_init(void)
{
	const char *e = getenv("PP_INJECT_ERRNO"), *a = getenv("PP_INJECT_AFTER");
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	FILE *f;

	if (!e)
		return;
	if (!strcmp(e, "ENOSPC"))
		inject_errno = ENOSPC;
	else if (!strcmp(e, "EPIPE"))
		inject_errno = EPIPE;
	else if (!strcmp(e, "EIO"))
		inject_errno = EIO;
	else
		return;
	budget = a ? strtoull(a, NULL, 10) : 0;
	f = fopencookie(NULL, "w", io);
	if (!f)
		abort();
	setvbuf(f, NULL, _IOFBF, BUFSIZ);
	stdout = f;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	size_t ok;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (fd != STDOUT_FILENO || !inject_errno)
		return real(fd, buf, n);
	ok = allow(n);
	if (ok == 0 && n > 0)
		return fail();
	return real(fd, buf, ok);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);
	size_t n = 0;

	if (!real)
		real = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
	if (fd != STDOUT_FILENO || !inject_errno)
		return real(fd, iov, cnt);
	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	if (allow(n) < n) {
		budget = 0; /* keep it simple: a vector is all or nothing */
		return fail();
	}
	return real(fd, iov, cnt);
}
