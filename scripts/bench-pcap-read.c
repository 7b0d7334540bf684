/* The floor for scripts/bench-sniff.sh: read every packet of a capture with
 * pcap_next_ex and touch its bytes, nothing else. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	unsigned long n = 0, sum = 0;
	pcap_t *pc;
	int rc;

	if (argc != 2 || !(pc = pcap_open_offline(argv[1], err))) {
		fprintf(stderr, "usage: bench-pcap-read FILE\n");
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
