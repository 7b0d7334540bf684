/* The same packets as fuzz_sniff_packets, through the real dissectors: the
 * core and the dissectors together (stream offsets, STARTTLS, last calls,
 * wrong guesses, QUIC over any UDP port). Seeds: those of
 * fuzz_sniff_packets (scripts/fuzz.sh reads tests/fuzz/seeds/fuzz_sniff_apps,
 * a link to them). */
#define FUZZ_REAL_DISSECTORS
#include "fuzz_sniff_packets.c"
