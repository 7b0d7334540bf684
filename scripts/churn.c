/* Loopback TCP churn for scripts/bench-ebpf.sh: for SECONDS seconds, a
 * client connects, the server accepts and closes, the client sees the end
 * of stream and closes; as fast as it goes. Prints
 *   {"port":P,"connections":N,"seconds":S}
 * Server and client are two threads of this process, so one run uses the
 * two cores of our machines the way a busy local service would. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lfd;

static void *server(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c >= 0)
			close(c);
		else if (errno == EINVAL || errno == EBADF)
			return NULL;
	}
}

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
	pthread_t th;
	char b;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1024) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al)) {
		perror("churn: listen");
		return 1;
	}
	pthread_create(&th, NULL, server, NULL);
	start = now();
	end = start + secs;
	while (now() < end) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) != 0) {
			perror("churn: connect");
			return 1;
		}
		while (read(c, &b, 1) > 0)
			;
		close(c);
		n++;
	}
	printf("{\"port\":%u,\"connections\":%llu,\"seconds\":%.3f}\n", ntohs(a.sin_port), n,
	       now() - start);
	shutdown(lfd, SHUT_RDWR);
	return 0;
}
