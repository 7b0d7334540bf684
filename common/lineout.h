/* Output that other writers of the same pipe can share: every write(2)
 * carries whole lines, and while it runs a POSIX record lock on the pipe
 * keeps every other PortPulse writer out, so lines of pp-trace and pp-sniff
 * writing into one pipe ({ pp-trace & pp-sniff; } | pp-join) never mix,
 * however long they are. Without the lock (a kernel or descriptor that
 * refuses it) writes are cut at line ends into PIPE_BUF pieces, which the
 * kernel writes atomically. */
#ifndef PP_LINEOUT_H
#define PP_LINEOUT_H

#include <stdbool.h>
#include <stdio.h>

/* Is f a pipe, FIFO or socket (a stream another program reads live)? */
bool pp_out_is_stream(FILE *f);
/* When f is a pipe, FIFO or socket: a stream on the same descriptor that
 * writes as above (f itself is flushed and left alone); else f. Use it
 * in place of f, e.g. stdout = pp_out_whole_lines(stdout). */
FILE *pp_out_whole_lines(FILE *f);

#endif
