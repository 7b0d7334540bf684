/* The sock record writer both modes share (see trace.h): filters, process
 * details from /proc, and one NDJSON line per event. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "lineout.h"
#include "pp.h"
#include "proc.h"
#include "scope.h"
#include "trace.h"
#include "wfail.h"

volatile sig_atomic_t trace_stop;
void (*sock_emit_track)(const struct sock_event *e, const struct pp_tuple *t, const char *comm,
                        bool has_uid, uint32_t uid);
char trace_unavailable_reason[256];

static struct jw w;
static bool w_ready;
static struct proc_cache *cache;
static unsigned long long written;
static bool failed;          /* trace_fail(): a runtime error other than writing */
static struct pp_wfail wf;   /* the record output */
static bool marks_on;
static char producer[48];

int trace_exit_status(void)
{
	return failed || pp_wfail_failed(&wf) ? PP_EXIT_RUNTIME : PP_EXIT_OK;
}
void trace_fail(void) { failed = true; }
unsigned long long sock_emit_count(void) { return written; }
bool sock_emit_output_ended(void) { return pp_wfail_ended(&wf); }
int sock_emit_close(FILE *out) { return pp_wfail_close(&wf, out); }

struct proc_cache *sock_emit_proc_cache(void)
{
	if (!cache)
		cache = proc_cache_new();
	return cache;
}

static void frags_free(void);

void sock_emit_cleanup(void)
{
	frags_free();
	if (w_ready)
		jw_free(&w);
	w_ready = false;
	proc_cache_free(cache);
	cache = NULL;
}

void sock_emit_marks(FILE *out)
{
	marks_on = pp_out_is_stream(out);
	snprintf(producer, sizeof(producer), "pp-trace:%ld", (long)getpid());
}

int sock_emit_mark(FILE *out, uint64_t ts_us)
{
	static uint64_t last;
	struct jw m;
	int r;

	if (!marks_on || failed || pp_wfail_ended(&wf) || ts_us <= last)
		return 0;
	last = ts_us;
	jw_init(&m);
	jw_rec_begin(&m, "mark", ts_us);
	jw_str(&m, "producer", producer);
	r = jw_rec_end(&m, out);
	jw_free(&m);
	return r < 0 ? pp_wfail_note(&wf, errno) : 0;
}

/* The process members of a record ("pid" .. "container"), written once
 * per process and batch: a churning or chatty process writes the same
 * escaped exe, cmdline and cgroup into every record, and they are most of
 * the writer's work. Entries hold a proc_info pointer, valid only until
 * the next proc_cache_tick, so the whole table goes with each tick. */
#define FRAG_SLOTS 64
struct frag {
	const struct proc_info *pi;
	unsigned gen;
	int32_t pid;
	uint32_t ppid, uid;
	bool has_uid;
	char comm[16];
	char *json;      /* ,"pid":...: members with their leading comma */
	size_t len, cap;
};
static struct frag frags[FRAG_SLOTS];
static unsigned frag_gen = 1;
static struct jw fw;
static bool fw_ready;
static struct jw tw; /* put_tuple's */
static bool tw_ready;

static void frags_free(void)
{
	for (int i = 0; i < FRAG_SLOTS; i++) {
		free(frags[i].json);
		frags[i] = (struct frag){ 0 };
	}
	if (fw_ready)
		jw_free(&fw);
	fw_ready = false;
	if (tw_ready)
		jw_free(&tw);
	tw_ready = false;
}

int sock_emit_flush(FILE *out)
{
	frag_gen++; /* the proc_info pointers go stale with the tick */
	if (cache)
		proc_cache_tick(cache);
	return pp_wfail_flush(&wf, out);
}

/* Both modes show an IPv4 peer of an IPv6 socket (::ffff:a.b.c.d) as the
 * IPv4 address it is on the wire, so that records of either mode, -4/-6
 * and community_id agree with what pp-sniff and other tools see. */
static void unmapped(const struct sock_event *e, struct pp_tuple *t)
{
	*t = e->t;
	pp_addr_unmap(&t->src);
	pp_addr_unmap(&t->dst);
	if (t->src.family && t->dst.family && t->src.family != t->dst.family)
		*t = e->t; /* half-mapped cannot happen; keep the socket's view */
}

bool sock_event_cheap_match(const struct sock_event *e, const struct trace_opts *o)
{
	struct pp_tuple t;
	unmapped(e, &t);
	uint8_t fam = t.src.family;
	if (fam == AF_INET ? !o->v4 : !o->v6)
		return false;
	if (e->t.proto == IPPROTO_TCP ? !o->tcp : e->t.proto == IPPROTO_UDP ? !o->udp : false)
		return false;
	return o->pid < 0 || e->pid == o->pid;
}

/* --cgroup PATH: PATH itself or anything below it. */
bool trace_cgroup_under(const char *cg, const char *want)
{
	size_t n = strlen(want);
	while (n > 1 && want[n - 1] == '/')
		n--;
	if (strncmp(cg, want, n))
		return false;
	return cg[n] == '\0' || cg[n] == '/' || (n == 1 && want[0] == '/');
}

/* The process members of e's record, as they are written. */
static void write_proc(struct jw *pw, const struct sock_event *e, const struct proc_info *pi,
		       const char *comm, bool has_uid, uint32_t uid)
{
	if (e->pid > 0)
		jw_int(pw, "pid", e->pid);
	/* The kernel's ppid at event time beats a later read of /proc. */
	if (e->ppid)
		jw_uint(pw, "ppid", e->ppid);
	else if (pi && pi->ppid >= 0)
		jw_int(pw, "ppid", pi->ppid);
	if (has_uid)
		jw_uint(pw, "uid", uid);
	if (comm)
		jw_str(pw, "comm", comm);
	if (pi) {
		if (pi->exe)
			jw_str(pw, "exe", pi->exe);
		if (pi->argc > 0) {
			jw_arr_open(pw, "cmdline");
			for (int i = 0; i < pi->argc; i++)
				jw_str(pw, NULL, pi->argv[i]);
			jw_arr_close(pw);
		}
		if (pi->cgroup)
			jw_str(pw, "cgroup", pi->cgroup);
		if (pi->container)
			jw_str(pw, "container", pi->container);
	}
}

static void proc_members(struct jw *out, const struct sock_event *e, const struct proc_info *pi,
			 const char *comm, bool has_uid, uint32_t uid)
{
	struct frag *f = &frags[(uint32_t)e->pid % FRAG_SLOTS];
	const char *c = comm ? comm : "";

	if (e->pid <= 0) {
		write_proc(out, e, pi, comm, has_uid, uid);
		return;
	}
	if (f->gen != frag_gen || f->pi != pi || f->pid != e->pid || f->ppid != e->ppid ||
	    f->has_uid != has_uid || f->uid != uid || strncmp(f->comm, c, sizeof(f->comm))) {
		if (!fw_ready) {
			jw_init(&fw);
			fw_ready = true;
		}
		jw_reset(&fw);
		jw_obj_open(&fw, NULL);
		write_proc(&fw, e, pi, comm, has_uid, uid);
		/* "{" + members: keep the members, with the comma before them */
		if (fw.len + 1 > f->cap) {
			char *n = realloc(f->json, fw.len + 1);
			if (!n) {
				f->gen = 0;
				write_proc(out, e, pi, comm, has_uid, uid);
				return;
			}
			f->json = n;
			f->cap = fw.len + 1;
		}
		f->json[0] = ',';
		memcpy(f->json + 1, fw.buf + 1, fw.len - 1);
		f->len = fw.len;
		f->gen = frag_gen;
		f->pi = pi;
		f->pid = e->pid;
		f->ppid = e->ppid;
		f->uid = uid;
		f->has_uid = has_uid;
		pp_strcpy_cut(f->comm, sizeof(f->comm), c);
	}
	jw_put(out, f->json, f->len);
}

/* The Community ID of a tuple: a SHA-1 each, and every connection's
 * records (connect or accept, and the closes of both ends) share one. The
 * last few are kept, keyed by the whole tuple, with the members they make
 * (`,"src":..,"sport":..,"dst":..,"dport":..,"community_id":..`), which
 * those records write alike. */
#define CID_SLOTS 64
#define TUPLE_JSON_MAX (4 * PP_ADDRSTRLEN + PP_COMMUNITY_ID_LEN + 64)
static struct {
	struct pp_tuple t;
	bool valid;
	char cid[PP_COMMUNITY_ID_LEN];
	char json[TUPLE_JSON_MAX]; /* len 0: not made yet */
	size_t len;
} cids[CID_SLOTS];

static bool tuple_eq(const struct pp_tuple *a, const struct pp_tuple *b)
{
	return a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	       a->src.family == b->src.family && a->dst.family == b->dst.family &&
	       !memcmp(a->src.a, b->src.a, sizeof(a->src.a)) && !memcmp(a->dst.a, b->dst.a, sizeof(a->dst.a));
}

static unsigned cid_slot(const struct pp_tuple *t)
{
	/* both ends of a connection write it originator first: one tuple */
	return ((unsigned)t->sport ^ t->dport) * 2654435761u >> 26;
}

static const char *community_id(const struct pp_tuple *t, char *buf)
{
	unsigned h = cid_slot(t);
	if (cids[h].valid && tuple_eq(&cids[h].t, t))
		return cids[h].cid;
	pp_community_id(t, 0, buf);
	cids[h].t = *t;
	cids[h].valid = true;
	cids[h].len = 0;
	memcpy(cids[h].cid, buf, sizeof(cids[h].cid));
	return buf;
}

/* The 5-tuple members of a record with both ends of one family, after a
 * member: from the cache when this tuple's were made last. */
static void put_tuple(struct jw *out, const struct pp_tuple *t)
{
	char cid[PP_COMMUNITY_ID_LEN];
	const char *c = community_id(t, cid);
	unsigned h = cid_slot(t); /* community_id left this tuple there */

	if (cids[h].len) {
		jw_put(out, cids[h].json, cids[h].len);
		return;
	}
	if (!tw_ready) {
		jw_init(&tw);
		tw_ready = true;
	}
	jw_reset(&tw);
	jw_obj_open(&tw, NULL);
	jw_addr(&tw, "src", &t->src);
	jw_uint(&tw, "sport", t->sport);
	jw_addr(&tw, "dst", &t->dst);
	jw_uint(&tw, "dport", t->dport);
	jw_str(&tw, "community_id", c);
	/* "{" + members: keep the members, with the comma before them */
	if (tw.len <= sizeof(cids[h].json)) {
		cids[h].json[0] = ',';
		memcpy(cids[h].json + 1, tw.buf + 1, tw.len - 1);
		cids[h].len = tw.len;
	}
	jw_put(out, ",", 1);
	jw_put(out, tw.buf + 1, tw.len - 1);
}

/* "duration": seconds with at most 6 decimals and no trailing zeros, as
 * jw_num writes them from 0.1 ms on (below it jw_num goes through printf
 * and writes 3.4e-05, and a loopback connection lasts some 50 us). */
static void put_duration(struct jw *out, uint64_t us)
{
	char b[32], *p = jw_fmt_micros(b, us);

	jw_raw(out, "duration", b, (size_t)(p - b));
}

static const char *const ev_names[] = {
	[SEV_CONNECT] = "connect", [SEV_ACCEPT] = "accept", [SEV_LISTEN] = "listen",
	[SEV_UDP] = "udp", [SEV_CLOSE] = "close",
};

/* `,"event":"..","dir":"..","proto":".."` of a sock record as one piece,
 * made once per kind: every record starts with these three, and three
 * members cost three key writes and escapes (issue 16: the writer is most
 * of pp-trace's user space under connection churn). */
static void put_head(struct jw *out, const struct sock_event *e)
{
	static struct {
		char s[64];
		uint8_t n;
	} heads[PP_ARRAY_LEN(ev_names)][2][2];
	bool udp = e->t.proto == IPPROTO_UDP;

	if ((unsigned)e->ev >= PP_ARRAY_LEN(ev_names) || (!udp && e->t.proto != IPPROTO_TCP)) {
		char pb[16];
		jw_str(out, "event", (unsigned)e->ev < PP_ARRAY_LEN(ev_names) ? ev_names[e->ev] : "unknown");
		jw_str(out, "dir", e->out ? "out" : "in");
		jw_str(out, "proto", pp_proto_name(e->t.proto, pb, sizeof(pb)));
		return;
	}
	__typeof__(heads[0][0][0]) *h = &heads[e->ev][e->out][udp];
	if (!h->n)
		h->n = (uint8_t)snprintf(h->s, sizeof(h->s), ",\"event\":\"%s\",\"dir\":\"%s\",\"proto\":\"%s\"",
					 ev_names[e->ev], e->out ? "out" : "in", udp ? "udp" : "tcp");
	jw_put(out, h->s, h->n);
}

/* A record about e: a sock record (body NULL), or one of another type
 * whose own members body() writes after the 5-tuple (pp-trace's dns
 * records, kdns.c). The filters, the process fields and the counting are
 * the same for both. */
int trace_record_emit(const struct sock_event *e, const struct trace_opts *o, FILE *out,
                      const char *type, void (*body)(struct jw *w, void *arg), void *arg)
{
	char pb[16];

	if (pp_wfail_ended(&wf) || failed || (o->count > 0 && written >= (unsigned long long)o->count))
		return -1;
	if (!sock_event_cheap_match(e, o))
		return 0;
	const struct proc_info *pi = e->pid > 0 ? proc_cache_get(sock_emit_proc_cache(), (pid_t)e->pid) : NULL;
	/* The process of the event has exited and its pid went to another:
	 * those details are not its own. */
	if (pi && e->start_time && pi->start_time && pi->start_time != e->start_time)
		pi = NULL;
	bool has_uid = e->has_uid || (pi && pi->has_uid);
	uint32_t uid = e->has_uid ? e->uid : pi ? pi->uid : 0;
	if (o->uid >= 0 && (!has_uid || uid != (uint64_t)o->uid))
		return 0;
	const char *comm = e->comm[0] ? e->comm : pi && pi->comm[0] ? pi->comm : NULL;
	if (o->comm && (!comm || strcmp(comm, o->comm)))
		return 0;
	if (o->cgroup && !(pi && pi->cgroup && trace_cgroup_under(pi->cgroup, o->cgroup)))
		return 0;
	if (o->scope && !scope_event_ok(o->scope, e, pi))
		return 0;

	if (!w_ready) {
		jw_init(&w);
		w_ready = true;
	}
	struct pp_tuple t;
	unmapped(e, &t);
	jw_rec_begin(&w, type, e->ts_us); /* "type" and "ts": the pieces below follow a member */
	if (!body)
		put_head(&w, e);
	else
		jw_str(&w, "proto", pp_proto_name(e->t.proto, pb, sizeof(pb)));
	if (e->ev != SEV_LISTEN && t.src.family && t.dst.family == t.src.family) {
		put_tuple(&w, &t);
	} else {
		/* a listener's own address, or ends of two families: no Community ID */
		if (t.src.family) {
			jw_addr(&w, "src", &t.src);
			jw_uint(&w, "sport", t.sport);
		}
		if (e->ev != SEV_LISTEN && t.dst.family) {
			jw_addr(&w, "dst", &t.dst);
			jw_uint(&w, "dport", t.dport);
		}
	}
	if (body)
		body(&w, arg);
	if (e->state && !body)
		jw_str(&w, "state", e->state);
	if (e->ev == SEV_CLOSE && !body) {
		if (e->has_bytes) {
			jw_uint(&w, "tx_bytes", e->tx_bytes);
			jw_uint(&w, "rx_bytes", e->rx_bytes);
		}
		if (e->duration >= 0)
			put_duration(&w, (uint64_t)(e->duration * 1e6));
	}
	proc_members(&w, e, pi, comm, has_uid, uid);
	if (e->netns)
		jw_uint(&w, "netns", e->netns);
	else if (pi && pi->netns)
		jw_uint(&w, "netns", pi->netns);
	if (e->initial)
		jw_bool(&w, "initial", true);
	if (e->source)
		jw_str(&w, "source", e->source);
	else
		jw_put(&w, ",\"source\":\"ebpf\"", 16);
	if (jw_rec_end(&w, out) < 0)
		return pp_wfail_note(&wf, errno);
	if (sock_emit_track && !body)
		sock_emit_track(e, &t, comm, has_uid, uid);
	written++;
	if (o->count > 0 && written >= (unsigned long long)o->count)
		return -1;
	return 1;
}

int sock_event_emit(const struct sock_event *e, const struct trace_opts *o, FILE *out)
{
	return trace_record_emit(e, o, out, "sock", NULL, NULL);
}
