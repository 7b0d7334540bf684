/* Whole lines per write(2), under a lock shared by every writer of a pipe
 * (lineout.h). A fopencookie stream: stdio buffers as usual and hands its
 * buffer here when it flushes; we write what ends with a newline and keep
 * the rest of a line for the next time. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineout.h"

#define STREAM_BUF (1u << 16)

struct lo {
	int fd;
	bool lock;        /* F_SETLKW works on this descriptor */
	char *tail;       /* a line not yet ended */
	size_t tlen, tcap;
	char buf[STREAM_BUF]; /* stdio's: glibc ignores setvbuf's size without one */
};

static FILE *made; /* the stream pp_out_whole_lines made (fileno() is -1 on it) */

bool pp_out_is_stream(FILE *f)
{
	struct stat st;
	if (f && f == made)
		return true;
	return fstat(fileno(f), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static int setlk(int fd, short type)
{
	struct flock l = {.l_type = type, .l_whence = SEEK_SET};
	int r;
	while ((r = fcntl(fd, F_SETLKW, &l)) < 0 && errno == EINTR)
		;
	return r;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Lines [p, p+n), n ending with a newline (or at close, not). */
static int put_lines(struct lo *c, const char *p, size_t n)
{
	int r, e;
	if (c->lock) {
		if (setlk(c->fd, F_WRLCK) == 0) {
			r = write_all(c->fd, p, n);
			e = errno;
			setlk(c->fd, F_UNLCK);
			errno = e;
			return r;
		}
		c->lock = false; /* refused: PIPE_BUF pieces from now on */
	}
	while (n > PIPE_BUF) {
		/* The last line end within PIPE_BUF, else the whole long line. */
		const char *nl = memrchr(p, '\n', PIPE_BUF);
		size_t k = nl ? (size_t)(nl - p) + 1 : 0;
		if (!k) {
			nl = memchr(p + PIPE_BUF, '\n', n - PIPE_BUF);
			k = nl ? (size_t)(nl - p) + 1 : n;
		}
		if (write_all(c->fd, p, k) < 0)
			return -1;
		p += k;
		n -= k;
	}
	return n ? write_all(c->fd, p, n) : 0;
}

static ssize_t lo_write(void *cookie, const char *buf, size_t size)
{
	struct lo *c = cookie;
	const char *nl = size ? memrchr(buf, '\n', size) : NULL;
	size_t whole = nl ? (size_t)(nl - buf) + 1 : 0;

	if (whole) {
		int r;
		if (c->tlen) {
			/* The line begun before, completed now: one piece. */
			char *all = malloc(c->tlen + whole);
			if (!all)
				return -1;
			memcpy(all, c->tail, c->tlen);
			memcpy(all + c->tlen, buf, whole);
			r = put_lines(c, all, c->tlen + whole);
			free(all);
			c->tlen = 0;
		} else {
			r = put_lines(c, buf, whole);
		}
		if (r < 0)
			return -1;
	}
	if (size > whole) {
		size_t need = c->tlen + size - whole;
		if (need > c->tcap) {
			char *t = realloc(c->tail, need * 2);
			if (!t)
				return -1;
			c->tail = t;
			c->tcap = need * 2;
		}
		memcpy(c->tail + c->tlen, buf + whole, size - whole);
		c->tlen = need;
	}
	return (ssize_t)size;
}

static int lo_close(void *cookie)
{
	struct lo *c = cookie;
	int r = c->tlen ? put_lines(c, c->tail, c->tlen) : 0;
	if (close(c->fd) < 0 && r == 0)
		r = -1;
	free(c->tail);
	free(c);
	made = NULL;
	return r;
}

FILE *pp_out_whole_lines(FILE *f)
{
	cookie_io_functions_t io = {.write = lo_write, .close = lo_close};
	struct lo *c;
	FILE *n;

	if (!pp_out_is_stream(f))
		return f;
	fflush(f);
	c = calloc(1, sizeof(*c));
	if (!c)
		return f;
	c->fd = fileno(f);
	c->lock = true;
	n = fopencookie(c, "w", io);
	if (!n) {
		free(c);
		return f;
	}
	setvbuf(n, c->buf, _IOFBF, sizeof(c->buf));
	made = n;
	return n;
}
