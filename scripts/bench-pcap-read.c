/* The floor for scripts/bench-sniff.sh: read every packet of a capture with
 * pcap_next_ex and touch its bytes, nothing else.
 *   bench-pcap-read FILE      pcap_open_offline, as most libpcap tools do
 *   bench-pcap-read -m FILE   the file through mmap (glibc's fopen "rbm"),
 *                             as pp-sniff -r reads a regular file */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	unsigned long n = 0, sum = 0;
	pcap_t *pc;
	int rc;

	if (argc == 3 && strcmp(argv[1], "-m") == 0) {
		FILE *f = fopen(argv[2], "rbm");
		pc = f ? pcap_fopen_offline(f, err) : NULL;
	} else {
		pc = argc == 2 ? pcap_open_offline(argv[1], err) : NULL;
	}
	if (!pc) {
		fprintf(stderr, "usage: bench-pcap-read [-m] FILE\n");
		return 2;
	}
	while ((rc = pcap_next_ex(pc, &h, &p)) == 1) {
		n++;
		sum += p[h->caplen / 2];
	}
	printf("%lu packets (%lu)\n", n, sum);
	pcap_close(pc);
	return rc == PCAP_ERROR_BREAK ? 0 : 1;
}
