/* Records: the common fields every record about a flow starts with
 * (pp-records(5)), and the flow records themselves. */
#include <errno.h>
#include <netinet/in.h>

#include "dissect.h"
#include "flow.h"
#include "pp.h"

int sniff_write_status, sniff_write_errno;

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* The 5-tuple and community_id of flow f; ICMP as Zeek writes it: the
 * type in sport and the code in dport. */
static void tuple_fields(struct jw *w, const struct pp_tuple *t, const char *cid, int icmp_code)
{
	char a[PP_ADDRSTRLEN], pb[8];
	bool icmp = t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6;

	jw_str(w, "proto", pp_proto_name(t->proto, pb, sizeof(pb)));
	jw_str(w, "src", pp_addr_fmt(&t->src, a));
	if (has_ports(t->proto))
		jw_uint(w, "sport", t->sport);
	jw_str(w, "dst", pp_addr_fmt(&t->dst, a));
	if (has_ports(t->proto))
		jw_uint(w, "dport", icmp ? (unsigned)icmp_code : t->dport);
	jw_str(w, "community_id", cid);
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
	c->w = &s->w;
	c->out = s->o.quiet ? NULL : s->out; /* -q: dissectors run, records are dropped */
}

void sniff_rec_begin(struct sniff_ctx *c, const char *type)
{
	jw_rec_begin(c->w, type, c->ts_us);
	tuple_fields(c->w, c->tuple, c->community_id, 0);
}

static void rec_write(struct jw *w, FILE *out)
{
	if (!out || sniff_write_status) {
		jw_reset(w);
		return;
	}
	if (jw_rec_end(w, out) != 0) {
		sniff_write_errno = errno;
		sniff_write_status = errno == EPIPE ? -1 : -2;
	}
}

void sniff_rec_end(struct sniff_ctx *c)
{
	rec_write(c->w, c->out);
}

static void flags_str(uint8_t fl, char *buf)
{
	static const struct { uint8_t bit; char c; } order[] = {
		{0x02, 'S'}, {0x10, 'A'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'}, {0x20, 'U'},
	};
	int n = 0;
	for (size_t i = 0; i < PP_ARRAY_LEN(order); i++)
		if (fl & order[i].bit)
			buf[n++] = order[i].c;
	buf[n] = 0;
}

void rec_flow(struct sniff *s, struct flow *f, const char *event, const char *reason)
{
	struct jw *w = &s->w;
	bool start = reason == NULL && event[0] == 's';
	char fl[8];

	jw_rec_begin(w, "flow", start ? f->first_us : f->last_us);
	jw_str(w, "event", event);
	tuple_fields(w, &f->t, f->cid, f->icmp_code);
	if (f->vlan >= 0)
		jw_int(w, "vlan", f->vlan);
	if (f->iface)
		jw_str(w, "iface", f->iface);
	if (!start) {
		jw_uint(w, "orig_pkts", f->pkts[0]);
		jw_uint(w, "orig_bytes", f->bytes[0]);
		jw_uint(w, "resp_pkts", f->pkts[1]);
		jw_uint(w, "resp_bytes", f->bytes[1]);
		if (f->t.proto == IPPROTO_TCP) {
			flags_str(f->flags[0], fl);
			if (fl[0])
				jw_str(w, "orig_flags", fl);
			flags_str(f->flags[1], fl);
			if (fl[0])
				jw_str(w, "resp_flags", fl);
		}
		if (f->app)
			jw_str(w, "app", f->app);
		jw_ts(w, "duration", f->last_us - f->first_us);
	}
	if (reason)
		jw_str(w, "reason", reason);
	rec_write(w, s->out);
}
