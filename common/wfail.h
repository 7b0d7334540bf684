/* The write-failure state of a command's output: one way for every command
 * to end when a write fails.
 *
 * The reader going away (EPIPE: "| head") ends the output quietly, exit
 * status 0, as DESIGN.md asks; any other error (ENOSPC, EIO, ...) is
 * reported once as "prog: write error: ..." and makes the status 1. Either
 * way nothing more is written, and the caller stops producing output. */
#ifndef PP_WFAIL_H
#define PP_WFAIL_H

#include <stdbool.h>
#include <stdio.h>

enum { PP_WF_OK, PP_WF_GONE, PP_WF_FAILED };

struct pp_wfail {
	int state; /* PP_WF_*: only ever moves away from PP_WF_OK */
};

/* A write failed with errno err: note it (reported once unless EPIPE).
 * Returns -1, for "return pp_wfail_note(...)". */
int pp_wfail_note(struct pp_wfail *w, int err);
/* Has the output ended (reader gone or write error)? */
static inline bool pp_wfail_ended(const struct pp_wfail *w)
{
	return w->state != PP_WF_OK;
}
/* Did it end by a write error (status 1)? */
static inline bool pp_wfail_failed(const struct pp_wfail *w)
{
	return w->state == PP_WF_FAILED;
}
/* fflush(f), noting a failure: 0, or -1 once the output has ended. */
int pp_wfail_flush(struct pp_wfail *w, FILE *f);
/* At exit: flush and close f (unless the output ended before) and give the
 * exit status the output asks for: 1 after a write error, else 0. */
int pp_wfail_close(struct pp_wfail *w, FILE *f);

#endif
