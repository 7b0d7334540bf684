/* pp-join: what its parts share.
 *
 * summary.c  one line -> struct jrec (type, time, normalised 5-tuple, which
 *            of the keys pp-join may add are present) + struct jkeep (the
 *            values the tables take, copied out), read by common/rec.c
 * store.c    socket lives (from sock records) and wire flows (from sniffed
 *            records) per 5-tuple, process info: storage, eviction, expiry
 * match.c    which socket a sniffed record fits (the rules; no state)
 * names.c    address -> DNS name, from dns answers, CNAME chains followed
 * emit.c     a record out again, enriched; --conn records
 * main.c     options, input (poll over stdin, files, FIFOs), the two modes
 *
 * Matching prefers no match to a wrong one: see fit() in match.c. */
#ifndef PP_JOIN_H
#define PP_JOIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "htab.h"
#include "jsonw.h"
#include "rec.h"
#include "sbuf.h"
#include "xalloc.h"
#include "tuple.h"

/* Record types pp-join knows. Everything else passes through unchanged. */
enum jtype { JT_OTHER, JT_SOCK, JT_FLOW, JT_DNS, JT_TLS, JT_HTTP, JT_SSH, JT_QUIC, JT_MARK };
/* sock events */
enum jsev { SEV_NONE, SEV_CONNECT, SEV_ACCEPT, SEV_LISTEN, SEV_UDP, SEV_CLOSE };
/* Which side of a connection a socket is: the originator's (connect, or a
 * UDP socket that sent first) or the responder's (accept, UDP dir in). */
enum jrole { ROLE_ORIG, ROLE_RESP };

/* Keys pp-join may add; a record that has one already keeps its own. The
 * process keys come first, in the order they are written. */
enum jkey {
	K_PID, K_PPID, K_UID, K_COMM, K_EXE, K_CMDLINE, K_CGROUP, K_CONTAINER, K_NETNS,
	K_NPROC, /* number of process keys */
	K_SNI = K_NPROC, K_HTTP_HOST, K_ALPN, K_DST_NAME, K_DST_CNAMES,
	K_NADD
};
extern const char *const jkey_name[K_NADD];

/* What emitting a record needs, kept with a held-back record. */
struct jrec {
	uint64_t rec_no;       /* ordinal of the record in the input */
	int64_t ts;            /* microseconds */
	struct pp_tuple key;   /* normalised (pp_tuple_norm) */
	uint64_t khash;        /* key_hash(&key) */
	struct pp_tuple tuple; /* as the record gives it: originator first */
	struct pp_addr dst;    /* the responder */
	uint32_t present;      /* bit per enum jkey already in the record */
	uint32_t obj_start, obj_end; /* '{' .. one past '}' in the line */
	uint64_t netns;        /* the record's netns member, 0 = none */
	int64_t asof;          /* decide as of this event time (order.c) */
	uint8_t type, sev, role;
	bool has_ts, has_key, has_dst, nonempty;
	bool flow_start, flow_end, hello;
	bool traced;           /* pp-trace's (it has "source"), whatever its type */
	bool trailing;         /* older than its producer's mark (order.c) */
	bool stale;            /* older than what the tables still keep: no match */
};

/* What ingest() takes from a record, copied out when it arrives: the
 * record's tokens are gone once the next line is parsed, and no line is
 * parsed twice. Text is at off in the record's kept bytes (len 0: absent):
 * values as raw JSON, written out again as they came; the producer of a
 * mark unescaped; DNS answers packed by names_pack(). */
struct jtext {
	uint32_t off, len;
};
struct jkeep {
	struct jtext proc;     /* ,"pid":1,"comm":"x",... */
	uint16_t poff[K_NPROC + 1], plen[K_NPROC]; /* each key's segment in proc, plen 0 = absent */
	struct jtext sni, alpn, host, app, producer, answers;
	long long counts[4];   /* orig_pkts, orig_bytes, resp_pkts, resp_bytes */
	long long tx_bytes, rx_bytes;
	double duration;
	bool has_counts, has_bytes, has_duration;
};

/* summary.c: a line to a record, parsed once by the one reader (rec.c):
 * j and k filled, k's bytes appended to keep (reset first). False when
 * blank or not a JSON object (*err says why, NULL for a blank line). */
bool jparse(struct rec *r, const char *line, size_t len, struct jrec *j, struct jkeep *k,
            struct sbuf *keep, const char **err);

/* Time settings, in microseconds. */
struct jconf {
	int64_t window;        /* slack around a socket's life (--window) */
	int64_t max_ttl;       /* upper bound of a DNS answer's life (--max-ttl) */
	int64_t min_ttl;       /* lower bound, so a TTL of 0 still names the next connect */
	int64_t linger;        /* how long closed entries stay, in event time */
	int64_t horizon;       /* a record is decided knowing what happened up to
	                        * this long after it (--delay) */
	unsigned long max_flows;
	bool live;
	bool conn;
};
extern struct jconf jconf;

/* Interned process info: the process members of a sock record, raw JSON. */
struct proc {
	uint64_t hash;
	unsigned long refs;
	uint32_t len;
	uint16_t off[K_NPROC + 1], klen[K_NPROC]; /* segment of each key in buf, klen 0 = absent */
	char buf[];            /* ,"pid":1,"comm":"x",... */
};

/* A socket's life as pp-trace reported it: [start, end] on one 5-tuple. */
struct life {
	LIST_ENTRY(life) knode;  /* same key, newest first */
	TAILQ_ENTRY(life) all;   /* all lives, oldest first (eviction) */
	TAILQ_ENTRY(life) cnode; /* closed lives, in order of closing (expiry) */
	TAILQ_ENTRY(life) unode; /* open UDP lives, oldest first (idle expiry) */
	struct tnode *node;
	struct proc *proc;      /* NULL when the sock record had no process keys */
	struct pp_tuple t;      /* as the sock record gave it (originator first) */
	int64_t start, end;     /* end = INT64_MAX while open */
	int64_t born, end_at;   /* times of the records that opened / closed it:
	                         * a decision as of t sees what was known by t */
	uint64_t netns;         /* 0 = unknown */
	uint64_t start_rec, end_rec; /* records that opened / closed it, 0 = none */
	uint64_t seq;
	double arrived;         /* live: monotonic time the close arrived */
	long long tx_bytes, rx_bytes;
	uint8_t role, proto;
	bool closed, matched, emitted, has_bytes, dir_out, open_udp;
};

/* A flow as the wire showed it: sniffed records of one 5-tuple, split into
 * generations at flow starts, ends, a second ClientHello or a long gap. */
struct wflow {
	LIST_ENTRY(wflow) knode;
	TAILQ_ENTRY(wflow) all;  /* least recently active first */
	struct tnode *node;
	struct pp_tuple t;       /* orientation of its first record */
	int64_t first, last;
	uint64_t seq;
	uint64_t netns;          /* 0 = unknown */
	int64_t end_at;          /* time of its flow end record (INT64_MAX: none yet) */
	double arrived;          /* live: monotonic time the end arrived */
	char *sni, *http_host, *alpn, *app; /* raw JSON values */
	long long pkts[2], bytes[2]; /* orig, resp: latest flow counters */
	bool ended, hello, claimed, emitted, has_counts;
};

/* Everything known about one normalised 5-tuple. */
struct tnode {
	struct pp_tuple key;
	uint64_t hash;
	LIST_HEAD(, life) lives;
	LIST_HEAD(, wflow) flows;
};

/* The tables (store.c keeps them, match.c reads them). */
struct jtab {
	struct htab nodes;           /* tnode by key_hash */
	struct htab procs;           /* proc by the hash of its text */
	TAILQ_HEAD(, life) lives;    /* oldest first */
	TAILQ_HEAD(, life) closed;   /* in order of closing */
	TAILQ_HEAD(, life) udp;      /* open UDP lives, oldest first */
	TAILQ_HEAD(jflows, wflow) flows; /* least recently active first */
	unsigned long nlives, nflows;
	uint64_t seq;
	/* Called with a life or flow just before eviction drops it. */
	void (*evict_life)(struct life *);
	void (*evict_flow)(struct wflow *);
};

struct jstats {
	unsigned long records, bad_lines, bad_files, passed;
	unsigned long sniffed, sniffed_matched, sock_named;
	unsigned long resp_named;   /* sniffed records given the responder's process too */
	unsigned long refused;      /* sniffed records no process was given to because
	                             * two processes fitted equally (or the originator
	                             * is local but unseen) */
	unsigned long trailing, stale, late, forced, sources_timed_out;
	unsigned long lives, lives_unmatched, flows;
	unsigned long evicted_lives, evicted_flows, evicted_names;
	unsigned long conns;
};
extern struct jstats jstats;

/* Network namespaces: records of two namespaces never meet, where both
 * say which they are in. */
static inline bool ns_ok(uint64_t a, uint64_t b)
{
	return !a || !b || a == b;
}

/* store.c: what the records tell, kept */
void table_init(struct jtab *t);
void table_free(struct jtab *t);
/* Take what a record tells into the tables (both modes, in input order). */
void ingest(struct jtab *t, const struct jrec *j, const struct jkeep *k, const char *kept, double now);
/* The node of a normalised key, or NULL. */
struct tnode *node_find(const struct jtab *t, const struct pp_tuple *key, uint64_t h);
/* The wire flow of node n a sniffed record at ts belongs to, or NULL. */
struct wflow *flow_at(const struct tnode *n, int64_t ts, uint64_t netns);
/* Live mode: drop entries past their linger time (full: idle UDP sockets
 * too, which takes a look at every open socket). */
void table_expire(struct jtab *t, int64_t now_ts, bool full, void (*on_drop_life)(struct life *),
                  void (*on_drop_flow)(struct wflow *));
void table_count_unmatched(const struct jtab *t);

/* match.c: the fit rules */
/* The sockets of the originator and of the responder a sniffed record
 * fits, as of j->asof (NULL: none, or two processes fit equally);
 * *orig_seen (when not NULL): no originator was taken, but a socket that
 * may be the originator's was seen (so the originator may be local). */
void match_lives(const struct jtab *t, const struct jrec *j, struct life **orig, struct life **resp,
                 bool *orig_seen);
/* The life a sock record opened or closed. */
struct life *sock_life(const struct jtab *t, const struct jrec *j);
/* First wire-flow value of a field over the flows that overlap a life. */
const char *life_flow_field(const struct life *l, size_t off);
/* The same for n fields at once (n <= 8). */
void life_flow_fields(const struct life *l, const size_t *offs, int n, const char **out);
bool flow_has_life(const struct wflow *f);
bool flow_fits_life(const struct wflow *f, const struct life *l);

/* order.c: event time (see there). Inputs are numbered 0..n-1. */
void order_init(struct jtab *t, int n, const char *const *names, bool live, double idle, double now);
void order_free(void);
/* A line parsed (jparse, by ahead.c), with what was kept of it, from
 * input i, at monotonic time now. */
void order_add(int input, const char *line, size_t len, const struct jrec *j, const struct jkeep *k,
               const char *kept, size_t klen, double now);
void order_eof(int input);
/* Live: sources silent for the idle time are no longer waited for;
 * silence counts while we have read everything input i has written
 * (order_caught_up says when that was last so). */
void order_idle(double now);
void order_caught_up(int input, double now);
/* Take in and decide what every source's progress allows. */
void order_run(void);
/* End of input: everything. */
void order_finish(void);
size_t order_pending(void);
/* Files: the input the others wait for (-1: all at their end). */
int order_lagging_input(void);
int64_t order_input_progress(int input);
/* Called with each record decided (main.c writes it), and as event time
 * passes each second (expiry). */
extern void (*order_emit_hook)(const char *line, const struct jrec *j);
extern void (*order_progress_hook)(int64_t event_now);

/* names.c: address -> name */
struct dname;
void names_init(void);
void names_free(void);
/* At arrival: a dns record's answers (token a, an array) packed into out;
 * taken in later (event order) from those bytes. */
void names_pack(const struct rec *r, int a, struct sbuf *out);
void names_add(const struct jrec *j, const char *packed, size_t n);
/* The name the address had at time ts: JSON string and CNAME array (or NULL). */
bool names_lookup(const struct pp_addr *a, int64_t ts, const char **name_json, const char **cnames_json);
void names_expire(int64_t now_ts);

/* pcap_annotate.c: -r CAPTURE -w OUT.pcapng, the capture's packets as
 * pcapng with the matched process in comments, written as event time
 * passes: open (0 or -1, said), write the packets up to ts, close (exit
 * status; the summary unless quiet). */
int pcap_annotate_open(const struct jtab *t, const char *capture, const char *out);
void pcap_annotate_upto(int64_t ts);
int pcap_annotate_close(bool quiet);

/* emit.c */
/* Write the record (line, its summary) with what pp-join adds. 0, or -1 on
 * a write error. */
int emit_record(const struct jtab *t, const char *line, const struct jrec *j, FILE *out);
/* One --conn record; state is "closed", "open", "idle" or "evicted". */
int emit_conn_life(struct life *l, const char *state, FILE *out);
int emit_conn_flow(struct wflow *f, const char *state, FILE *out);
void emit_init(void);
void emit_free(void);

/* pp_addr_eq and pp_tuple_eq, inline: the hash tables' hot compares. */
static inline bool jaddr_eq(const struct pp_addr *x, const struct pp_addr *y)
{
	uint64_t a0, a1, b0, b1;
	uint32_t a, b;
	if (x->family != y->family)
		return false;
	if (x->family == AF_INET) {
		memcpy(&a, x->a, 4);
		memcpy(&b, y->a, 4);
		return a == b;
	}
	memcpy(&a0, x->a, 8);
	memcpy(&a1, x->a + 8, 8);
	memcpy(&b0, y->a, 8);
	memcpy(&b1, y->a + 8, 8);
	return a0 == b0 && a1 == b1;
}

static inline bool jkey_eq(const struct pp_tuple *x, const struct pp_tuple *y)
{
	return x->proto == y->proto && x->sport == y->sport && x->dport == y->dport &&
	       jaddr_eq(&x->src, &y->src) && jaddr_eq(&x->dst, &y->dst);
}

/* Fast hashes of a normalised key and of an address (table.c). */
uint64_t key_hash(const struct pp_tuple *k);
uint64_t addr_hash(const struct pp_addr *a);

#endif
