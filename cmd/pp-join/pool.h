/* Memory for what pp-join holds by the million (waiting records, sockets,
 * flows): blocks in size classes of 64 bytes, carved from large slabs and
 * reused from a free list per class, instead of one malloc and free each.
 * A freed block goes back to its class, never to the system, so memory is
 * what the peak held; blocks above POOL_MAX come from malloc. The caller
 * says the size again when it frees (every holder knows it). */
#ifndef PP_JOIN_POOL_H
#define PP_JOIN_POOL_H

#include <stddef.h>

#define POOL_MAX 2048

void *pool_get(size_t n);
/* The same, zeroed. */
void *pool_zget(size_t n);
void pool_put(void *p, size_t n);
/* At exit: the slabs back (every block is gone with them). */
void pool_free_all(void);

#endif
