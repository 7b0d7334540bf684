/* pp-trace eBPF mode: load bpf/socktrace.bpf.c, attach what this kernel
 * offers, and turn ring-buffer records into sock records (emit.c).
 *
 * Lifecycle (as bcc's libbpf-tools do it): open the skeleton, set the
 * read-only filters and the ring-buffer size, choose programs with
 * set_autoload, load, then attach hook by hook. Features are detected by
 * trying: a program the kernel refuses to load is switched off and the
 * object is loaded again without it; a hook that does not attach is named
 * once on stderr and its fallback (if any) is attached instead. Every link is
 * a file descriptor of this process and nothing is pinned, so the programs
 * go away with the process, however it ends (even SIGKILL). */
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "ebpf_env.h"
#include "ebpf_event.h"
#include "kdns.h"
#include "jsonw.h"
#include "outfile.h"
#include "pp.h"
#include "scope_bpf.h"
#include "trace.h"
#include "socktrace.skel.h"
#include "socktrace_probe.skel.h"
#include "../../bpf/socktrace.h"

#define RINGBUF_BYTES (8u << 20) /* default; PP_TRACE_RINGBUF overrides (tests) */
#define MAX_LOAD_TRIES 8
#define STATS_EVERY 5.0          /* seconds between --stats records */
#define MARK_EVERY 0.05          /* seconds between marks, at least (one per drain) */
/* Drains are at least this far apart (the BPF side's WAKEUP_NS). The ring
 * buffer's descriptor is ready whenever it holds data, not only at the
 * wakeups the programs send: under churn a loop that polls it again right
 * after a drain finds a few new records each time and pays a drain's fixed
 * costs (poll, clock, mark, write, the process cache's checks) for ten
 * records instead of hundreds. A lone event still wakes it at once. */
#define DRAIN_EVERY 0.01
/* A record reserved before a drain began may still be being filled on
 * another CPU (a preempted program); the mark stays this far behind. */
#define MARK_LAG_US 50000

/* --- libbpf's messages: only with -v; the last failure kept for us ------ */

static bool verbose;
static char failed_prog[64]; /* name of the program the last load refused */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[256];
	const char *p, *q;
	va_list cp;

	va_copy(cp, ap);
	vsnprintf(line, sizeof(line), fmt, cp);
	va_end(cp);
	/* libbpf 1.x: "prog 'NAME': failed to load: -22" (and "... BPF program
	 * load failed: ..."): which program this kernel refuses. */
	if ((p = strstr(line, "prog '")) && (q = strchr(p + 6, '\'')) &&
	    (strstr(q, "failed to load") || strstr(q, "load failed"))) {
		size_t n = (size_t)(q - (p + 6));
		if (n < sizeof(failed_prog)) {
			memcpy(failed_prog, p + 6, n);
			failed_prog[n] = '\0';
		}
	}
	if (verbose && level != LIBBPF_DEBUG) {
		fprintf(stderr, "%s: ", pp_progname); /* libbpf adds "libbpf: " */
		vfprintf(stderr, fmt, ap);
	}
	return 0;
}

/* --- the hooks -------------------------------------------------------------- */

enum hook_kind { HK_TRACE, HK_CGROUP, HK_ITER };

struct hook {
	const char *what;            /* for messages: the kernel hook */
	struct bpf_program *prog;
	struct bpf_link **link;      /* the skeleton's slot: destroy detaches */
	enum hook_kind kind;
	bool wanted;                 /* chosen for this run */
	bool off;                    /* refused at load: never again */
	bool attached;
};

enum {
	H_SOCKOPS,                         /* connect records at SYN-SENT */
	H_STATE_RAW, H_STATE_TP,           /* TCP lifecycle, and its fallback */
	H_ACCEPT4, H_ACCEPT,               /* who accepted */
	H_SEND_LEN, H_RECV_LEN,            /* connected UDP; accept fallback */
	H_SENDMSG4, H_SENDMSG6, H_RECVMSG4, H_RECVMSG6, /* unconnected UDP */
	H_RELEASE,                         /* UDP close */
	H_BIND4, H_BIND6,                  /* UDP listen at bind(2) */
	H_SKB_OUT, H_SKB_IN,               /* UDP datagrams (packet mode); DNS messages */
	H_CONNECT4, H_CONNECT6,            /* who asks DNS over a connected socket */
	H_SEED_UDP,                        /* owners of UDP sockets older than us */
	H_COUNT
};

struct run {
	const struct trace_opts *o;
	struct socktrace_bpf *skel;
	struct hook h[H_COUNT];
	struct ring_buffer *rb;
	struct kdns *kdns;   /* DNS from the kernel (kdns.c), or NULL */
	struct ebpf_clock clk;
	uint64_t netns_self;
	int cg_fd;
	int ncpu;
	bool probe_reads;    /* the object with a probe read per kernel field */
	bool dns;            /* DNS from the kernel: its programs attached */
	unsigned missing_caps;
	bool done;           /* emit said stop: count reached, reader gone, error */
	bool emitted;        /* records written since the last flush */
	unsigned long long bad_records;
};

static void hooks_bind(struct run *r)
{
	struct socktrace_bpf *s = r->skel;
	struct hook *h = r->h;
	bool off[H_COUNT];

	for (int i = 0; i < H_COUNT; i++)
		off[i] = h[i].off;
#define HOOK(i, w, name, k) \
	h[i] = (struct hook){ .what = w, .prog = s->progs.name, .link = &s->links.name, .kind = k, \
			      .off = off[i] }
	HOOK(H_SOCKOPS, "cgroup/sock_ops", so_connect, HK_CGROUP);
	HOOK(H_STATE_RAW, "raw_tracepoint/inet_sock_set_state", rtp_set_state, HK_TRACE);
	HOOK(H_STATE_TP, "tracepoint/sock/inet_sock_set_state", tp_set_state, HK_TRACE);
	HOOK(H_ACCEPT4, "tracepoint/syscalls/sys_exit_accept4", tp_exit_accept4, HK_TRACE);
	HOOK(H_ACCEPT, "tracepoint/syscalls/sys_exit_accept", tp_exit_accept, HK_TRACE);
	HOOK(H_SEND_LEN, "raw_tracepoint/sock_send_length", rtp_send_length, HK_TRACE);
	HOOK(H_RECV_LEN, "raw_tracepoint/sock_recv_length", rtp_recv_length, HK_TRACE);
	HOOK(H_SENDMSG4, "cgroup/sendmsg4", cg_sendmsg4, HK_CGROUP);
	HOOK(H_SENDMSG6, "cgroup/sendmsg6", cg_sendmsg6, HK_CGROUP);
	HOOK(H_RECVMSG4, "cgroup/recvmsg4", cg_recvmsg4, HK_CGROUP);
	HOOK(H_RECVMSG6, "cgroup/recvmsg6", cg_recvmsg6, HK_CGROUP);
	HOOK(H_RELEASE, "cgroup/sock_release", cg_sock_release, HK_CGROUP);
	HOOK(H_BIND4, "cgroup/post_bind4", cg_post_bind4, HK_CGROUP);
	HOOK(H_BIND6, "cgroup/post_bind6", cg_post_bind6, HK_CGROUP);
	HOOK(H_SKB_OUT, "cgroup_skb/egress", cg_skb_egress, HK_CGROUP);
	HOOK(H_SKB_IN, "cgroup_skb/ingress", cg_skb_ingress, HK_CGROUP);
	HOOK(H_CONNECT4, "cgroup/connect4", cg_connect4, HK_CGROUP);
	HOOK(H_CONNECT6, "cgroup/connect6", cg_connect6, HK_CGROUP);
	HOOK(H_SEED_UDP, "iter/task_file", seed_udp, HK_ITER);
#undef HOOK
}

/* DNS from the kernel: unless --no-dns; its programs attach to a cgroup
 * and need CAP_NET_ADMIN to load. */
static bool dns_wanted(const struct trace_opts *o, unsigned missing_caps)
{
	return !o->no_dns && !(missing_caps & EC_NET_ADMIN);
}

/* Which programs this run wants, before any trying. */
static void hooks_choose(struct run *r, unsigned missing_caps)
{
	const struct trace_opts *o = r->o;
	struct hook *h = r->h;

	for (int i = 0; i < H_COUNT; i++)
		h[i].wanted = false;
	if (o->tcp) {
		/* Both variants load; the classic one attaches only when the
		 * raw one does not. The same for the accept hooks and their
		 * send/receive fallback. */
		h[H_STATE_RAW].wanted = h[H_STATE_TP].wanted = true;
		h[H_ACCEPT4].wanted = h[H_ACCEPT].wanted = true;
		h[H_SEND_LEN].wanted = h[H_RECV_LEN].wanted = true;
		/* sock_ops programs need CAP_NET_ADMIN to load, as below */
		h[H_SOCKOPS].wanted = !(missing_caps & EC_NET_ADMIN);
	}
	if (o->udp) {
		h[H_SEND_LEN].wanted = h[H_RECV_LEN].wanted = true;
		/* cgroup sock_addr programs need CAP_NET_ADMIN to load */
		if (!(missing_caps & EC_NET_ADMIN)) {
			h[H_SENDMSG4].wanted = o->v4 || o->v6; /* v4-mapped use the 4 hooks */
			h[H_RECVMSG4].wanted = o->v4 || o->v6;
			h[H_SENDMSG6].wanted = o->v6;
			h[H_RECVMSG6].wanted = o->v6;
			h[H_RELEASE].wanted = true;
			h[H_BIND4].wanted = o->v4 || o->v6;
			h[H_BIND6].wanted = o->v6;
			h[H_SKB_OUT].wanted = h[H_SKB_IN].wanted = true;
			h[H_SEED_UDP].wanted = true;
		}
	}
	/* DNS from the kernel (bpf/dns.h): the packet programs, which the
	 * wildcard UDP code shares, and the hooks that see who asks. */
	if (dns_wanted(o, missing_caps)) {
		h[H_SKB_OUT].wanted = h[H_SKB_IN].wanted = true;
		h[H_CONNECT4].wanted = h[H_CONNECT6].wanted = true;
	}
}

static void hook_off_msg(const struct hook *h, const char *why, const char *instead)
{
	if (instead)
		pp_warn("hook %s unavailable (%s); using %s", h->what, why, instead);
	else
		pp_warn("hook %s unavailable (%s)", h->what, why);
}

/* PP_TRACE_NO_HOOK=prog,prog...: treat these programs as refused by the
 * kernel, so that tests reach the fallbacks (the classic set_state
 * tracepoint, accept attribution by first I/O) on kernels that have it all. */
static void hooks_disable_from_env(struct run *r)
{
	const char *env = getenv("PP_TRACE_NO_HOOK");

	if (!env || !*env)
		return;
	for (int i = 0; i < H_COUNT; i++) {
		const char *name = bpf_program__name(r->h[i].prog), *p = env;
		size_t n = strlen(name);
		while ((p = strstr(p, name))) {
			if ((p == env || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) {
				r->h[i].off = true;
				if (r->h[i].wanted)
					hook_off_msg(&r->h[i], "PP_TRACE_NO_HOOK", NULL);
				break;
			}
			p += n;
		}
	}
}

/* The ring buffer's size: PP_TRACE_RINGBUF (bytes, a power of two of at
 * least a page) lets tests provoke drops; otherwise RINGBUF_BYTES. */
static uint32_t ringbuf_bytes(void)
{
	const char *s = getenv("PP_TRACE_RINGBUF");
	long long v, page = sysconf(_SC_PAGESIZE);
	const char *err;

	if (!s || !*s)
		return RINGBUF_BYTES;
	if (pp_parse_ll(s, page, 1LL << 30, &v, &err) != 0 || (v & (v - 1)) != 0) {
		pp_warn("PP_TRACE_RINGBUF=%s ignored: a power of two from %lld to 2^30 expected", s,
			page);
		return RINGBUF_BYTES;
	}
	return (uint32_t)v;
}

/* The two objects of bpf/socktrace.bpf.c: plain loads through
 * bpf_rdonly_cast (Linux 6.2 on), and the same programs with a probe read
 * per field for older kernels (socktrace_probe.bpf.c). One source, the same
 * maps, programs and globals in the same order: one skeleton type serves
 * both. */
_Static_assert(sizeof(struct socktrace_bpf) == sizeof(struct socktrace_probe_bpf),
	       "the two socktrace skeletons differ");
_Static_assert(sizeof(struct socktrace_bpf__bss) == sizeof(struct socktrace_probe_bpf__bss) &&
		       sizeof(struct socktrace_bpf__rodata) ==
			       sizeof(struct socktrace_probe_bpf__rodata),
	       "the two socktrace objects' globals differ");

static struct socktrace_bpf *skel_open(bool probe_reads)
{
	return probe_reads ? (struct socktrace_bpf *)socktrace_probe_bpf__open() : socktrace_bpf__open();
}

/* open -> rodata -> autoload -> load, again without what the kernel refused. */
static int skel_load(struct run *r, unsigned missing_caps, char *why, size_t whylen)
{
	const struct trace_opts *o = r->o;
	uint32_t rb_bytes = ringbuf_bytes();
	bool probe_reads = getenv("PP_TRACE_PROBE_READ") != NULL;

	for (int attempt = 0; attempt < MAX_LOAD_TRIES; attempt++) {
		int err, nwanted = 0;

		r->skel = skel_open(probe_reads);
		if (!r->skel) {
			snprintf(why, whylen, "cannot open the BPF object: %s", strerror(errno));
			return -1;
		}
		hooks_bind(r);
		hooks_choose(r, missing_caps);
		if (attempt == 0)
			hooks_disable_from_env(r);
		r->skel->rodata->targ_pid = o->pid > 0 ? (uint32_t)o->pid : 0;
		r->skel->rodata->targ_uid = o->uid >= 0 ? o->uid : -1;
		r->skel->rodata->trace_v4 = o->v4;
		r->skel->rodata->trace_v6 = o->v6;
		r->skel->rodata->trace_udp = o->udp;
		r->skel->rodata->trace_dns = dns_wanted(o, missing_caps);
		bpf_map__set_max_entries(r->skel->maps.events, rb_bytes);
		r->skel->rodata->wakeup_bytes = rb_bytes / 8;
		scope_bpf_prepare(r->skel, o);
		for (int i = 0; i < H_COUNT; i++) {
			bool on = r->h[i].wanted && !r->h[i].off;
			bpf_program__set_autoload(r->h[i].prog, on);
			nwanted += on;
		}
		if (nwanted == 0) {
			snprintf(why, whylen, "no socket hook is available");
			return -1;
		}
		failed_prog[0] = '\0';
		err = socktrace_bpf__load(r->skel);
		if (!err) {
			r->probe_reads = probe_reads;
			return 0;
		}
		/* EPERM: no privilege (EACCES is the verifier's "no") */
		if (err == -EPERM) {
			snprintf(why, whylen, "the kernel does not let this process load BPF programs (%s)",
				 strerror(-err));
			return -1;
		}
		if (!probe_reads) {
			/* No bpf_rdonly_cast here (or its loads refused): the
			 * same programs with probe reads. */
			socktrace_bpf__destroy(r->skel);
			r->skel = NULL;
			probe_reads = true;
			if (verbose)
				pp_warn("kernel fields by bpf_probe_read_kernel: the plain-load programs were refused (%s)",
					strerror(-err));
			continue;
		}
		/* Which program was refused? Switch it off and try again. */
		int culprit = -1;
		for (int i = 0; i < H_COUNT && failed_prog[0]; i++)
			if (strcmp(bpf_program__name(r->h[i].prog), failed_prog) == 0)
				culprit = i;
		socktrace_bpf__destroy(r->skel);
		r->skel = NULL;
		if (culprit < 0) {
			snprintf(why, whylen, "loading the BPF programs failed: %s%s", strerror(-err),
				 verbose ? "" : " (-v shows libbpf's messages)");
			return -1;
		}
		r->h[culprit].off = true;
		hook_off_msg(&r->h[culprit], "the kernel refused the program", NULL);
	}
	snprintf(why, whylen, "loading the BPF programs failed repeatedly");
	return -1;
}

/* An iterator runs when its file is read; it writes nothing, so one read
 * ends it. */
static bool iter_run(struct bpf_link *l, char *why, size_t whylen)
{
	char buf[64];
	ssize_t n;
	int fd = bpf_iter_create(bpf_link__fd(l));

	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return false;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	if (n < 0)
		snprintf(why, whylen, "%s", strerror(errno));
	close(fd);
	return n == 0;
}

/* Attach hook i. false with why[] set ("" when the hook was already
 * reported as refused at load, or is not wanted). */
static bool hook_attach(struct run *r, int i, char *why, size_t whylen)
{
	struct hook *h = &r->h[i];
	struct bpf_link *l;

	why[0] = '\0';
	if (!h->wanted || h->off)
		return false;
	if (h->kind == HK_CGROUP && r->cg_fd < 0) {
		/* One line for all of them (five under "ip netns exec"). */
		static bool said;
		if (!said)
			snprintf(why, whylen, "no cgroup v2 mount; nor any other cgroup hook");
		said = true;
		return false;
	}
	l = h->kind == HK_CGROUP ? bpf_program__attach_cgroup(h->prog, r->cg_fd)
	    : h->kind == HK_ITER ? bpf_program__attach_iter(h->prog, NULL)
				 : bpf_program__attach(h->prog);
	if (!l) {
		snprintf(why, whylen, "%s", strerror(errno));
		return false;
	}
	if (h->kind == HK_ITER && !iter_run(l, why, whylen)) {
		bpf_link__destroy(l);
		return false;
	}
	*h->link = l;
	h->attached = true;
	return true;
}

/* A hook that did not attach: say so once (a refused one was named at
 * load), and what stands in for it. */
static void hook_failed(const struct hook *h, const char *why, const char *instead)
{
	if (why[0])
		hook_off_msg(h, why, instead);
	else if (instead && h->wanted)
		pp_warn("using %s instead of %s", instead, h->what);
}

/* Attach by preference; name once what does not work. Returns the number of
 * hooks that deliver events. */
static int hooks_attach(struct run *r)
{
	const struct trace_opts *o = r->o;
	struct hook *h = r->h;
	char why[128];
	int n = 0;
	bool wild = false, dns, udp_pkt, udp_hooks;

	if (o->tcp) {
		/* First: a connect that passes SYN-SENT from now on finds it;
		 * one that passed before is older than us. Without it the
		 * state program writes connect records at the handshake's end. */
		if (hook_attach(r, H_SOCKOPS, why, sizeof(why)))
			r->skel->bss->connect_cb = true;
		else
			hook_failed(&h[H_SOCKOPS], why, "connect records at the end of the handshake");
		if (hook_attach(r, H_STATE_RAW, why, sizeof(why))) {
			n++;
		} else {
			bool tp = hook_attach(r, H_STATE_TP, why + 64, 64);
			hook_failed(&h[H_STATE_RAW], why, tp ? h[H_STATE_TP].what : NULL);
			if (tp)
				n++;
			else
				hook_failed(&h[H_STATE_TP], why + 64, NULL);
		}
		if (h[H_STATE_RAW].attached || h[H_STATE_TP].attached) {
			/* Without both accept(2) exits, the first send or receive
			 * on an accepted socket names the process. */
			static const char io[] = "the first send/receive on accepted sockets";
			for (int i = H_ACCEPT4; i <= H_ACCEPT; i++) {
				if (!hook_attach(r, i, why, sizeof(why))) {
					hook_failed(&h[i], why, io);
					r->skel->bss->claim_on_io = true;
				}
			}
		}
	}
	/* UDP listen and close: the release hook first, then what fills the
	 * table it empties (never entries nobody removes): binds, and the
	 * datagrams below. */
	if (o->udp) {
		if (hook_attach(r, H_RELEASE, why, sizeof(why))) {
			r->skel->bss->udp_track = true;
			for (int i = H_BIND4; i <= H_BIND6; i++)
				if (!hook_attach(r, i, why, sizeof(why)))
					hook_failed(&h[i], why, "the first datagram of a bound UDP socket");
			wild = true;
		} else {
			hook_failed(&h[H_RELEASE], why, NULL);
		}
	}
	/* The packet programs: UDP datagrams (only with the release hook,
	 * which gives up the sockets they count), and DNS messages. */
	dns = dns_wanted(o, r->missing_caps);
	for (int i = H_SKB_OUT; i <= H_SKB_IN && (wild || dns); i++) {
		if (!hook_attach(r, i, why, sizeof(why)))
			hook_failed(&h[i], why, wild ? "the cgroup sendmsg/recvmsg hooks for UDP" : NULL);
	}
	/* Packet mode: both directions' datagrams from the packet programs,
	 * and none of the per-datagram hooks below; the sockets that exist
	 * already get their owners first (bpf/socktrace.bpf.c, seed_udp):
	 * without them, the hooks below do. */
	udp_pkt = wild && h[H_SKB_OUT].attached && h[H_SKB_IN].attached;
	r->skel->bss->udp_pkt = udp_pkt; /* first: no datagram of a new socket unseen */
	if (udp_pkt && !hook_attach(r, H_SEED_UDP, why, sizeof(why))) {
		hook_failed(&h[H_SEED_UDP], why, "the cgroup sendmsg/recvmsg hooks for UDP");
		udp_pkt = r->skel->bss->udp_pkt = false;
	}
	if (wild && !udp_pkt) {
		/* the hooks below, with the wildcard-address help
		 * (bpf/udp_wild.h) of the packet programs there are */
		r->skel->bss->skb_out = h[H_SKB_OUT].attached;
		r->skel->bss->skb_in = h[H_SKB_IN].attached;
	}
	r->dns = dns && h[H_SKB_OUT].attached && h[H_SKB_IN].attached;
	if (r->dns) {
		/* Who asked: without these, messages come without a process. */
		for (int i = H_CONNECT4; i <= H_CONNECT6; i++)
			if (!hook_attach(r, i, why, sizeof(why)))
				hook_failed(&h[i], why, NULL); /* kdns_start says what it means */
	} else if (dns) {
		pp_warn("DNS from the kernel off: its cgroup_skb programs are not attached");
	}
	if (udp_pkt)
		n++;
	udp_hooks = o->udp && !udp_pkt;
	if (udp_hooks || r->skel->bss->claim_on_io) {
		for (int i = H_SEND_LEN; i <= H_RECV_LEN; i++) {
			if (hook_attach(r, i, why, sizeof(why)))
				n += udp_hooks;
			else
				hook_failed(&h[i], why, NULL);
		}
	}
	for (int i = H_SENDMSG4; i <= H_RECVMSG6 && udp_hooks; i++) {
		if (hook_attach(r, i, why, sizeof(why)))
			n++;
		else
			hook_failed(&h[i], why, NULL);
	}
	return n;
}

/* --- events ----------------------------------------------------------------- */

static void clock_sync(struct ebpf_clock *c)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	c->mono_to_epoch_us = ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000 +
			      ((int64_t)rt.tv_nsec - mono.tv_nsec) / 1000;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	struct sock_event e;
	const char *why = NULL;
	bool needs_local;
	int rc;

	if (r->done)
		return -1;
	if (ebpf_event_decode(data, size, &r->clk, &e, &needs_local, &why) != 0) {
		if (r->bad_records++ == 0)
			pp_warn("kernel record skipped: %s", why);
		return 0;
	}
	/* A datagram on a wildcard-bound socket: the address the kernel would
	 * send from to that peer, where the socket lives in our namespace. */
	if (needs_local && (e.netns == 0 || e.netns == r->netns_self)) {
		struct pp_addr *local = e.out ? &e.t.src : &e.t.dst;
		const struct pp_addr *peer = e.out ? &e.t.dst : &e.t.src;
		uint16_t pport = e.out ? e.t.dport : e.t.sport;
		struct pp_addr found;
		if (ebpf_local_addr(peer, pport, &found) == 0 && found.family == local->family)
			*local = found;
	}
	rc = sock_event_emit(&e, r->o, stdout);
	if (rc > 0)
		r->emitted = true;
	if (rc < 0) {
		r->done = true;
		return -1; /* stop this batch */
	}
	return 0;
}

static int read_counts(struct run *r, struct ebpf_counts *sum, uint64_t *drops_cpu)
{
	struct ppb_counters *vals; /* one per possible CPU */
	uint32_t zero = 0;
	int rc;

	vals = calloc((size_t)r->ncpu, sizeof(*vals));
	if (!vals)
		return -1;
	rc = bpf_map__lookup_elem(r->skel->maps.counters, &zero, sizeof(zero), vals,
				  sizeof(*vals) * (size_t)r->ncpu, 0);
	if (rc == 0) {
		ebpf_counts_sum(vals, r->ncpu, sum);
		for (int i = 0; drops_cpu && i < r->ncpu; i++)
			drops_cpu[i] = vals[i].drops;
	}
	free(vals);
	return rc;
}

/* --stats: {"type":"stats","ts":..,"source":"ebpf","events":..,"records":..,
 * "dropped":..,"dropped_cpu":[..],"sock_table_full":..,"udp_unread":..} */
static bool counters_readable(void *arg)
{
	struct ebpf_counts sum;
	return read_counts(arg, &sum, NULL) == 0;
}

static void write_stats(struct run *r)
{
	struct ebpf_counts c;
	uint64_t *cpu = calloc((size_t)r->ncpu, sizeof(*cpu));
	struct jw w;

	if (!cpu)
		return;
	if (read_counts(r, &c, cpu) == 0) {
		jw_init(&w);
		jw_rec_begin(&w, "stats", pp_now_us());
		jw_str(&w, "source", "ebpf");
		jw_uint(&w, "events", c.events);
		jw_uint(&w, "records", sock_emit_count());
		jw_uint(&w, "dropped", c.drops);
		jw_arr_open(&w, "dropped_cpu");
		for (int i = 0; i < r->ncpu; i++)
			jw_uint(&w, NULL, cpu[i]);
		jw_arr_close(&w);
		jw_uint(&w, "sock_table_full", c.sock_full);
		jw_uint(&w, "udp_unread", c.udp_unread);
		jw_rec_end(&w, stdout);
		jw_free(&w);
		r->emitted = true;
	}
	free(cpu);
}

/* At exit: drops are never silent. */
static void report_counts(struct run *r)
{
	struct ebpf_counts c;
	uint64_t *cpu = calloc((size_t)r->ncpu, sizeof(*cpu));

	if (!cpu)
		return;
	if (read_counts(r, &c, cpu) == 0) {
		if (c.drops) {
			char per[512];
			size_t len = 0;
			per[0] = '\0';
			for (int i = 0; i < r->ncpu && len < sizeof(per) - 32; i++)
				if (cpu[i])
					len += (size_t)snprintf(per + len, sizeof(per) - len, "%scpu%d %llu",
								len ? ", " : "", i,
								(unsigned long long)cpu[i]);
			pp_warn("%llu event%s dropped: ring buffer full (%s)",
				(unsigned long long)c.drops, PP_S(c.drops), per);
		}
		if (c.sock_full)
			pp_warn("%llu connection%s lost %s process: socket table full",
				(unsigned long long)c.sock_full, PP_S(c.sock_full),
				c.sock_full == 1 ? "its" : "their");
		if (c.udp_unread)
			pp_warn("%llu UDP datagram%s not seen: UDP header not readable in the packet "
				"(IPsec ESP, or a long IPv6 extension header chain); their flows may be missing",
				(unsigned long long)c.udp_unread, PP_S(c.udp_unread));
		if (verbose || r->o->stats)
			pp_warn("%llu kernel event%s, %llu record%s, %llu dropped",
				(unsigned long long)c.events, PP_S(c.events),
				(unsigned long long)sock_emit_count(), PP_S(sock_emit_count()),
				(unsigned long long)c.drops);
	}
	if (r->bad_records)
		pp_warn("%llu kernel record%s skipped", r->bad_records, PP_S(r->bad_records));
	free(cpu);
}

/* The main loop: the ring buffer and stdout (a reader that went away shows
 * as POLLERR on our end of the pipe even when no event is coming). */
static void run_loop(struct run *r)
{
	const struct trace_opts *o = r->o;
	double start = pp_mono(), stats_every = STATS_EVERY;
	double next_stats = start + stats_every, last_mark = 0, last_drain = 0;
	int ring_fd = ring_buffer__epoll_fd(r->rb);
	struct pollfd pfd[2] = {
		{ .fd = ring_fd, .events = POLLIN },
		{ .fd = STDOUT_FILENO, .events = 0 },
	};

	while (!trace_stop && !r->done) {
		double now = pp_mono(), wait = 0.1; /* see WAKEUP_NS in the BPF code */
		int n;

		/* Soon after a drain, only the time (and the reader) count. */
		pfd[0].fd = now - last_drain < DRAIN_EVERY ? -1 : ring_fd;
		if (pfd[0].fd < 0)
			wait = DRAIN_EVERY - (now - last_drain);

		if (o->duration > 0) {
			if (now - start >= o->duration)
				break;
			if (o->duration - (now - start) < wait)
				wait = o->duration - (now - start);
		}
		if (o->stats && next_stats - now < wait)
			wait = next_stats - now > 0 ? next_stats - now : 0;
		n = poll(pfd, 2, (int)(wait * 1000) + 1);
		if (n < 0 && errno != EINTR) {
			pp_warn_errno("poll");
			trace_fail();
			break;
		}
		if (n > 0 && (pfd[1].revents & (POLLERR | POLLHUP)))
			break; /* the reader is gone: a quiet end */
		if (pfd[1].revents & POLLNVAL)
			pfd[1].fd = -1;
		clock_sync(&r->clk);
		/* Drain at every wakeup and every timeout: records submitted
		 * without a wakeup never wait for an unrelated one. Then the
		 * mark: every record stamped before the drain began is out,
		 * but for one still being written on another CPU (MARK_LAG). */
		{
			uint64_t t0 = pp_now_us();
			int rc;
			last_drain = pp_mono();
			rc = ring_buffer__consume(r->rb);
			if (rc < 0 && !r->done && rc != -EINTR) {
				pp_warn("ring buffer: %s", strerror(-rc));
				trace_fail();
				break;
			}
			if (!r->done && (r->emitted || pp_mono() - last_mark >= MARK_EVERY)) {
				if (sock_emit_mark(stdout, t0 - MARK_LAG_US) < 0)
					return;
				r->emitted = true; /* flush it */
				last_mark = pp_mono();
			}
		}
		if (o->stats && pp_mono() >= next_stats) {
			write_stats(r);
			next_stats += stats_every;
			if (next_stats < pp_mono())
				next_stats = pp_mono() + stats_every;
		}
		if (r->emitted || pp_output_reopen_pending()) { /* -o and a SIGHUP: reopen now */
			r->emitted = false;
			if (sock_emit_flush(stdout) < 0)
				return;
		}
	}
	/* Signal or time up: what is already in the buffer still goes out. */
	if (!r->done && !(pfd[1].fd >= 0 && (pfd[1].revents & (POLLERR | POLLHUP)))) {
		clock_sync(&r->clk);
		ring_buffer__consume(r->rb);
		if (o->stats && !r->done)
			write_stats(r);
		sock_emit_flush(stdout);
	}
}

static uint64_t netns_self(void)
{
	struct stat st;
	return stat("/proc/self/ns/net", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int ebpf_run(const struct trace_opts *o)
{
	struct run r = { .o = o, .cg_fd = -1 };
	unsigned missing = ebpf_missing_caps();
	char why[200], caps[64], cgroot[512];
	bool mounted = false;
	int status;
	FILE *mf;

	verbose = o->verbose;
	libbpf_set_print(libbpf_print);
	if (missing & (EC_BPF | EC_PERFMON)) {
		snprintf(trace_unavailable_reason, sizeof(trace_unavailable_reason), "missing %s",
			 ebpf_caps_name(missing, caps, sizeof(caps)));
		return TRACE_UNAVAILABLE;
	}
	if (o->udp && (missing & EC_NET_ADMIN))
		pp_warn("UDP hooks of unconnected sockets off: missing CAP_NET_ADMIN");

	/* Classic tracepoints (accept exits) need tracefs; mount it if we may. */
	if (o->tcp && ebpf_tracefs_ready(&mounted) != 0 && verbose)
		pp_warn_errno("tracefs unavailable at /sys/kernel/tracing");
	else if (mounted && verbose)
		pp_warn("mounted tracefs at /sys/kernel/tracing");

	mf = fopen("/proc/mounts", "re");
	if (mf && ebpf_cgroup2_root(mf, cgroot, sizeof(cgroot)) == 0)
		r.cg_fd = open(cgroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mf)
		fclose(mf);
	r.cg_fd = scope_bpf_cgroup_fd(o, r.cg_fd);

	r.missing_caps = missing;
	if (skel_load(&r, missing, why, sizeof(why)) != 0) {
		snprintf(trace_unavailable_reason, sizeof(trace_unavailable_reason), "%s", why);
		status = TRACE_UNAVAILABLE;
		goto cleanup;
	}
	if (hooks_attach(&r) == 0) {
		snprintf(trace_unavailable_reason, sizeof(trace_unavailable_reason),
			 "no socket hook could be attached");
		status = TRACE_UNAVAILABLE;
		goto cleanup;
	}
	if (scope_bpf_start(r.skel, o, why, sizeof(why)) != 0) {
		snprintf(trace_unavailable_reason, sizeof(trace_unavailable_reason), "%s", why);
		status = TRACE_UNAVAILABLE;
		goto cleanup;
	}
	r.rb = ring_buffer__new(bpf_map__fd(r.skel->maps.events), on_record, &r, NULL);
	if (!r.rb) {
		snprintf(trace_unavailable_reason, sizeof(trace_unavailable_reason),
			 "ring buffer: %s", strerror(errno));
		status = TRACE_UNAVAILABLE;
		goto cleanup;
	}
	if (r.dns) /* its ring joins r.rb */
		r.kdns = kdns_start(o, r.rb, r.skel->maps.dns_events, r.skel->maps.dns_counters,
				    r.h[H_CONNECT4].attached && r.h[H_CONNECT6].attached,
				    &r.clk);
	if (verbose) {
		/* Also the moment from which events are seen (tests wait for it). */
		char list[512];
		size_t len = 0;
		list[0] = '\0';
		for (int i = 0; i < H_COUNT; i++)
			if (r.h[i].attached && len < sizeof(list))
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
							len ? ", " : "", r.h[i].what);
		pp_warn("eBPF attached%s: %s", r.probe_reads ? " (kernel fields by probe reads)" : "", list);
	}
	r.ncpu = libbpf_num_possible_cpus();
	if (r.ncpu <= 0)
		r.ncpu = 1;
	/* Everything is loaded and attached: sandbox. CAP_BPF stays only if
	 * reading the counters map fails without it (kernels before 6.5). */
	trace_sandbox(o, pp_sandbox_try_without(PP_CAP(CAP_BPF) | PP_CAP(CAP_SYS_ADMIN),
	                                        counters_readable, &r)
	                         ? 0
	                         : PP_CAP(CAP_BPF),
	              true);
	r.netns_self = netns_self();
	ebpf_port_range(&r.clk.eph_lo, &r.clk.eph_hi);
	r.clk.clk_tck = sysconf(_SC_CLK_TCK);
	clock_sync(&r.clk);

	trace_ready(false);
	run_loop(&r);
	report_counts(&r);
	scope_bpf_report(r.skel);
	status = trace_exit_status();

cleanup:
	ring_buffer__free(r.rb);
	kdns_stop(r.kdns);
	socktrace_bpf__destroy(r.skel); /* detaches every link, closes every map */
	if (r.cg_fd >= 0)
		close(r.cg_fd);
	return status;
}
