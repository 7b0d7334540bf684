/* Socket inode -> pid, from /proc/PID/fd, found incrementally: a scan runs
 * only when sockets with inodes not yet known have appeared, looks first at
 * the processes that recently owned new sockets, and stops as soon as every
 * wanted inode is found. */
#ifndef PP_INODES_H
#define PP_INODES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct inomap;

struct inomap *inomap_new(void);
void inomap_free(struct inomap *m);

/* The owner of inode: > 0 a pid, 0 still to be looked up (inomap_want was
 * called and no scan ran yet), -1 not found (no access, or the socket has
 * no process). */
pid_t inomap_get(struct inomap *m, uint64_t inode);
/* Ask for inode to be resolved by the next inomap_resolve. */
void inomap_want(struct inomap *m, uint64_t inode);
/* Scan /proc for the wanted inodes. An inode not found is tried again at
 * the next scans a few times (its fd may not have been installed yet), then
 * given up. */
void inomap_resolve(struct inomap *m);
/* The socket is gone: forget its inode. */
void inomap_forget(struct inomap *m, uint64_t inode);

/* Did a scan meet /proc/PID/fd directories it may not read? */
bool inomap_denied(const struct inomap *m);
/* Statistics: full or partial scans run, and fd links read. */
unsigned long inomap_scans(const struct inomap *m);
unsigned long long inomap_links(const struct inomap *m);

#endif
