/* Bounded line reader over a file descriptor.
 *
 * Memory stays within max_line (+ one read) whatever the input: a line longer
 * than max_line is reported once as LR_TOOLONG (with its line number) and its
 * remaining bytes are discarded up to the next newline. Works on blocking fds
 * (lr_next) and, for pp-join's poll loop, on non-blocking ones (lr_fill +
 * lr_take). A last line without a final newline is still a line. */
#ifndef PP_LINEREADER_H
#define PP_LINEREADER_H

#include <stdbool.h>
#include <stddef.h>

#define LR_DEFAULT_MAX (1u << 20) /* 1 MiB: far above any real record */

enum {
	LR_LINE = 1,     /* line and len set; valid until the next call */
	LR_EOF = 0,
	LR_AGAIN = -1,   /* no complete line buffered (non-blocking) */
	LR_TOOLONG = -2, /* lineno is the long line's number; go on reading */
	LR_ERROR = -3,   /* read error, errno set */
};

struct lr {
	int fd;
	const char *name;      /* for messages: file name or "-" */
	unsigned long lineno;  /* number of the line last returned */
	char *buf;
	size_t cap, start, end, max;
	bool eof, skipping;
};

/* Cannot fail (the buffer comes from xmalloc). */
void lr_init(struct lr *r, int fd, const char *name, size_t max_line);
void lr_free(struct lr *r);
/* One read() into the buffer: >0 bytes, 0 at EOF, LR_AGAIN, LR_ERROR. */
int lr_fill(struct lr *r);
/* A complete line from what is buffered, without reading. At EOF the
 * unterminated tail is returned as a line, then LR_EOF. */
int lr_take(struct lr *r, char **line, size_t *len);
/* Blocking: the next line, LR_TOOLONG, LR_EOF or LR_ERROR. */
int lr_next(struct lr *r, char **line, size_t *len);

#endif
