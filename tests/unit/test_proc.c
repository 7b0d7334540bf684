/* Process details (common/proc.c): /proc/PID/stat with hostile comms,
 * cmdline bounds and redaction, container ids from cgroup paths, the cache
 * against this very process; and the socket-table parsers of pp-trace's
 * polling mode (/proc/net lines, sock_diag messages). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "../../cmd/pp-trace/diag.h"
#include "proc.h"
#include "../../cmd/pp-trace/procnet.h"

static int argv_has(char **argv, int argc, const char *s)
{
	for (int i = 0; i < argc; i++)
		if (strstr(argv[i], s))
			return 1;
	return 0;
}

/* Parse a NUL-separated command line given as a string with '|' for NUL. */
static int cmdline(const char *bars, char ***argv)
{
	size_t n = strlen(bars);
	char *b = malloc(n + 1);
	for (size_t i = 0; i <= n; i++)
		b[i] = bars[i] == '|' ? '\0' : bars[i];
	int argc = proc_parse_cmdline(b, n, argv);
	free(b);
	return argc;
}

static struct ksock rows[8];
static int nrows;
static int collect(const struct ksock *k, void *ctx)
{
	(void)ctx;
	if (nrows < 8)
		rows[nrows++] = *k;
	return 0;
}

int main(void)
{
	char comm[16], out[128];
	pid_t ppid;
	uint64_t start;
	char **argv;
	int argc;

	CASE("stat");
	const char *st = "1234 (a) b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10\n";
	CHECK(proc_parse_stat(st, strlen(st), comm, &ppid, &start) == 0);
	CHECK_STR(comm, "a) b) c");
	CHECK(ppid == 1);
	CHECK(start == 98765);
	const char *longcomm = "1 (0123456789abcdefXYZ) S 7 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0";
	CHECK(proc_parse_stat(longcomm, strlen(longcomm), comm, &ppid, &start) == 0);
	CHECK(strlen(comm) == 15 && ppid == 7 && start == 5);
	CHECK(proc_parse_stat("1 (x) S 1 2", 11, comm, &ppid, &start) < 0); /* short */
	CHECK(proc_parse_stat("no paren", 8, comm, &ppid, &start) < 0);
	CHECK(proc_parse_stat("1 (x) S zz 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5", 48, comm, &ppid, &start) < 0);

	CASE("cmdline redaction");
	argc = cmdline("client|--password=hunter2|--token|abc|--user|bob|", &argv);
	CHECK(argc == 6);
	CHECK_STR(argv[1], "--password=[REDACTED]");
	CHECK_STR(argv[2], "--token");
	CHECK_STR(argv[3], "[REDACTED]");
	CHECK_STR(argv[5], "bob");
	CHECK(!argv_has(argv, argc, "hunter2") && !argv_has(argv, argc, "abc"));
	proc_free_argv(argv, argc);

	argc = cmdline("x|-API-KEY=k1|DB_PASSWD=k2|--client-secret|k3|Authorization: Bearer k4|"
	               "--private-key|k5|--apikey=k6|--credentials=k7|--private_key=k8|--api_key|k9|"
	               "https://u:k10@h/p|--mode=token|--keep|me", &argv);
	CHECK(argc == 17);
	for (int i = 1; i <= 10; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		int found = 0;
		for (int a = 0; a < argc; a++) {
			const char *p = argv[a];
			while ((p = strstr(p, k))) {
				/* k1 is a prefix of k10: match whole tokens only. */
				found |= !(p[2] >= '0' && p[2] <= '9');
				p++;
			}
		}
		CHECK(!found);
	}
	CHECK_STR(argv[5], "Authorization:[REDACTED]");
	CHECK_STR(argv[13], "https://u:[REDACTED]@h/p");
	CHECK_STR(argv[14], "--mode=token"); /* the word in a value is fine */
	CHECK_STR(argv[16], "me");
	proc_free_argv(argv, argc);

	CASE("cmdline bounds");
	{
		size_t n = 100 * 3000;
		char *b = malloc(n);
		for (size_t i = 0; i < n; i++)
			b[i] = (i % 3000 == 2999) ? '\0' : 'a';
		argc = proc_parse_cmdline(b, n, &argv);
		CHECK(argc == PROC_ARGS_MAX);
		CHECK(strlen(argv[0]) == PROC_ARG_MAX);
		proc_free_argv(argv, argc);
		/* UTF-8 is not cut in the middle of a character. */
		memset(b, 0, n);
		for (size_t i = 0; i + 1 < 2000; i += 2)
			b[i] = (char)0xC3, b[i + 1] = (char)0xA9;
		b[1023 - 1] = 'x'; /* shift: é pairs now start at odd offsets after it */
		argc = proc_parse_cmdline(b, 2001, &argv);
		CHECK(argc == 1);
		size_t l = strlen(argv[0]);
		CHECK(l <= PROC_ARG_MAX && ((unsigned char)argv[0][l - 1] & 0xC0) != 0xC0);
		proc_free_argv(argv, argc);
		/* The value of a secret option that is the 64th argument. */
		memset(b, 0, n);
		size_t o = 0;
		for (int i = 0; i < 63; i++)
			o += (size_t)sprintf(b + o, "a") + 1;
		o += (size_t)sprintf(b + o, "--token") + 1;
		o += (size_t)sprintf(b + o, "sekrit") + 1;
		argc = proc_parse_cmdline(b, o, &argv);
		CHECK(argc == 64 && !argv_has(argv, argc, "sekrit"));
		proc_free_argv(argv, argc);
		free(b);
	}
	CHECK(proc_parse_cmdline("", 0, &argv) == 0 && argv == NULL);
	argc = proc_parse_cmdline("no-nul-at-end", 13, &argv);
	CHECK(argc == 1 && !strcmp(argv[0], "no-nul-at-end"));
	proc_free_argv(argv, argc);

	CASE("cgroup");
	const char *cg = "12:pids:/x\n1:name=systemd:/y\n0::/system.slice/nginx.service\n";
	char *v2 = proc_cgroup_v2(cg, strlen(cg));
	CHECK_STR(v2, "/system.slice/nginx.service");
	free(v2);
	CHECK(proc_cgroup_v2("1:cpu:/a\n", 9) == NULL);

	CASE("container");
	const char *id = "4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
	char path[512];
	snprintf(path, sizeof(path), "/system.slice/docker-%s.scope", id);
	CHECK(proc_container_from_cgroup(path, out, sizeof(out)) && !strcmp(out, id));
	snprintf(path, sizeof(path), "/docker/%s", id);
	CHECK(proc_container_from_cgroup(path, out, sizeof(out)) && !strcmp(out, id));
	snprintf(path, sizeof(path), "/kubepods.slice/kubepods-burstable.slice/"
	                             "kubepods-burstable-pod1a2b_3c.slice/cri-containerd-%s.scope", id);
	CHECK(proc_container_from_cgroup(path, out, sizeof(out)) && !strcmp(out, id));
	snprintf(path, sizeof(path), "/kubepods/besteffort/pod0b1c-22/%s", id);
	CHECK(proc_container_from_cgroup(path, out, sizeof(out)) && !strcmp(out, id));
	CHECK(proc_container_from_cgroup("/kubepods/besteffort/pod0b1c-22", out, sizeof(out)) &&
	      !strcmp(out, "pod0b1c-22"));
	snprintf(path, sizeof(path), "/machine.slice/libpod-%s.scope/container", id);
	CHECK(proc_container_from_cgroup(path, out, sizeof(out)) && !strcmp(out, id));
	snprintf(path, sizeof(path), "/system.slice/crio-%s.scope", id);
	CHECK(proc_container_from_cgroup(path, out, sizeof(out)) && !strcmp(out, id));
	CHECK(proc_container_from_cgroup("/system.slice/ssh.service", out, sizeof(out)) &&
	      !strcmp(out, "ssh.service"));
	CHECK(proc_container_from_cgroup("/user.slice/user-0.slice/session-3.scope", out, sizeof(out)) &&
	      !strcmp(out, "session-3.scope"));
	CHECK(!proc_container_from_cgroup("/", out, sizeof(out)));
	CHECK(!proc_container_from_cgroup("/process_api/9b8a12099acbfba0245ba28b80b4b193", out, sizeof(out)));
	CHECK(!proc_container_from_cgroup("/system.slice/docker-xyz.scope/..", out, sizeof(out)) ||
	      strcmp(out, "xyz"));

	CASE("this process");
	struct proc_cache *c = proc_cache_new();
	const struct proc_info *pi = proc_cache_get(c, getpid());
	CHECK(pi != NULL);
	if (pi) {
		CHECK_STR(pi->comm, "test_proc");
		CHECK(pi->ppid == getppid());
		CHECK(pi->has_uid && pi->uid == getuid());
		CHECK(pi->exe && strstr(pi->exe, "test_proc"));
		CHECK(pi->argc >= 1 && strstr(pi->argv[0], "test_proc"));
		CHECK(pi->netns == proc_netns_of("self/ns/net") && pi->netns != 0);
		CHECK(!pi->gone);
	}
	proc_cache_tick(c);
	const struct proc_info *again = proc_cache_get(c, getpid());
	CHECK(again == pi); /* same process, same entry */
	CHECK(proc_cache_get(c, 0) == NULL);
	/* An exited child: still described (as gone) once cached. */
	pid_t kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	CHECK(proc_cache_get(c, kid) != NULL);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	proc_cache_tick(c);
	pi = proc_cache_get(c, kid);
	CHECK(pi && pi->gone);
	proc_cache_free(c);

	CASE("/proc/net lines");
	struct ksock k;
	const char *hdr = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
	CHECK(procnet_parse_line(hdr, strlen(hdr), AF_INET, IPPROTO_TCP, &k) == 0);
	const char *l4 = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0\n";
	CHECK(procnet_parse_line(l4, strlen(l4), AF_INET, IPPROTO_TCP, &k) == 1);
	char a[PP_ADDRSTRLEN];
	CHECK_STR(pp_addr_fmt(&k.laddr, a), "127.0.0.1");
	CHECK(k.lport == 8080 && k.state == KS_LISTEN && k.uid == 1000 && k.inode == 12345);
	CHECK_STR(ksock_state_name(&k), "LISTEN");
	/* ::1 is printed as four host-order words: 00000000 00000000 00000000 01000000 */
	const char *l6 = "   1: 00000000000000000000000001000000:0016 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0 20 4 30 10 -1\n";
	CHECK(procnet_parse_line(l6, strlen(l6), AF_INET6, IPPROTO_TCP, &k) == 1);
	CHECK_STR(pp_addr_fmt(&k.laddr, a), "::1");
	CHECK_STR(pp_addr_fmt(&k.raddr, a), "::ffff:127.0.0.1");
	CHECK(k.lport == 22 && k.rport == 0xD431 && k.state == KS_ESTABLISHED);
	CHECK_STR(ksock_state_name(&k), "ESTAB");
	CHECK(procnet_parse_line("   0: 0100007F:1F90\n", 19, AF_INET, IPPROTO_TCP, &k) < 0);
	CHECK(procnet_parse_line(l4, strlen(l4), AF_INET6, IPPROTO_TCP, &k) < 0); /* wrong width */
	const char *bad = "   0: 0100007G:1F90 00000000:0000 0A 0:0 0:0 0 0 0 1\n";
	CHECK(procnet_parse_line(bad, strlen(bad), AF_INET, IPPROTO_TCP, &k) < 0);

	CASE("sock_diag messages");
	{
		/* One TCP message with tcp_info, then NLMSG_DONE. */
		uint8_t buf[1024] __attribute__((aligned(8)));
		memset(buf, 0, sizeof(buf));
		struct nlmsghdr *h = (void *)buf;
		struct inet_diag_msg *m = NLMSG_DATA(h);
		m->idiag_family = AF_INET;
		m->idiag_state = KS_ESTABLISHED;
		m->id.idiag_sport = htons(40000);
		m->id.idiag_dport = htons(443);
		inet_pton(AF_INET, "10.0.0.2", m->id.idiag_src);
		inet_pton(AF_INET, "10.0.0.1", m->id.idiag_dst);
		m->idiag_uid = 33;
		m->idiag_inode = 4242;
		struct nlattr *at = (void *)((uint8_t *)m + NLMSG_ALIGN(sizeof(*m)));
		at->nla_type = INET_DIAG_INFO;
		at->nla_len = NLA_HDRLEN + sizeof(struct tcp_info);
		struct tcp_info ti;
		memset(&ti, 0, sizeof(ti));
		ti.tcpi_bytes_acked = 1001; /* + the SYN */
		ti.tcpi_bytes_received = 2000;
		memcpy((uint8_t *)at + NLA_HDRLEN, &ti, sizeof(ti));
		h->nlmsg_len = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*m)) + NLA_ALIGN(at->nla_len));
		h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		h->nlmsg_seq = 7;
		struct nlmsghdr *d = (void *)(buf + NLMSG_ALIGN(h->nlmsg_len));
		d->nlmsg_len = NLMSG_LENGTH(4);
		d->nlmsg_type = NLMSG_DONE;
		d->nlmsg_seq = 7;
		size_t len = NLMSG_ALIGN(h->nlmsg_len) + d->nlmsg_len;
		nrows = 0;
		CHECK(diag_parse(buf, len, 7, IPPROTO_TCP, collect, NULL) == 1);
		CHECK(nrows == 1);
		CHECK(rows[0].lport == 40000 && rows[0].rport == 443 && rows[0].uid == 33 && rows[0].inode == 4242);
		CHECK(rows[0].has_bytes && rows[0].bytes_acked == 1001 && rows[0].bytes_received == 2000);
		CHECK(ksock_tx_payload(&rows[0], false) == 1000); /* active: SYN off */
		CHECK(ksock_tx_payload(&rows[0], true) == 1001);
		rows[0].state = KS_TIME_WAIT;
		CHECK(ksock_tx_payload(&rows[0], false) == 999); /* and the FIN */
		rows[0].state = KS_FIN_WAIT1;
		rows[0].bytes_sent = 1000;
		CHECK(ksock_tx_payload(&rows[0], false) == 1000);
		/* The peer's FIN counts in tcpi_bytes_received once it came. */
		rows[0].state = KS_ESTABLISHED;
		CHECK(ksock_rx_payload(&rows[0]) == 2000);
		rows[0].state = KS_FIN_WAIT2;
		CHECK(ksock_rx_payload(&rows[0]) == 2000);
		rows[0].state = KS_CLOSE_WAIT;
		CHECK(ksock_rx_payload(&rows[0]) == 1999);
		rows[0].state = KS_LAST_ACK;
		CHECK(ksock_rx_payload(&rows[0]) == 1999);
		rows[0].state = KS_CLOSING;
		CHECK(ksock_rx_payload(&rows[0]) == 1999);
		rows[0].bytes_received = 0;
		CHECK(ksock_rx_payload(&rows[0]) == 0);
		CHECK_STR(pp_addr_fmt(&rows[0].raddr, a), "10.0.0.1");
		/* Another sequence number: ignored. */
		nrows = 0;
		CHECK(diag_parse(buf, len, 8, IPPROTO_TCP, collect, NULL) == 0 && nrows == 0);
		/* A length that lies. */
		h->nlmsg_len = 5000;
		CHECK(diag_parse(buf, len, 7, IPPROTO_TCP, collect, NULL) < 0);
		/* NLMSG_ERROR: its errno, and a value that is none. */
		{
			uint8_t eb[64] __attribute__((aligned(8)));
			memset(eb, 0, sizeof(eb));
			struct nlmsghdr *eh = (void *)eb;
			struct nlmsgerr *ee = NLMSG_DATA(eh);
			eh->nlmsg_len = NLMSG_LENGTH(sizeof(*ee));
			eh->nlmsg_type = NLMSG_ERROR;
			eh->nlmsg_seq = 9;
			ee->error = -EPERM;
			CHECK(diag_parse(eb, eh->nlmsg_len, 9, IPPROTO_TCP, collect, NULL) < 0 && errno == EPERM);
			ee->error = INT32_MIN;
			CHECK(diag_parse(eb, eh->nlmsg_len, 9, IPPROTO_TCP, collect, NULL) < 0 && errno == EIO);
		}
		/* A truncated message. */
		h->nlmsg_len = NLMSG_LENGTH(8);
		CHECK(diag_parse(buf, NLMSG_LENGTH(8), 7, IPPROTO_TCP, collect, NULL) < 0);
	}
	return check_done("test_proc");
}
