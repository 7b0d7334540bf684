/* Kernel record -> struct sock_event (see ebpf_event.h). */
#include <linux/types.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ebpf_event.h"
#include "pp.h"
#include "../../bpf/socktrace.h"

const char *ebpf_tcp_state_name(unsigned state)
{
	/* include/net/tcp_states.h numbering, ss(8) names */
	static const char *const names[] = {
		[1] = "ESTAB", [2] = "SYN-SENT", [3] = "SYN-RECV", [4] = "FIN-WAIT-1",
		[5] = "FIN-WAIT-2", [6] = "TIME-WAIT", [7] = "CLOSE", [8] = "CLOSE-WAIT",
		[9] = "LAST-ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "SYN-RECV",
	};
	return state < PP_ARRAY_LEN(names) ? names[state] : NULL;
}

static void set_addr(struct pp_addr *a, int family, const uint8_t *bytes)
{
	if (family == AF_INET)
		pp_addr_from4(a, bytes);
	else
		pp_addr_from6(a, bytes);
}

static bool all_zero(const uint8_t *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

int ebpf_event_decode(const void *data, size_t n, const struct ebpf_clock *clk,
		      struct sock_event *e, bool *needs_local, const char **why)
{
	struct ppb_event r;

	if (n != sizeof(r)) {
		*why = "record of unexpected size";
		return -1;
	}
	memcpy(&r, data, sizeof(r)); /* the ring buffer gives 8-byte alignment; copy anyway */
	memset(e, 0, sizeof(*e));
	switch (r.kind) {
	case PPB_CONNECT: e->ev = SEV_CONNECT; break;
	case PPB_ACCEPT: e->ev = SEV_ACCEPT; break;
	case PPB_LISTEN: e->ev = SEV_LISTEN; break;
	case PPB_UDP: e->ev = SEV_UDP; break;
	case PPB_CLOSE: e->ev = SEV_CLOSE; break;
	default:
		*why = "unknown event kind";
		return -1;
	}
	if (r.family != AF_INET && r.family != AF_INET6) {
		*why = "unknown address family";
		return -1;
	}
	if (r.proto != IPPROTO_TCP && r.proto != IPPROTO_UDP) {
		*why = "unknown protocol";
		return -1;
	}
	if (r.proto == IPPROTO_UDP ? r.kind == PPB_CONNECT || r.kind == PPB_ACCEPT : r.kind == PPB_UDP) {
		*why = "protocol does not fit the event";
		return -1;
	}

	e->ts_us = (uint64_t)((int64_t)(r.ts_ns / 1000) + clk->mono_to_epoch_us);
	e->t.proto = r.proto;
	set_addr(&e->t.src, r.family, r.saddr);
	e->t.sport = r.sport;
	if (r.kind != PPB_LISTEN && !(r.flags & PPB_F_LISTENER)) {
		set_addr(&e->t.dst, r.family, r.daddr);
		e->t.dport = r.dport;
	}
	e->out = r.flags & PPB_F_OUT;
	if (r.proto == IPPROTO_TCP) {
		e->state = ebpf_tcp_state_name(r.state);
		if (!e->state) {
			*why = "unknown TCP state";
			return -1;
		}
	} else if (r.kind != PPB_UDP) {
		/* listen, close: as ss(8) and the polling mode name a UDP
		 * socket's state */
		e->state = r.state == 1 ? "ESTAB" : "UNCONN";
	}

	/* A socket older than us: the kernel put the local side first. Decide
	 * the direction by the ephemeral port range: a local ephemeral port
	 * talking to a non-ephemeral one is our outbound connection. */
	if (r.flags & PPB_F_NODIR) {
		bool l_eph = r.sport >= clk->eph_lo && r.sport <= clk->eph_hi;
		bool p_eph = r.dport >= clk->eph_lo && r.dport <= clk->eph_hi;
		if (l_eph && !p_eph) {
			e->out = true;
		} else {
			struct pp_addr a = e->t.src;
			uint16_t p = e->t.sport;
			e->t.src = e->t.dst;
			e->t.sport = e->t.dport;
			e->t.dst = a;
			e->t.dport = p;
			e->out = false;
		}
	}

	e->pid = -1;
	if (r.flags & PPB_F_PID) {
		e->pid = r.pid;
		e->ppid = r.ppid;
		/* as the kernel's nsec_to_clock_t() makes field 22 of stat */
		if (clk->clk_tck > 0 && 1000000000L % clk->clk_tck == 0)
			e->start_time = r.pstart_ns / (uint64_t)(1000000000L / clk->clk_tck);
		e->uid = r.uid;
		e->has_uid = true;
		memcpy(e->comm, r.comm, sizeof(e->comm));
		e->comm[sizeof(e->comm) - 1] = '\0';
	}
	if ((r.flags & PPB_F_BYTES) && r.proto == IPPROTO_UDP) {
		/* datagram payload, counted as the syscalls returned it */
		e->tx_bytes = r.tx_bytes;
		e->rx_bytes = r.rx_bytes;
		e->has_bytes = true;
	} else if (r.flags & PPB_F_BYTES) {
		/* Payload: the kernel's counters less the sequence numbers that
		 * SYN and FIN take. Our SYN was acknowledged on every connection
		 * we opened that got anywhere; an accepted socket starts after
		 * the handshake. */
		uint64_t tx = r.tx_bytes, rx = r.rx_bytes;
		if (e->out && tx > 0)
			tx--;
		if ((r.flags & PPB_F_FIN_ACKED) && tx > 0)
			tx--;
		if ((r.flags & PPB_F_FIN_IN) && rx > 0)
			rx--;
		e->tx_bytes = tx;
		e->rx_bytes = rx;
		e->has_bytes = true;
	}
	e->duration = -1;
	if (r.kind == PPB_CLOSE && (r.flags & PPB_F_START) && r.ts_ns >= r.start_ns)
		e->duration = (double)(r.ts_ns - r.start_ns) / 1e9;
	e->netns = r.netns;
	e->sock_cookie = r.sk;

	/* A datagram on a wildcard-bound socket: the kernel had no local
	 * address to give; the caller may resolve it. */
	*needs_local = false;
	if (r.kind == PPB_UDP) {
		const uint8_t *local = (r.flags & PPB_F_OUT) ? r.saddr : r.daddr;
		bool v4m = r.family == AF_INET6 && all_zero(local, 10) && local[10] == 0xff &&
			   local[11] == 0xff && all_zero(local + 12, 4);
		*needs_local = all_zero(local, r.family == AF_INET ? 4 : 16) || v4m;
	}
	return 0;
}

void ebpf_counts_sum(const void *percpu, int ncpu, struct ebpf_counts *sum)
{
	const struct ppb_counters *c = percpu;

	memset(sum, 0, sizeof(*sum));
	for (int i = 0; i < ncpu; i++) {
		sum->events += c[i].events;
		sum->drops += c[i].drops;
		sum->sock_full += c[i].sock_full;
		sum->udp_unread += c[i].udp_unread;
	}
}
