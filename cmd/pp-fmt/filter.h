/* pp-fmt filter expressions: terms separated by blanks, all of which must
 * hold (AND); '!' before a term negates it.
 *
 *   term   := ['!'] ( '/' regex '/' | field ':' value-list | field ':' '/' regex '/' )
 *   value-list := value { ',' value }        any one of them (OR)
 *   value  := [ '<' | '<=' | '>' | '>=' ] ( word | '"' quoted '"' )
 *
 * Keywords with their own meaning: port sport dport (exact port numbers or
 * service names), src dst (address or CIDR), process comm pid, sni host name
 * (DNS names: case-insensitive, subdomains included), state proto (case-
 * insensitive), type, container (id prefix), has (the record has one of
 * these keys). Any other word is a record key compared exactly (numerically
 * when both sides are numbers, true/false/null as those JSON values; any
 * element of an array). A regex is a POSIX extended regex matched against
 * values. A term, negated or not, holds only for records that have what it
 * looks at: '!rcode:NOERROR' needs an rcode; '!has:rcode' asks for none. */
#ifndef PP_FMT_FILTER_H
#define PP_FMT_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "rec.h"

struct fterm;

struct filter {
	struct fterm *t;
	int n;
	/* Every record key the terms look at, once, and as one compiled set:
	 * a record's members are walked once for all terms. */
	struct rec_key *keys;
	int nkeys;
	struct rec_keyset *ks;
};

/* Parse expr into f. 0 on success; -1 with the 1-based column of the
 * mistake in *col and a message in err. */
int filter_parse(struct filter *f, const char *expr, int *col, char *err, size_t errlen);
/* Does record r pass? An empty filter passes everything. (Also notes
 * which named fields records have, for filter_warn_unseen.) */
bool filter_match(const struct filter *f, struct rec *r);
/* Once, at the end: a warning per field named in a term that no record
 * had (a typo, or the wrong records). */
void filter_warn_unseen(const struct filter *f);
void filter_free(struct filter *f);

/* Does a command-line word look like a filter term rather than a file name?
 * ('!'-prefixed, /regex/, or identifier followed by ':'.) */
bool filter_word(const char *w);

#endif
