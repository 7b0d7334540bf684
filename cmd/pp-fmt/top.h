/* pp-fmt --top: a live, top-style view of a record stream on the terminal. */
#ifndef PP_FMT_TOP_H
#define PP_FMT_TOP_H

#include <stdbool.h>

#include "filter.h"

/* Read records from the files (stdin when none), keys from /dev/tty, and
 * redraw every interval seconds until q, Ctrl-C or SIGTERM. The terminal is
 * restored on every way out. Returns the exit status. */
int top_run(char **files, int nfiles, const struct filter *f, bool numeric, bool utc,
            double interval);

#endif
