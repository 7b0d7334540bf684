/* Socket tables from /proc/net/{tcp,tcp6,udp,udp6}: the fallback when
 * sock_diag netlink is not available. No byte counters there. */
#ifndef PP_PROCNET_H
#define PP_PROCNET_H

#include <stddef.h>
#include <stdint.h>

#include "ksock.h"

/* One line of such a table. 1 and *k filled for a socket row, 0 for the
 * header line, -1 when the line is malformed. IPv6 addresses there are four
 * 32-bit words printed in host byte order. */
int procnet_parse_line(const char *line, size_t n, uint8_t family, uint8_t proto, struct ksock *k);

/* Read the table of family and proto under proc_root()/net. 0, or -1 with
 * errno when it cannot be opened; a malformed line is skipped, and the
 * first in each table reported as "pp-trace: FILE:LINE: ...". */
int procnet_dump(uint8_t family, uint8_t proto, ksock_cb cb, void *ctx);
/* Malformed lines skipped so far (the first of each table is reported when
 * met, since every poll reads the tables again). */
unsigned long procnet_bad_lines(void);

#endif
