/* Loopback TCP churn for scripts/bench-ebpf.sh: for SECONDS seconds, one
 * thread connects, accepts, closes the accepted end, sees the end of
 * stream and closes, as fast as it goes. Prints
 *   {"port":P,"connections":N,"seconds":S}
 * One thread, as the workload of issue 16 is: on loopback the handshake
 * and the FIN are delivered within the sending call, so nothing ever
 * sleeps and the rate is what one connection costs in CPU. Two threads
 * that wake each other measured the VM's wakeup latency instead (62 % of
 * the time idle in halt on our machines, whose guests do not poll before
 * halting), in which a tool's cost hides or even shows as a gain. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5, start, end;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	unsigned long long n = 0;
	int lfd;
	char b;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1024) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		perror("churn: listen");
		return 1;
	}
	start = now();
	end = start + secs;
	while (now() < end) {
		int c = socket(AF_INET, SOCK_STREAM, 0), s;
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) != 0) {
			perror("churn: connect");
			return 1;
		}
		if ((s = accept(lfd, NULL, NULL)) < 0) {
			perror("churn: accept");
			return 1;
		}
		close(s);
		while (read(c, &b, 1) > 0)
			;
		close(c);
		n++;
	}
	printf("{\"port\":%u,\"connections\":%llu,\"seconds\":%.3f}\n", ntohs(a.sin_port), n,
	       now() - start);
	return 0;
}
