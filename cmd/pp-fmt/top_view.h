/* --top's model (per-process counts and bytes, newest events) and screen. */
#ifndef PP_FMT_TOP_VIEW_H
#define PP_FMT_TOP_VIEW_H

#include <stdbool.h>

#include "rec.h"
#include "sbuf.h"

struct topview;

struct topview *tv_new(bool numeric, bool utc, bool color);
void tv_record(struct topview *v, struct rec *r);
/* One full frame for a rows x cols terminal into out (cursor home, each line
 * cleared to its end, the rest of the screen cleared); read is the number of
 * records read (those that passed the filter are "shown"). Rates are bytes
 * since the previous frame over the time since it. */
void tv_render(struct topview *v, struct sbuf *out, int rows, int cols, unsigned long read,
               const char *status);
void tv_free(struct topview *v);

#endif
