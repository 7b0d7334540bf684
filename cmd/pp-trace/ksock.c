/* Names and helpers for kernel socket-table rows. */
#include "ksock.h"

#include <netinet/in.h>
#include <string.h>

const char *ksock_state_name(const struct ksock *k)
{
	/* As ss(8) prints them (iproute2 misc/ss.c sstate_name). */
	static const char *const names[KS_MAX_STATES] = {
		[KS_ESTABLISHED] = "ESTAB",     [KS_SYN_SENT] = "SYN-SENT",
		[KS_SYN_RECV] = "SYN-RECV",     [KS_FIN_WAIT1] = "FIN-WAIT-1",
		[KS_FIN_WAIT2] = "FIN-WAIT-2",  [KS_TIME_WAIT] = "TIME-WAIT",
		[KS_CLOSE] = "UNCONN",          [KS_CLOSE_WAIT] = "CLOSE-WAIT",
		[KS_LAST_ACK] = "LAST-ACK",     [KS_LISTEN] = "LISTEN",
		[KS_CLOSING] = "CLOSING",       [KS_NEW_SYN_RECV] = "SYN-RECV",
		[KS_BOUND_INACTIVE] = "UNCONN",
	};
	if (k->state < KS_MAX_STATES && names[k->state])
		return names[k->state];
	return "UNKNOWN";
}

bool ksock_addr_any(const struct pp_addr *a)
{
	static const uint8_t zero[16];
	size_t n = a->family == AF_INET ? 4 : 16;
	return !memcmp(a->a, zero, n);
}

uint64_t ksock_rx_payload(const struct ksock *k)
{
	uint64_t rx = k->bytes_received;
	switch (k->state) {
	case KS_CLOSE_WAIT:
	case KS_LAST_ACK:
	case KS_CLOSING:
		if (rx > 0)
			rx--; /* the peer's FIN */
		break;
	}
	return rx;
}

uint64_t ksock_tx_payload(const struct ksock *k, bool passive)
{
	uint64_t tx = k->bytes_acked;
	if (!passive && tx > 0)
		tx--; /* our SYN */
	switch (k->state) {
	case KS_FIN_WAIT2:
	case KS_TIME_WAIT:
		if (tx > 0)
			tx--; /* our FIN, acknowledged */
		break;
	case KS_FIN_WAIT1:
	case KS_CLOSING:
	case KS_LAST_ACK:
		if (tx > k->bytes_sent)
			tx = k->bytes_sent;
		break;
	}
	return tx;
}
