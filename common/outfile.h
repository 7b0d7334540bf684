/* Output files the user names (-o FILE, -w FILE): created with mode 0640
 * (less with the umask), and never written through something an attacker
 * planted at that name in a shared directory such as /tmp:
 *   - a symbolic link as the last component is refused (O_NOFOLLOW), also a
 *     dangling one that would make us create the file it points to;
 *   - a regular file with other hard links is refused (it is someone
 *     else's file under a second name), before anything is truncated;
 *   - a file owned by another user in a sticky, world-writable directory is
 *     refused (the kernel's protected_regular rule, enforced whatever the
 *     sysctl says);
 *   - FIFOs and character devices (/dev/null) are written, not truncated.
 * Symbolic links in the directory part of the path are followed: they are
 * the user's own choice of where to write. "-" is standard output. */
#ifndef PP_OUTFILE_H
#define PP_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#define PP_OUTFILE_MODE 0640

/* A descriptor open for writing, emptied if it is a regular file; -1 with
 * errno set and a message "prog: PATH: why" on stderr. */
int pp_outfile_open(const char *path);
/* The same as a stdio stream ("w"); NULL on error (message said). */
FILE *pp_outfile_fopen(const char *path);

/* -o FILE of pp-trace, pp-sniff and pp-join: records go to FILE instead of
 * standard output (it becomes descriptor 1, so every writer of stdout
 * follows), appended to when it exists (a restart never loses records),
 * with the checks above. SIGHUP asks for a reopen (for logrotate): the
 * file is opened again by name, relative to a descriptor of its directory
 * held from the start, so that it works after the sandbox (Landlock then
 * needs a create rule on pp_output_dir()). "-" keeps standard output.
 * 0, or -1 with a message. */
int pp_output_open(const char *path);
/* May a command make SIGHUP end its run? Not with -o (SIGHUP reopens),
 * nor when it was ignored at start (nohup; a service whose shell ignores
 * it so that logrotate's SIGHUP to the whole unit reaches only pp-join). */
bool pp_sighup_ends_run(void);
/* The directory of the -o file, for the sandbox; NULL without -o. */
const char *pp_output_dir(void);
/* A SIGHUP came and the file was not reopened yet. */
bool pp_output_reopen_pending(void);
/* If a SIGHUP came: flush f (stdout) to the old file, open the name again
 * and make it standard output. -1 when that failed (said on stderr; the
 * old file stays in use). pp_out_flush calls it after each flush. */
int pp_output_reopen(FILE *f);

#endif
