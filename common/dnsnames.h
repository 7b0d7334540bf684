/* DNS mnemonics both ways: pp-sniff names types, classes and rcodes in its
 * records; pp-fmt --zeek turns the names back into numbers for Zeek's
 * dns.log (qtype, qclass, rcode). One table for both. */
#ifndef PP_DNSNAMES_H
#define PP_DNSNAMES_H

#include <stddef.h>
#include <stdint.h>

/* "A", "AAAA", ... or "TYPE<n>" (RFC 3597) written into buf. */
const char *pp_dns_type_name(uint16_t t, char *buf, size_t len);
/* "IN", "CH", "HS", "NONE", "ANY" or "CLASS<n>". */
const char *pp_dns_class_name(uint16_t cl, char *buf, size_t len);
/* "NOERROR" ... "NOTZONE" or "RCODE<n>". */
const char *pp_dns_rcode_name(unsigned rc, char *buf, size_t len);
/* The numbers of those names (the generic forms included); -1 if the text
 * is none of them. */
long pp_dns_type_num(const char *name);
long pp_dns_class_num(const char *name);
long pp_dns_rcode_num(const char *name);

#endif
