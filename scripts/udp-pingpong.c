/* UDP ping-pong on loopback, for scripts/bench-kdns.sh: two connected UDP
 * sockets in one process bounce a 32-byte datagram for SECS seconds (each
 * round trip: two sends, two receives, so two egress and two ingress
 * packets). Prints {"round_trips":N,"seconds":S}. Port 53 is never used:
 * this is the traffic the DNS programs must leave at once. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int sock_bound(struct sockaddr_in *a)
{
	socklen_t l = sizeof(*a);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = 0;
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) || getsockname(s, (struct sockaddr *)a, &l)) {
		perror("udp-pingpong: socket");
		exit(1);
	}
	return s;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3, t0, t;
	struct sockaddr_in a, b;
	char buf[32] = "ping";
	long n = 0;
	int sa = sock_bound(&a), sb = sock_bound(&b);

	if (connect(sa, (struct sockaddr *)&b, sizeof(b)) || connect(sb, (struct sockaddr *)&a, sizeof(a))) {
		perror("udp-pingpong: connect");
		return 1;
	}
	t0 = now();
	do {
		for (int i = 0; i < 1000; i++, n++) {
			if (send(sa, buf, sizeof(buf), 0) != sizeof(buf) || recv(sb, buf, sizeof(buf), 0) != sizeof(buf) ||
			    send(sb, buf, sizeof(buf), 0) != sizeof(buf) || recv(sa, buf, sizeof(buf), 0) != sizeof(buf)) {
				perror("udp-pingpong");
				return 1;
			}
		}
		t = now();
	} while (t - t0 < secs);
	printf("{\"round_trips\":%ld,\"seconds\":%.6f}\n", n, t - t0);
	return 0;
}
