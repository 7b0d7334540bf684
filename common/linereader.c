/* Bounded line reader. See linereader.h. */
#include "linereader.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LR_CHUNK 65536

void lr_init(struct lr *r, int fd, const char *name, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->max = max_line ? max_line : LR_DEFAULT_MAX;
	r->cap = r->max + LR_CHUNK + 1; /* a whole max line + newline + one read */
	r->buf = xmalloc(r->cap);
}

void lr_free(struct lr *r)
{
	free(r->buf);
	r->buf = NULL;
}

int lr_fill(struct lr *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->start > 0 && (r->end == r->cap || r->start > r->cap / 2)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap)
		return LR_AGAIN; /* cannot happen: lr_take bounds buffered bytes */
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? LR_AGAIN : LR_ERROR;
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->end += (size_t)n;
	return (int)(n > 0x7fffffff ? 0x7fffffff : n);
}

int lr_take(struct lr *r, char **line, size_t *len)
{
	for (;;) {
		char *base = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(base, '\n', avail);

		if (r->skipping) {
			/* Discarding the rest of an over-long line. */
			if (!nl) {
				r->start = r->end = 0;
				return r->eof ? LR_EOF : LR_AGAIN;
			}
			r->start += (size_t)(nl - base) + 1;
			r->skipping = false;
			continue;
		}
		if (nl) {
			size_t l = (size_t)(nl - base);
			r->lineno++;
			r->start += l + 1;
			if (l > r->max)
				return LR_TOOLONG;
			*line = base;
			*len = l;
			base[l] = '\0';
			return LR_LINE;
		}
		if (avail > r->max) {
			/* No newline within max bytes: the line is too long. */
			r->lineno++;
			r->skipping = true;
			r->start = r->end = 0;
			return LR_TOOLONG;
		}
		if (r->eof) {
			if (avail == 0)
				return LR_EOF;
			r->lineno++;
			*line = base;
			*len = avail;
			r->start = r->end;
			/* NUL-terminate the tail: there is always room for one byte. */
			if (r->end == r->cap) {
				memmove(r->buf, base, avail);
				base = *line = r->buf;
				r->start = r->end = avail;
			}
			base[avail] = '\0';
			return LR_LINE;
		}
		return LR_AGAIN;
	}
}

int lr_next(struct lr *r, char **line, size_t *len)
{
	for (;;) {
		int t = lr_take(r, line, len);
		if (t != LR_AGAIN)
			return t;
		int f = lr_fill(r);
		if (f == LR_ERROR)
			return LR_ERROR;
		/* LR_AGAIN on a blocking fd means buffer compaction; loop. */
	}
}
