/* pp-trace eBPF mode, the user-space half that needs no kernel programs:
 * decoding ring-buffer records (every field, every rejection), the per-CPU
 * counter sum, the cgroup v2 mount from /proc/mounts text, capability names
 * and the routing lookup for wildcard-bound UDP sockets. */
#include <linux/types.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "../../bpf/socktrace.h"
#include "../../cmd/pp-trace/ebpf_env.h"
#include "../../cmd/pp-trace/ebpf_event.h"

static const struct ebpf_clock clk = { .mono_to_epoch_us = 1700000000000000LL,
				       .eph_lo = 32768, .eph_hi = 60999, .clk_tck = 100 };

static struct ppb_event v4_event(int kind)
{
	struct ppb_event r;

	memset(&r, 0, sizeof(r));
	r.kind = (__u8)kind;
	r.family = AF_INET;
	r.proto = kind == PPB_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	r.state = 1; /* ESTABLISHED */
	r.ts_ns = 5000000000ULL;    /* 5 s after boot */
	r.saddr[0] = 10, r.saddr[3] = 2;
	r.daddr[0] = 192, r.daddr[1] = 0, r.daddr[2] = 2, r.daddr[3] = 1;
	r.sport = 51514;
	r.dport = 443;
	r.flags = PPB_F_PID | PPB_F_OUT;
	r.pid = 4242;
	r.ppid = 4200;
	r.pstart_ns = 123456789012ULL; /* 123.45 s after boot */
	r.uid = 1000;
	r.netns = 4026531840u;
	r.sk = 0xffff888012345678ULL;
	memcpy(r.comm, "curl", 5);
	return r;
}

static int decode(const struct ppb_event *r, struct sock_event *e, bool *nl, const char **why)
{
	return ebpf_event_decode(r, sizeof(*r), &clk, e, nl, why);
}

static const char *addr(const struct pp_addr *a, char *buf)
{
	return pp_addr_fmt(a, buf);
}

static void test_connect(void)
{
	struct ppb_event r = v4_event(PPB_CONNECT);
	struct sock_event e;
	const char *why = NULL;
	bool nl = true;
	char b[PP_ADDRSTRLEN];

	CASE("connect");
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_CONNECT);
	CHECK(e.ts_us == 1700000005000000ULL);
	CHECK(e.t.proto == IPPROTO_TCP);
	CHECK_STR(addr(&e.t.src, b), "10.0.0.2");
	CHECK_STR(addr(&e.t.dst, b), "192.0.2.1");
	CHECK(e.t.sport == 51514 && e.t.dport == 443);
	CHECK(e.out);
	CHECK_STR(e.state, "ESTAB");
	CHECK(e.pid == 4242 && e.ppid == 4200 && e.has_uid && e.uid == 1000);
	CHECK(e.start_time == 12345); /* ticks of 10 ms, rounded down like the kernel */
	CHECK_STR(e.comm, "curl");
	CHECK(!e.has_bytes);
	CHECK(e.duration < 0);
	CHECK(e.netns == 4026531840u);
	CHECK(e.sock_cookie == 0xffff888012345678ULL);
	CHECK(!nl);
}

static void test_close(void)
{
	struct ppb_event r = v4_event(PPB_CLOSE);
	struct sock_event e;
	const char *why = NULL;
	bool nl;

	CASE("close");
	r.state = 7;
	r.flags |= PPB_F_BYTES | PPB_F_START;
	r.start_ns = r.ts_ns - 1500000000ULL;
	r.tx_bytes = 12347;
	r.rx_bytes = 99;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_CLOSE);
	CHECK_STR(e.state, "CLOSE");
	/* outbound: our SYN was counted */
	CHECK(e.has_bytes && e.tx_bytes == 12346 && e.rx_bytes == 99);
	CHECK(e.duration > 1.4999 && e.duration < 1.5001);

	CASE("close: FINs come off the counters");
	r.flags |= PPB_F_FIN_IN | PPB_F_FIN_ACKED;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.tx_bytes == 12345 && e.rx_bytes == 98);
	r.flags &= (__u8)~PPB_F_OUT; /* accepted: no SYN of ours in the count */
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.tx_bytes == 12346 && e.rx_bytes == 98);
	r.tx_bytes = r.rx_bytes = 0; /* never below zero */
	r.flags |= PPB_F_OUT;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.tx_bytes == 0 && e.rx_bytes == 0);
	r.tx_bytes = 12347;
	r.rx_bytes = 99;

	CASE("close without start or owner");
	r.flags = PPB_F_BYTES | PPB_F_OUT;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.duration < 0);
	CHECK(e.pid == -1 && !e.has_uid && e.comm[0] == '\0' && e.start_time == 0);

	CASE("start after the event is no duration");
	r.flags = PPB_F_START;
	r.start_ns = r.ts_ns + 1;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.duration < 0);
}

static void test_listen_accept(void)
{
	struct ppb_event r = v4_event(PPB_LISTEN);
	struct sock_event e;
	const char *why;
	bool nl;
	char b[PP_ADDRSTRLEN];

	CASE("listen has no responder");
	r.state = 10;
	r.flags = PPB_F_PID;
	r.dport = 0;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_LISTEN && !e.out);
	CHECK_STR(e.state, "LISTEN");
	CHECK(e.t.dst.family == 0 && e.t.dport == 0);
	CHECK_STR(addr(&e.t.src, b), "10.0.0.2");

	CASE("a listener's close has no responder either");
	r.kind = PPB_CLOSE;
	r.state = 7;
	r.flags = PPB_F_PID | PPB_F_LISTENER | PPB_F_START;
	r.start_ns = r.ts_ns - 2000000000ULL;
	r.daddr[0] = 1; /* whatever the socket held */
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_CLOSE && !e.out && e.t.dst.family == 0 && e.t.dport == 0);
	CHECK(e.duration > 1.999 && e.duration < 2.001);

	CASE("accept");
	r = v4_event(PPB_ACCEPT);
	r.flags = PPB_F_PID;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_ACCEPT && !e.out);
}

static void test_nodir(void)
{
	struct ppb_event r = v4_event(PPB_CLOSE);
	struct sock_event e;
	const char *why;
	bool nl;
	char b[PP_ADDRSTRLEN];

	CASE("older socket, local ephemeral port: outbound");
	r.flags = PPB_F_NODIR | PPB_F_BYTES;
	r.state = 7;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.out);
	CHECK_STR(addr(&e.t.src, b), "10.0.0.2");
	CHECK(e.t.sport == 51514);

	CASE("older socket, local service port: inbound, peer first");
	r.sport = 22;
	r.dport = 40000;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(!e.out);
	CHECK_STR(addr(&e.t.src, b), "192.0.2.1");
	CHECK(e.t.sport == 40000 && e.t.dport == 22);
	CHECK_STR(addr(&e.t.dst, b), "10.0.0.2");
}

static void test_v6_and_udp(void)
{
	struct ppb_event r = v4_event(PPB_UDP);
	struct sock_event e;
	const char *why;
	bool nl;
	char b[PP_ADDRSTRLEN];

	CASE("udp, wildcard local address");
	memset(r.saddr, 0, sizeof(r.saddr));
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_UDP && e.t.proto == IPPROTO_UDP && e.state == NULL);
	CHECK(nl);

	CASE("udp in: the local side is the responder");
	r.flags = PPB_F_PID; /* in */
	memcpy(r.saddr, r.daddr, 4);
	memset(r.daddr, 0, sizeof(r.daddr));
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(nl && !e.out);

	CASE("udp with a bound address");
	r.daddr[0] = 127, r.daddr[3] = 1;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(!nl);

	CASE("v4-mapped v6 stays mapped");
	r.family = AF_INET6;
	memset(r.saddr, 0, 16);
	memset(r.daddr, 0, 16);
	r.saddr[10] = r.saddr[11] = 0xff, r.saddr[12] = 127, r.saddr[15] = 1;
	r.daddr[10] = r.daddr[11] = 0xff; /* ::ffff:0.0.0.0: unknown */
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK_STR(addr(&e.t.src, b), "::ffff:127.0.0.1");
	CHECK(nl);

	CASE("v6");
	r = v4_event(PPB_CONNECT);
	r.family = AF_INET6;
	memset(r.saddr, 0, 16);
	memset(r.daddr, 0, 16);
	r.saddr[0] = 0x20, r.saddr[1] = 0x01, r.saddr[2] = 0x0d, r.saddr[3] = 0xb8, r.saddr[15] = 1;
	r.daddr[15] = 1;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK_STR(addr(&e.t.src, b), "2001:db8::1");
	CHECK_STR(addr(&e.t.dst, b), "::1");
}

static void test_udp_close(void)
{
	struct ppb_event r = v4_event(PPB_CLOSE);
	struct sock_event e;
	const char *why;
	bool nl;
	char b[PP_ADDRSTRLEN];

	CASE("udp close, connected: bytes as counted, no SYN/FIN taken off");
	r.proto = IPPROTO_UDP;
	r.flags |= PPB_F_BYTES | PPB_F_START;
	r.tx_bytes = 4;
	r.rx_bytes = 9;
	r.start_ns = r.ts_ns - 1500000000ULL;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_CLOSE && e.t.proto == IPPROTO_UDP && e.out);
	CHECK(e.has_bytes && e.tx_bytes == 4 && e.rx_bytes == 9);
	CHECK(e.duration > 1.49 && e.duration < 1.51);
	CHECK_STR(e.state, "ESTAB");
	CHECK(!nl);

	CASE("udp close, unconnected: its own address only, UNCONN");
	r.flags = PPB_F_PID | PPB_F_BYTES | PPB_F_START | PPB_F_LISTENER;
	r.state = 7;
	r.tx_bytes = 0;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(!e.out && e.tx_bytes == 0 && e.rx_bytes == 9);
	CHECK_STR(e.state, "UNCONN");
	CHECK_STR(addr(&e.t.src, b), "10.0.0.2");
	CHECK(e.t.dst.family == 0 && e.t.dport == 0);

	CASE("udp listen: an unconnected socket, its own address");
	r.kind = PPB_LISTEN;
	CHECK(decode(&r, &e, &nl, &why) == 0);
	CHECK(e.ev == SEV_LISTEN && e.t.proto == IPPROTO_UDP && !e.out && !nl);
	CHECK_STR(e.state, "UNCONN");
	CHECK(e.t.dst.family == 0 && e.t.dport == 0);

	CASE("udp connect or accept is no record");
	r.kind = PPB_CONNECT;
	CHECK(decode(&r, &e, &nl, &why) == -1);
	r.kind = PPB_ACCEPT;
	CHECK(decode(&r, &e, &nl, &why) == -1);
}

static void test_reject(void)
{
	struct ppb_event r = v4_event(PPB_CONNECT), bad;
	struct sock_event e;
	const char *why;
	bool nl;
	unsigned char big[sizeof(r) + 8];

	CASE("size");
	why = NULL;
	CHECK(ebpf_event_decode(&r, sizeof(r) - 1, &clk, &e, &nl, &why) == -1 && why);
	memset(big, 0, sizeof(big));
	memcpy(big, &r, sizeof(r));
	CHECK(ebpf_event_decode(big, sizeof(big), &clk, &e, &nl, &why) == -1);
	CHECK(ebpf_event_decode(&r, 0, &clk, &e, &nl, &why) == -1);

	CASE("kind");
	bad = r, bad.kind = 0;
	CHECK(decode(&bad, &e, &nl, &why) == -1);
	bad = r, bad.kind = 99;
	CHECK(decode(&bad, &e, &nl, &why) == -1);
	CASE("family");
	bad = r, bad.family = 1;
	CHECK(decode(&bad, &e, &nl, &why) == -1);
	CASE("protocol");
	bad = r, bad.proto = 1;
	CHECK(decode(&bad, &e, &nl, &why) == -1);
	bad = r, bad.proto = IPPROTO_UDP; /* a UDP connect */
	CHECK(decode(&bad, &e, &nl, &why) == -1);
	CASE("state");
	bad = r, bad.state = 0;
	CHECK(decode(&bad, &e, &nl, &why) == -1);
	bad = r, bad.state = 200;
	CHECK(decode(&bad, &e, &nl, &why) == -1);

	CASE("comm without its NUL");
	bad = r;
	memset(bad.comm, 'A', sizeof(bad.comm));
	CHECK(decode(&bad, &e, &nl, &why) == 0);
	CHECK(strlen(e.comm) == 15);
}

static void test_states(void)
{
	CASE("state names");
	CHECK_STR(ebpf_tcp_state_name(1), "ESTAB");
	CHECK_STR(ebpf_tcp_state_name(2), "SYN-SENT");
	CHECK_STR(ebpf_tcp_state_name(6), "TIME-WAIT");
	CHECK_STR(ebpf_tcp_state_name(10), "LISTEN");
	CHECK(ebpf_tcp_state_name(0) == NULL);
	CHECK(ebpf_tcp_state_name(13) == NULL);
}

static void test_counts(void)
{
	struct ppb_counters c[3] = { { 5, 1, 0, 3 }, { 7, 0, 2, 0 }, { 0, 4, 0, 1 } };
	struct ebpf_counts s;

	CASE("per-CPU sum");
	ebpf_counts_sum(c, 3, &s);
	CHECK(s.events == 12 && s.drops == 5 && s.sock_full == 2 && s.udp_unread == 4);
}

static int root_of(const char *text, char *buf, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc = ebpf_cgroup2_root(f, buf, len);
	fclose(f);
	return rc;
}

static void test_env(void)
{
	char buf[256];
	struct pp_addr peer, local;

	CASE("cgroup2 mount");
	CHECK(root_of("sysfs /sys sysfs rw 0 0\n"
		      "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
		      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n"
		      "cgroup2 /other cgroup2 rw 0 0\n", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/sys/fs/cgroup/unified");
	CHECK(root_of("none /sys/fs/cgroup\\040v2 cgroup2 rw 0 0\n", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/sys/fs/cgroup v2");
	CHECK(root_of("cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\ncgroup2\n", buf, sizeof(buf)) == -1);
	CHECK(root_of("", buf, sizeof(buf)) == -1);
	CHECK(root_of("x /a/very/long/path cgroup2 rw 0 0\n", buf, 8) == 0);
	CHECK_STR(buf, "/a/very");

	CASE("capability names");
	CHECK_STR(ebpf_caps_name(EC_BPF | EC_PERFMON, buf, sizeof(buf)), "CAP_BPF and CAP_PERFMON");
	CHECK_STR(ebpf_caps_name(EC_BPF | EC_PERFMON | EC_NET_ADMIN, buf, sizeof(buf)),
		  "CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN");
	CHECK_STR(ebpf_caps_name(EC_NET_ADMIN, buf, sizeof(buf)), "CAP_NET_ADMIN");

	CASE("routing lookup on loopback");
	pp_addr_parse("127.0.0.1", &peer);
	CHECK(ebpf_local_addr(&peer, 53, &local) == 0);
	CHECK_STR(pp_addr_fmt(&local, buf), "127.0.0.1");
	pp_addr_parse("::1", &peer);
	if (ebpf_local_addr(&peer, 53, &local) == 0)
		CHECK_STR(pp_addr_fmt(&local, buf), "::1");
}

int main(void)
{
	test_connect();
	test_close();
	test_listen_accept();
	test_nodir();
	test_v6_and_udp();
	test_udp_close();
	test_reject();
	test_states();
	test_counts();
	test_env();
	return check_done("test_ebpf_event");
}
