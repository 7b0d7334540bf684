/* pp-join -r CAPTURE -w OUT.pcapng: the packets of a capture (as pp-sniff -w
 * saved them) written again as pcapng, each packet of a connection that a
 * socket record attributes carrying its process in the block's comment:
 *     pid=4242 comm=curl exe=/usr/bin/curl sni=example.com
 * Packets are written as file mode's event time passes them (before the
 * tables forget old sockets), each one's 5-tuple and time through
 * match_lives(), the rule every sniffed record goes through, so a packet
 * gets the process its flow's records get, and none where they get none. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "htab.h"
#include "join.h"
#include "outfile.h"
#include "pcapng.h"
#include "pktkey.h"
#include "pp.h"
#include "rec.h"
#include "sbuf.h"

/* --- the comment ------------------------------------------------------------ */

/* key=value with the value's bytes outside printable ASCII, the space and
 * the backslash as \xHH: one line, one word per value, whatever a process
 * called itself. */
static void put_kv(struct sbuf *b, const char *key, const char *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (b->len)
		sb_putc(b, ' ');
	sb_puts(b, key);
	sb_putc(b, '=');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= 0x20 || c >= 0x7f || c == '\\') {
			char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			sb_put(b, e, 4);
		} else {
			sb_putc(b, (char)c);
		}
	}
}

/* A raw JSON value (number or string) as text into the comment. */
static void put_raw(struct sbuf *b, struct rec *r, const char *key, const char *raw)
{
	struct sbuf line;
	const char *err, *s;
	size_t n;
	sb_init(&line);
	sb_puts(&line, "{\"v\":");
	sb_puts(&line, raw);
	sb_putc(&line, '}');
	if (rec_parse(r, line.s, line.len, &err) == 0) {
		int t = rec_find(r, "v");
		if (t >= 0 && (s = rec_tok_str(r, t, &n)))
			put_kv(b, key, s, n);
		else if (t >= 0 && (s = rec_tok_raw(r, t, &n)) && rec_tok_is_num(r, t))
			put_kv(b, key, s, n);
	}
	sb_free(&line);
}

/* One comment per life, made at its first packet, kept by the life's
 * address (common/htab.h). */
struct ann {
	const struct life *l;
	char *comment;
};
static struct htab anns;

static uint64_t ann_hash(const struct life *l)
{
	return pp_hash_u64((uint64_t)(uintptr_t)l);
}

static bool same_life(const void *item, const void *key)
{
	return ((const struct ann *)item)->l == key;
}

static const char *comment_of(const struct life *l, struct rec *r)
{
	static const char *const keys[] = {"pid", "comm", "exe"};
	static const int kidx[] = {K_PID, K_COMM, K_EXE};
	struct sbuf b;
	const char *name, *cn;
	struct ann *a = ht_get(&anns, ann_hash(l), same_life, l);

	if (a)
		return a->comment;
	sb_init(&b);
	if (l->proc) {
		for (size_t k = 0; k < PP_ARRAY_LEN(keys); k++) {
			const struct proc *p = l->proc;
			int key = kidx[k];
			if (!p->klen[key])
				continue;
			/* The segment is ,"key":VALUE */
			size_t skip = strlen(jkey_name[key]) + 4;
			char *v = xstrndup(p->buf + p->off[key] + skip, p->klen[key] - skip);
			put_raw(&b, r, keys[k], v);
			free(v);
		}
	}
	if (b.len) { /* the server's name, where one is known */
		size_t offs[2] = {offsetof(struct wflow, sni), offsetof(struct wflow, http_host)};
		const char *v[2];
		life_flow_fields(l, offs, 2, v);
		if (v[0])
			put_raw(&b, r, "sni", v[0]);
		else if (v[1])
			put_raw(&b, r, "host", v[1]);
		if (names_lookup(&l->t.dst, l->start, &name, &cn))
			put_raw(&b, r, "name", name);
	}
	a = xcalloc(1, sizeof(*a));
	a->l = l;
	a->comment = b.len ? sb_steal(&b) : NULL;
	sb_free(&b);
	ht_put(&anns, ann_hash(l), a);
	return a->comment;
}

/* --- the pass ---------------------------------------------------------------- */

/* pcapng names link types by LINKTYPE_ values, which are libpcap's DLT_
 * values on Linux except for raw IP (DLT_RAW 12 is LINKTYPE_RAW 101). */
static int linktype_of(int dlt)
{
	return dlt == DLT_RAW ? 101 : dlt;
}

static struct {
	const struct jtab *tab;
	pcap_t *p;
	FILE *f;
	const char *capture, *out;
	struct pcapng_w w;
	struct rec r;
	int dlt, status;
	bool have;             /* a packet read and not yet written */
	bool eof;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long packets, annotated;
} pa;

int pcap_annotate_open(const struct jtab *tab, const char *capture, const char *out)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	memset(&pa, 0, sizeof(pa));
	pa.tab = tab;
	pa.capture = capture, pa.out = out;
	pa.p = pcap_open_offline(capture, err);
	if (!pa.p) {
		pp_warn("%s: %s", capture, err);
		return -1;
	}
	pa.f = pp_outfile_fopen(out);
	if (!pa.f) {
		pcap_close(pa.p);
		return -1;
	}
	pa.dlt = pcap_datalink(pa.p);
	rec_init(&pa.r);
	pcapng_begin(&pa.w, pa.f, "pp-join (PortPulse) " PP_VERSION, linktype_of(pa.dlt),
	             (uint32_t)pcap_snapshot(pa.p));
	return 0;
}

static uint64_t pkt_us(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
}

/* Packets in capture order, while their time is at most ts. The process
 * is the originator's, else the responder's (both local: the originator
 * speaks for the connection), decided knowing everything the tables hold. */
void pcap_annotate_upto(int64_t ts)
{
	while (!pa.eof && !pa.w.err) {
		if (!pa.have) {
			int rc = pcap_next_ex(pa.p, &pa.h, &pa.data);
			if (rc != 1) {
				if (rc == PCAP_ERROR) {
					pp_warn("%s: %s", pa.capture, pcap_geterr(pa.p));
					pa.status = PP_EXIT_RUNTIME;
				}
				pa.eof = true;
				break;
			}
			pa.have = true;
		}
		uint64_t t_us = pkt_us(pa.h);
		if ((int64_t)t_us > ts)
			break;
		struct pp_tuple t;
		const char *comment = NULL;
		pa.packets++;
		if (pkt_tuple(pa.dlt, pa.data, pa.h->caplen, &t)) {
			struct jrec j;
			struct life *o, *r;
			memset(&j, 0, sizeof(j));
			j.type = JT_FLOW;
			j.ts = (int64_t)t_us;
			j.has_ts = true;
			j.asof = INT64_MAX;
			j.tuple = t;
			pp_tuple_norm(&t, &j.key, NULL);
			j.khash = key_hash(&j.key);
			j.has_key = true;
			match_lives(pa.tab, &j, &o, &r, NULL);
			if (o || r)
				comment = comment_of(o ? o : r, &pa.r);
		}
		pa.annotated += comment != NULL;
		pcapng_packet(&pa.w, t_us, pa.data, pa.h->caplen, pa.h->len, comment);
		pa.have = false;
	}
}

int pcap_annotate_close(bool quiet)
{
	pcap_annotate_upto(INT64_MAX);
	if (pa.w.err || fflush(pa.f) != 0 || ferror(pa.f)) {
		pp_warn("%s: write error: %s", pa.out, strerror(pa.w.err ? pa.w.err : errno));
		pa.status = PP_EXIT_RUNTIME;
	}
	if (pa.f != stdout && fclose(pa.f) != 0 && pa.status == PP_EXIT_OK) {
		pp_warn("%s: %s", pa.out, strerror(errno));
		pa.status = PP_EXIT_RUNTIME;
	}
	pcap_close(pa.p);
	rec_free(&pa.r);
	for (size_t i = 0; i < anns.cap; i++) {
		struct ann *a = ht_at(&anns, i);
		if (a) {
			free(a->comment);
			free(a);
		}
	}
	ht_free(&anns);
	if (!quiet)
		pp_warn("%lu packets; %lu with a process, %lu without", pa.packets, pa.annotated,
		        pa.packets - pa.annotated);
	return pa.status;
}
