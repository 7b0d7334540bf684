/* One pass over a record's top-level members: what pp-join needs to know
 * about it. Values come from untrusted input: every one is type-checked,
 * addresses and ports must parse, else the record is treated as having no
 * 5-tuple (and passes through unenriched). */
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "pp.h"

const char *const jkey_name[K_NADD] = {
	"pid", "ppid", "uid", "comm", "exe", "cmdline", "cgroup", "container", "netns",
	"sni", "http_host", "alpn", "dst_name", "dst_cnames",
};

/* Members of interest beyond the addable keys. */
enum {
	M_TYPE = K_NADD, M_TS, M_PROTO, M_SRC, M_SPORT, M_DST, M_DPORT, M_EVENT, M_DIR, M_MSG,
	M_HOST, M_ANSWERS, M_APP, M_ORIG_PKTS, M_ORIG_BYTES, M_RESP_PKTS, M_RESP_BYTES,
	M_TX_BYTES, M_RX_BYTES, M_DURATION, M_PRODUCER, M_SOURCE, M_N
};

/* All looked up in one pass over the members (rec_find_set), keys
 * compared unescaped. */
static const struct rec_key members[M_N] = {
	REC_KEY("pid"), REC_KEY("ppid"), REC_KEY("uid"), REC_KEY("comm"), REC_KEY("exe"),
	REC_KEY("cmdline"), REC_KEY("cgroup"), REC_KEY("container"), REC_KEY("netns"),
	REC_KEY("sni"), REC_KEY("http_host"), REC_KEY("alpn"), REC_KEY("dst_name"),
	REC_KEY("dst_cnames"), REC_KEY("type"), REC_KEY("ts"), REC_KEY("proto"), REC_KEY("src"),
	REC_KEY("sport"), REC_KEY("dst"), REC_KEY("dport"), REC_KEY("event"), REC_KEY("dir"),
	REC_KEY("msg"), REC_KEY("host"), REC_KEY("answers"), REC_KEY("app"), REC_KEY("orig_pkts"),
	REC_KEY("orig_bytes"), REC_KEY("resp_pkts"), REC_KEY("resp_bytes"), REC_KEY("tx_bytes"),
	REC_KEY("rx_bytes"), REC_KEY("duration"), REC_KEY("producer"), REC_KEY("source"),
};

/* The string at token t is s (unescaped, as every comparison here). */
#define tok_is(r, t, s) rec_tok_eq(r, t, s, sizeof(s) - 1)

/* Dotted quad, the common case, without inet_pton (and as strict: no
 * leading zeros, four parts of 0..255). */
static bool parse_v4(const char *s, size_t n, struct pp_addr *a)
{
	const char *p = s, *e = s + n;
	uint8_t b[4];
	for (int i = 0; i < 4; i++) {
		unsigned v;
		if (i > 0) {
			if (p >= e || *p != '.')
				return false;
			p++;
		}
		if (p >= e || (unsigned)(*p - '0') > 9)
			return false;
		v = (unsigned)(*p++ - '0');
		if (p < e && (unsigned)(*p - '0') <= 9) {
			if (v == 0)
				return false;
			v = v * 10 + (unsigned)(*p++ - '0');
			if (p < e && (unsigned)(*p - '0') <= 9) {
				v = v * 10 + (unsigned)(*p++ - '0');
				if (p < e && (unsigned)(*p - '0') <= 9)
					return false;
			}
		}
		if (v > 255)
			return false;
		b[i] = (uint8_t)v;
	}
	if (p != e)
		return false;
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->a, b, 4);
	return true;
}

static bool tok_addr(const struct rec *r, int t, struct pp_addr *a)
{
	char buf[PP_ADDRSTRLEN + 8];
	size_t n;
	const char *s = rec_tok_text(r, t, &n);
	if (!s || n == 0 || n >= sizeof(buf))
		return false;
	if (parse_v4(s, n, a))
		return true;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strlen(buf) != n || pp_addr_parse(buf, a) < 0)
		return false;
	/* A v6 socket's v4 peer (::ffff:a.b.c.d) is the v4 address on the wire. */
	pp_addr_unmap(a);
	return true;
}

/* A number token made of digits only (at most max of them): its value.
 * The reader has checked the grammar; this only converts. */
static bool tok_digits(const struct rec *r, int t, size_t max, uint64_t *v)
{
	size_t n;
	const char *p;
	uint64_t x = 0;
	if (!rec_tok_is_num(r, t))
		return false;
	p = rec_tok_raw(r, t, &n);
	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

static bool tok_port(const struct rec *r, int t, uint16_t *port)
{
	uint64_t x;
	if (!tok_digits(r, t, 5, &x) || x > 65535)
		return false;
	*port = (uint16_t)x;
	return true;
}

/* Seconds with up to 6 decimals to microseconds, exactly; other forms
 * (exponents, more decimals) through strtod. */
static bool tok_ts(const struct rec *r, int t, int64_t *us)
{
	size_t len;
	const char *p, *e;
	int64_t sec = 0, frac = 0;
	int nd = 0, ni = 0;
	double d;

	if (!rec_tok_is_num(r, t))
		return false;
	p = rec_tok_raw(r, t, &len);
	e = p + len;
	while (p < e && *p >= '0' && *p <= '9' && ni < 13)
		sec = sec * 10 + (*p++ - '0'), ni++;
	if (ni > 0 && p < e && *p == '.') {
		p++;
		while (p < e && *p >= '0' && *p <= '9' && nd < 6)
			frac = frac * 10 + (*p++ - '0'), nd++;
		for (int k = nd; k < 6; k++)
			frac *= 10;
	}
	if (ni > 0 && ni < 13 && nd > 0 && p == e) {
		*us = sec * 1000000 + frac;
		return true;
	}
	if (!rec_tok_num(r, t, &d) || !isfinite(d) || d < 0 || d > 4e12)
		return false;
	*us = llround(d * 1e6);
	return true;
}

/* A counter: a plain non-negative integer, or a number in [0, 9e18]. */
static bool tok_count(const struct rec *r, int t, long long *v)
{
	uint64_t x;
	double d;
	if (tok_digits(r, t, 18, &x)) {
		*v = (long long)x;
		return true;
	}
	if (!rec_tok_num(r, t, &d) || !(d >= 0 && d <= 9e18))
		return false;
	*v = (long long)d;
	return true;
}

static enum jtype type_of(const struct rec *r, int t)
{
	static const struct { const char *n; size_t l; enum jtype t; } types[] = {
		{"sock", 4, JT_SOCK}, {"flow", 4, JT_FLOW}, {"dns", 3, JT_DNS}, {"tls", 3, JT_TLS},
		{"http", 4, JT_HTTP}, {"ssh", 3, JT_SSH}, {"quic", 4, JT_QUIC}, {"mark", 4, JT_MARK},
	};
	size_t n;
	const char *s = rec_tok_text(r, t, &n);
	if (!s)
		return JT_OTHER;
	for (size_t i = 0; i < PP_ARRAY_LEN(types); i++)
		if (n == types[i].l && !memcmp(s, types[i].n, n))
			return types[i].t;
	return JT_OTHER;
}

/* Raw JSON of token t into the kept bytes. */
static struct jtext keep_raw(const struct rec *r, int t, struct sbuf *keep)
{
	struct jtext x;
	size_t n;
	const char *raw = rec_tok_raw(r, t, &n);
	x.off = (uint32_t)keep->len;
	x.len = (uint32_t)n;
	sb_put(keep, raw, n);
	return x;
}

/* The process members as one string of segments ,"key":VALUE (what
 * emit.c appends and table.c interns). An absurd one (a cmdline of
 * 64 KiB) is dropped, the others kept. */
static void keep_proc(const struct rec *r, const int *idx, struct jkeep *k, struct sbuf *keep)
{
	/* Each key's ,"key": as one piece (members[]'s names, quoted). */
	static const struct rec_key seg[K_NPROC] = {
		REC_KEY(",\"pid\":"), REC_KEY(",\"ppid\":"), REC_KEY(",\"uid\":"),
		REC_KEY(",\"comm\":"), REC_KEY(",\"exe\":"), REC_KEY(",\"cmdline\":"),
		REC_KEY(",\"cgroup\":"), REC_KEY(",\"container\":"), REC_KEY(",\"netns\":"),
	};
	size_t start = keep->len, len = 0;
	for (int i = 0; i < K_NPROC; i++) {
		size_t n, kl = seg[i].len;
		const char *raw;
		k->poff[i] = (uint16_t)len;
		k->plen[i] = 0;
		if (idx[i] < 0)
			continue;
		raw = rec_tok_raw(r, idx[i], &n);
		if (len + kl + n > 65000)
			continue;
		sb_put(keep, seg[i].name, kl);
		sb_put(keep, raw, n);
		k->plen[i] = (uint16_t)(kl + n);
		len += kl + n;
	}
	k->poff[K_NPROC] = (uint16_t)len;
	k->proc.off = (uint32_t)start;
	k->proc.len = (uint32_t)len;
}

/* The members' keys, compiled once for the run (by whichever thread
 * parses first: ahead.c). */
static struct rec_keyset ks;
static pthread_once_t ks_once = PTHREAD_ONCE_INIT;

static void ks_init(void)
{
	rec_keyset_init(&ks, members, M_N);
}

static void summarize(const struct rec *r, struct jrec *j, struct jkeep *k, struct sbuf *keep)
{
	int idx[M_N];
	struct pp_tuple tu;
	bool ok;

	memset(j, 0, sizeof(*j));
	memset(k, 0, sizeof(*k));
	pthread_once(&ks_once, ks_init);
	rec_find_set(r, &ks, idx);
	j->obj_start = (uint32_t)r->tok[0].start;
	j->obj_end = (uint32_t)r->tok[0].end;
	j->nonempty = r->ntok > 1;
	for (int i = 0; i < K_NADD; i++)
		if (idx[i] >= 0)
			j->present |= 1u << i;

	j->type = idx[M_TYPE] >= 0 ? (uint8_t)type_of(r, idx[M_TYPE]) : JT_OTHER;
	j->has_ts = idx[M_TS] >= 0 && tok_ts(r, idx[M_TS], &j->ts);
	/* pp-trace's records say how they were seen (pp-records(5)); its
	 * kernel dns records are judged by its marks, not pp-sniff's. */
	j->traced = idx[M_SOURCE] >= 0;
	if (j->type == JT_MARK) {
		/* A producer's progress (pp-records(5)): a time and who. */
		size_t n;
		const char *p = rec_tok_str(r, idx[M_PRODUCER], &n);
		if (!j->has_ts || !p) {
			j->type = JT_OTHER;
			return;
		}
		k->producer.off = (uint32_t)keep->len;
		k->producer.len = (uint32_t)n;
		sb_put(keep, p, n);
		return;
	}
	if (j->type == JT_OTHER || !j->has_ts) {
		/* Unknown types and records without a time pass through as
		 * they are: nothing to match them on. */
		j->type = JT_OTHER;
		return;
	}

	memset(&tu, 0, sizeof(tu));
	j->has_dst = idx[M_DST] >= 0 && tok_addr(r, idx[M_DST], &tu.dst);
	if (j->has_dst)
		j->dst = tu.dst;
	ok = j->has_dst && idx[M_SRC] >= 0 && tok_addr(r, idx[M_SRC], &tu.src) &&
	     tu.src.family == tu.dst.family && tok_port(r, idx[M_SPORT], &tu.sport) &&
	     tok_port(r, idx[M_DPORT], &tu.dport) && rec_tok_is_str(r, idx[M_PROTO]);
	if (ok) {
		char pb[16];
		size_t n;
		const char *p = rec_tok_text(r, idx[M_PROTO], &n);
		int pn = -1;
		/* tcp and udp without a copy and a table walk (the same
		 * numbers pp_proto_num gives). */
		if (n == 3 && !memcmp(p, "tcp", 3)) {
			pn = IPPROTO_TCP;
		} else if (n == 3 && !memcmp(p, "udp", 3)) {
			pn = IPPROTO_UDP;
		} else if (n < sizeof(pb) && !memchr(p, '\0', n)) {
			memcpy(pb, p, n);
			pb[n] = '\0';
			pn = pp_proto_num(pb);
		}
		ok = pn >= 0;
		tu.proto = (uint8_t)pn;
	}
	if (idx[K_NETNS] >= 0) {
		/* The namespace the record was seen in: a plain integer. */
		uint64_t ns;
		if (tok_digits(r, idx[K_NETNS], 19, &ns))
			j->netns = ns;
	}
	if (ok) {
		j->tuple = tu;
		pp_tuple_norm(&tu, &j->key, NULL);
		j->khash = key_hash(&j->key);
		j->has_key = true;
	}

	if (j->type == JT_SOCK) {
		int ev = idx[M_EVENT];
		bool in = tok_is(r, idx[M_DIR], "in");
		if (ev < 0)
			j->sev = SEV_NONE;
		else if (tok_is(r, ev, "connect"))
			j->sev = SEV_CONNECT;
		else if (tok_is(r, ev, "accept"))
			j->sev = SEV_ACCEPT, in = true;
		else if (tok_is(r, ev, "listen"))
			j->sev = SEV_LISTEN;
		else if (tok_is(r, ev, "udp"))
			j->sev = SEV_UDP;
		else if (tok_is(r, ev, "close"))
			j->sev = SEV_CLOSE;
		j->role = in ? ROLE_RESP : ROLE_ORIG;
	} else if (j->type == JT_FLOW && idx[M_EVENT] >= 0) {
		j->flow_start = tok_is(r, idx[M_EVENT], "start");
		j->flow_end = tok_is(r, idx[M_EVENT], "end");
	} else if (j->type == JT_TLS) {
		j->hello = tok_is(r, idx[M_MSG], "client_hello");
	}
	if (!j->has_key)
		return;

	/* What ingest() will want, copied out now. */
	if (j->type == JT_SOCK) {
		keep_proc(r, idx, k, keep);
		k->has_bytes = tok_count(r, idx[M_TX_BYTES], &k->tx_bytes) &&
		               tok_count(r, idx[M_RX_BYTES], &k->rx_bytes);
		k->has_duration = rec_tok_num(r, idx[M_DURATION], &k->duration);
		return;
	}
	if (rec_tok_is_str(r, idx[K_SNI]))
		k->sni = keep_raw(r, idx[K_SNI], keep);
	if (idx[K_ALPN] >= 0)
		k->alpn = keep_raw(r, idx[K_ALPN], keep);
	if (rec_tok_is_str(r, idx[M_HOST]))
		k->host = keep_raw(r, idx[M_HOST], keep);
	if (rec_tok_is_str(r, idx[M_APP]))
		k->app = keep_raw(r, idx[M_APP], keep);
	if (j->type == JT_FLOW)
		k->has_counts = tok_count(r, idx[M_ORIG_PKTS], &k->counts[0]) &&
		                tok_count(r, idx[M_ORIG_BYTES], &k->counts[1]) &&
		                tok_count(r, idx[M_RESP_PKTS], &k->counts[2]) &&
		                tok_count(r, idx[M_RESP_BYTES], &k->counts[3]);
	if (j->type == JT_DNS && idx[M_ANSWERS] >= 0 && r->tok[idx[M_ANSWERS]].type == JSMN_ARRAY) {
		k->answers.off = (uint32_t)keep->len;
		names_pack(r, idx[M_ANSWERS], keep);
		k->answers.len = (uint32_t)(keep->len - k->answers.off);
	}
}

bool jparse(struct rec *r, const char *line, size_t len, struct jrec *j, struct jkeep *k,
            struct sbuf *keep, const char **err)
{
	size_t i = 0;
	*err = NULL;
	sb_reset(keep);
	if (!keep->s)
		sb_put(keep, "", 0); /* never NULL: offsets are taken from it */
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len)
		return false; /* blank lines are tolerated, as jq does */
	if (rec_parse(r, line, len, err) < 0)
		return false;
	summarize(r, j, k, keep);
	return true;
}
