/* DNS messages (RFC 1035 wire format) into the members of a dns record
 * (pp-records(5)), for pp-sniff's dissector and pp-trace's DNS from the
 * kernel alike. Bounded and bounds-checked: the bytes are hostile. */
#ifndef PP_DNSMSG_H
#define PP_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jsonw.h"

#define DNS_MAX_QUESTIONS 16 /* questions listed per record */

/* Can p[0..n) be written as a DNS message? A header's worth (with cut:
 * the id and flags of one that looks like a header). */
bool pp_dns_msg_ok(const uint8_t *p, size_t n, bool cut);
/* The members of its dns record, msg .. malformed, into w (after the
 * record's type, time and 5-tuple): transport names how it came ("udp",
 * "tcp", "http2"); cut: only p[0..n) of the message was there, so ending
 * short is no fault of its own. Call only after pp_dns_msg_ok. */
void pp_dns_msg_write(struct jw *w, const uint8_t *p, size_t n, bool cut, const char *transport);
/* Is p[0..n) one whole, sane DNS message by content alone (any port)? */
bool dns_looks_like(const uint8_t *p, size_t n);

#endif
