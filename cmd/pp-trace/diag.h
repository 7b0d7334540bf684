/* Socket tables from sock_diag netlink (inet_diag), as ss(8) reads them. */
#ifndef PP_DIAG_H
#define PP_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "ksock.h"

/* A NETLINK_SOCK_DIAG socket; -1 with errno when the kernel has none. */
int diag_open(void);
void diag_close(int fd);

/* Dump every socket of family (AF_INET/AF_INET6) and proto (IPPROTO_TCP/
 * IPPROTO_UDP) in all states; TCP rows carry the byte counters of tcp_info.
 * cb gets each row. 0, or -1 with errno (the dump failed). */
int diag_dump(int fd, uint8_t family, uint8_t proto, ksock_cb cb, void *ctx);

/* Parse one datagram of dump replies (a sequence of nlmsghdr). Rows go to
 * cb. Returns 1 when NLMSG_DONE was seen, 0 when more is to come, -1 with
 * errno on NLMSG_ERROR or malformed data (the kernel is trusted, but every
 * length is checked anyway). Messages whose seq is not seq are ignored. */
int diag_parse(const void *buf, size_t len, uint32_t seq, uint8_t proto, ksock_cb cb, void *ctx);

#endif
