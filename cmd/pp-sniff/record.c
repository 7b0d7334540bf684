/* Records: the common fields every record about a flow starts with
 * (pp-records(5)), and the flow records themselves. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "dissect.h"
#include "flow.h"
#include "pp.h"

struct pp_wfail sniff_out;
uint64_t sniff_netns;

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* Numbers without printf: records are written at packet rate. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Seconds with microseconds, as jw_ts writes them. */
static char *put_secs(char *p, uint64_t us)
{
	p = put_u64(p, us / 1000000);
	*p++ = '.';
	uint32_t f = (uint32_t)(us % 1000000);
	for (int d = 100000; d; d /= 10)
		*p++ = (char)('0' + f / (uint32_t)d % 10);
	return p;
}

static char *put_lit(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

/* The 5-tuple and community_id of a flow as JSON members, made once per
 * flow: every record of the flow starts with them. Addresses, numbers and
 * the base64 hash need no escaping. ICMP as Zeek writes it: the type in
 * sport and the code in dport. */
static const char *tuple_json(struct flow *f, size_t *len)
{
	if (!f->tuple_json) {
		const struct pp_tuple *t = &f->t;
		char buf[64 + 2 * PP_ADDRSTRLEN + PP_COMMUNITY_ID_LEN + 64], a[PP_ADDRSTRLEN], pb[8];
		bool icmp = t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6;
		char *p = buf;
		p = put_lit(p, ",\"proto\":\"");
		p = put_lit(p, pp_proto_name(t->proto, pb, sizeof(pb)));
		p = put_lit(p, "\",\"src\":\"");
		p = put_lit(p, pp_addr_fmt(&t->src, a));
		*p++ = '"';
		if (has_ports(t->proto)) {
			p = put_lit(p, ",\"sport\":");
			p = put_u64(p, t->sport);
		}
		p = put_lit(p, ",\"dst\":\"");
		p = put_lit(p, pp_addr_fmt(&t->dst, a));
		*p++ = '"';
		if (has_ports(t->proto)) {
			p = put_lit(p, ",\"dport\":");
			p = put_u64(p, icmp ? f->icmp_code : t->dport);
		}
		p = put_lit(p, ",\"community_id\":\"");
		p = put_lit(p, f->cid);
		*p++ = '"';
		if (sniff_netns) { /* live: the namespace captured in (pp-join keys on it) */
			p = put_lit(p, ",\"netns\":");
			p = put_u64(p, sniff_netns);
		}
		f->tuple_len = (uint16_t)(p - buf);
		f->tuple_json = malloc(f->tuple_len);
		if (!f->tuple_json) {
			*len = 0;
			return "";
		}
		memcpy(f->tuple_json, buf, f->tuple_len);
	}
	*len = f->tuple_len;
	return f->tuple_json;
}

void ctx_init(struct sniff *s, struct flow *f, struct sniff_ctx *c, bool from_orig, uint64_t ts_us)
{
	c->ts_us = ts_us;
	c->tuple = &f->t;
	c->community_id = f->cid;
	c->from_orig = from_orig;
	c->iface = f->iface;
	c->vlan = f->vlan;
	c->app = &f->app;
	c->cut = false;
	c->w = &s->w;
	c->out = s->o.quiet ? NULL : s->out; /* -q: dissectors run, records are dropped */
}

void sniff_rec_begin(struct sniff_ctx *c, const char *type)
{
	/* Contexts come from ctx_init: the tuple is the one of a flow. */
	struct flow *f = (struct flow *)((char *)c->tuple - offsetof(struct flow, t));
	size_t n;
	const char *tj = tuple_json(f, &n);
	jw_rec_begin(c->w, type, c->ts_us);
	jw_put(c->w, tj, n);
}

static void rec_write(struct jw *w, FILE *out)
{
	if (!out || pp_wfail_ended(&sniff_out)) {
		jw_reset(w);
		return;
	}
	if (jw_rec_end(w, out) != 0)
		pp_wfail_note(&sniff_out, errno);
}

void sniff_rec_end(struct sniff_ctx *c)
{
	rec_write(c->w, c->out);
}

static char *put_flags(char *p, uint8_t fl)
{
	static const struct { uint8_t bit; char c; } order[] = {
		{0x02, 'S'}, {0x10, 'A'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'}, {0x20, 'U'},
	};
	for (size_t i = 0; i < PP_ARRAY_LEN(order); i++)
		if (fl & order[i].bit)
			*p++ = order[i].c;
	return p;
}

/* A flow record, written by hand (see put_u64): only iface may need
 * escaping. */
void rec_flow(struct sniff *s, struct flow *f, const char *event, const char *reason)
{
	struct jw *w = &s->w;
	bool start = reason == NULL && event[0] == 's';
	char buf[512], *p = buf;
	size_t n;
	const char *tj = tuple_json(f, &n);

	jw_reset(w);
	jw_obj_open(w, NULL);
	p = put_lit(p, "\"type\":\"flow\",\"ts\":");
	p = put_secs(p, start ? f->first_us : f->last_us);
	p = put_lit(p, ",\"event\":\"");
	p = put_lit(p, event);
	*p++ = '"';
	jw_put(w, buf, (size_t)(p - buf));
	jw_put(w, tj, n);
	w->first[w->depth] = false; /* members follow */
	p = buf;
	if (f->vlan >= 0) {
		p = put_lit(p, ",\"vlan\":");
		p = put_u64(p, (uint64_t)f->vlan);
	}
	jw_put(w, buf, (size_t)(p - buf));
	if (f->iface)
		jw_str(w, "iface", f->iface);
	p = buf;
	if (!start) {
		p = put_lit(p, ",\"orig_pkts\":");
		p = put_u64(p, f->pkts[0]);
		p = put_lit(p, ",\"orig_bytes\":");
		p = put_u64(p, f->bytes[0]);
		p = put_lit(p, ",\"resp_pkts\":");
		p = put_u64(p, f->pkts[1]);
		p = put_lit(p, ",\"resp_bytes\":");
		p = put_u64(p, f->bytes[1]);
		if (f->t.proto == IPPROTO_TCP) {
			if (f->flags[0]) {
				p = put_lit(p, ",\"orig_flags\":\"");
				p = put_flags(p, f->flags[0]);
				*p++ = '"';
			}
			if (f->flags[1]) {
				p = put_lit(p, ",\"resp_flags\":\"");
				p = put_flags(p, f->flags[1]);
				*p++ = '"';
			}
		}
		if (f->app) { /* a dissector's constant name */
			p = put_lit(p, ",\"app\":\"");
			p = put_lit(p, f->app);
			*p++ = '"';
		}
		if (f->icmp_errors) {
			p = put_lit(p, ",\"icmp_errors\":");
			p = put_u64(p, f->icmp_errors);
			p = put_lit(p, ",\"icmp_last_type\":");
			p = put_u64(p, f->icmp_last_type);
			p = put_lit(p, ",\"icmp_last_code\":");
			p = put_u64(p, f->icmp_last_code);
		}
		p = put_lit(p, ",\"duration\":");
		p = put_secs(p, f->last_us - f->first_us);
	}
	if (reason) {
		p = put_lit(p, ",\"reason\":\"");
		p = put_lit(p, reason);
		*p++ = '"';
	}
	jw_put(w, buf, (size_t)(p - buf));
	rec_write(w, s->out);
}
