/* Writing records out: the original members as they came, then the keys
 * pp-join adds (never one the record has already); and the --conn records. */
#include <stddef.h>
#include <string.h>

#include "join.h"
#include "pp.h"

static struct jw add, cw;

static void add_member(const char *key, const char *json, size_t n)
{
	jw_put(&add, ",\"", 2);
	jw_put(&add, key, strlen(key));
	jw_put(&add, "\":", 2);
	jw_put(&add, json, n);
}

static void add_proc(const struct proc *p, uint32_t present)
{
	for (int k = 0; k < K_NPROC; k++)
		if (p->klen[k] && !(present & (1u << k)))
			jw_put(&add, p->buf + p->off[k], p->klen[k]);
}

/* The responder's process, in keys of its own: resp_pid, resp_comm, ...
 * (each segment of p is ,"key":value). */
static void add_resp_proc(const struct proc *p)
{
	for (int k = 0; k < K_NPROC; k++)
		if (p->klen[k]) {
			jw_put(&add, ",\"resp_", 7);
			jw_put(&add, p->buf + p->off[k] + 2, p->klen[k] - 2);
		}
}

/* Is the originator of the record's connection on this host, though no
 * socket of it was seen? Loopback, or the same address at both ends. */
static bool orig_local(const struct jrec *j)
{
	const struct pp_addr *a = &j->tuple.src;
	if (a->family == AF_INET && a->a[0] == 127)
		return true;
	if (a->family == AF_INET6) {
		static const uint8_t lo6[16] = {[15] = 1};
		if (!memcmp(a->a, lo6, 16))
			return true;
	}
	return jaddr_eq(&j->tuple.src, &j->tuple.dst);
}

static void add_name(const struct pp_addr *a, int64_t ts, uint32_t present, bool *named)
{
	const char *name, *cnames;
	if (!names_lookup(a, ts, &name, &cnames))
		return;
	if (!(present & (1u << K_DST_NAME)))
		add_member("dst_name", name, strlen(name));
	if (cnames && !(present & (1u << K_DST_CNAMES)))
		add_member("dst_cnames", cnames, strlen(cnames));
	*named = true;
}

int emit_record(const struct jtab *t, const char *line, const struct jrec *j, FILE *out)
{
	const char *obj = line + j->obj_start;
	size_t objlen = j->obj_end - j->obj_start;
	bool named = false;

	add.len = 0;
	if (j->stale) {
		/* what it could match is gone (order.c) */
		if (j->type != JT_OTHER && j->type != JT_SOCK && j->has_key)
			jstats.sniffed++;
	} else if (j->type == JT_SOCK && j->has_key) {
		struct life *l = sock_life(t, j);
		static const int keys[3] = {K_SNI, K_HTTP_HOST, K_ALPN};
		static const size_t offs[3] = {
			offsetof(struct wflow, sni), offsetof(struct wflow, http_host),
			offsetof(struct wflow, alpn),
		};
		const char *v[3];
		if (l && (~j->present & (1u << K_SNI | 1u << K_HTTP_HOST | 1u << K_ALPN))) {
			life_flow_fields(l, offs, 3, v);
			for (int i = 0; i < 3; i++)
				if (v[i] && !(j->present & (1u << keys[i])))
					add_member(jkey_name[keys[i]], v[i], strlen(v[i]));
		}
	} else if (j->type != JT_OTHER && j->type != JT_MARK && j->has_key) {
		/* The originator's process in pid, comm, ...; the responder's
		 * in resp_pid, ... when both are local. Only the responder's
		 * socket seen: its process is the record's, unless the
		 * originator is local too (a client polling did not see): then
		 * only resp_*, never the server's pid for the client's bytes;
		 * likewise when a socket that may be the originator's was seen
		 * but not taken (match.c). */
		struct life *o, *r;
		bool orig_seen;
		match_lives(t, j, &o, &r, &orig_seen);
		jstats.sniffed++;
		if (o || r)
			jstats.sniffed_matched++;
		if (o) {
			o->matched = true;
			if (o->proc)
				add_proc(o->proc, j->present);
		}
		if (r) {
			r->matched = true;
			if (r->proc && (o || orig_seen || orig_local(j))) {
				/* (a record joined before has its resp_* already) */
				if (!(j->present & (1u << K_PID)) || o)
					add_resp_proc(r->proc);
				jstats.resp_named++;
			} else if (r->proc) {
				add_proc(r->proc, j->present);
			}
		}
	}
	if (!j->stale && j->type != JT_OTHER && j->type != JT_MARK && j->has_dst && j->sev != SEV_LISTEN)
		add_name(&j->dst, j->ts, j->present, &named);
	if (named && j->type == JT_SOCK)
		jstats.sock_named++;

	/* The object as it came, without its '}' when something is added
	 * (an empty object gets no leading comma), then what we add: straight
	 * into the stream's buffer (one thread: no stdio lock). */
	if (add.len == 0)
		return fwrite_unlocked(obj, 1, objlen, out) == objlen && putc_unlocked('\n', out) != EOF ? 0 : -1;
	jw_put(&add, "}\n", 2);
	{
		size_t skip = j->nonempty ? 0 : 1;
		return fwrite_unlocked(obj, 1, objlen - 1, out) == objlen - 1 &&
		               fwrite_unlocked(add.buf + skip, 1, add.len - skip, out) == add.len - skip
		           ? 0
		           : -1;
	}
}

/* --- --conn ---------------------------------------------------------------- */

static void conn_tuple(const struct pp_tuple *t)
{
	char pb[16], cid[PP_COMMUNITY_ID_LEN];
	jw_str(&cw, "proto", pp_proto_name(t->proto, pb, sizeof(pb)));
	jw_addr(&cw, "src", &t->src);
	jw_uint(&cw, "sport", t->sport);
	jw_addr(&cw, "dst", &t->dst);
	jw_uint(&cw, "dport", t->dport);
	pp_community_id(t, 0, cid);
	jw_str(&cw, "community_id", cid);
}

static void conn_wire(const struct wflow *f)
{
	if (f->has_counts) {
		jw_int(&cw, "orig_pkts", f->pkts[0]);
		jw_int(&cw, "orig_bytes", f->bytes[0]);
		jw_int(&cw, "resp_pkts", f->pkts[1]);
		jw_int(&cw, "resp_bytes", f->bytes[1]);
	}
}

static void conn_names(const struct pp_addr *dst, int64_t ts)
{
	const char *name, *cnames;
	if (!names_lookup(dst, ts, &name, &cnames))
		return;
	jw_raw(&cw, "dst_name", name, strlen(name));
	if (cnames)
		jw_raw(&cw, "dst_cnames", cnames, strlen(cnames));
}

static void raw_opt(const char *key, const char *v)
{
	if (v)
		jw_raw(&cw, key, v, strlen(v));
}

static int conn_end(FILE *out)
{
	jstats.conns++;
	return jw_rec_end(&cw, out);
}

int emit_conn_life(struct life *l, const char *state, FILE *out)
{
	int64_t start = l->start, end = l->closed ? l->end : l->start;
	const struct wflow *counted = NULL;
	struct wflow *f;

	/* The wire flows that overlap the socket's life are this connection. */
	LIST_FOREACH(f, &l->node->flows, knode) {
		if (!flow_fits_life(f, l))
			continue;
		f->claimed = true;
		l->matched = true;
		if (f->first < start)
			start = f->first;
		if (f->last > end)
			end = f->last;
		if (f->has_counts && (!counted || f->first < counted->first))
			counted = f;
	}
	if (l->closed && l->end > end)
		end = l->end;
	l->emitted = true;
	jw_rec_begin(&cw, "conn", (uint64_t)(start > 0 ? start : 0));
	conn_tuple(&l->t);
	jw_micros(&cw, "duration", end - start);
	jw_str(&cw, "state", state);
	jw_str(&cw, "dir", l->dir_out ? "out" : "in");
	if (l->proc)
		jw_put(&cw, l->proc->buf, l->proc->len);
	if (l->has_bytes) {
		jw_int(&cw, "tx_bytes", l->tx_bytes);
		jw_int(&cw, "rx_bytes", l->rx_bytes);
	}
	if (counted)
		conn_wire(counted);
	raw_opt("app", life_flow_field(l, offsetof(struct wflow, app)));
	raw_opt("sni", life_flow_field(l, offsetof(struct wflow, sni)));
	raw_opt("alpn", life_flow_field(l, offsetof(struct wflow, alpn)));
	raw_opt("http_host", life_flow_field(l, offsetof(struct wflow, http_host)));
	conn_names(&l->t.dst, l->start);
	return conn_end(out);
}

int emit_conn_flow(struct wflow *f, const char *state, FILE *out)
{
	f->emitted = true;
	f->claimed = true;
	jw_rec_begin(&cw, "conn", (uint64_t)(f->first > 0 ? f->first : 0));
	conn_tuple(&f->t);
	jw_micros(&cw, "duration", f->last - f->first);
	jw_str(&cw, "state", state);
	conn_wire(f);
	raw_opt("app", f->app);
	raw_opt("sni", f->sni);
	raw_opt("alpn", f->alpn);
	raw_opt("http_host", f->http_host);
	conn_names(&f->t.dst, f->first);
	return conn_end(out);
}

void emit_init(void)
{
	jw_init(&add);
	jw_init(&cw);
}

void emit_free(void)
{
	jw_free(&add);
	jw_free(&cw);
}
