/* The packet path as one object: link layer -> IP -> flows. main.c feeds
 * it from libpcap, the fuzz target from bytes. */
#include <string.h>

#include "flow.h"
#include "pp.h"

void sniff_defaults(struct sniff_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_flows = 1000000;
	o->update_us = 60ull * 1000000;
	o->stream_cap = SNIFF_STREAM_CAP;
	/* Idle timeouts per class; pp-sniff(1) TIMEOUTS documents them. */
	o->timeout_us[TC_TCP_SYN] = 30ull * 1000000;
	o->timeout_us[TC_TCP] = 300ull * 1000000;
	o->timeout_us[TC_TCP_CLOSED] = 5ull * 1000000;
	o->timeout_us[TC_UDP] = 60ull * 1000000;
	o->timeout_us[TC_DNS] = 10ull * 1000000;
	o->timeout_us[TC_ICMP] = 30ull * 1000000;
	o->timeout_us[TC_OTHER] = 60ull * 1000000;
}

int sniff_init(struct sniff *s, const struct sniff_opts *o, FILE *out)
{
	memset(s, 0, sizeof(*s));
	s->o = *o;
	s->out = out;
	jw_init(&s->w);
	s->ft = flow_new(s);
	s->frag = frag_new();
	return s->ft && s->frag ? 0 : -1;
}

void sniff_packet(struct sniff *s, int dlt, uint64_t ts_us, const uint8_t *p, size_t caplen,
                  size_t wirelen, const char *iface)
{
	struct link_info li;
	struct pkt pk;

	s->st.packets++;
	switch (link_parse(dlt, p, caplen, &li)) {
	case LINK_OK: break;
	case LINK_TRUNC: sniff_bad(s, true, "link-layer header"); return;
	default: return; /* not IP: ARP, LLDP, ... */
	}
	memset(&pk, 0, sizeof(pk));
	pk.ts_us = ts_us;
	pk.vlan = li.vlan;
	pk.iface = iface;
	ip_input(s, p + li.off, caplen - li.off, li.l3, &pk);
}

/* Messages about single bad packets, then only counts. */
#define REPORT_MAX 10

void sniff_bad(struct sniff *s, bool trunc, const char *what)
{
	if (trunc)
		s->st.truncated++;
	else
		s->st.malformed++;
	if (!s->src_name)
		return;
	if (s->reported < REPORT_MAX)
		pp_warn("%s: packet %llu: %s %s", s->src_name, (unsigned long long)s->st.packets,
		        trunc ? "truncated" : "malformed", what);
	else if (s->reported == REPORT_MAX)
		pp_warn("%s: further bad packets are counted only", s->src_name);
	s->reported++;
}

void sniff_tick(struct sniff *s, uint64_t now_us)
{
	if (now_us > s->now_us) {
		s->now_us = now_us;
		flow_expire(s, now_us);
	}
}

void sniff_finish(struct sniff *s)
{
	ip_frag_flush(s, true); /* datagrams never completed: their first parts */
	flow_end_all(s);
	flow_free(s->ft);
	frag_free(s->frag, &s->st);
	s->ft = NULL, s->frag = NULL;
	jw_free(&s->w);
}
