/* Cost of QUIC Initial decryption per packet (built and run by
 * scripts/bench-quic.sh): the RFC 9001 Appendix A client Initial through
 * quic_udp() with a fresh flow each time (key derivation, header
 * protection, AES-128-GCM, CRYPTO frames, ClientHello, JA4, record), and
 * the parts on their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cmd/pp-sniff/dissect.h"
#include "../cmd/pp-sniff/quic.h"
#include "../tests/unit/quic_vectors.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &out[n++]);
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t pkt[1300], out[1300];
	uint8_t dcid[8];
	int iters = argc > 1 ? atoi(argv[1]) : 20000;
	size_t n = unhex(V1_PROTECTED, pkt), hl, pl;
	uint64_t pn;
	struct jw w;
	const char *app = NULL;
	struct sniff_ctx c = {.from_orig = true, .app = &app, .w = &w};
	struct quic_keys k;
	double t0, full, keys, open;

	unhex(RFC_DCID, dcid);
	jw_init(&w);
	c.out = fopen("/dev/null", "w");
	t0 = now();
	for (int i = 0; i < iters; i++) {
		void *st = NULL;
		quic_udp(&c, &st, pkt, n);
		quic_free(st);
	}
	full = (now() - t0) / iters;
	t0 = now();
	for (int i = 0; i < iters; i++) {
		quic_client_initial_keys(QUIC_V1, dcid, 8, &k);
		quic_keys_free(&k);
	}
	keys = (now() - t0) / iters;
	quic_client_initial_keys(QUIC_V1, dcid, 8, &k);
	t0 = now();
	for (int i = 0; i < iters; i++)
		quic_open_packet(&k, pkt, n, 18, -1, out, &hl, &pl, &pn);
	open = (now() - t0) / iters;
	quic_keys_free(&k);
	printf("   per client Initial (1200 B), whole path: %.1f us  (%.0f Initials/s on one core)\n",
	       full * 1e6, 1 / full);
	printf("     key derivation (HKDF x5): %.1f us; header protection + AES-128-GCM: %.1f us\n",
	       keys * 1e6, open * 1e6);
	printf("   records: %llu ClientHellos from %d runs\n", quic_stats.hellos, iters);
	return quic_stats.hellos == (unsigned long long)iters ? 0 : 1;
}
