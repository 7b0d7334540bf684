/* The 5-tuple of a captured packet, for pp-join -r: link layer (the ones
 * pp-sniff -w writes: Ethernet with up to two VLAN tags, Linux cooked v1
 * and v2, raw IP, BSD loopback), IPv4 or IPv6 (extension headers skipped),
 * TCP/UDP/SCTP ports. Bytes from the wire: every read bounds-checked, and
 * false (no tuple, so no process) for whatever it cannot read whole,
 * including later fragments, which have no ports. */
#ifndef PP_JOIN_PKTKEY_H
#define PP_JOIN_PKTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuple.h"

bool pkt_tuple(int dlt, const uint8_t *p, size_t n, struct pp_tuple *t);

#endif
