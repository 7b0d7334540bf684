/* Reading ahead: an input's lines read and parsed on a thread of their
 * own, a few batches ahead of the thread that orders, matches and writes
 * them, so that the two halves of pp-join's work run on two cores. The
 * joining side sees exactly what reading and parsing in turn would give
 * it: the same lines, line numbers, errors and end, in the same order.
 * File mode: with one CPU no thread is started and a batch is filled when
 * the joining side needs it. Live mode: always a thread, which waits for
 * input (poll) and hands on what it has as soon as nothing follows at
 * once. */
#ifndef PP_JOIN_AHEAD_H
#define PP_JOIN_AHEAD_H

#include "join.h"
#include "linereader.h"

/* One line as the reader gave it, parsed. */
struct ahead_line {
	int kind;              /* LR_LINE, LR_TOOLONG, LR_ERROR, LR_EOF */
	bool ok;               /* LR_LINE: parsed; else err says why (NULL: blank) */
	int err_no;            /* LR_ERROR: errno of the read */
	unsigned long lineno;  /* of this line (LR_TOOLONG: of the long one) */
	const char *err;
	const char *line;      /* LR_LINE: the line and what was kept of it */
	const char *kept;      /* (jparse's keep), valid until the next */
	size_t len, klen;      /* ahead_next on this input */
	struct jrec j;
	struct jkeep k;
};

struct ahead;

/* Start reading lr (a regular file's, blocking) ahead. */
struct ahead *ahead_start(struct lr *lr);
/* Live: start reading lr (any file, pipe or terminal); each batch ready is
 * told by a write to the eventfd notify. Cannot fail (exits). */
struct ahead *ahead_start_live(struct lr *lr, int notify);
/* The next line; after LR_EOF or LR_ERROR nothing more is read. */
const struct ahead_line *ahead_next(struct ahead *a);
/* Live: the same, or NULL when no line is ready yet. */
const struct ahead_line *ahead_ready(struct ahead *a);
/* Live, on a signal to stop: read what is there without waiting, then
 * end (ahead_next gives the lines, then LR_EOF). */
void ahead_drain(struct ahead *a);
/* Live: everything read was taken, and the reader waits for more. */
bool ahead_caught_up(struct ahead *a);
/* Stop the thread (if any) and free everything. */
void ahead_free(struct ahead *a);

#endif
