/* Records to Zeek's conn, dns, ssl, http and ssh logs, with Zeek's field
 * names and meanings and our process columns after them. Rows of one
 * connection share a uid, made from the connection's Community ID,
 * interface, VLAN and start, so the logs join on uid as Zeek's do. A
 * connection's rows are written when its flow ends (Zeek writes conn.log at
 * connection end too), a DNS query with its response, an HTTP request with
 * its response; what never completes is written at the end of the input.
 * What the records do not tell (history, missed bytes, DNS header flags,
 * HTTP body lengths ...) is unset ("-"), never guessed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "dnsnames.h"
#include "htab.h"
#include "pp.h"
#include "tuple.h"
#include "xalloc.h"
#include "zeek.h"

#define ID_FIELDS                                                                              \
	{"id.orig_h", ZT_ADDR}, {"id.orig_p", ZT_PORT}, {"id.resp_h", ZT_ADDR}, {"id.resp_p", ZT_PORT}
#define PROC_FIELDS                                                                            \
	{"pid", ZT_COUNT}, {"ppid", ZT_COUNT}, {"proc_uid", ZT_COUNT}, {"comm", ZT_STRING},        \
	{"exe", ZT_STRING}, {"cmdline", ZT_VEC_STRING}, {"cgroup", ZT_STRING},                      \
	{"container", ZT_STRING}, {"netns", ZT_COUNT}
#define NPROC 9

enum { C_TS, C_UID, C_ID, C_PROTO = C_ID + 4, C_SERVICE, C_DURATION, C_OBYTES, C_RBYTES,
       C_STATE, C_LORIG, C_LRESP, C_MISSED, C_HISTORY, C_OPKTS, C_OIPB, C_RPKTS, C_RIPB,
       C_TUNNEL, C_IPPROTO, C_CID, C_VLAN, C_IFACE, C_DSTNAME, C_PROC, C_N = C_PROC + NPROC };
static const struct zfield conn_f[] = {
	{"ts", ZT_TIME}, {"uid", ZT_STRING}, ID_FIELDS, {"proto", ZT_ENUM},
	{"service", ZT_STRING}, {"duration", ZT_INTERVAL}, {"orig_bytes", ZT_COUNT},
	{"resp_bytes", ZT_COUNT}, {"conn_state", ZT_STRING}, {"local_orig", ZT_BOOL},
	{"local_resp", ZT_BOOL}, {"missed_bytes", ZT_COUNT}, {"history", ZT_STRING},
	{"orig_pkts", ZT_COUNT}, {"orig_ip_bytes", ZT_COUNT}, {"resp_pkts", ZT_COUNT},
	{"resp_ip_bytes", ZT_COUNT}, {"tunnel_parents", ZT_SET_STRING}, {"ip_proto", ZT_COUNT},
	{"community_id", ZT_STRING}, {"vlan", ZT_INT}, {"iface", ZT_STRING},
	{"dst_name", ZT_STRING}, PROC_FIELDS,
};
_Static_assert(PP_ARRAY_LEN(conn_f) == C_N, "conn fields");

enum { D_TS, D_UID, D_ID, D_PROTO = D_ID + 4, D_TRANS, D_RTT, D_QUERY, D_QCLASS, D_QCLASSN,
       D_QTYPE, D_QTYPEN, D_RCODE, D_RCODEN, D_AA, D_TC, D_RD, D_RA, D_Z, D_ANSWERS, D_TTLS,
       D_REJECTED, D_PROC, D_N = D_PROC + NPROC };
static const struct zfield dns_f[] = {
	{"ts", ZT_TIME}, {"uid", ZT_STRING}, ID_FIELDS, {"proto", ZT_ENUM},
	{"trans_id", ZT_COUNT}, {"rtt", ZT_INTERVAL}, {"query", ZT_STRING}, {"qclass", ZT_COUNT},
	{"qclass_name", ZT_STRING}, {"qtype", ZT_COUNT}, {"qtype_name", ZT_STRING},
	{"rcode", ZT_COUNT}, {"rcode_name", ZT_STRING}, {"AA", ZT_BOOL}, {"TC", ZT_BOOL},
	{"RD", ZT_BOOL}, {"RA", ZT_BOOL}, {"Z", ZT_COUNT}, {"answers", ZT_VEC_STRING},
	{"TTLs", ZT_VEC_INTERVAL}, {"rejected", ZT_BOOL}, PROC_FIELDS,
};
_Static_assert(PP_ARRAY_LEN(dns_f) == D_N, "dns fields");

enum { S_TS, S_UID, S_ID, S_VERSION = S_ID + 4, S_CIPHER, S_CURVE, S_SNI, S_RESUMED, S_ALERT,
       S_NEXTP, S_EST, S_HIST, S_CFPS, S_CCFPS, S_SNIMATCH, S_JA4, S_SUBJ, S_ISSUER, S_PROC,
       S_N = S_PROC + NPROC };
static const struct zfield ssl_f[] = {
	{"ts", ZT_TIME}, {"uid", ZT_STRING}, ID_FIELDS, {"version", ZT_STRING},
	{"cipher", ZT_STRING}, {"curve", ZT_STRING}, {"server_name", ZT_STRING},
	{"resumed", ZT_BOOL}, {"last_alert", ZT_STRING}, {"next_protocol", ZT_STRING},
	{"established", ZT_BOOL}, {"ssl_history", ZT_STRING}, {"cert_chain_fps", ZT_VEC_STRING},
	{"client_cert_chain_fps", ZT_VEC_STRING}, {"sni_matches_cert", ZT_BOOL},
	{"ja4", ZT_STRING}, {"cert_subject_cn", ZT_STRING}, {"cert_issuer_cn", ZT_STRING},
	PROC_FIELDS,
};
_Static_assert(PP_ARRAY_LEN(ssl_f) == S_N, "ssl fields");

enum { H_TS, H_UID, H_ID, H_DEPTH = H_ID + 4, H_METHOD, H_HOST, H_URI, H_REFERRER, H_VERSION,
       H_UA, H_ORIGIN, H_REQLEN, H_RESPLEN, H_STATUS, H_STATUSMSG, H_INFOCODE, H_INFOMSG,
       H_TAGS, H_USER, H_PASS, H_PROXIED, H_OFUIDS, H_OFNAMES, H_OMIME, H_RFUIDS, H_RFNAMES,
       H_RMIME, H_PROC, H_N = H_PROC + NPROC };
static const struct zfield http_f[] = {
	{"ts", ZT_TIME}, {"uid", ZT_STRING}, ID_FIELDS, {"trans_depth", ZT_COUNT},
	{"method", ZT_STRING}, {"host", ZT_STRING}, {"uri", ZT_STRING}, {"referrer", ZT_STRING},
	{"version", ZT_STRING}, {"user_agent", ZT_STRING}, {"origin", ZT_STRING},
	{"request_body_len", ZT_COUNT}, {"response_body_len", ZT_COUNT}, {"status_code", ZT_COUNT},
	{"status_msg", ZT_STRING}, {"info_code", ZT_COUNT}, {"info_msg", ZT_STRING},
	{"tags", ZT_SET_ENUM}, {"username", ZT_STRING}, {"password", ZT_STRING},
	{"proxied", ZT_SET_STRING}, {"orig_fuids", ZT_VEC_STRING},
	{"orig_filenames", ZT_VEC_STRING}, {"orig_mime_types", ZT_VEC_STRING},
	{"resp_fuids", ZT_VEC_STRING}, {"resp_filenames", ZT_VEC_STRING},
	{"resp_mime_types", ZT_VEC_STRING}, PROC_FIELDS,
};
_Static_assert(PP_ARRAY_LEN(http_f) == H_N, "http fields");

enum { X_TS, X_UID, X_ID, X_VERSION = X_ID + 4, X_AUTHOK, X_AUTHN, X_DIR, X_CLIENT, X_SERVER,
       X_CIPHER, X_MAC, X_COMP, X_KEX, X_HKALG, X_HK, X_PROC, X_N = X_PROC + NPROC };
static const struct zfield ssh_f[] = {
	{"ts", ZT_TIME}, {"uid", ZT_STRING}, ID_FIELDS, {"version", ZT_COUNT},
	{"auth_success", ZT_BOOL}, {"auth_attempts", ZT_COUNT}, {"direction", ZT_ENUM},
	{"client", ZT_STRING}, {"server", ZT_STRING}, {"cipher_alg", ZT_STRING},
	{"mac_alg", ZT_STRING}, {"compression_alg", ZT_STRING}, {"kex_alg", ZT_STRING},
	{"host_key_alg", ZT_STRING}, {"host_key", ZT_STRING}, PROC_FIELDS,
};
_Static_assert(PP_ARRAY_LEN(ssh_f) == X_N, "ssh fields");

static struct zlog conn_log, dns_log, ssl_log, http_log, ssh_log;

/* --- values from records ------------------------------------------------- */

static bool get_us(struct rec *r, const char *key, long long *us)
{
	double x;
	if (!rec_num(r, key, &x) || !isfinite(x) || fabs(x) > 1e12)
		return false;
	*us = llround(x * 1e6);
	return true;
}

/* A count: a whole number from 0 to 2^53 (a JSON number without loss). */
static bool get_count(struct rec *r, const char *key, unsigned long long max,
                      unsigned long long *v)
{
	double x;
	if (!rec_num(r, key, &x) || !(x >= 0) || x > (double)max || x != floor(x))
		return false;
	*v = (unsigned long long)x;
	return true;
}

static void put_str(struct zrow *row, int i, struct rec *r, const char *key)
{
	size_t n;
	int t = rec_find(r, key);
	const char *s = t >= 0 ? rec_tok_str(r, t, &n) : NULL;
	if (s)
		zrow_str(row, i, s, n);
}

static void put_count(struct zrow *row, int i, struct rec *r, const char *key)
{
	unsigned long long v;
	if (get_count(r, key, 1ULL << 53, &v))
		zrow_count(row, i, v);
}

/* The 5-tuple as Zeek's id: addresses in canonical form, ports 0..65535.
 * A record whose tuple does not parse gets no row. */
static bool parse_tuple(struct rec *r, struct pp_tuple *t)
{
	const char *src = rec_str(r, "src"), *dst = rec_str(r, "dst"), *proto = rec_str(r, "proto");
	unsigned long long sp, dp;
	int pn;
	memset(t, 0, sizeof(*t));
	if (!src || !dst || !proto || pp_addr_parse(src, &t->src) < 0 ||
	    pp_addr_parse(dst, &t->dst) < 0 || !get_count(r, "sport", 65535, &sp) ||
	    !get_count(r, "dport", 65535, &dp) || (pn = pp_proto_num(proto)) < 0)
		return false;
	t->sport = (uint16_t)sp, t->dport = (uint16_t)dp, t->proto = (uint8_t)pn;
	return true;
}

static void put_id(struct zrow *row, int base, const struct pp_tuple *t)
{
	char b[PP_ADDRSTRLEN];
	zrow_lit(row, base, pp_addr_fmt(&t->src, b));
	zrow_count(row, base + 1, t->sport);
	zrow_lit(row, base + 2, pp_addr_fmt(&t->dst, b));
	zrow_count(row, base + 3, t->dport);
}

static void put_proc(struct zrow *row, int base, struct rec *r)
{
	put_count(row, base, r, "pid");
	put_count(row, base + 1, r, "ppid");
	put_count(row, base + 2, r, "uid");
	put_str(row, base + 3, r, "comm");
	put_str(row, base + 4, r, "exe");
	zrow_list(row, base + 5, r, rec_find(r, "cmdline"), false);
	put_str(row, base + 6, r, "cgroup");
	put_str(row, base + 7, r, "container");
	put_count(row, base + 8, r, "netns");
}

/* --- connections ----------------------------------------------------------- */

struct zpend {
	STAILQ_ENTRY(zpend) link;
	struct zrow *row;
	long long ts_us;
	long id;               /* DNS transaction id */
};

STAILQ_HEAD(zpends, zpend);

struct zconn {
	TAILQ_ENTRY(zconn) link; /* creation order */
	char *key;
	char uid[24];
	struct pp_tuple t;
	struct zrow *ssl, *ssh;
	long long ssl_ts, ssh_ts;
	struct zpends http;    /* requests waiting for responses, in order */
	struct zpends dns;     /* queries waiting for answers, newest first */
	unsigned long long http_depth;
	bool started;          /* a flow start named it (else a record of it did) */
	long long ended_us;    /* its flow's end (0: not ended): records of the
	                        * same time may still follow (pp-join orders ties
	                        * by source), so it stays a while (ENDED_KEEP) */
};

/* Ended connections, oldest end first: key and end, checked again when
 * taken (a new flow on the key may have replaced the one that ended). */
struct zend {
	STAILQ_ENTRY(zend) link;
	char *key;
	long long end_us;
};
static STAILQ_HEAD(, zend) ended = STAILQ_HEAD_INITIALIZER(ended);
#define ENDED_KEEP 10000000LL /* 10 s of event time */

static struct htab zc_index; /* key -> connection */
static TAILQ_HEAD(, zconn) zc_all = TAILQ_HEAD_INITIALIZER(zc_all);

static uint64_t fnv(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Zeek's uids are "C" and base62 text; ours are a hash of what identifies
 * the connection, so that the same input gives the same uids. */
static void make_uid(char *out, const char *key, long long start_us, bool have_start)
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char ts[32];
	uint64_t h[2];
	int n = 0;
	snprintf(ts, sizeof(ts), have_start ? "|%lld" : "|", start_us);
	h[0] = fnv(ts, fnv(key, 0xcbf29ce484222325ULL));
	h[1] = fnv(ts, fnv(key, 0x84222325cbf29ce4ULL));
	out[n++] = 'C';
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 9; i++, h[k] /= 62)
			out[n++] = b62[h[k] % 62];
	out[n] = 0;
}

/* The connection a record belongs to: its Community ID (made here when
 * the record has none). Application records carry neither interface nor
 * VLAN, and pp-sniff keeps one flow per 5-tuple at a time, so the ID is
 * the key; the start time in the uid tells reuses of a tuple apart. */
static char *conn_key(struct rec *r, const struct pp_tuple *t)
{
	const char *cid = rec_str(r, "community_id");
	char made[PP_COMMUNITY_ID_LEN];
	char *k;
	if (!cid) {
		pp_community_id(t, 0, made);
		cid = made;
	}
	k = xstrdup(cid);
	return k;
}

static bool same_key(const void *item, const void *key)
{
	return !strcmp(((const struct zconn *)item)->key, key);
}

static struct zconn *zc_find(const char *key)
{
	return ht_get(&zc_index, pp_hash(key, strlen(key)), same_key, key);
}

static void conn_flush(struct zconn *c);

static struct zconn *zc_get(char *key, const struct pp_tuple *t, long long start_us,
                            bool have_start, bool fresh)
{
	struct zconn *c = zc_find(key);
	if (c && !fresh) {
		free(key);
		return c;
	}
	if (c) /* a new connection on the same tuple: the old one is over */
		conn_flush(c);
	c = xcalloc(1, sizeof(*c));
	c->key = key;
	c->t = *t;
	make_uid(c->uid, key, start_us, have_start);
	STAILQ_INIT(&c->http);
	STAILQ_INIT(&c->dns);
	ht_put(&zc_index, pp_hash(key, strlen(key)), c);
	TAILQ_INSERT_TAIL(&zc_all, c, link);
	return c;
}

static struct zrow *new_row(int n, long long ts_us, const struct zconn *c)
{
	struct zrow *row = zrow_new(n);
	zrow_time(row, 0, ts_us);
	zrow_lit(row, 1, c->uid);
	put_id(row, 2, &c->t);
	return row;
}

static void emit(struct zlog *l, struct zrow *row, long long ts_us)
{
	ztsv_row(l, row, (double)ts_us / 1e6);
	zrow_free(row);
}

/* Everything the connection still holds goes out, and it is forgotten. */
static void conn_flush(struct zconn *c)
{
	struct zpend *q;
	if (c->ssl)
		emit(&ssl_log, c->ssl, c->ssl_ts);
	if (c->ssh)
		emit(&ssh_log, c->ssh, c->ssh_ts);
	while ((q = STAILQ_FIRST(&c->http))) {
		STAILQ_REMOVE_HEAD(&c->http, link);
		emit(&http_log, q->row, q->ts_us);
		free(q);
	}
	while ((q = STAILQ_FIRST(&c->dns))) {
		STAILQ_REMOVE_HEAD(&c->dns, link);
		emit(&dns_log, q->row, q->ts_us);
		free(q);
	}
	ht_del(&zc_index, pp_hash(c->key, strlen(c->key)), same_key, c->key);
	TAILQ_REMOVE(&zc_all, c, link);
	free(c->key);
	free(c);
}

/* The connection of an application record, made when no flow record
 * named it first. */
static struct zconn *zc_of(struct rec *r)
{
	struct pp_tuple t;
	if (!parse_tuple(r, &t))
		return NULL;
	return zc_get(conn_key(r, &t), &t, 0, false, false);
}

/* --- conn.log ---------------------------------------------------------------- */

enum { EP_INACTIVE, EP_PARTIAL, EP_SYN_SENT, EP_SYN_ACK_SENT, EP_ESTABLISHED, EP_CLOSED,
       EP_RESET };

/* Zeek's conn_state (base/protocols/conn/main.zeek), from each endpoint's
 * state; the endpoint states come from the flags each side sent, as sets:
 * the order of the packets is not known, so unusual orders may differ. */
static const char *conn_state(int proto, const char *of, const char *rf, unsigned long long op,
                              unsigned long long rp, unsigned long long ob,
                              unsigned long long rb)
{
	if (proto == 17) {
		if (op)
			return rp ? "SF" : "S0";
		return rp ? "SHR" : "OTH";
	}
	if (proto != 6)
		return "OTH";
	of = of ? of : "", rf = rf ? rf : "";
	bool oS = strchr(of, 'S'), oA = strchr(of, 'A'), oF = strchr(of, 'F'), oR = strchr(of, 'R');
	bool rS = strchr(rf, 'S'), rF = strchr(rf, 'F'), rR = strchr(rf, 'R');
	int os, rs;
	if (!op)
		os = EP_INACTIVE;
	else if (oR)
		os = EP_RESET;
	else if (oF)
		os = EP_CLOSED;
	else if (oS)
		os = rS && oA ? EP_ESTABLISHED : EP_SYN_SENT;
	else
		os = EP_PARTIAL;
	if (!rp)
		rs = EP_INACTIVE;
	else if (rR)
		rs = EP_RESET;
	else if (rF)
		rs = EP_CLOSED;
	else if (rS)
		rs = oS && oA ? EP_ESTABLISHED : EP_SYN_ACK_SENT;
	else
		rs = EP_PARTIAL;
	bool o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
	bool r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;

	if (rs == EP_RESET) {
		if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT || (os == EP_RESET && ob == 0 && rb == 0))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == EP_RESET) {
		if (r_inactive)
			return oS && !oA && !oF ? "RSTOS0" : "OTH";
		return "RSTO";
	}
	if (rs == EP_CLOSED && os == EP_CLOSED)
		return "SF";
	if (os == EP_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == EP_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == EP_SYN_SENT && rs == EP_INACTIVE)
		return "S0";
	if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
		return "S1";
	return "OTH";
}

/* Zeek's service names of our app values. */
static const char *service(const char *app)
{
	static const char *const map[][2] = {
		{"tls", "ssl"}, {"dns", "dns"}, {"http", "http"}, {"ssh", "ssh"}, {"quic", "quic"},
	};
	for (size_t i = 0; app && i < PP_ARRAY_LEN(map); i++)
		if (!strcmp(app, map[i][0]))
			return map[i][1];
	return NULL;
}

static void flow_rec(struct rec *r)
{
	const char *ev = rec_str(r, "event");
	struct pp_tuple t;
	long long ts, dur = 0;
	unsigned long long op = 0, rp = 0, ob = 0, rb = 0, v;
	bool end;

	if (!ev || !parse_tuple(r, &t) || !get_us(r, "ts", &ts))
		return;
	end = !strcmp(ev, "end");
	if (strcmp(ev, "start") && !end)
		return;
	if (end && get_us(r, "duration", &dur) && dur < 0)
		dur = 0;
	char *key = conn_key(r, &t);
	struct zconn *c = zc_find(key);
	/* A record of the flow came first (pp-join orders by time, and a
	 * flow's start and its first DNS query have the same one): the
	 * connection it made is this flow's. */
	if (!end && c && !c->started) {
		free(key);
		c->started = true;
		return;
	}
	c = zc_get(key, &t, ts - dur, true, !end);
	c->started = true;
	if (!end)
		return;

	struct zrow *row = new_row(C_N, ts - dur, c);
	const char *proto = rec_str(r, "proto");
	int pn = pp_proto_num(proto);
	zrow_lit(row, C_PROTO, pn == 6 ? "tcp" : pn == 17 ? "udp" : pn == 1 || pn == 58 ? "icmp"
	                                                                          : "unknown_transport");
	const char *svc = service(rec_str(r, "app"));
	if (svc)
		zrow_lit(row, C_SERVICE, svc);
	bool has_op = get_count(r, "orig_pkts", 1ULL << 53, &op);
	bool has_rp = get_count(r, "resp_pkts", 1ULL << 53, &rp);
	bool has_ob = get_count(r, "orig_bytes", 1ULL << 53, &ob);
	bool has_rb = get_count(r, "resp_bytes", 1ULL << 53, &rb);
	/* As Zeek: duration and payload bytes only when the duration is not 0. */
	if (dur > 0) {
		zrow_time(row, C_DURATION, dur);
		if (has_ob)
			zrow_count(row, C_OBYTES, ob);
		if (has_rb)
			zrow_count(row, C_RBYTES, rb);
	}
	if (has_op && has_rp)
		zrow_lit(row, C_STATE, conn_state(pn, rec_str(r, "orig_flags"), rec_str(r, "resp_flags"),
		                                  op, rp, ob, rb));
	if (has_op)
		zrow_count(row, C_OPKTS, op);
	put_count(row, C_OIPB, r, "orig_ip_bytes");
	if (has_rp)
		zrow_count(row, C_RPKTS, rp);
	put_count(row, C_RIPB, r, "resp_ip_bytes");
	zrow_count(row, C_IPPROTO, (unsigned)pn);
	put_str(row, C_CID, r, "community_id");
	if (get_count(r, "vlan", 4095, &v))
		zrow_count(row, C_VLAN, v);
	put_str(row, C_IFACE, r, "iface");
	put_str(row, C_DSTNAME, r, "dst_name");
	put_proc(row, C_PROC, r);
	emit(&conn_log, row, ts - dur);
	c->ended_us = ts;
	struct zend *e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(c->key);
	e->end_us = ts;
	STAILQ_INSERT_TAIL(&ended, e, link);
}

/* --- dns.log ----------------------------------------------------------------- */

/* Zeek's names (base/protocols/dns/consts.zeek) for what it has no mnemonic
 * of, and its class names. */
static void put_dns_names(struct zrow *row, struct rec *r)
{
	const char *qt = rec_str(r, "qtype"), *qc = rec_str(r, "qclass");
	static const struct { long c; const char *s; } classes[] = {
		{1, "C_INTERNET"}, {2, "C_CSNET"}, {3, "C_CHAOS"}, {4, "C_HESIOD"}, {254, "C_NONE"},
		{255, "C_ANY"},
	};
	char b[32];
	long n;
	if (qt && (n = pp_dns_type_num(qt)) >= 0) {
		zrow_count(row, D_QTYPE, (unsigned long long)n);
		if (!strncmp(qt, "TYPE", 4)) {
			snprintf(b, sizeof(b), "query-%ld", n);
			zrow_lit(row, D_QTYPEN, b);
		} else {
			zrow_str(row, D_QTYPEN, qt, strlen(qt));
		}
	}
	/* pp-sniff leaves qclass out when it is IN. */
	n = qc ? pp_dns_class_num(qc) : qt ? 1 : -1;
	if (n >= 0) {
		zrow_count(row, D_QCLASS, (unsigned long long)n);
		snprintf(b, sizeof(b), "query-class-%ld", n);
		for (size_t i = 0; i < PP_ARRAY_LEN(classes); i++)
			if (classes[i].c == n)
				snprintf(b, sizeof(b), "%s", classes[i].s);
		zrow_lit(row, D_QCLASSN, b);
	}
}

/* Member key of the object at token o, or -1. */
static int obj_find(struct rec *r, int o, const char *key)
{
	int end = rec_skip(r, o);
	for (int k = o + 1; k < end; k = rec_skip(r, k + 1)) {
		const char *s = rec_tok_str(r, k, NULL);
		if (s && !strcmp(s, key))
			return k + 1;
	}
	return -1;
}

/* answers and TTLs, in step: the answers that have data (pp-sniff gives
 * none for TXT and unknown types, which Zeek would show). */
static void put_answers(struct zrow *row, struct rec *r)
{
	int t = rec_find(r, "answers"), end, nel = 0;
	struct sbuf a, l;
	if (t < 0 || r->tok[t].type != JSMN_ARRAY)
		return;
	sb_init(&a);
	sb_init(&l);
	end = rec_skip(r, t);
	for (int k = t + 1; k < end; k = rec_skip(r, k)) {
		int d, ttl;
		double x;
		size_t n;
		const char *s;
		if (r->tok[k].type != JSMN_OBJECT || (d = obj_find(r, k, "data")) < 0 ||
		    !(s = rec_tok_str(r, d, &n)) || (ttl = obj_find(r, k, "ttl")) < 0 ||
		    !rec_tok_num(r, ttl, &x) || !(x >= 0) || x > 4294967295.0)
			continue;
		/* Each element escaped as a list element: the commas stay separators. */
		struct zrow tmp = {.v = (char *[1]){NULL}, .n = 1};
		zrow_str(&tmp, 0, s, n);
		if (nel++)
			sb_putc(&a, ','), sb_putc(&l, ',');
		for (const char *p = tmp.v[0]; *p; p++)
			if (*p == ',')
				sb_puts(&a, "\\x2c");
			else
				sb_putc(&a, *p);
		free(tmp.v[0]);
		sb_printf(&l, "%.0f.000000", x);
	}
	if (nel) {
		zrow_lit(row, D_ANSWERS, a.s);
		zrow_lit(row, D_TTLS, l.s);
	}
	sb_free(&a);
	sb_free(&l);
}

static void dns_rec(struct rec *r)
{
	const char *msg = rec_str(r, "msg"), *tr = rec_str(r, "transport");
	unsigned long long id;
	long long ts;
	struct zconn *c;
	if (!msg || !get_us(r, "ts", &ts) || !get_count(r, "id", 65535, &id) || !(c = zc_of(r)))
		return;
	if (!strcmp(msg, "query")) {
		struct zpend *q = xcalloc(1, sizeof(*q));
		q->row = new_row(D_N, ts, c);
		q->ts_us = ts, q->id = (long)id;
		if (tr)
			zrow_str(q->row, D_PROTO, tr, strlen(tr));
		zrow_count(q->row, D_TRANS, id);
		put_str(q->row, D_QUERY, r, "qname");
		put_dns_names(q->row, r);
		put_proc(q->row, D_PROC, r);
		STAILQ_INSERT_HEAD(&c->dns, q, link);
		return;
	}
	if (strcmp(msg, "response"))
		return;
	struct zpend *q;
	STAILQ_FOREACH(q, &c->dns, link)
		if (q->id == (long)id)
			break;
	struct zrow *row;
	long long qts = ts;
	if (q) { /* the answer to a query seen: Zeek's row has both */
		STAILQ_REMOVE(&c->dns, q, zpend, link);
		row = q->row, qts = q->ts_us;
		zrow_time(row, D_RTT, ts - q->ts_us);
		free(q);
	} else {
		row = new_row(D_N, ts, c);
		if (tr)
			zrow_str(row, D_PROTO, tr, strlen(tr));
		zrow_count(row, D_TRANS, id);
		put_str(row, D_QUERY, r, "qname");
		put_dns_names(row, r);
	}
	const char *rc = rec_str(r, "rcode");
	long n;
	if (rc && (n = pp_dns_rcode_num(rc)) >= 0) {
		char b[32];
		zrow_count(row, D_RCODE, (unsigned long long)n);
		if (!strncmp(rc, "RCODE", 5))
			snprintf(b, sizeof(b), "rcode-%ld", n);
		else
			snprintf(b, sizeof(b), "%s", rc);
		zrow_lit(row, D_RCODEN, b);
	}
	put_answers(row, r);
	if (!row->v[D_PROC])
		put_proc(row, D_PROC, r);
	emit(&dns_log, row, qts);
}

/* --- ssl.log ----------------------------------------------------------------- */

static void put_tls_version(struct zrow *row, const char *v)
{
	static const char *const map[][2] = {
		{"TLS 1.3", "TLSv13"}, {"TLS 1.2", "TLSv12"}, {"TLS 1.1", "TLSv11"},
		{"TLS 1.0", "TLSv10"}, {"SSL 3.0", "SSLv3"},
	};
	for (size_t i = 0; v && i < PP_ARRAY_LEN(map); i++)
		if (!strcmp(v, map[i][0]))
			zrow_lit(row, S_VERSION, map[i][1]);
}

/* First element of a string array. */
static void put_first(struct zrow *row, int i, struct rec *r, const char *key)
{
	int t = rec_find(r, key);
	size_t n;
	const char *s;
	if (t >= 0 && r->tok[t].type == JSMN_ARRAY && r->tok[t].size > 0 &&
	    (s = rec_tok_str(r, t + 1, &n)))
		zrow_str(row, i, s, n);
}

static void tls_rec(struct rec *r, bool quic)
{
	const char *msg = quic ? "client_hello" : rec_str(r, "msg");
	long long ts;
	struct zconn *c;
	if (!msg || !get_us(r, "ts", &ts) || !(c = zc_of(r)))
		return;
	if (!c->ssl) {
		c->ssl = new_row(S_N, ts, c);
		c->ssl_ts = ts;
	}
	struct zrow *row = c->ssl;
	if (!strcmp(msg, "client_hello")) {
		if (!row->v[S_SNI])
			put_str(row, S_SNI, r, "sni");
		if (!row->v[S_JA4])
			put_str(row, S_JA4, r, "ja4");
		if (!row->v[S_PROC])
			put_proc(row, S_PROC, r);
	} else if (!strcmp(msg, "server_hello")) {
		const char *ci = rec_str(r, "cipher");
		put_tls_version(row, rec_str(r, "version"));
		/* Zeek writes an unknown suite as unknown-N (decimal). */
		if (ci && !strncmp(ci, "0x", 2)) {
			char b[32];
			if (strlen(ci) == 6 && strspn(ci + 2, "0123456789abcdefABCDEF") == 4) {
				snprintf(b, sizeof(b), "unknown-%ld", strtol(ci + 2, NULL, 16));
				zrow_lit(row, S_CIPHER, b);
			}
		} else if (ci) {
			zrow_str(row, S_CIPHER, ci, strlen(ci));
		}
		put_first(row, S_NEXTP, r, "alpn");
	} else if (!strcmp(msg, "certificate")) {
		put_str(row, S_SUBJ, r, "subject");
		put_str(row, S_ISSUER, r, "issuer");
	}
}

/* --- http.log ---------------------------------------------------------------- */

static void put_http_version(struct zrow *row, struct rec *r)
{
	const char *v = rec_str(r, "version");
	if (v && !strncmp(v, "HTTP/", 5))
		zrow_str(row, H_VERSION, v + 5, strlen(v + 5));
}

static void http_rec(struct rec *r)
{
	const char *msg = rec_str(r, "msg");
	long long ts;
	struct zconn *c;
	if (!msg || !get_us(r, "ts", &ts) || !(c = zc_of(r)))
		return;
	if (!strcmp(msg, "request")) {
		struct zpend *q = xcalloc(1, sizeof(*q));
		q->row = new_row(H_N, ts, c);
		q->ts_us = ts;
		zrow_count(q->row, H_DEPTH, ++c->http_depth);
		put_str(q->row, H_METHOD, r, "method");
		put_str(q->row, H_HOST, r, "host");
		put_str(q->row, H_URI, r, "path");
		put_http_version(q->row, r);
		put_str(q->row, H_UA, r, "user_agent");
		put_proc(q->row, H_PROC, r);
		STAILQ_INSERT_TAIL(&c->http, q, link);
		return;
	}
	unsigned long long status;
	if (strcmp(msg, "response") || !get_count(r, "status", 999, &status))
		return;
	struct zpend *q = STAILQ_FIRST(&c->http);
	if (status >= 100 && status < 200) { /* interim: Zeek's info_code */
		if (q)
			zrow_count(q->row, H_INFOCODE, status);
		return;
	}
	struct zrow *row;
	long long qts = ts;
	if (q) { /* responses come in the order of the requests */
		STAILQ_REMOVE_HEAD(&c->http, link);
		row = q->row, qts = q->ts_us;
		free(q);
	} else {
		row = new_row(H_N, ts, c);
		zrow_count(row, H_DEPTH, ++c->http_depth);
		put_proc(row, H_PROC, r);
	}
	zrow_count(row, H_STATUS, status);
	put_http_version(row, r);
	emit(&http_log, row, qts);
}

/* --- ssh.log ----------------------------------------------------------------- */

static void ssh_rec(struct rec *r)
{
	long long ts;
	struct zconn *c;
	size_t n;
	const char *s;
	if (!get_us(r, "ts", &ts) || !(c = zc_of(r)))
		return;
	if (!c->ssh) {
		c->ssh = new_row(X_N, ts, c);
		c->ssh_ts = ts;
	}
	int t = rec_find(r, "client");
	if (t >= 0 && (s = rec_tok_str(r, t, &n))) {
		zrow_str(c->ssh, X_CLIENT, s, n);
		/* Zeek's version: the major number of the client's string,
		 * "SSH-2.0-..." gives 2, "SSH-1.99-..." gives 1. */
		if (n > 4 && (s[4] == '1' || s[4] == '2'))
			zrow_count(c->ssh, X_VERSION, (unsigned)(s[4] - '0'));
		put_proc(c->ssh, X_PROC, r);
	}
	put_str(c->ssh, X_SERVER, r, "server");
	if (!c->ssh->v[X_PROC])
		put_proc(c->ssh, X_PROC, r);
}

/* --- entry points ------------------------------------------------------------ */

int zeek_open(const char *dir, bool utc)
{
	if (ztsv_dir(dir) < 0)
		return -1;
	ztsv_set_utc(utc);
	ztsv_init(&conn_log, "conn", conn_f, C_N);
	ztsv_init(&dns_log, "dns", dns_f, D_N);
	ztsv_init(&ssl_log, "ssl", ssl_f, S_N);
	ztsv_init(&http_log, "http", http_f, H_N);
	ztsv_init(&ssh_log, "ssh", ssh_f, X_N);
	return 0;
}

/* Connections that ended more than ENDED_KEEP before now go out (all of
 * them at the end of input). */
static void ended_flush(long long now_us, bool all)
{
	struct zend *e;
	while ((e = STAILQ_FIRST(&ended)) && (all || e->end_us + ENDED_KEEP < now_us)) {
		struct zconn *c = zc_find(e->key);
		if (c && c->ended_us == e->end_us)
			conn_flush(c);
		STAILQ_REMOVE_HEAD(&ended, link);
		free(e->key);
		free(e);
	}
}

void zeek_record(struct rec *r)
{
	const char *type = rec_str(r, "type");
	double ts;
	long long us;
	if (!type)
		return;
	if (rec_num(r, "ts", &ts) && isfinite(ts))
		ztsv_set_end(ts);
	if (get_us(r, "ts", &us))
		ended_flush(us, false);
	if (!strcmp(type, "flow"))
		flow_rec(r);
	else if (!strcmp(type, "dns"))
		dns_rec(r);
	else if (!strcmp(type, "tls"))
		tls_rec(r, false);
	else if (!strcmp(type, "quic"))
		tls_rec(r, true);
	else if (!strcmp(type, "http"))
		http_rec(r);
	else if (!strcmp(type, "ssh"))
		ssh_rec(r);
}

int zeek_close(void)
{
	int rc = 0;
	ended_flush(0, true);
	while (!TAILQ_EMPTY(&zc_all))
		conn_flush(TAILQ_FIRST(&zc_all));
	ht_free(&zc_index);
	struct zlog *logs[] = {&conn_log, &dns_log, &ssl_log, &http_log, &ssh_log};
	for (size_t i = 0; i < PP_ARRAY_LEN(logs); i++)
		if (ztsv_close(logs[i], ztsv_end()) < 0)
			rc = -1;
	return rc;
}
