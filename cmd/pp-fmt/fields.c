/* Column values: raw keys, array joining, and pp-fmt's virtual columns. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "human.h"
#include "jsonw.h"
#include "pp.h"
#include "services.h"
#include "xalloc.h"

const char *const fmt_table_default[] = {"time", "type", "event", "proto", "source",
                                         "destination", "pid", "comm", "info"};
const int fmt_table_default_n = PP_ARRAY_LEN(fmt_table_default);

const char *const fmt_csv_default[] = {"ts", "type", "event", "proto", "src", "sport", "dst",
                                       "dport", "pid", "comm", "community_id", "info"};
const int fmt_csv_default_n = PP_ARRAY_LEN(fmt_csv_default);

/* Text of a scalar token: strings unescaped, numbers and literals raw. */
static void scalar(struct rec *r, int t, struct sbuf *out)
{
	size_t n;
	const char *s;
	if (rec_tok_is_str(r, t)) {
		s = rec_tok_text(r, t, &n);
		if (s)
			sb_put(out, s, n);
		return;
	}
	s = rec_tok_raw(r, t, &n);
	sb_put(out, s, n);
}

/* An array element: scalars as text; objects by their "data" member (DNS
 * answers), else "name", else their raw JSON. */
static void element(struct rec *r, int t, struct sbuf *out)
{
	if (r->tok[t].type == JSMN_OBJECT) {
		int v = rec_member(r, t, "data");
		if (v < 0)
			v = rec_member(r, t, "name");
		if (v >= 0) {
			scalar(r, v, out);
			return;
		}
	}
	if (r->tok[t].type == JSMN_OBJECT || r->tok[t].type == JSMN_ARRAY) {
		size_t n;
		const char *s = rec_tok_raw(r, t, &n);
		sb_put(out, s, n);
		return;
	}
	scalar(r, t, out);
}

/* Text of the value at token t: arrays joined with ';'. */
static bool tok_value(struct rec *r, int t, struct sbuf *out)
{
	if (t < 0)
		return false;
	if (r->tok[t].type == JSMN_ARRAY) {
		int end = rec_skip(r, t);
		bool first = true;
		for (int e = t + 1; e < end; e = rec_skip(r, e)) {
			if (!first)
				sb_putc(out, ';');
			first = false;
			element(r, e, out);
		}
		return true;
	}
	if (r->tok[t].type == JSMN_OBJECT) {
		element(r, t, out);
		return true;
	}
	scalar(r, t, out);
	return true;
}

static bool key_value(struct rec *r, const char *key, struct sbuf *out)
{
	return tok_value(r, rec_find(r, key), out);
}

bool fmt_key_text(struct rec *r, const char *key, struct sbuf *out)
{
	return key_value(r, key, out);
}

bool fmt_tok_text(struct rec *r, int t, struct sbuf *out)
{
	return tok_value(r, t, out);
}

/* addr:port; in tables the port by its service name (netstat style) unless
 * --numeric. */
static bool endpoint(struct rec *r, const char *addr_key, const char *port_key,
                     const struct fmt_opts *o, struct sbuf *out)
{
	const char *a = rec_str(r, addr_key);
	double port;
	bool has_port = rec_num(r, port_key, &port);
	const char *svc = NULL;
	if (!a)
		return false;
	/* Without printf: a table row or CSV line has several of these. */
	if (strchr(a, ':') && has_port) {
		sb_putc(out, '[');
		sb_puts(out, a);
		sb_putc(out, ']');
	} else {
		sb_puts(out, a);
	}
	if (has_port && o->human && !o->numeric && port >= 0 && port <= 65535)
		svc = svc_name((unsigned)port, rec_str(r, "proto"));
	if (svc) {
		sb_putc(out, ':');
		sb_puts(out, svc);
	} else if (has_port && port >= 0 && port <= 65535 && port == (double)(unsigned)port) {
		char num[20];
		sb_putc(out, ':');
		sb_put(out, num, (size_t)(jw_fmt_u64(num, (unsigned)port) - num));
	} else if (has_port) {
		sb_printf(out, ":%.0f", port); /* not a port number: as it was */
	}
	return true;
}

/* Keys whose numbers are byte counts or durations: human units in tables. */
static bool is_bytes_key(const char *key)
{
	size_t n = strlen(key);
	return !strcmp(key, "bytes") || (n > 6 && !strcmp(key + n - 6, "_bytes"));
}

static bool is_duration_key(const char *key)
{
	return !strcmp(key, "duration");
}

static bool is_time_key(const char *key)
{
	return !strcmp(key, "first") || !strcmp(key, "last");
}

/* Value of key, in human units where the key says what the number is. */
static bool human_value(struct rec *r, const char *key, const struct fmt_opts *o, struct sbuf *out)
{
	double d;
	if (o->human && (is_bytes_key(key) || is_duration_key(key)) && rec_num(r, key, &d)) {
		if (is_bytes_key(key))
			hum_bytes(d, out);
		else
			hum_duration(d, out);
		return true;
	}
	return key_value(r, key, out);
}

/* " key=value" for each present key, used to build the info summary. */
static void kv(struct rec *r, const struct fmt_opts *o, struct sbuf *out, const char *label,
               const char *key)
{
	struct sbuf v;
	sb_init(&v);
	if (human_value(r, key, o, &v) && v.len) {
		if (out->len)
			sb_putc(out, ' ');
		if (label && *label) {
			sb_puts(out, label);
			sb_putc(out, '=');
		}
		sb_put(out, v.s, v.len);
	}
	sb_free(&v);
}

static void info(struct rec *r, const struct fmt_opts *o, struct sbuf *out)
{
	const char *type = rec_str(r, "type");
	if (!type)
		return;
	if (!strcmp(type, "sock")) {
		kv(r, o, out, "", "state");
		kv(r, o, out, "tx", "tx_bytes");
		kv(r, o, out, "rx", "rx_bytes");
		kv(r, o, out, "dur", "duration");
		kv(r, o, out, "sni", "sni");
		kv(r, o, out, "name", "dst_name");
	} else if (!strcmp(type, "flow")) {
		kv(r, o, out, "pkts", "orig_pkts");
		kv(r, o, out, "bytes", "orig_bytes");
		kv(r, o, out, "rpkts", "resp_pkts");
		kv(r, o, out, "rbytes", "resp_bytes");
		kv(r, o, out, "app", "app");
	} else if (!strcmp(type, "conn")) {
		/* pp-join --conn: the socket's counts, else the wire's. */
		kv(r, o, out, "", "state");
		if (rec_find(r, "tx_bytes") >= 0 || rec_find(r, "rx_bytes") >= 0) {
			kv(r, o, out, "tx", "tx_bytes");
			kv(r, o, out, "rx", "rx_bytes");
		} else {
			kv(r, o, out, "bytes", "orig_bytes");
			kv(r, o, out, "rbytes", "resp_bytes");
		}
		kv(r, o, out, "dur", "duration");
		kv(r, o, out, "app", "app");
		kv(r, o, out, "sni", "sni");
		kv(r, o, out, "name", "dst_name");
	} else if (!strcmp(type, "dns")) {
		kv(r, o, out, "", "qname");
		kv(r, o, out, "", "qtype");
		kv(r, o, out, "", "rcode");
		kv(r, o, out, "ans", "answers");
	} else if (!strcmp(type, "tls")) {
		kv(r, o, out, "sni", "sni");
		kv(r, o, out, "alpn", "alpn");
		kv(r, o, out, "ver", "version");
		kv(r, o, out, "cipher", "cipher");
		kv(r, o, out, "subject", "subject");
	} else if (!strcmp(type, "http")) {
		kv(r, o, out, "", "method");
		kv(r, o, out, "", "host");
		kv(r, o, out, "", "path");
		kv(r, o, out, "", "status");
	} else if (!strcmp(type, "ssh")) {
		kv(r, o, out, "client", "client");
		kv(r, o, out, "server", "server");
	} else if (!strcmp(type, "quic")) {
		kv(r, o, out, "ver", "version");
		kv(r, o, out, "sni", "sni");
		kv(r, o, out, "alpn", "alpn");
	}
}

/* Does the "YYYY-MM-DD ..." time text start with today's date? Looked up
 * again each second, so that a view left running over midnight starts
 * showing dates at once. */
static bool is_today(const char *t, bool utc)
{
	static char today[2][32];
	static uint64_t checked[2] = {UINT64_MAX, UINT64_MAX};
	uint64_t sec = pp_now_us() / 1000000;
	if (sec != checked[utc]) {
		pp_fmt_time((double)sec, utc, 0, today[utc], sizeof(today[utc]));
		today[utc][10] = '\0';
		checked[utc] = sec;
	}
	return !strncmp(t, today[utc], 10);
}

bool fmt_value(struct rec *r, const char *name, const struct fmt_opts *o, struct sbuf *out)
{
	if (!strcmp(name, "time") || (o->human && is_time_key(name))) {
		double ts;
		char buf[64];
		if (!rec_num(r, !strcmp(name, "time") ? "ts" : name, &ts))
			return false;
		pp_fmt_time(ts, o->utc, 3, buf, sizeof(buf));
		/* The time of day, and the date too when it is not today's
		 * (or --date): a stream that spans days never looks like one. */
		if (strlen(buf) > 11 && buf[10] == ' ' && !o->date && is_today(buf, o->utc))
			sb_puts(out, buf + 11);
		else
			sb_puts(out, buf);
		return true;
	}
	if (!strcmp(name, "source"))
		return endpoint(r, "src", "sport", o, out);
	if (!strcmp(name, "destination"))
		return endpoint(r, "dst", "dport", o, out);
	if (!strcmp(name, "info")) {
		if (rec_find(r, "info") >= 0)
			return key_value(r, "info", out);
		info(r, o, out);
		return out->len > 0;
	}
	return human_value(r, name, o, out);
}

/* ---- columns resolved once per record ---------------------------------------- */

void fmt_cols_init(struct fmt_col *c, const char *const *names, int n, const struct fmt_opts *o,
                   struct fmt_keys *keys)
{
	keys->k = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*keys->k));
	for (int i = 0; i < n; i++) {
		const char *nm = names[i];
		c[i].name = nm;
		c[i].len = strlen(nm);
		/* Virtual columns and values shown in human units take the
		 * general path; plain keys are looked up by fmt_cols_find. */
		c[i].slow = !strcmp(nm, "time") || !strcmp(nm, "source") ||
		            !strcmp(nm, "destination") || !strcmp(nm, "info") ||
		            (o->human && (is_time_key(nm) || is_bytes_key(nm) || is_duration_key(nm)));
		keys->k[i] = (struct rec_key){c[i].name, c[i].len};
	}
	rec_keyset_init(&keys->ks, keys->k, n);
}

void fmt_keys_free(struct fmt_keys *keys)
{
	rec_keyset_free(&keys->ks);
	free(keys->k);
	keys->k = NULL;
}

void fmt_cols_find(struct rec *r, const struct fmt_keys *keys, int *tok)
{
	/* One pass over the record's keys for all columns, far cheaper than
	 * a rec_find scan per column. */
	rec_find_set(r, &keys->ks, tok);
}

bool fmt_cell(struct rec *r, const struct fmt_col *c, int tok, const struct fmt_opts *o,
              struct sbuf *out)
{
	if (c->slow)
		return fmt_value(r, c->name, o, out);
	return tok_value(r, tok, out);
}
