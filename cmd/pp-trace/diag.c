/* sock_diag netlink dumps (see diag.h). The model is iproute2 misc/ss.c:
 * one SOCK_DIAG_BY_FAMILY dump request per family and protocol, all states,
 * with INET_DIAG_INFO for tcp_info. */
#include "diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int diag_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	/* A large receive buffer: a dump of many sockets arrives in bursts. */
	int sz = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

void diag_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Byte counters from tcp_info, if the attribute is long enough to hold
 * them (kernels before 4.1 send a shorter struct, before 4.19 one without
 * tcpi_bytes_sent). They are sequence-number counts, not payload: acked
 * counts our SYN and FIN, received the peer's FIN; ksock_tx_payload() and
 * ksock_rx_payload() take those off. */
static void parse_tcp_info(const void *p, size_t n, struct ksock *k)
{
	const size_t need = offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(uint64_t);
	const size_t need_sent = offsetof(struct tcp_info, tcpi_bytes_sent) + sizeof(uint64_t);
	struct tcp_info ti;
	if (n < need)
		return;
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, p, n < sizeof(ti) ? n : sizeof(ti));
	k->bytes_acked = ti.tcpi_bytes_acked;
	k->bytes_received = ti.tcpi_bytes_received;
	k->bytes_sent = n >= need_sent ? ti.tcpi_bytes_sent : UINT64_MAX;
	k->has_bytes = true;
}

/* One SOCK_DIAG_BY_FAMILY message: base points at its payload of plen
 * bytes (no alignment assumed: everything is memcpy'd out). */
static int parse_msg(const uint8_t *base, size_t plen, uint8_t proto, ksock_cb cb, void *ctx)
{
	struct inet_diag_msg m;
	struct ksock k;

	if (plen < sizeof(m)) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&m, base, sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return 0;
	memset(&k, 0, sizeof(k));
	k.proto = proto;
	k.family = m.idiag_family;
	k.state = m.idiag_state;
	if (k.family == AF_INET) {
		pp_addr_from4(&k.laddr, m.id.idiag_src);
		pp_addr_from4(&k.raddr, m.id.idiag_dst);
	} else {
		pp_addr_from6(&k.laddr, m.id.idiag_src);
		pp_addr_from6(&k.raddr, m.id.idiag_dst);
	}
	k.lport = ntohs(m.id.idiag_sport);
	k.rport = ntohs(m.id.idiag_dport);
	k.inode = m.idiag_inode;
	k.uid = m.idiag_uid;
	k.cookie = (uint64_t)m.id.idiag_cookie[0] | (uint64_t)m.id.idiag_cookie[1] << 32;

	/* Attributes follow the message, each 4-byte aligned. */
	size_t off = NLMSG_ALIGN(sizeof(m));
	while (off + sizeof(struct nlattr) <= plen) {
		struct nlattr a;
		memcpy(&a, base + off, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > plen - off)
			break;
		if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO && proto == IPPROTO_TCP)
			parse_tcp_info(base + off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN, &k);
		off += NLA_ALIGN(a.nla_len);
	}
	return cb(&k, ctx) ? 1 : 0;
}

int diag_parse(const void *buf, size_t len, uint32_t seq, uint8_t proto, ksock_cb cb, void *ctx)
{
	const uint8_t *p = buf;
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off) {
			errno = EBADMSG;
			return -1;
		}
		if (h.nlmsg_seq == seq) {
			if (h.nlmsg_type == NLMSG_DONE)
				return 1;
			if (h.nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;
				if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e))) {
					errno = EBADMSG;
					return -1;
				}
				memcpy(&e, p + off + NLMSG_HDRLEN, sizeof(e));
				/* A negative errno; anything else is not one. */
				errno = e.error < 0 && e.error > -4096 ? -e.error : EIO;
				return -1;
			}
			if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				if (h.nlmsg_len < NLMSG_HDRLEN) {
					errno = EBADMSG;
					return -1;
				}
				int r = parse_msg(p + off + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN,
				                  proto, cb, ctx);
				if (r < 0)
					return -1;
				if (r > 0)
					return 1; /* the callback asked to stop */
			}
		}
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len - off)
			break;
		off += step;
	}
	return 0;
}

int diag_dump(int fd, uint8_t family, uint8_t proto, ksock_cb cb, void *ctx)
{
	/* Per thread: --update (update.c) dumps from its own thread. */
	static _Thread_local uint32_t seq;
	static _Thread_local uint8_t buf[64 * 1024] __attribute__((aligned(8)));
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = ++seq;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = proto;
	req.r.idiag_states = ~0u; /* every state */
	if (proto == IPPROTO_TCP)
		req.r.idiag_ext = 1 << (INET_DIAG_INFO - 1);

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		int r = diag_parse(buf, (size_t)n, seq, proto, cb, ctx);
		if (r < 0)
			return -1;
		if (r > 0)
			return 0;
	}
}
