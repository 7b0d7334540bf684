/* pp-sniff's flow table at 1k to 1M flows, for scripts/bench-flows.sh:
 * linked with pp-sniff's engine (every cmd/pp-sniff/*.c but main.c), fed
 * synthetic packets through sniff_packet as libpcap would. For each table
 * size N: N TCP SYNs of new flows (insert: lookup that misses, flow, start
 * record), then an ACK for each (lookup that hits), then N more SYNs while
 * the first N are open; prints ns per packet of each phase and the longest
 * single packet (a rehash that stops the world would show there), all in
 * this thread's CPU time (the cost of reading the clock taken off the
 * averages). Records go to /dev/null.
 *   bench-flowtab [N ...]      (default 1000 10000 100000 1000000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/dlt.h>

#include "sniff.h"

/* CPU time, not wall time: the machine is shared, and a preempted packet
 * is not a slow one. */
static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* What timing one packet adds, subtracted from the averages. */
static double clock_cost(void)
{
	double t0 = now_ns(), x = 0;
	for (int i = 0; i < 100000; i++)
		x += now_ns();
	return (now_ns() - t0) / 100000 + (x < 0);
}

/* Ethernet + IPv4 + TCP without options: flow i is 10.x.y.z:(1024 + ...) ->
 * 192.0.2.1:443; base moves the whole set to other addresses. */
static void frame(uint8_t *p, unsigned i, unsigned base, uint8_t flags, int reply)
{
	unsigned c = i + base;
	uint8_t cli[4] = {10, (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c};
	uint8_t srv[4] = {192, 0, 2, 1};
	uint16_t cport = (uint16_t)(1024 + (c >> 24)), sport = 443;
	memset(p, 0, 54);
	p[12] = 0x08;
	uint8_t *ip = p + 14, *tcp = p + 34;
	ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = 6;
	memcpy(ip + 12, reply ? srv : cli, 4);
	memcpy(ip + 16, reply ? cli : srv, 4);
	uint16_t a = reply ? sport : cport, b = reply ? cport : sport;
	tcp[0] = (uint8_t)(a >> 8), tcp[1] = (uint8_t)a, tcp[2] = (uint8_t)(b >> 8), tcp[3] = (uint8_t)b;
	tcp[7] = 1, tcp[12] = 0x50, tcp[13] = flags;
}

struct phase { double total, worst; };
static double cost;

static void run(struct sniff *s, unsigned n, unsigned base, uint8_t flags, uint64_t *ts, struct phase *ph)
{
	uint8_t p[54];
	double t0 = now_ns();
	ph->worst = 0;
	for (unsigned i = 0; i < n; i++) {
		frame(p, i, base, flags, 0);
		double a = now_ns();
		sniff_packet(s, DLT_EN10MB, (*ts)++, p, sizeof(p), sizeof(p), NULL);
		double d = now_ns() - a;
		if (d > ph->worst)
			ph->worst = d;
	}
	ph->total = now_ns() - t0 - n * cost;
}

int main(int argc, char **argv)
{
	static const unsigned dflt[] = {1000, 10000, 100000, 1000000};
	FILE *out = fopen("/dev/null", "w");
	int nn = argc > 1 ? argc - 1 : 4;

	cost = clock_cost();

	printf("   %9s %12s %12s %12s %14s\n", "flows", "insert ns", "lookup ns", "insert at 2N", "worst packet us");
	for (int k = 0; k < nn; k++) {
		unsigned n = argc > 1 ? (unsigned)strtoul(argv[k + 1], NULL, 10) : dflt[k];
		struct sniff_opts o;
		struct sniff s;
		struct phase ins, look, ins2;
		uint64_t ts = 1700000000000000ull; /* 1 us apart: nothing times out */

		sniff_defaults(&o);
		o.max_flows = 4 * (unsigned long)n;
		o.update_us = 0;
		if (sniff_init(&s, &o, out) != 0)
			return 1;
		run(&s, n, 0, 0x02, &ts, &ins);     /* SYN: new flows */
		run(&s, n, 0, 0x10, &ts, &look);    /* ACK: the same flows */
		run(&s, n, n, 0x02, &ts, &ins2);    /* SYN: N more, N open */
		double worst = ins.worst > look.worst ? ins.worst : look.worst;
		if (ins2.worst > worst)
			worst = ins2.worst;
		printf("   %9u %12.0f %12.0f %12.0f %14.0f\n", n, ins.total / n, look.total / n, ins2.total / n,
		       worst / 1e3);
		fflush(stdout);
		s.src_name = NULL;
		sniff_finish(&s);
	}
	return 0;
}
