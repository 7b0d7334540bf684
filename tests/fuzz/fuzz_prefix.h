/* The growing prefixes that the stream targets hand a dissector, as
 * pp-sniff's core hands it a direction's bytes while segments arrive: each
 * call gets the whole direction so far. The first prefixes grow by `step`
 * bytes (every split point of a short message), later ones also by a
 * sixteenth of what came before. Steps of a few bytes to the end of a
 * 4 KiB input were hundreds to thousands of calls, each rescanning the
 * line or record still incomplete, for the same code (fuzz_http ran at a
 * few thousand inputs a second); the fuzzer still puts a split anywhere
 * by moving bytes. */
#ifndef FUZZ_PREFIX_H
#define FUZZ_PREFIX_H

#include <stddef.h>

static inline size_t fuzz_next_prefix(size_t k, size_t step)
{
	return k + step + k / 16;
}

#endif
