/* --top's model: see top_model.h.
 *
 * Bytes: a socket's own counts (sock update/close, conn records: payload
 * bytes of this socket) are preferred; a connection without them uses the
 * wire's (flow start/update/end: IP bytes each way), mapped to the local
 * side by its direction. Counts only grow (a total never goes back when the
 * source changes), and rates come from the records' own timestamps: the
 * growth between two byte counts over the time between them. */
#include "top_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "htab.h"
#include "jsonw.h"
#include "pp.h"
#include "services.h"
#include "xalloc.h"

#define MAX_CONNS 20000  /* closed ones beyond this are folded (tm_evict) */
#define KEEP_CONNS 18000
#define RATE_STALE 5.0   /* s without byte counts: the rate shown is 0 */

static void evict(struct tmodel *m);

void tm_init(struct tmodel *m)
{
	memset(m, 0, sizeof(*m));
	ht_init(&m->index);
}

static void conn_free(struct tconn *c)
{
	for (int i = 0; i < c->nkv; i++) {
		free(c->kv[i].key);
		free(c->kv[i].raw);
		free(c->kv[i].text);
	}
	free(c->kv);
	free(c);
}

void tm_free(struct tmodel *m)
{
	for (size_t i = 0; i < m->n; i++)
		conn_free(m->c[i]);
	free(m->c);
	ht_free(&m->index);
}

/* ---- the index: key -> entry ------------------------------------------------- */

/* The key is itself a hash (side_key): the index is keyed by it alone.
 * Only the newest entry of a key is indexed; an older one with the same
 * key (a connection closed before its tuple came back) is history, kept in
 * m->c but no longer found. */

static struct tconn *lookup(struct tmodel *m, uint64_t key)
{
	return ht_get(&m->index, key, NULL, NULL);
}

/* key now names c, whatever it named before. */
static void index_set(struct tmodel *m, uint64_t key, struct tconn *c)
{
	ht_del(&m->index, key, NULL, NULL);
	ht_put(&m->index, key, c);
}

/* After entries were dropped: the index of what is left, the later of
 * equal keys winning as when they were added. */
static void reindex(struct tmodel *m)
{
	ht_free(&m->index);
	for (size_t i = 0; i < m->n; i++)
		if (m->c[i]->key)
			index_set(m, m->c[i]->key, m->c[i]);
}

static struct tconn *add(struct tmodel *m, uint64_t key, int side)
{
	struct tconn *c = xcalloc(1, sizeof(*c));
	c->key = key;
	c->side = side;
	c->match = -1;
	c->seq = ++m->seq;
	c->sample_ts = NAN;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->c = xreallocarray(m->c, m->cap, sizeof(*m->c));
	}
	m->c[m->n++] = c;
	index_set(m, key, c);
	return c;
}

/* ---- merged members ---------------------------------------------------------- */

static struct tkv *kv_find(const struct tconn *c, const char *key)
{
	/* (the first byte before strcmp: a cell asks for up to a dozen keys
	 * of some thirty, at every frame) */
	for (int i = 0; i < c->nkv; i++)
		if (c->kv[i].key[0] == key[0] && !strcmp(c->kv[i].key, key))
			return &c->kv[i];
	return NULL;
}

const char *tc_get(const struct tconn *c, const char *key)
{
	struct tkv *kv = kv_find(c, key);
	return kv ? kv->text : NULL;
}

static void kv_set(struct tconn *c, const char *key, const char *raw, size_t rawlen,
                   const char *text)
{
	struct tkv *kv = kv_find(c, key);
	if (!kv) {
		if (c->nkv == c->kvcap) {
			c->kvcap = c->kvcap ? c->kvcap * 2 : 16;
			c->kv = xreallocarray(c->kv, (size_t)c->kvcap, sizeof(*c->kv));
		}
		kv = &c->kv[c->nkv++];
		kv->key = xstrdup(key);
	} else {
		free(kv->raw);
		free(kv->text);
	}
	kv->raw = xmemdup(raw, rawlen);
	kv->text = xstrdup(text);
}

static bool is_proc_key(const char *k)
{
	static const char *const keys[] = {"pid", "ppid", "uid", "user", "comm", "exe", "cmdline",
	                                   "cgroup", "container", "netns", "dir"};
	for (size_t i = 0; i < PP_ARRAY_LEN(keys); i++)
		if (!strcmp(k, keys[i]))
			return true;
	return false;
}

/* Every member of r goes into c, the last value winning; noproc leaves out
 * the process keys (a sniffed record not attributed to this side). */
static void merge(struct tconn *c, struct rec *r, bool noproc, bool state_ok)
{
	struct sbuf t;
	int it = 0, k;
	sb_init(&t);
	while ((k = rec_next_key(r, &it)) >= 0) {
		size_t kl, rawlen;
		const char *key = rec_tok_str(r, k, &kl), *raw;
		if (!key || !kl || memchr(key, '\0', kl))
			continue;
		if (!strcmp(key, "type") || !strcmp(key, "ts") || !strcmp(key, "event") ||
		    !strcmp(key, "msg") || !strcmp(key, "initial") || !strcmp(key, "source"))
			continue;
		if (noproc && is_proc_key(key))
			continue;
		if (!state_ok && !strcmp(key, "state"))
			continue;
		raw = rec_tok_raw(r, k + 1, &rawlen);
		{
			/* rec_tok_str's arena may move as values are unescaped:
			 * copy the key first. */
			char kbuf[128];
			if (kl >= sizeof(kbuf))
				continue;
			memcpy(kbuf, key, kl);
			kbuf[kl] = '\0';
			sb_reset(&t);
			/* The member's own value: a search by name for
			 * each member was a pass over the record per
			 * member (of a repeated key the last still wins:
			 * it is set last). */
			fmt_tok_text(r, k + 1, &t);
			kv_set(c, kbuf, raw, rawlen, t.s ? t.s : "");
		}
	}
	sb_free(&t);
}

static void push_state(struct tconn *c, const char *st)
{
	size_t n = strlen(c->states), sl = strlen(st);
	const char *last = strrchr(c->states, '>');
	last = last ? last + 1 : c->states;
	if (!st[0] || !strcmp(last, st))
		return;
	if (n + sl + 2 >= sizeof(c->states))
		return; /* history full: the current state is still in "state" */
	if (n)
		c->states[n++] = '>';
	memcpy(c->states + n, st, sl + 1);
}

/* Byte counts tx/rx at record time ts: growth only, and the rate since the
 * previous counts. */
static void count(struct tconn *c, double tx, double rx, double ts)
{
	double dtx = tx > c->tx ? tx - c->tx : 0, drx = rx > c->rx ? rx - c->rx : 0;
	if (!isnan(c->sample_ts) && ts > c->sample_ts) {
		c->up = dtx / (ts - c->sample_ts);
		c->down = drx / (ts - c->sample_ts);
	} else if (isnan(c->sample_ts) && ts > c->first_ts && c->first_ts > 0) {
		c->up = dtx / (ts - c->first_ts);
		c->down = drx / (ts - c->first_ts);
	}
	c->tx += dtx;
	c->rx += drx;
	if (!(ts <= c->sample_ts))
		c->sample_ts = ts;
	c->counted_at = pp_mono();
}

/* ---- routing a record to its entries ------------------------------------------ */

static bool base_key(struct rec *r, bool listen, struct sbuf *b)
{
	static const char *const keys[] = {"proto", "src", "sport", "dst", "dport"};
	const char *cid = rec_str(r, "community_id");
	sb_reset(b);
	if (cid && !listen) {
		sb_puts(b, "C|");
		sb_puts(b, cid);
		return true;
	}
	sb_puts(b, listen ? "L|" : "T|");
	for (size_t k = 0; k < (listen ? 3 : PP_ARRAY_LEN(keys)); k++) {
		if (!fmt_key_text(r, keys[k], b))
			return false;
		sb_putc(b, '|');
	}
	return true;
}

static uint64_t side_key(const struct sbuf *b, int side)
{
	uint64_t h = pp_hash_u64(pp_hash(b->s, b->len) + (uint64_t)side);
	return h ? h : 1; /* 0 marks an entry evict drops */
}

static bool is(const char *s, const char *v)
{
	return s && !strcmp(s, v);
}

/* A record that starts a connection, after which an entry with the same key
 * that has closed is history, not this connection. */
static bool starts(const char *type, const char *ev)
{
	return (is(type, "sock") && (is(ev, "connect") || is(ev, "accept") || is(ev, "udp") ||
	                             is(ev, "listen"))) ||
	       (is(type, "flow") && is(ev, "start"));
}

static void account(struct tmodel *m, struct tconn *c, struct rec *r, bool noproc)
{
	const char *type = rec_str(r, "type"), *ev = rec_str(r, "event"), *msg = rec_str(r, "msg");
	double ts = 0, a, b;
	bool sock = is(type, "sock"), conn = is(type, "conn"), flow = is(type, "flow");

	rec_num(r, "ts", &ts);
	if (!c->first_ts || (ts && ts < c->first_ts))
		c->first_ts = ts;
	if (ts > c->last_ts)
		c->last_ts = ts;
	c->last_seen = pp_mono();
	c->match = -1;
	merge(c, r, noproc, sock || conn);
	if (sock || conn)
		c->has_sock = true;
	if (is(type, "quic"))
		c->quic = true;

	if (sock || conn) {
		const char *st = rec_str(r, "state");
		bool has_tx = rec_num(r, "tx_bytes", &a), has_rx = rec_num(r, "rx_bytes", &b);
		if (st)
			push_state(c, st);
		if (has_tx || has_rx) {
			c->sock_bytes = true;
			count(c, has_tx ? a : c->tx, has_rx ? b : c->rx, ts);
		}
	} else if (is(type, "dns")) {
		const char *rc = rec_str(r, "rcode");
		push_state(c, rc ? rc : is(msg, "query") ? "QUERY" : "DNS");
	}
	if ((flow || conn) && !c->sock_bytes && !noproc) {
		double o = 0, p = 0;
		if (rec_num(r, "orig_bytes", &o) | rec_num(r, "resp_bytes", &p)) {
			if (c->side == SIDE_IN)
				count(c, p, o, ts);
			else
				count(c, o, p, ts);
		}
	}
	if (flow && !c->has_sock)
		push_state(c, is(ev, "end") ? "ENDED" : "ACTIVE");
	if (is(type, "quic") && !c->has_sock)
		push_state(c, "QUIC-INITIAL"); /* what pp-sniff decrypts */

	if ((sock && is(ev, "close")) || (flow && is(ev, "end") && !c->has_sock) ||
	    (conn && !is(rec_str(r, "state"), "open"))) {
		if (!c->closed) {
			c->closed = true;
			c->closed_at = pp_mono();
		}
	}
}

/* The socket of a connection whose sniffed records came first: they made
 * an entry on the originating side (they have no direction); when the
 * socket says it is the other side and that entry has no other process,
 * the entry is this side's. Its wire counts turn round with it. */
static struct tconn *adopt(struct tmodel *m, const struct sbuf *b, int side, long long pid)
{
	int other = side == SIDE_IN ? SIDE_OUT : SIDE_IN;
	struct tconn *o = lookup(m, side_key(b, other));
	const char *opid;
	double t;
	if (!o || o->has_sock || o->closed || o->retired)
		return NULL;
	opid = tc_get(o, "pid");
	if (opid && (pid < 0 || strtoll(opid, NULL, 10) != pid))
		return NULL;
	ht_del(&m->index, o->key, NULL, NULL);
	o->key = side_key(b, side);
	o->side = side;
	t = o->tx, o->tx = o->rx, o->rx = t;
	t = o->up, o->up = o->down, o->down = t;
	index_set(m, o->key, o);
	return o;
}

void tm_record(struct tmodel *m, struct rec *r)
{
	const char *type = rec_str(r, "type"), *ev = rec_str(r, "event"), *dir = rec_str(r, "dir");
	struct sbuf b;
	bool listen, has_pid;
	long long pid = -1;
	int side;
	struct tconn *c;

	m->records++;
	if (!type || rec_find(r, "src") < 0)
		return;
	m->shown++;
	listen = is(type, "sock") && (is(ev, "listen") || rec_find(r, "dst") < 0);
	sb_init(&b);
	if (!base_key(r, listen, &b)) {
		sb_free(&b);
		return;
	}
	has_pid = rec_i64(r, "pid", &pid);
	if (listen)
		side = SIDE_LISTEN;
	else if (dir)
		side = is(dir, "in") ? SIDE_IN : SIDE_OUT;
	else
		side = -1; /* a sniffed record: find the side it belongs to */

	if (side < 0) {
		struct tconn *s[2] = {lookup(m, side_key(&b, SIDE_OUT)), lookup(m, side_key(&b, SIDE_IN))};
		int mine = -1;
		if (has_pid)
			for (int i = 0; i < 2; i++)
				if (s[i] && tc_get(s[i], "pid")) {
					long long p = strtoll(tc_get(s[i], "pid"), NULL, 10);
					if (p == pid)
						mine = i;
				}
		if (mine >= 0) {
			/* Its side gets all of it; the other side what it says
			 * about the connection (SNI, names), not its process or
			 * its bytes. */
			account(m, s[mine], r, false);
			if (s[1 - mine])
				account(m, s[1 - mine], r, true);
		} else if (s[0] || s[1]) {
			/* Known connection, record of no side in particular: what
			 * it says about the connection goes to both sides, its
			 * process keys to a side without a process only. */
			for (int i = 0; i < 2; i++)
				if (s[i])
					account(m, s[i], r, has_pid && tc_get(s[i], "pid"));
		} else {
			account(m, add(m, side_key(&b, SIDE_OUT), SIDE_OUT), r, false);
		}
		sb_free(&b);
		return;
	}
	c = lookup(m, side_key(&b, side));
	if (c && c->closed && starts(type, ev))
		c = NULL; /* the same tuple again: a new connection */
	if (!c && side != SIDE_LISTEN && (is(type, "sock") || is(type, "conn")))
		c = adopt(m, &b, side, has_pid ? pid : -1);
	if (!c)
		c = add(m, side_key(&b, side), side);
	account(m, c, r, false);
	sb_free(&b);
	if (m->n > MAX_CONNS)
		evict(m);
}

/* ---- bounded memory ------------------------------------------------------------ */

static int by_closed_at(const void *pa, const void *pb)
{
	const struct tconn *a = *(struct tconn *const *)pa, *b = *(struct tconn *const *)pb;
	/* Open and retired entries last; the oldest closed first. */
	int ka = a->closed && !a->retired, kb = b->closed && !b->retired;
	if (ka != kb)
		return kb - ka;
	if (a->closed_at != b->closed_at)
		return a->closed_at < b->closed_at ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Past MAX_CONNS, the oldest closed connections are folded into one
 * "retired" entry per process (pid and comm), so that the process view's
 * totals stay right while memory stays bounded. */
static void evict(struct tmodel *m)
{
	struct tconn **v = xreallocarray(NULL, m->n, sizeof(*v));
	size_t n = m->n, drop = m->n - KEEP_CONNS, k = 0;
	struct sbuf b;
	memcpy(v, m->c, n * sizeof(*v));
	qsort(v, n, sizeof(*v), by_closed_at);
	sb_init(&b);
	for (size_t i = 0; i < drop && i < n; i++) {
		struct tconn *c = v[i], *ret;
		static const char *const keep[] = {"pid", "comm", "uid", "user", "container", "exe"};
		if (!c->closed || c->retired)
			break;
		sb_reset(&b);
		sb_printf(&b, "R|%s|%s", tc_get(c, "pid") ? tc_get(c, "pid") : "",
		          tc_get(c, "comm") ? tc_get(c, "comm") : "");
		ret = lookup(m, side_key(&b, 0));
		if (!ret) {
			ret = add(m, side_key(&b, 0), SIDE_OUT);
			ret->retired = ret->closed = true;
			for (size_t j = 0; j < PP_ARRAY_LEN(keep); j++) {
				struct tkv *kv = kv_find(c, keep[j]);
				if (kv)
					kv_set(ret, kv->key, kv->raw, strlen(kv->raw), kv->text);
			}
		}
		ret->folded += c->side == SIDE_LISTEN ? 0 : 1;
		ret->tx += c->tx;
		ret->rx += c->rx;
		if (c->last_seen > ret->last_seen)
			ret->last_seen = c->last_seen;
		c->key = 0; /* dropped below */
		m->evicted++;
	}
	sb_free(&b);
	free(v);
	for (size_t i = 0; i < m->n; i++) {
		if (m->c[i]->key)
			m->c[k++] = m->c[i];
		else
			conn_free(m->c[i]);
	}
	m->n = k;
	reindex(m);
}

/* ---- rates, the live filter ---------------------------------------------------- */

void tm_rates(struct tmodel *m, double now)
{
	for (size_t i = 0; i < m->n; i++) {
		struct tconn *c = m->c[i];
		if (c->closed || now - c->counted_at > RATE_STALE)
			c->up = c->down = 0;
	}
}

void tm_filter_reset(struct tmodel *m)
{
	for (size_t i = 0; i < m->n; i++)
		m->c[i]->match = -1;
}

/* The entry as a record of type conn (pp-join --conn's keys), for the same
 * filter language as -F. */
void tm_filter(struct tmodel *m, const struct filter *f)
{
	struct jw w;
	struct rec r;
	jw_init(&w);
	rec_init(&r);
	for (size_t i = 0; i < m->n; i++) {
		struct tconn *c = m->c[i];
		const char *err;
		if (c->match >= 0)
			continue;
		if (!f || f->n == 0) {
			c->match = 1;
			continue;
		}
		jw_reset(&w);
		jw_obj_open(&w, NULL);
		jw_str(&w, "type", "conn");
		jw_num(&w, "ts", c->first_ts);
		for (int k = 0; k < c->nkv; k++)
			if (strcmp(c->kv[k].key, "state"))
				jw_raw(&w, c->kv[k].key, c->kv[k].raw, strlen(c->kv[k].raw));
		jw_str(&w, "state", tc_state(c));
		jw_str(&w, "dir", c->side == SIDE_IN ? "in" : c->side == SIDE_LISTEN ? "listen" : "out");
		jw_num(&w, "tx_bytes", c->tx);
		jw_num(&w, "rx_bytes", c->rx);
		jw_obj_close(&w);
		c->match = rec_parse(&r, w.buf, w.len, &err) == 0 && filter_match(f, &r);
	}
	rec_free(&r);
	jw_free(&w);
}

/* ---- display helpers -------------------------------------------------------------- */

void tm_cat(char *buf, size_t len, ...)
{
	va_list ap;
	const char *s;
	size_t n = 0;
	if (len == 0)
		return;
	va_start(ap, len);
	while ((s = va_arg(ap, const char *))) {
		size_t k = strlen(s);
		if (k > len - 1 - n)
			k = len - 1 - n;
		memcpy(buf + n, s, k);
		n += k;
	}
	va_end(ap);
	buf[n] = '\0';
}

static void endpoint(const struct tconn *c, const char *ak, const char *pk, char *buf, size_t len)
{
	const char *a = tc_get(c, ak), *p = tc_get(c, pk);
	if (!a)
		tm_cat(buf, len, "*", NULL);
	else if (!p)
		tm_cat(buf, len, a, NULL);
	else if (strchr(a, ':'))
		tm_cat(buf, len, "[", a, "]:", p, NULL);
	else
		tm_cat(buf, len, a, ":", p, NULL);
}

void tc_local(const struct tconn *c, char *buf, size_t len)
{
	if (c->side == SIDE_IN)
		endpoint(c, "dst", "dport", buf, len);
	else
		endpoint(c, "src", "sport", buf, len);
}

void tc_remote(const struct tconn *c, char *buf, size_t len)
{
	if (c->side == SIDE_LISTEN)
		tm_cat(buf, len, "*", NULL);
	else if (c->side == SIDE_IN)
		endpoint(c, "src", "sport", buf, len);
	else
		endpoint(c, "dst", "dport", buf, len);
}

const char *tc_state(const struct tconn *c)
{
	const char *st = tc_get(c, "state"), *last;
	if (c->retired)
		return "CLOSED";
	if (c->closed && !(st && (!strcmp(st, "CLOSE") || !strcmp(st, "closed"))))
		return "CLOSED";
	if (st)
		return st;
	last = strrchr(c->states, '>');
	return last ? last + 1 : c->states[0] ? c->states : "-";
}

void tc_service(const struct tconn *c, bool numeric, char *buf, size_t len)
{
	const char *app = tc_get(c, "app"), *port, *proto = tc_get(c, "proto");
	const char *svc = NULL;
	if (app && *app) {
		tm_cat(buf, len, app, NULL);
		return;
	}
	/* The server's port: the remote one, or ours when we are the server. */
	port = c->side == SIDE_LISTEN ? tc_get(c, "sport") : tc_get(c, "dport");
	if (port && !numeric) {
		long p = strtol(port, NULL, 10);
		if (p >= 0 && p <= 65535)
			svc = svc_name((unsigned)p, proto);
	}
	tm_cat(buf, len, svc ? svc : port ? port : "-", NULL);
}

void tc_dpi(const struct tconn *c, char *buf, size_t len)
{
	const char *sni = tc_get(c, "sni"), *alpn = tc_get(c, "alpn"), *app = tc_get(c, "app");
	const char *v, *host, *method, *path, *qtype;
	if ((v = tc_get(c, "client")) || (v = tc_get(c, "server"))) {
		tm_cat(buf, len, "SSH ", !strncmp(v, "SSH-2.0-", 8) ? v + 8 : v, NULL);
	} else if (sni) {
		bool quic = c->quic || (app && !strcmp(app, "quic"));
		tm_cat(buf, len, quic ? "QUIC " : "TLS ", sni, alpn ? " " : "", alpn ? alpn : "", NULL);
	} else if ((host = tc_get(c, "host")) || (method = tc_get(c, "method"))) {
		method = tc_get(c, "method");
		path = tc_get(c, "path");
		tm_cat(buf, len, "HTTP ", method ? method : "", " ", host ? host : "", path ? path : "",
		       NULL);
	} else if ((v = tc_get(c, "http_host"))) {
		tm_cat(buf, len, "HTTP ", v, NULL);
	} else if ((v = tc_get(c, "qname"))) {
		qtype = tc_get(c, "qtype");
		tm_cat(buf, len, "DNS ", v, " ", qtype ? qtype : "", NULL);
	} else if ((v = tc_get(c, "dst_name"))) {
		tm_cat(buf, len, v, NULL);
	} else {
		tm_cat(buf, len, "", NULL);
	}
}

void tc_process(const struct tconn *c, char *buf, size_t len)
{
	const char *comm = tc_get(c, "comm"), *pid = tc_get(c, "pid");
	if (comm && pid)
		tm_cat(buf, len, comm, "[", pid, "]", NULL);
	else if (comm)
		tm_cat(buf, len, comm, NULL);
	else if (pid)
		tm_cat(buf, len, "[", pid, "]", NULL);
	else
		tm_cat(buf, len, "-", NULL);
}
