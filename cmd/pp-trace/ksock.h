/* One row of the kernel's socket tables, as sock_diag netlink (diag.c) or
 * /proc/net (procnet.c) reports it: what the polling mode diffs. */
#ifndef PP_KSOCK_H
#define PP_KSOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "tuple.h"

/* Kernel TCP states (include/net/tcp_states.h). UDP sockets report
 * TCP_ESTABLISHED when connected and TCP_CLOSE when not. */
enum {
	KS_ESTABLISHED = 1, KS_SYN_SENT, KS_SYN_RECV, KS_FIN_WAIT1, KS_FIN_WAIT2,
	KS_TIME_WAIT, KS_CLOSE, KS_CLOSE_WAIT, KS_LAST_ACK, KS_LISTEN, KS_CLOSING,
	KS_NEW_SYN_RECV, KS_BOUND_INACTIVE, KS_MAX_STATES
};

struct ksock {
	uint8_t proto;           /* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t family;          /* AF_INET / AF_INET6 (of the socket) */
	uint8_t state;           /* KS_* */
	struct pp_addr laddr, raddr; /* as the socket has them (v4-mapped kept) */
	uint16_t lport, rport;   /* host order */
	uint64_t inode;          /* 0: no file (time-wait, orphaned, not accepted) */
	uint32_t uid;
	uint64_t cookie;         /* sock_diag socket cookie, 0 unknown */
	bool has_bytes;          /* the tcp_info counters below are set */
	uint64_t bytes_acked;    /* tcpi_bytes_acked: counts SYN and FIN too */
	uint64_t bytes_received; /* tcpi_bytes_received: counts the peer's FIN too */
	uint64_t bytes_sent;     /* tcpi_bytes_sent (with retransmits); UINT64_MAX unknown */
};

/* Payload bytes sent and acknowledged: tcpi_bytes_acked without the
 * sequence numbers that SYN and FIN take. The active opener's count
 * includes its SYN (the SYN-ACK acknowledges it through the usual path);
 * the passive side's does not. A FIN is counted once acknowledged, which
 * FIN-WAIT-2 and TIME-WAIT say; in FIN-WAIT-1, CLOSING and LAST-ACK it may
 * or may not be, and tcpi_bytes_sent caps the count. */
uint64_t ksock_tx_payload(const struct ksock *k, bool passive);

/* Payload bytes received: tcpi_bytes_received (the kernel's rcv_nxt
 * advance) counts the sequence number of the peer's FIN too. A FIN has
 * come in exactly in the states reached by receiving one: CLOSE-WAIT,
 * LAST-ACK and CLOSING (TIME-WAIT rows carry no tcp_info). */
uint64_t ksock_rx_payload(const struct ksock *k);

/* ss(8)'s names: ESTAB, SYN-SENT, ..., UNCONN for a UDP socket that is
 * not connected. */
const char *ksock_state_name(const struct ksock *k);

/* Is the address 0.0.0.0, :: (a wildcard bind)? */
bool ksock_addr_any(const struct pp_addr *a);

/* Receives each row; returns 0 to go on. */
typedef int (*ksock_cb)(const struct ksock *k, void *ctx);

#endif
