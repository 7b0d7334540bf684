/* dnssnoop ring-buffer record -> dns record (see kdns_event.h). */
#include <linux/types.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsmsg.h"
#include "jsonw.h"
#include "kdns_event.h"
#include "pp.h"
#include "../../bpf/dnssnoop.h"

#define KNOWN_FLAGS (PPD_F_PID | PPD_F_CUT | PPD_F_TCP | PPD_F_IN)

static void set_addr(struct pp_addr *a, int family, const uint8_t *bytes)
{
	if (family == AF_INET)
		pp_addr_from4(a, bytes);
	else
		pp_addr_from6(a, bytes);
}

int kdns_decode(const void *data, size_t n, const struct ebpf_clock *clk, struct kdns_msg *m,
                const char **why)
{
	struct ppd_hdr h;

	if (n < sizeof(h)) {
		*why = "DNS record shorter than its header";
		return -1;
	}
	memcpy(&h, data, sizeof(h));
	if (h.len != n - sizeof(h) || h.len > PPD_MSG_MAX || h.len > h.msg_len) {
		*why = "DNS record of a length that does not fit its header";
		return -1;
	}
	if (h.family != AF_INET && h.family != AF_INET6) {
		*why = "DNS record of an unknown address family";
		return -1;
	}
	if (h.flags & ~KNOWN_FLAGS) {
		*why = "DNS record with unknown flags";
		return -1;
	}
	memset(m, 0, sizeof(*m));
	m->msg = (const uint8_t *)data + sizeof(h);
	m->len = h.len;
	m->cut = h.flags & PPD_F_CUT;
	m->tcp = h.flags & PPD_F_TCP;

	struct sock_event *e = &m->e;
	e->ev = SEV_UDP; /* not written: only sock records have an event */
	e->ts_us = (uint64_t)((int64_t)(h.ts_ns / 1000) + clk->mono_to_epoch_us);
	e->t.proto = m->tcp ? IPPROTO_TCP : IPPROTO_UDP;
	set_addr(&e->t.src, h.family, h.caddr);
	set_addr(&e->t.dst, h.family, h.saddr);
	e->t.sport = h.cport;
	e->t.dport = h.sport;
	e->out = true; /* the client: the socket whose process it is */
	e->duration = -1;
	e->netns = h.netns;
	e->sock_cookie = h.cookie;
	e->pid = -1;
	if (h.flags & PPD_F_PID) {
		e->pid = h.pid;
		e->ppid = h.ppid;
		/* as the kernel's nsec_to_clock_t() makes field 22 of stat */
		if (clk->clk_tck > 0 && 1000000000L % clk->clk_tck == 0)
			e->start_time = h.pstart_ns / (uint64_t)(1000000000L / clk->clk_tck);
		e->uid = h.uid;
		e->has_uid = true;
		memcpy(e->comm, h.comm, sizeof(e->comm));
		e->comm[sizeof(e->comm) - 1] = '\0';
	}
	return 0;
}

static void body(struct jw *w, void *arg)
{
	const struct kdns_msg *m = arg;
	pp_dns_msg_write(w, m->msg, m->len, m->cut, m->tcp ? "tcp" : "udp");
}

int kdns_emit(const struct kdns_msg *m, const struct trace_opts *o, FILE *out)
{
	if (!pp_dns_msg_ok(m->msg, m->len, m->cut))
		return 0;
	return trace_record_emit(&m->e, o, out, "dns", body, (void *)m);
}
