/* --update SECS: periodic byte counts of open TCP connections, in both
 * modes, so that a live view shows bytes and rates while a transfer runs
 * rather than everything at close.
 *
 * Every connect and accept that pp-trace reports (after its filters) is
 * remembered with its direction and process; every SECS a thread reads the
 * TCP tables through sock_diag (tcp_info, as ss -i and the polling mode
 * do) and writes a sock record with "event":"update" for each remembered
 * connection it finds, with the socket's own payload counts (tx_bytes,
 * rx_bytes: the same counting as the close record) and state. A close
 * forgets the connection. The records carry the tuple, direction and
 * community_id of the connect/accept they follow, so a consumer puts them
 * on the right side of a connection between two local processes.
 *
 * The thread writes whole records under stdout's stdio lock, so its lines
 * never interleave with the main loop's; it blocks every signal, which the
 * main loop keeps handling. */
#include "update.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "diag.h"
#include "htab.h"
#include "jsonw.h"
#include "ksock.h"
#include "pp.h"
#include "sandbox.h"
#include "xalloc.h"

struct tracked {
	struct pp_tuple t;    /* as emitted: originator -> responder, unmapped */
	bool in;              /* accepted: we are the responder */
	int64_t pid;
	uint32_t uid;
	bool has_uid;
	char comm[16];
	const char *source;
};

static struct htab tracked; /* by the connection as the local socket sees it */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_cond_t started; /* the thread has dropped its capabilities */
static bool caps_dropped;
static pthread_t thread;
static bool running, stopping;
static double every;
static int diag_fd = -1;

static void local_side(const struct tracked *t, const struct pp_addr **l, uint16_t *lp,
                       const struct pp_addr **r, uint16_t *rp)
{
	if (t->in) {
		*l = &t->t.dst, *lp = t->t.dport, *r = &t->t.src, *rp = t->t.sport;
	} else {
		*l = &t->t.src, *lp = t->t.sport, *r = &t->t.dst, *rp = t->t.dport;
	}
}

static bool addr_eq(const struct pp_addr *a, const struct pp_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, sizeof(a->a));
}

/* The connection as the local socket sees it: local and remote end. */
struct lkey {
	const struct pp_addr *l, *r;
	uint16_t lp, rp;
};

static uint64_t hash_local(const struct lkey *k)
{
	uint8_t b[2 * sizeof(k->l->a) + 4];
	memcpy(b, k->l->a, sizeof(k->l->a));
	memcpy(b + sizeof(k->l->a), k->r->a, sizeof(k->r->a));
	memcpy(b + 2 * sizeof(k->l->a), &k->lp, 2);
	memcpy(b + 2 * sizeof(k->l->a) + 2, &k->rp, 2);
	return pp_hash(b, sizeof(b));
}

static bool same_conn(const void *item, const void *key)
{
	const struct lkey *k = key;
	const struct pp_addr *tl, *tr;
	uint16_t tlp, trp;
	local_side(item, &tl, &tlp, &tr, &trp);
	return tlp == k->lp && trp == k->rp && addr_eq(tl, k->l) && addr_eq(tr, k->r);
}

static struct tracked *find(const struct lkey *k)
{
	return ht_get(&tracked, hash_local(k), same_conn, k);
}

void upd_track(const struct sock_event *e, const struct pp_tuple *t, const char *comm,
               bool has_uid, uint32_t uid)
{
	struct tracked key = {.t = *t, .in = !e->out};
	struct lkey k;
	if (!running || t->proto != IPPROTO_TCP || !t->src.family || !t->dst.family)
		return;
	if (e->ev != SEV_CONNECT && e->ev != SEV_ACCEPT && e->ev != SEV_CLOSE)
		return;
	local_side(&key, &k.l, &k.lp, &k.r, &k.rp);
	pthread_mutex_lock(&lock);
	if (e->ev == SEV_CLOSE) {
		free(ht_del(&tracked, hash_local(&k), same_conn, &k));
	} else if (!find(&k)) {
		struct tracked *n = xmalloc(sizeof(*n));
		*n = key;
		n->pid = e->pid;
		n->uid = uid;
		n->has_uid = has_uid;
		if (comm)
			pp_strcpy_cut(n->comm, sizeof(n->comm), comm);
		n->source = e->source ? e->source : "ebpf";
		ht_put(&tracked, hash_local(&k), n);
	}
	pthread_mutex_unlock(&lock);
}

struct dump {
	struct jw w;
	uint64_t now;
};

static const char *state_of(const struct ksock *k)
{
	return ksock_state_name(k);
}

/* One row of the dump: an update when it is a connection we reported. */
static int row(const struct ksock *k, void *ctx)
{
	struct dump *d = ctx;
	struct pp_addr l = k->laddr, r = k->raddr;
	const struct tracked *t;
	struct lkey key;
	char a[PP_ADDRSTRLEN], cid[PP_COMMUNITY_ID_LEN], pb[16];
	if (!k->has_bytes || k->state == KS_LISTEN)
		return 0;
	pp_addr_unmap(&l);
	pp_addr_unmap(&r);
	key = (struct lkey){&l, &r, k->lport, k->rport};
	pthread_mutex_lock(&lock);
	if ((t = find(&key))) {
		struct jw *w = &d->w;
		/* jw_rec_begin resets the buffer: records are collected in a
		 * second buffer below. */
		struct jw one;
		jw_init(&one);
		jw_rec_begin(&one, "sock", d->now);
		jw_str(&one, "event", "update");
		jw_str(&one, "dir", t->in ? "in" : "out");
		jw_str(&one, "proto", pp_proto_name(t->t.proto, pb, sizeof(pb)));
		jw_str(&one, "src", pp_addr_fmt(&t->t.src, a));
		jw_uint(&one, "sport", t->t.sport);
		jw_str(&one, "dst", pp_addr_fmt(&t->t.dst, a));
		jw_uint(&one, "dport", t->t.dport);
		if (t->t.src.family == t->t.dst.family) {
			pp_community_id(&t->t, 0, cid);
			jw_str(&one, "community_id", cid);
		}
		jw_str(&one, "state", state_of(k));
		jw_uint(&one, "tx_bytes", ksock_tx_payload(k, t->in));
		jw_uint(&one, "rx_bytes", ksock_rx_payload(k));
		if (t->pid > 0)
			jw_int(&one, "pid", t->pid);
		if (t->has_uid)
			jw_uint(&one, "uid", t->uid);
		if (t->comm[0])
			jw_str(&one, "comm", t->comm);
		jw_str(&one, "source", t->source);
		jw_obj_close(&one);
		jw_put(&one, "\n", 1);
		jw_put(w, one.buf, one.len);
		jw_free(&one);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static void *loop(void *arg)
{
	struct dump d;
	/* Capabilities are per thread and this one starts before the
	 * sandbox drops them for the main thread (no_new_privs and the
	 * seccomp filter reach it, synchronised): it needs none. */
	pp_sandbox_drop_thread_caps();
	jw_init(&d.w);
	pthread_mutex_lock(&lock);
	caps_dropped = true;
	pthread_cond_signal(&started);
	while (!stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)every;
		ts.tv_nsec += (long)((every - (double)(time_t)every) * 1e9);
		if (ts.tv_nsec >= 1000000000L)
			ts.tv_sec++, ts.tv_nsec -= 1000000000L;
		while (!stopping && pthread_cond_timedwait(&wake, &lock, &ts) != ETIMEDOUT)
			;
		if (stopping)
			break;
		pthread_mutex_unlock(&lock);
		jw_reset(&d.w);
		d.now = pp_now_us();
		if (diag_dump(diag_fd, AF_INET, IPPROTO_TCP, row, &d) < 0 ||
		    diag_dump(diag_fd, AF_INET6, IPPROTO_TCP, row, &d) < 0)
			pp_warn_errno("--update: sock_diag dump");
		if (d.w.len) {
			bool ok;
			flockfile(stdout);
			ok = fwrite(d.w.buf, 1, d.w.len, stdout) == d.w.len && fflush(stdout) == 0;
			funlockfile(stdout);
			if (!ok) {
				/* The reader went away or the disk is full: the
				 * main loop sees it on its next write or poll. */
				pthread_mutex_lock(&lock);
				break;
			}
		}
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	jw_free(&d.w);
	return NULL;
}

int upd_start(double secs)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;
	diag_fd = diag_open();
	if (diag_fd < 0) {
		pp_warn_errno("--update: sock_diag netlink unavailable; no update records");
		return -1;
	}
	every = secs;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&started, NULL);
	/* Signals are the main thread's, but SIGSYS: a call the seccomp
	 * filter refuses sends it to the caller, and blocked it kills the
	 * whole process instead of failing the call (EPERM, named). */
	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&thread, NULL, loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		/* Its capset before the sandbox comes, which refuses it (a
		 * loaded machine ran the thread after the filter was in). */
		pthread_mutex_lock(&lock);
		while (!caps_dropped)
			pthread_cond_wait(&started, &lock);
		pthread_mutex_unlock(&lock);
	}
	if (rc) {
		errno = rc;
		pp_warn_errno("--update: thread");
		diag_close(diag_fd);
		diag_fd = -1;
		return -1;
	}
	running = true;
	sock_emit_track = upd_track;
	return 0;
}

void upd_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	sock_emit_track = NULL;
	running = false;
	diag_close(diag_fd);
	diag_fd = -1;
	for (size_t i = 0; i < tracked.cap; i++)
		free(ht_at(&tracked, i));
	ht_free(&tracked);
}
