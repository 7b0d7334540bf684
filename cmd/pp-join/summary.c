/* One pass over a record's top-level members: what pp-join needs to know
 * about it. Values come from untrusted input: every one is type-checked,
 * addresses and ports must parse, else the record is treated as having no
 * 5-tuple (and passes through unenriched). */
#include <math.h>
#include <netinet/in.h>
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
	M_HOST, M_ANSWERS, M_APP, M_QNAME, M_ORIG_PKTS, M_ORIG_BYTES, M_RESP_PKTS, M_RESP_BYTES,
	M_TX_BYTES, M_RX_BYTES, M_DURATION, M_PRODUCER, M_N
};

static const char *const member_name[M_N] = {
	"pid", "ppid", "uid", "comm", "exe", "cmdline", "cgroup", "container", "netns",
	"sni", "http_host", "alpn", "dst_name", "dst_cnames",
	"type", "ts", "proto", "src", "sport", "dst", "dport", "event", "dir", "msg",
	"host", "answers", "app", "qname", "orig_pkts", "orig_bytes", "resp_pkts", "resp_bytes",
	"tx_bytes", "rx_bytes", "duration", "producer",
};
/* Key -> member id by a small hash table, built once: this runs for every
 * member of every record. */
#define MH_SIZE 512
static signed char mh[MH_SIZE];
static unsigned char member_len[M_N];
/* Each name as words to compare with: its first 8 bytes (zero padded) and,
 * when longer, its last 8; mlow masks a short name's bytes. */
static uint64_t mfirst[M_N], mlast[M_N], mlow[M_N];

static unsigned mh_hash(const char *k, size_t n)
{
	return ((unsigned)n * 31u + (unsigned char)k[0] * 7u + (unsigned char)k[n - 1] * 13u +
	        (n > 2 ? (unsigned char)k[2] : 0u)) & (MH_SIZE - 1);
}

static void mh_init(void)
{
	memset(mh, -1, sizeof(mh));
	for (int i = 0; i < M_N; i++) {
		unsigned h;
		unsigned char pad[8] = {0}, ff[8] = {0};
		member_len[i] = (unsigned char)strlen(member_name[i]);
		memcpy(pad, member_name[i], member_len[i] < 8 ? member_len[i] : 8);
		memset(ff, 0xff, member_len[i] < 8 ? member_len[i] : 8);
		memcpy(&mfirst[i], pad, 8);
		memcpy(&mlow[i], ff, 8);
		if (member_len[i] >= 8)
			memcpy(&mlast[i], member_name[i] + member_len[i] - 8, 8);
		h = mh_hash(member_name[i], member_len[i]);
		while (mh[h] >= 0) /* linear probing */
			h = (h + 1) & (MH_SIZE - 1);
		mh[h] = (signed char)i;
	}
}

/* Short keys: a plain loop beats a call to memcmp. */
static inline bool keq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* avail: bytes readable from k (the key and what follows it in the line),
 * so that a short key can be compared as one masked word. */
static int member_id(const char *k, size_t n, size_t avail)
{
	unsigned h;
	uint64_t first = 0, last = 0;
	bool words = n <= 16 && (n >= 8 || avail >= 8);
	if (n == 0)
		return -1;
	if (!member_len[0])
		mh_init();
	if (words) {
		memcpy(&first, k, 8);
		if (n >= 8)
			memcpy(&last, k + n - 8, 8);
	}
	for (h = mh_hash(k, n); mh[h] >= 0; h = (h + 1) & (MH_SIZE - 1)) {
		int i = mh[h];
		if (member_len[i] != n)
			continue;
		if (words ? (first & mlow[i]) == mfirst[i] && (n < 8 || last == mlast[i])
		          : keq(k, member_name[i], n))
			return i;
	}
	return -1;
}

/* The text of a string member equals s (our values never need escapes). */
static inline bool raw_is_n(const char *L, const struct jspan *m, const char *s, size_t n)
{
	return m->kind == 's' && m->vl == n + 2 && keq(L + m->vs + 1, s, n);
}
/* s a string literal: its length known at compile time. */
#define raw_is(L, m, s) raw_is_n(L, m, s, sizeof(s) - 1)

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

static bool span_addr(const char *L, const struct jspan *m, struct pp_addr *a)
{
	char buf[PP_ADDRSTRLEN + 8];
	size_t n = m->vl - 2;
	if (m->kind != 's' || m->vl < 3 || n >= sizeof(buf))
		return false;
	if (parse_v4(L + m->vs + 1, n, a))
		return true;
	memcpy(buf, L + m->vs + 1, n);
	buf[n] = '\0';
	if (pp_addr_parse(buf, a) < 0)
		return false;
	/* A v6 socket's v4 peer (::ffff:a.b.c.d) is the v4 address on the wire. */
	pp_addr_unmap(a);
	return true;
}

static bool span_port(const char *L, const struct jspan *m, uint16_t *p)
{
	unsigned long x = 0;
	if (m->kind != 'n' || m->vl < 1 || m->vl > 5)
		return false;
	for (uint32_t i = 0; i < m->vl; i++) {
		char c = L[m->vs + i];
		if (c < '0' || c > '9')
			return false;
		x = x * 10 + (unsigned long)(c - '0');
	}
	if (x > 65535)
		return false;
	*p = (uint16_t)x;
	return true;
}

bool jparse(const char *line, size_t len, struct jscan *sc, struct rec *r, struct jrec *j,
            struct jtoks *t, const char **err)
{
	size_t i = 0;
	*err = NULL;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len)
		return false; /* blank lines are tolerated, as jq does */
	/* The fast scanner for the usual record; the record library for
	 * anything else, and for the message about a bad line. */
	if (jscan_line(line, len, sc) != JSCAN_OK) {
		if (rec_parse(r, line, len, err) < 0)
			return false;
		jscan_from_rec(r, sc);
	}
	summarize(line, sc, j, t);
	return true;
}

bool span_num(const char *L, const struct jspan *m, double *v)
{
	char buf[64];
	if (m->kind != 'n' || m->vl >= sizeof(buf))
		return false;
	memcpy(buf, L + m->vs, m->vl);
	buf[m->vl] = '\0';
	*v = strtod(buf, NULL);
	return true;
}

/* Seconds with up to 6 decimals to microseconds, exactly; other forms
 * (exponents, more decimals) through strtod. */
static bool span_ts(const char *L, const struct jspan *m, int64_t *us)
{
	const char *p = L + m->vs, *e = p + m->vl;
	int64_t sec = 0, frac = 0;
	int nd = 0, ni = 0;
	double d;

	if (m->kind != 'n')
		return false;
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
	if (!span_num(L, m, &d) || !isfinite(d) || d < 0 || d > 4e12)
		return false;
	*us = llround(d * 1e6);
	return true;
}

static enum jtype type_of(const char *L, const struct jspan *m)
{
	static const struct { const char *n; size_t l; enum jtype t; } types[] = {
		{"sock", 4, JT_SOCK}, {"flow", 4, JT_FLOW}, {"dns", 3, JT_DNS}, {"tls", 3, JT_TLS},
		{"http", 4, JT_HTTP}, {"ssh", 3, JT_SSH}, {"quic", 4, JT_QUIC}, {"mark", 4, JT_MARK},
	};
	for (size_t i = 0; i < PP_ARRAY_LEN(types); i++)
		if (raw_is_n(L, m, types[i].n, types[i].l))
			return types[i].t;
	return JT_OTHER;
}

void summarize(const char *L, const struct jscan *sc, struct jrec *j, struct jtoks *t)
{
	const struct jspan *M = sc->m;
	int idx[M_N];
	struct pp_tuple tu;
	bool ok;

	memset(j, 0, sizeof(*j));
	for (int i = 0; i < M_N; i++)
		idx[i] = -1;
	j->obj_start = sc->obj_start;
	j->obj_end = sc->obj_end;
	j->nonempty = sc->n > 0;
	for (int k = 0; k < sc->n; k++) {
		int id = member_id(L + M[k].ks, M[k].kl, sc->obj_end - M[k].ks);
		if (id >= 0)
			idx[id] = k; /* repeated keys: the last wins, as in rec_find */
	}
	for (int i = 0; i < K_NADD; i++)
		if (idx[i] >= 0)
			j->present |= 1u << i;
	for (int i = 0; i < K_NPROC; i++)
		t->proc[i] = idx[i];
	t->sni = idx[K_SNI];
	t->alpn = idx[K_ALPN];
	t->host = idx[M_HOST];
	t->answers = idx[M_ANSWERS];
	t->app = idx[M_APP];
	t->msg = idx[M_MSG];
	t->qname = idx[M_QNAME];
	t->orig_pkts = idx[M_ORIG_PKTS];
	t->orig_bytes = idx[M_ORIG_BYTES];
	t->resp_pkts = idx[M_RESP_PKTS];
	t->resp_bytes = idx[M_RESP_BYTES];
	t->tx_bytes = idx[M_TX_BYTES];
	t->rx_bytes = idx[M_RX_BYTES];
	t->duration = idx[M_DURATION];
	t->producer = idx[M_PRODUCER];

	j->type = idx[M_TYPE] >= 0 ? (uint8_t)type_of(L, &M[idx[M_TYPE]]) : JT_OTHER;
	j->has_ts = idx[M_TS] >= 0 && span_ts(L, &M[idx[M_TS]], &j->ts);
	if (j->type == JT_MARK) {
		/* A producer's progress (pp-records(5)): a time and who. */
		if (!j->has_ts || t->producer < 0 || M[t->producer].kind != 's')
			j->type = JT_OTHER;
		return;
	}
	if (j->type == JT_OTHER || !j->has_ts || sc->overflow) {
		/* Unknown types and records without a time pass through as
		 * they are: nothing to match them on. */
		j->type = JT_OTHER;
		return;
	}

	memset(&tu, 0, sizeof(tu));
	j->has_dst = idx[M_DST] >= 0 && span_addr(L, &M[idx[M_DST]], &tu.dst);
	if (j->has_dst)
		j->dst = tu.dst;
	ok = j->has_dst && idx[M_SRC] >= 0 && span_addr(L, &M[idx[M_SRC]], &tu.src) &&
	     tu.src.family == tu.dst.family && idx[M_SPORT] >= 0 &&
	     span_port(L, &M[idx[M_SPORT]], &tu.sport) && idx[M_DPORT] >= 0 &&
	     span_port(L, &M[idx[M_DPORT]], &tu.dport) && idx[M_PROTO] >= 0;
	if (ok) {
		const struct jspan *p = &M[idx[M_PROTO]];
		char pb[16];
		int pn = -1;
		/* tcp and udp without a copy and a table walk (the same
		 * numbers pp_proto_num gives). */
		if (raw_is(L, p, "tcp")) {
			pn = IPPROTO_TCP;
		} else if (raw_is(L, p, "udp")) {
			pn = IPPROTO_UDP;
		} else if (p->kind == 's' && p->vl - 2 < sizeof(pb)) {
			memcpy(pb, L + p->vs + 1, p->vl - 2);
			pb[p->vl - 2] = '\0';
			pn = pp_proto_num(pb);
		}
		ok = pn >= 0;
		tu.proto = (uint8_t)pn;
	}
	if (idx[K_NETNS] >= 0) {
		/* The namespace the record was seen in: a plain integer. */
		const struct jspan *m = &M[idx[K_NETNS]];
		uint64_t ns = 0;
		uint32_t i;
		for (i = 0; m->kind == 'n' && i < m->vl && i < 19 && L[m->vs + i] >= '0' && L[m->vs + i] <= '9'; i++)
			ns = ns * 10 + (uint64_t)(L[m->vs + i] - '0');
		if (m->kind == 'n' && i == m->vl)
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
		bool in = idx[M_DIR] >= 0 && raw_is(L, &M[idx[M_DIR]], "in");
		if (ev < 0)
			j->sev = SEV_NONE;
		else if (raw_is(L, &M[ev], "connect"))
			j->sev = SEV_CONNECT;
		else if (raw_is(L, &M[ev], "accept"))
			j->sev = SEV_ACCEPT, in = true;
		else if (raw_is(L, &M[ev], "listen"))
			j->sev = SEV_LISTEN;
		else if (raw_is(L, &M[ev], "udp"))
			j->sev = SEV_UDP;
		else if (raw_is(L, &M[ev], "close"))
			j->sev = SEV_CLOSE;
		j->role = in ? ROLE_RESP : ROLE_ORIG;
	} else if (j->type == JT_FLOW && idx[M_EVENT] >= 0) {
		j->flow_start = raw_is(L, &M[idx[M_EVENT]], "start");
		j->flow_end = raw_is(L, &M[idx[M_EVENT]], "end");
	} else if (j->type == JT_TLS) {
		j->hello = idx[M_MSG] >= 0 && raw_is(L, &M[idx[M_MSG]], "client_hello");
	}
}
