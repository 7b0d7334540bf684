/* Evidence: the records that show what the selected process talked to, or
 * what a selected destination or name resolved to. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "pp.h"
#include "xalloc.h"

static const char *const type_names[] = {"sock", "flow", "dns", "tls", "http", "ssh", "quic"};

void evidence_init(struct evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->pid = -1;
}

void evidence_free(struct evidence *ev)
{
	free(ev->cgroup);
	free(ev->comm);
	free(ev->exe);
	for (int i = 0; i < ev->nnames; i++)
		free(ev->names[i]);
	free(ev->names);
}

/* Blocking these for every process on the host would break it, and they
 * cannot be where a quarantined process is being kept from. */
static bool never_block(const struct pp_addr *a)
{
	if (a->family == AF_INET)
		return a->a[0] == 127 || a->a[0] == 0 || (a->a[0] == 255 && a->a[1] == 255) ||
		       a->a[0] >= 224;
	static const uint8_t any[16], lo[16] = {[15] = 1};
	return !memcmp(a->a, any, 16) || !memcmp(a->a, lo, 16) || a->a[0] == 0xff;
}

static void add_addr(struct evidence *ev, const struct pp_addr *a0, int prefix)
{
	struct pp_addr a = *a0;
	pp_addr_unmap(&a);
	if (prefix < 0)
		prefix = a.family == AF_INET ? 32 : 128;
	if (never_block(&a))
		return;
	for (int i = 0; i < ev->naddrs; i++)
		if (ev->prefix[i] == prefix && pp_addr_eq(&ev->addrs[i], &a))
			return;
	if (ev->naddrs == MAX_ADDRS) {
		ev->addrs_truncated = true;
		return;
	}
	ev->addrs[ev->naddrs] = a;
	ev->prefix[ev->naddrs++] = prefix;
}

static void add_addr_str(struct evidence *ev, const char *s)
{
	struct pp_addr a;
	if (s && pp_addr_parse(s, &a) == 0)
		add_addr(ev, &a, -1);
}

static void add_name(struct evidence *ev, const char *name)
{
	if (!name || !*name)
		return;
	for (int i = 0; i < ev->nnames; i++)
		if (!strcmp(ev->names[i], name))
			return;
	if (ev->nnames >= 256)
		return;
	ev->names = xreallocarray(ev->names, (size_t)ev->nnames + 1, sizeof(char *));
	ev->names[ev->nnames++] = xstrdup(name);
}

/* Keep a value when all evidence agrees on it; state 2 = it varied. */
static void note_str(char **slot, int *state, const char *v)
{
	if (!v || *state == 2)
		return;
	if (*state == 0) {
		*slot = xstrdup(v);
		*state = 1;
	} else if (strcmp(*slot, v)) {
		*state = 2;
	}
}

/* The remote end of a record: the responder, or the originator when the
 * socket was accepted (dir in). */
static const char *remote(struct rec *r)
{
	const char *dir = rec_str(r, "dir");
	if (dir && !strcmp(dir, "in"))
		return rec_str(r, "src");
	return rec_str(r, "dst");
}

/* A dns record's A/AAAA answers. */
static void add_answers(struct evidence *ev, struct rec *r)
{
	int t = rec_find(r, "answers");
	if (t < 0 || r->tok[t].type != JSMN_ARRAY)
		return;
	int end = rec_skip(r, t);
	for (int e = t + 1; e < end; e = rec_skip(r, e)) {
		if (r->tok[e].type != JSMN_OBJECT)
			continue;
		const char *type = rec_tok_str(r, rec_member(r, e, "type"), NULL);
		const char *data = rec_tok_str(r, rec_member(r, e, "data"), NULL);
		if (type && data && (!strcmp(type, "A") || !strcmp(type, "AAAA")))
			add_addr_str(ev, data);
	}
}

static bool name_matches(struct rec *r, const char *name)
{
	const char *keys[] = {"dst_name", "sni", "host", "http_host", "qname"};
	for (size_t i = 0; i < PP_ARRAY_LEN(keys); i++) {
		const char *v = rec_str(r, keys[i]);
		if (v && !strcasecmp(v, name))
			return true;
	}
	return false;
}

void evidence_add(struct evidence *ev, struct rec *r, const struct selector *sels, int nsels)
{
	bool is_evidence = false, proc = false;
	const char *type = rec_str(r, "type");
	double ts;

	for (int i = 0; i < nsels; i++) {
		const struct selector *s = &sels[i];
		if (selector_is_process(s)) {
			if (selector_matches_process(s, r))
				is_evidence = proc = true;
		} else if (s->kind == SEL_DST) {
			struct pp_addr a;
			const char *d = remote(r);
			if (d && pp_addr_parse(d, &a) == 0) {
				pp_addr_unmap(&a);
				if (pp_addr_in(&a, &s->addr, s->prefix))
					is_evidence = true;
			}
		} else if (s->kind == SEL_NAME && name_matches(r, s->value)) {
			is_evidence = true;
			if (type && !strcmp(type, "dns"))
				add_answers(ev, r); /* what the name resolved to */
			else
				add_addr_str(ev, remote(r));
			add_name(ev, s->value);
		}
	}
	if (!is_evidence)
		return;
	ev->records++;
	{
		size_t k = PP_ARRAY_LEN(type_names);
		for (size_t i = 0; type && i < PP_ARRAY_LEN(type_names); i++)
			if (!strcmp(type, type_names[i]))
				k = i;
		ev->by_type[k]++;
	}
	if (rec_num(r, "ts", &ts)) {
		if (ev->first_ts == 0 || ts < ev->first_ts)
			ev->first_ts = ts;
		if (ts > ev->last_ts)
			ev->last_ts = ts;
	}
	if (!proc)
		return;
	/* What the selected process talked to. A DNS query tells its resolver,
	 * not a destination to quarantine; a listen has no peer. */
	{
		const char *ev_name = rec_str(r, "event");
		double dport = 0;
		bool dns_query = type && !strcmp(type, "dns");
		if (!dns_query && rec_num(r, "dport", &dport) && dport == 53)
			dns_query = true;
		if (!(ev_name && !strcmp(ev_name, "listen")) && !dns_query)
			add_addr_str(ev, remote(r));
		add_name(ev, rec_str(r, "dst_name"));
		add_name(ev, rec_str(r, "sni"));
	}
	{
		long long v;
		if (rec_i64(r, "uid", &v)) {
			if (ev->uid_state == 0)
				ev->uid = v, ev->uid_state = 1;
			else if (ev->uid != v)
				ev->uid_state = 2;
		}
		if (rec_i64(r, "pid", &v))
			ev->pid = v;
	}
	note_str(&ev->cgroup, &ev->cgroup_state, rec_str(r, "cgroup"));
	if (!ev->comm && rec_str(r, "comm"))
		ev->comm = xstrdup(rec_str(r, "comm"));
	if (!ev->exe && rec_str(r, "exe"))
		ev->exe = xstrdup(rec_str(r, "exe"));
}
