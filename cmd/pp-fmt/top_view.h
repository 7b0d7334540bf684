/* --top's screen and keys: a process view (grouped by program, pid,
 * container, user or destination) and a connection view, sortable by any
 * column, filtered live, scrollable, with a detail pane and help. */
#ifndef PP_FMT_TOP_VIEW_H
#define PP_FMT_TOP_VIEW_H

#include <stdbool.h>

#include "rec.h"
#include "sbuf.h"

/* Keys beyond bytes, as top.c decodes them from escape sequences. */
enum {
	TK_UP = 0x100, TK_DOWN, TK_LEFT, TK_RIGHT, TK_PGUP, TK_PGDN, TK_HOME, TK_END,
	TK_ESC, TK_BTAB,
};

struct topview;

struct topview *tv_new(bool numeric, bool utc, bool color);
void tv_record(struct topview *v, struct rec *r);
/* A key: returns true when it ends the view (q). */
bool tv_key(struct topview *v, int key);
/* One full frame for a rows x cols terminal into out (cursor home, each line
 * cleared to its end, the rest of the screen cleared); read is the number of
 * records read, status what the input is doing. */
void tv_render(struct topview *v, struct sbuf *out, int rows, int cols, unsigned long read,
               const char *status);
void tv_free(struct topview *v);

#endif
