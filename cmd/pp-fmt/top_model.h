/* --top's model: one entry per connection side, merged from every record
 * about it (sock, flow, dns, tls, http, ssh, quic, conn), with byte counts,
 * rates, states and closed-connection history.
 *
 * A connection between two local processes has two sides (the connecting
 * socket and the accepted one, same 5-tuple and community_id): each is its
 * own entry, with its own process and its own direction of bytes, so every
 * byte is counted once on each side and never on the wrong one. */
#ifndef PP_FMT_TOP_MODEL_H
#define PP_FMT_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "htab.h"
#include "rec.h"

enum { SIDE_OUT, SIDE_IN, SIDE_LISTEN };

/* A member of the merged record: key, its JSON value, its display text. */
struct tkv {
	char *key, *raw, *text;
};

struct tconn {
	uint64_t key;
	int side;
	bool closed;
	bool retired;        /* closed connections folded together (see top_model.c) */
	bool has_sock;       /* a sock record was seen: it says when it closed */
	bool sock_bytes;     /* byte counts came from the socket (sock records) */
	double sample_ts;    /* record time of the last byte counts */
	double counted_at;   /* monotonic time of the last byte counts */
	double tx, rx;       /* bytes sent and received by the local side */
	double up, down;     /* bytes/s between the last two byte counts */
	double first_ts, last_ts; /* record times */
	double last_seen;    /* monotonic time of the last record */
	double closed_at;    /* monotonic time it closed */
	unsigned long folded; /* retired: how many connections */
	char states[96];     /* state history, "SYN-SENT>ESTAB>CLOSE" */
	struct tkv *kv;
	int nkv, kvcap;
	unsigned seq;        /* arrival order */
	bool quic;           /* a quic record was seen for it */
	int match;           /* live filter: -1 not evaluated yet */
};

struct tmodel {
	struct tconn **c;
	size_t n, cap;
	struct htab index; /* key -> the newest entry of that key */
	unsigned long records, shown, evicted;
	unsigned seq;
};

void tm_init(struct tmodel *m);
void tm_free(struct tmodel *m);
/* Account one record (that passed the command-line filter). */
void tm_record(struct tmodel *m, struct rec *r);
/* Rates go to 0 for connections closed or without byte counts for a while. */
void tm_rates(struct tmodel *m, double now);
/* Evaluate the live filter where not done yet (NULL: all match);
 * tm_filter_reset makes every entry be evaluated again. */
void tm_filter(struct tmodel *m, const struct filter *f);
void tm_filter_reset(struct tmodel *m);

/* Display text of a merged key, or NULL. */
const char *tc_get(const struct tconn *c, const char *key);
/* The strings up to NULL one after the other into buf, cut as snprintf
 * cuts (a printf per cell of every frame was a tenth of drawing one). */
void tm_cat(char *buf, size_t len, ...) __attribute__((sentinel));
/* Local and remote endpoint ("addr:port", IPv6 in brackets) into buf. */
void tc_local(const struct tconn *c, char *buf, size_t len);
void tc_remote(const struct tconn *c, char *buf, size_t len);
/* State shown: the socket's, else one from the records (e.g. "NXDOMAIN"). */
const char *tc_state(const struct tconn *c);
/* Service: the recognised application, else the remote port's name. */
void tc_service(const struct tconn *c, bool numeric, char *buf, size_t len);
/* What deep inspection found: "TLS example.com h2", "SSH OpenSSH_9.2" ... */
void tc_dpi(const struct tconn *c, char *buf, size_t len);
/* "comm[pid]" or what is known. */
void tc_process(const struct tconn *c, char *buf, size_t len);

#endif
