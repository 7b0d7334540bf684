/* Unconnected UDP ping-pong for scripts/bench-ebpf.sh: for SECONDS seconds
 * a client socket sendto()s a 64-byte datagram to a server socket on
 * loopback, which recvfrom()s it and sends it back with sendto(); the
 * client recvfrom()s the answer before sending the next. Both sockets stay
 * unconnected (every datagram names its peer), as a DNS or syslog server's
 * do, so every datagram passes the cgroup sendmsg/recvmsg hooks. With
 * "connected" after SECONDS, both sockets connect(2) to each other and use
 * send()/recv() without addresses (a QUIC or DNS client's socket, syslog to
 * one server): no cgroup hook runs, only the send/recv tracepoints. Prints
 *   {"port":P,"datagrams":N,"seconds":S}
 * where N counts datagrams both ways (two per round trip).
 * Both ends are one thread, as the workload of issue 16 is: a loopback
 * datagram is queued within the sending call, so nothing sleeps and the
 * rate is what a datagram costs in CPU (two threads measured the VM's
 * wakeup latency, see churn.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIZE 64

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5, start, end, t;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, c;
	socklen_t al = sizeof(a), cl = sizeof(c);
	unsigned long long n = 0;
	char buf[SIZE];
	int cfd, sfd, connected;

	memset(buf, 'x', sizeof(buf));
	sfd = socket(AF_INET, SOCK_DGRAM, 0);
	cfd = socket(AF_INET, SOCK_DGRAM, 0);
	if (sfd < 0 || cfd < 0 || bind(sfd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(sfd, (struct sockaddr *)&a, &al)) {
		perror("udppong: socket");
		return 1;
	}
	connected = argc > 2 && strcmp(argv[2], "connected") == 0;
	if (connected && (connect(cfd, (struct sockaddr *)&a, sizeof(a)) ||
	                  getsockname(cfd, (struct sockaddr *)&c, &cl) ||
	                  connect(sfd, (struct sockaddr *)&c, cl))) {
		perror("udppong: connect");
		return 1;
	}
	start = now();
	end = start + secs;
	/* the clock is read every 256 round trips: a vDSO call each is cheap,
	 * but not free against a 2 us round trip */
	for (t = start; t < end; t = (n & 255) ? t : now()) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof(peer);
		/* each recvfrom() asks for the peer, as a server's does */
		int ok = connected
		    ? send(cfd, buf, sizeof(buf), 0) == SIZE && recv(sfd, buf, sizeof(buf), 0) == SIZE &&
		          send(sfd, buf, sizeof(buf), 0) == SIZE && recv(cfd, buf, sizeof(buf), 0) == SIZE
		    : sendto(cfd, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a)) == SIZE &&
		          recvfrom(sfd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl) == SIZE &&
		          sendto(sfd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, pl) == SIZE &&
		          recvfrom(cfd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl) == SIZE;
		if (!ok) {
			perror("udppong: ping");
			return 1;
		}
		n++;
	}
	t = now() - start;
	printf("{\"port\":%u,\"datagrams\":%llu,\"seconds\":%.3f}\n", ntohs(a.sin_port), 2 * n, t);
	return 0;
}
