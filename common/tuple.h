/* Addresses, the 5-tuple, and Community ID v1. */
#ifndef PP_TUPLE_H
#define PP_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_ADDRSTRLEN 46 /* INET6_ADDRSTRLEN */

struct pp_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t a[16];  /* network order; IPv4 uses a[0..3], rest zero */
};

struct pp_tuple {
	struct pp_addr src, dst; /* originator, responder */
	uint16_t sport, dport;   /* host order; ICMP: type, code */
	uint8_t proto;           /* IPPROTO_* */
};

/* Parse IPv4 dotted quad or IPv6 (any valid form, no zone). 0 or -1. */
int pp_addr_parse(const char *s, struct pp_addr *a);
/* IPv4 dotted quad; IPv6 in RFC 5952 canonical form (lower case, longest
 * run of two or more zero groups as "::", leftmost on ties, IPv4-mapped as
 * ::ffff:a.b.c.d). buf must hold PP_ADDRSTRLEN. Returns buf. */
char *pp_addr_fmt(const struct pp_addr *a, char *buf);
/* The same text at p, not terminated; returns its end (PP_ADDRSTRLEN at most). */
char *pp_addr_put(const struct pp_addr *a, char *p);
void pp_addr_from4(struct pp_addr *a, const void *be4);
void pp_addr_from6(struct pp_addr *a, const void *be16);
/* ::ffff:a.b.c.d becomes a.b.c.d (sockets report v4 peers of v6 sockets so). */
void pp_addr_unmap(struct pp_addr *a);
int pp_addr_cmp(const struct pp_addr *x, const struct pp_addr *y);
bool pp_addr_eq(const struct pp_addr *x, const struct pp_addr *y);
/* CIDR containment: does a lie in net/len? */
bool pp_addr_in(const struct pp_addr *a, const struct pp_addr *net, int len);

/* "tcp", "udp", "icmp", "icmp6", "sctp", or the number as text. */
const char *pp_proto_name(uint8_t proto, char *buf, size_t len);
/* Name or number to IPPROTO_*; -1 if unknown. */
int pp_proto_num(const char *name);

/* Direction-independent key: the tuple with its lower endpoint first, and
 * whether it was swapped. Two sightings of one connection, from either end,
 * give equal keys. */
void pp_tuple_norm(const struct pp_tuple *t, struct pp_tuple *key, bool *swapped);
uint64_t pp_tuple_hash(const struct pp_tuple *key);
bool pp_tuple_eq(const struct pp_tuple *x, const struct pp_tuple *y);

/* Community ID v1 ("1:" + base64(SHA-1)), per the corelight spec, including
 * its ICMP/ICMPv6 type/code pairing. out must hold PP_COMMUNITY_ID_LEN. */
#define PP_COMMUNITY_ID_LEN 32
void pp_community_id(const struct pp_tuple *t, uint16_t seed, char *out);

#endif
