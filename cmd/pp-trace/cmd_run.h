/* pp-trace -- COMMAND [ARG...] and -p PID --children (cmd_run.c). */
#ifndef PP_TRACE_CMD_RUN_H
#define PP_TRACE_CMD_RUN_H

#include <stdbool.h>
#include <sys/types.h>

struct trace_opts;

/* First thing in main: the signal dispositions and mask pp-trace was
 * started with, which COMMAND gets back. */
void cmd_note_start(void);
/* Before -o replaces standard output: keep the original for COMMAND. */
void cmd_keep_stdout(void);
/* Start COMMAND (held until trace_ready()) in a scope of its own and set
 * o->scope; installs the signal handlers of the run. Exits with 125 when it
 * cannot. records_to_file: -o was given (COMMAND keeps standard output;
 * otherwise its standard output is pp-trace's standard error). */
void cmd_start(struct trace_opts *o, char **argv, bool records_to_file);
/* After the run: wait for COMMAND and return the exit status of
 * pp-trace: COMMAND's (128+N when killed by signal N), or 125 when
 * pp-trace itself failed (trace_status not 0, or COMMAND never started). */
int cmd_finish(int trace_status);

/* -p PID --children: o->scope is PID's process tree. */
void cmd_children(struct trace_opts *o, pid_t pid);

#endif
