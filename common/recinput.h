/* The record input loop that pp-fmt and pp-nft share: read each named file
 * (or stdin for none or "-") line by line, parse each line as a record, hand
 * good records to a callback, report bad lines once each as
 * "prog: FILE:LINE: what is wrong" and count them. An idle callback runs
 * whenever the input has nothing more ready (so live output can be flushed
 * per batch). */
#ifndef PP_RECINPUT_H
#define PP_RECINPUT_H

#include <stdbool.h>

#include "rec.h"

struct rin_stats {
	unsigned long records;   /* good records handed to the callback */
	unsigned long bad_lines; /* malformed or over-long lines skipped */
	unsigned long bad_files; /* files that could not be opened or read */
};

/* Return non-zero from on_record to stop reading (e.g. stdout closed). */
typedef int (*rin_record_fn)(struct rec *r, const char *file, unsigned long line, void *ctx);
typedef int (*rin_idle_fn)(void *ctx);

int rin_run(char **files, int nfiles, rin_record_fn on_record, rin_idle_fn on_idle, void *ctx,
            struct rin_stats *st);

/* At exit: "prog: N malformed lines skipped" etc., when any. */
void rin_report(const struct rin_stats *st);

#endif
