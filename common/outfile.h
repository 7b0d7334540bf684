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

#include <stdio.h>

#define PP_OUTFILE_MODE 0640

/* A descriptor open for writing, emptied if it is a regular file; -1 with
 * errno set and a message "prog: PATH: why" on stderr. */
int pp_outfile_open(const char *path);
/* The same as a stdio stream ("w"); NULL on error (message said). */
FILE *pp_outfile_fopen(const char *path);

#endif
