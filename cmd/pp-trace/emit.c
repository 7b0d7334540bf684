/* The sock record writer both modes share (see trace.h): filters, process
 * details from /proc, and one NDJSON line per event. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "lineout.h"
#include "pp.h"
#include "proc.h"
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

void sock_emit_cleanup(void)
{
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

int sock_emit_flush(FILE *out)
{
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
static bool cgroup_under(const char *cg, const char *want)
{
	size_t n = strlen(want);
	while (n > 1 && want[n - 1] == '/')
		n--;
	if (strncmp(cg, want, n))
		return false;
	return cg[n] == '\0' || cg[n] == '/' || (n == 1 && want[0] == '/');
}

static const char *const ev_names[] = {
	[SEV_CONNECT] = "connect", [SEV_ACCEPT] = "accept", [SEV_LISTEN] = "listen",
	[SEV_UDP] = "udp", [SEV_CLOSE] = "close",
};

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
	if (o->cgroup && !(pi && pi->cgroup && cgroup_under(pi->cgroup, o->cgroup)))
		return 0;

	if (!w_ready) {
		jw_init(&w);
		w_ready = true;
	}
	struct pp_tuple t;
	unmapped(e, &t);
	jw_rec_begin(&w, type, e->ts_us);
	if (!body) {
		jw_str(&w, "event", (unsigned)e->ev < PP_ARRAY_LEN(ev_names) ? ev_names[e->ev] : "unknown");
		jw_str(&w, "dir", e->out ? "out" : "in");
	}
	jw_str(&w, "proto", pp_proto_name(e->t.proto, pb, sizeof(pb)));
	if (t.src.family) {
		jw_addr(&w, "src", &t.src);
		jw_uint(&w, "sport", t.sport);
	}
	if (e->ev != SEV_LISTEN && t.dst.family) {
		char cid[PP_COMMUNITY_ID_LEN];
		jw_addr(&w, "dst", &t.dst);
		jw_uint(&w, "dport", t.dport);
		if (t.src.family == t.dst.family) {
			pp_community_id(&t, 0, cid);
			jw_str(&w, "community_id", cid);
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
			jw_num(&w, "duration", (double)(long long)(e->duration * 1e6) / 1e6);
	}
	if (e->pid > 0)
		jw_int(&w, "pid", e->pid);
	/* The kernel's ppid at event time beats a later read of /proc. */
	if (e->ppid)
		jw_uint(&w, "ppid", e->ppid);
	else if (pi && pi->ppid >= 0)
		jw_int(&w, "ppid", pi->ppid);
	if (has_uid)
		jw_uint(&w, "uid", uid);
	if (comm)
		jw_str(&w, "comm", comm);
	if (pi) {
		if (pi->exe)
			jw_str(&w, "exe", pi->exe);
		if (pi->argc > 0) {
			jw_arr_open(&w, "cmdline");
			for (int i = 0; i < pi->argc; i++)
				jw_str(&w, NULL, pi->argv[i]);
			jw_arr_close(&w);
		}
		if (pi->cgroup)
			jw_str(&w, "cgroup", pi->cgroup);
		if (pi->container)
			jw_str(&w, "container", pi->container);
	}
	if (e->netns)
		jw_uint(&w, "netns", e->netns);
	else if (pi && pi->netns)
		jw_uint(&w, "netns", pi->netns);
	if (e->initial)
		jw_bool(&w, "initial", true);
	jw_str(&w, "source", e->source ? e->source : "ebpf");
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
