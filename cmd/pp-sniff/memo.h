/* Results remembered by the exact bytes they were computed from: for work
 * that costs far more than comparing its input (a certificate's names, a
 * JA4 hash), on inputs that repeat (a host meets the same servers and the
 * same client TLS stacks again and again). The same bytes give the same
 * answer, so nothing written ever depends on what is cached. Direct-mapped:
 * a new input takes its slot from whatever was there. */
#ifndef PP_SNIFF_MEMO_H
#define PP_SNIFF_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct memo_slot {
	uint8_t *blob; /* key bytes, then the value */
	size_t klen;
};

struct memo {
	struct memo_slot *slot;
	size_t nslots;   /* a power of two */
	size_t vsize;    /* bytes of each value */
	size_t key_max;  /* longer keys are not remembered */
};

#define MEMO_INIT(n, vsz, kmax) {.nslots = (n), .vsize = (vsz), .key_max = (kmax)}

/* Copy the value remembered for key into val: true if there was one. */
bool memo_get(struct memo *m, const void *key, size_t klen, void *val);
/* Remember val for key (quietly not, when out of memory or key too long). */
void memo_put(struct memo *m, const void *key, size_t klen, const void *val);

#endif
