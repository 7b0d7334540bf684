/* The polling mode (pp-trace --no-ebpf): read the kernel's socket tables
 * every interval, diff them against the previous poll, and turn what
 * changed into sock events.
 *
 * A socket is tracked under its 5-tuple (TCP connections: the same
 * connection keeps its tuple from SYN-RECV through ESTAB to TIME-WAIT, while
 * its inode comes and goes), plus its inode for listeners and UDP sockets,
 * where several sockets can share a tuple (SO_REUSEPORT).
 *
 *   first sight, LISTEN or unconnected UDP       -> listen
 *   first sight, connected, local port listening -> accept (in)
 *   first sight, connected TCP otherwise         -> connect (out)
 *   first sight, connected UDP                   -> udp (in or out, as above)
 *   TCP enters TIME-WAIT or CLOSE, or loses its
 *   inode (the process closed it, the kernel
 *   finishes the FIN exchange on its own)        -> close
 *   gone from the table                          -> close, if not yet
 *
 * What a poll cannot see: a connection opened and closed between two polls
 * leaves at most a TIME-WAIT entry (then it is reported with that state and
 * closed at once, without a pid), or nothing. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "htab.h"
#include "inodes.h"
#include "ksock.h"
#include "pp.h"
#include "proc.h"
#include "procnet.h"
#include "scope.h"
#include "trace.h"
#include "xalloc.h"

#define DEFER_POLLS 4 /* polls an event may wait for its socket's owner */

struct entry {
	uint64_t hash;
	struct ksock k;          /* the latest row */
	uint64_t gen;            /* last poll that saw it */
	double first_mono;
	uint64_t last_inode;     /* the last non-zero inode */
	pid_t pid;               /* owner, -1 unknown */
	bool in;                 /* accepted / inbound udp */
	bool opened, closed;     /* events emitted */
	bool initial;
	uint8_t waited;          /* polls the open event has been deferred */
	bool has_bytes;
	uint64_t tx, rx;
	const char *last_state;
};

struct listener {
	uint8_t proto;
	uint16_t port;
	struct pp_addr addr; /* unmapped */
};

struct poller {
	const struct trace_opts *o;
	struct htab tab;         /* struct entry by key_hash */
	struct inomap *ino;
	int diag_fd;
	uint64_t gen;
	uint64_t netns;
	/* this poll */
	struct ksock *rows;
	size_t nrows, caprows;
	struct listener *lis;
	size_t nlis, caplis;
	struct entry **fresh;    /* entries whose open event is due */
	size_t nfresh, capfresh;
	uint16_t eph_lo, eph_hi; /* ip_local_port_range */
	bool stop;
	unsigned long changes;   /* sockets that came or went */
	/* --stats */
	unsigned long polls;
	double poll_first, poll_time, poll_max; /* later polls: sum, max */
	bool warned_denied;
};


#define PUSH(arr, n, cap, v)                                                      \
	do {                                                                      \
		if ((n) == (cap)) {                                               \
			(cap) = (cap) ? (cap) * 2 : 256;                          \
			(arr) = xrealloc((arr), sizeof(*(arr)) * (cap));          \
		}                                                                 \
		(arr)[(n)++] = (v);                                               \
	} while (0)

/* --- the table ------------------------------------------------------------ */

/* Listeners and UDP sockets are keyed with their inode too: several can
 * share one tuple. A TCP connection is keyed by its tuple alone. */
static uint64_t key_inode(const struct ksock *k)
{
	return k->proto == IPPROTO_TCP && k->rport != 0 ? 0 : k->inode;
}

static uint64_t key_hash(const struct ksock *k)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
	for (int i = 0; i < 16; i++)
		MIX(k->laddr.a[i] ^ (uint64_t)k->raddr.a[i] << 8);
	MIX(k->lport);
	MIX(k->rport);
	MIX(k->proto | k->family << 8);
	MIX(key_inode(k));
#undef MIX
	return h;
}

static bool key_eq(const struct ksock *x, const struct ksock *y)
{
	return x->proto == y->proto && x->family == y->family && x->lport == y->lport &&
	       x->rport == y->rport && !memcmp(x->laddr.a, y->laddr.a, 16) &&
	       !memcmp(x->raddr.a, y->raddr.a, 16) && key_inode(x) == key_inode(y);
}

static bool same_key(const void *item, const void *key)
{
	return key_eq(&((const struct entry *)item)->k, key);
}

static void tab_free(struct htab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(ht_at(t, i));
	ht_free(t);
}

/* --- reading the tables --------------------------------------------------- */

static int add_row(const struct ksock *k, void *ctx)
{
	struct poller *p = ctx;
	PUSH(p->rows, p->nrows, p->caprows, *k);
	return 0;
}

/* Fill p->rows from sock_diag, or /proc/net when netlink is unavailable.
 * -1 when neither can be read. */
static int read_tables(struct poller *p)
{
	static const uint8_t fams[] = {AF_INET, AF_INET6}, protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	const struct trace_opts *o = p->o;
	int ok = 0, tried = 0;

	p->nrows = 0;
	for (size_t pi = 0; pi < 2; pi++) {
		if (protos[pi] == IPPROTO_TCP ? !o->tcp : !o->udp)
			continue;
		for (size_t fi = 0; fi < 2; fi++) {
			if (fams[fi] == AF_INET ? !o->v4 : !o->v6)
				continue;
			tried++;
			if (p->diag_fd >= 0) {
				size_t before = p->nrows;
				if (diag_dump(p->diag_fd, fams[fi], protos[pi], add_row, p) == 0) {
					ok++;
					continue;
				}
				/* A family the kernel lacks (no IPv6) answers
				 * ENOENT; anything else: fall back for good. */
				if (errno == ENOENT || errno == EAFNOSUPPORT) {
					ok++;
					continue;
				}
				p->nrows = before;
				pp_warn_errno("sock_diag dump failed; reading /proc/net instead");
				diag_close(p->diag_fd);
				p->diag_fd = -1;
			}
			if (procnet_dump(fams[fi], protos[pi], add_row, p) == 0 || errno == ENOENT)
				ok++;
		}
	}
	if (tried && !ok) {
		pp_warn_errno("cannot read the socket tables");
		return -1;
	}
	return 0;
}

/* --- classification --------------------------------------------------------- */

static bool is_listener(const struct ksock *k)
{
	if (k->proto == IPPROTO_TCP)
		return k->state == KS_LISTEN;
	return k->rport == 0; /* unconnected UDP: ss -l lists it as listening */
}

static int lis_cmp(const void *a, const void *b)
{
	const struct listener *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->port - (int)y->port;
}

static void build_listeners(struct poller *p)
{
	p->nlis = 0;
	for (size_t i = 0; i < p->nrows; i++) {
		const struct ksock *k = &p->rows[i];
		if (!is_listener(k) || k->lport == 0)
			continue;
		struct listener l = {.proto = k->proto, .port = k->lport, .addr = k->laddr};
		pp_addr_unmap(&l.addr);
		PUSH(p->lis, p->nlis, p->caplis, l);
	}
	if (p->nlis > 1)
		qsort(p->lis, p->nlis, sizeof(*p->lis), lis_cmp);
}

/* Is the local end of k a port something listens on (so k was accepted)? */
static bool local_listens(const struct poller *p, const struct ksock *k)
{
	struct listener key = {.proto = k->proto, .port = k->lport};
	struct pp_addr la = k->laddr;
	pp_addr_unmap(&la);
	if (p->nlis == 0)
		return false;
	const struct listener *l = bsearch(&key, p->lis, p->nlis, sizeof(key), lis_cmp);
	if (!l)
		return false;
	while (l > p->lis && !lis_cmp(l - 1, &key))
		l--;
	for (; l < p->lis + p->nlis && !lis_cmp(l, &key); l++)
		if (ksock_addr_any(&l->addr) || pp_addr_eq(&l->addr, &la))
			return true;
	return false;
}

/* Without a listener to go by (it has closed, or the connection was only
 * seen in TIME-WAIT): a local port outside the ephemeral range talking to a
 * remote one inside it was most likely accepted. */
static bool looks_accepted(const struct poller *p, const struct ksock *k)
{
	bool l_eph = k->lport >= p->eph_lo && k->lport <= p->eph_hi;
	bool r_eph = k->rport >= p->eph_lo && k->rport <= p->eph_hi;
	return !l_eph && r_eph;
}

static void read_port_range(struct poller *p)
{
	char path[512];
	unsigned lo = 32768, hi = 60999; /* the kernel's default */
	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_local_port_range", proc_root());
	FILE *f = fopen(path, "re");
	if (f) {
		unsigned a, b;
		if (fscanf(f, "%u %u", &a, &b) == 2 && a <= b && b <= 65535)
			lo = a, hi = b;
		fclose(f);
	}
	p->eph_lo = (uint16_t)lo;
	p->eph_hi = (uint16_t)hi;
}

/* A TCP connection whose socket the process no longer holds. */
static bool tcp_closed(const struct ksock *k, uint64_t last_inode)
{
	if (k->state == KS_TIME_WAIT || k->state == KS_CLOSE)
		return true;
	return last_inode && !k->inode && k->state != KS_LISTEN;
}

/* --- events --------------------------------------------------------------- */

static enum sock_ev open_event(const struct entry *e)
{
	if (is_listener(&e->k))
		return SEV_LISTEN;
	if (e->k.proto == IPPROTO_UDP)
		return SEV_UDP;
	return e->in ? SEV_ACCEPT : SEV_CONNECT;
}

static void fill_event(const struct poller *p, const struct entry *e, enum sock_ev ev, struct sock_event *s)
{
	struct pp_addr la = e->k.laddr, ra = e->k.raddr;
	pp_addr_unmap(&la);
	pp_addr_unmap(&ra);
	memset(s, 0, sizeof(*s));
	s->ev = ev;
	s->ts_us = pp_now_us();
	s->t.proto = e->k.proto;
	if (is_listener(&e->k)) {
		s->t.src = la;
		s->t.sport = e->k.lport;
		s->out = false;
	} else if (e->in) {
		s->t.src = ra, s->t.sport = e->k.rport;
		s->t.dst = la, s->t.dport = e->k.lport;
		s->out = false;
	} else {
		s->t.src = la, s->t.sport = e->k.lport;
		s->t.dst = ra, s->t.dport = e->k.rport;
		s->out = true;
	}
	s->state = ev == SEV_CLOSE && e->last_state ? e->last_state : ksock_state_name(&e->k);
	s->pid = e->pid > 0 ? e->pid : -1;
	s->uid = e->k.uid;
	s->has_uid = true;
	s->duration = -1;
	s->netns = p->netns;
	s->sock_cookie = e->last_inode;
	s->source = "poll";
	s->initial = e->initial;
}

static void emit(struct poller *p, struct entry *e, enum sock_ev ev)
{
	struct sock_event s;
	if (p->stop)
		return;
	fill_event(p, e, ev, &s);
	if (ev == SEV_CLOSE) {
		if (e->first_mono >= 0)
			s.duration = pp_mono() - e->first_mono;
		if (e->has_bytes) {
			s.has_bytes = true;
			s.tx_bytes = e->tx;
			s.rx_bytes = e->rx;
		}
		s.initial = false;
	}
	if (sock_event_emit(&s, p->o, stdout) < 0)
		p->stop = true;
}

/* Close a socket; one never reported gets its open event first. */
static void emit_close(struct poller *p, struct entry *e)
{
	if (!e->opened) {
		emit(p, e, open_event(e));
		e->opened = true;
	}
	emit(p, e, SEV_CLOSE);
	e->closed = true;
	p->changes++;
}

/* --- one poll --------------------------------------------------------------- */

static void note_row(struct poller *p, const struct ksock *k, bool first_poll)
{
	uint64_t h = key_hash(k);
	struct entry *e = ht_get(&p->tab, h, same_key, k);
	bool closed_now = k->proto == IPPROTO_TCP && tcp_closed(k, e ? e->last_inode : 0);

	if (e && e->closed && !closed_now && k->inode && k->inode != e->last_inode) {
		/* The tuple was used again by a new connection. */
		inomap_forget(p->ino, e->last_inode);
		memset(e, 0, sizeof(*e));
		e->hash = h;
		e->pid = -1;
		e->first_mono = pp_mono();
		e->k = *k;
		e->in = local_listens(p, k) || looks_accepted(p, k);
		PUSH(p->fresh, p->nfresh, p->capfresh, e);
		p->changes++;
	}
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->hash = h;
		e->k = *k;
		e->pid = -1;
		e->first_mono = pp_mono();
		e->initial = first_poll;
		e->in = !is_listener(k) && (local_listens(p, k) || looks_accepted(p, k));
		ht_put(&p->tab, h, e);
		PUSH(p->fresh, p->nfresh, p->capfresh, e);
		p->changes++;
		if (closed_now) {
			if (first_poll)
				e->closed = true; /* a snapshot: its state says it */
			else
				e->first_mono = -1; /* came and went between polls */
		}
	}
	e->gen = p->gen;
	if (!closed_now || !e->closed)
		e->k = *k;
	if (k->inode && k->inode != e->last_inode) {
		e->last_inode = k->inode;
		inomap_want(p->ino, k->inode); /* no-op when known or given up */
	}
	if (e->pid <= 0 && e->last_inode) {
		/* Found now, or by an earlier poll's scan after the event went
		 * out without it: the close will have it. */
		pid_t pid = inomap_get(p->ino, e->last_inode);
		if (pid > 0)
			e->pid = pid;
	}
	/* A listener carries no payload: its close has no byte counts, as in
	 * eBPF mode. */
	if (k->has_bytes && !is_listener(k)) {
		e->has_bytes = true;
		e->tx = ksock_tx_payload(k, e->in);
		e->rx = ksock_rx_payload(k);
	}
}

static void assign_pids(struct poller *p)
{
	for (size_t i = 0; i < p->nfresh; i++) {
		struct entry *e = p->fresh[i];
		if (e->pid <= 0 && e->last_inode) {
			pid_t pid = inomap_get(p->ino, e->last_inode);
			if (pid > 0)
				e->pid = pid;
		}
	}
}

/* Should the open event wait a poll for the owner to show? */
static bool defer_open(struct poller *p, struct entry *e)
{
	if (p->o->once || e->closed || e->waited >= DEFER_POLLS)
		return false;
	if (e->pid > 0)
		return false;
	bool waiting;
	if (e->last_inode)
		waiting = inomap_get(p->ino, e->last_inode) == 0; /* lookup pending */
	else /* in the accept queue: no file until accept() */
		waiting = e->k.proto == IPPROTO_TCP &&
		          (e->k.state == KS_SYN_RECV || e->k.state == KS_NEW_SYN_RECV ||
		           e->k.state == KS_ESTABLISHED);
	if (waiting)
		e->waited++;
	return waiting;
}

static int order_fresh(const void *a, const void *b)
{
	/* Listeners first, so that a reader sees the listen before the
	 * accepts on it. */
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
	return (int)!is_listener(&x->k) - (int)!is_listener(&y->k);
}

static int do_poll(struct poller *p, bool first_poll)
{
	double t0 = pp_mono();

	p->gen++;
	if (read_tables(p) < 0)
		return -1;
	build_listeners(p);

	/* Entries deferred at the previous poll stay in fresh. */
	size_t kept = 0;
	for (size_t i = 0; i < p->nfresh; i++)
		if (!p->fresh[i]->opened && p->fresh[i]->gen != 0)
			p->fresh[kept++] = p->fresh[i];
	p->nfresh = kept;

	for (size_t i = 0; i < p->nrows; i++)
		note_row(p, &p->rows[i], first_poll);
	inomap_resolve(p->ino);
	assign_pids(p);
	if (inomap_denied(p->ino) && !p->warned_denied) {
		pp_warn("not allowed to read every process's file descriptors: sockets of other users' "
		        "processes are shown without pid (run as root for full visibility)");
		p->warned_denied = true;
	}

	/* Sockets gone from the table. */
	for (size_t i = 0; i < p->tab.cap; i++) {
		struct entry *e = ht_at(&p->tab, i);
		if (!e || e->gen == p->gen)
			continue;
		if (!e->closed && !p->o->once) {
			if (!e->last_state)
				e->last_state = ksock_state_name(&e->k);
			emit_close(p, e);
		}
		ht_del_at(&p->tab, i);
		inomap_forget(p->ino, e->last_inode);
		/* A deferred entry in fresh must not be used after free. */
		for (size_t j = 0; j < p->nfresh; j++)
			if (p->fresh[j] == e)
				p->fresh[j] = p->fresh[--p->nfresh];
		free(e);
	}

	/* New sockets, then closes of those still in the table. */
	if (p->nfresh > 1)
		qsort(p->fresh, p->nfresh, sizeof(*p->fresh), order_fresh);
	size_t waiting = 0;
	for (size_t i = 0; i < p->nfresh; i++) {
		struct entry *e = p->fresh[i];
		if (e->opened)
			continue;
		if (defer_open(p, e)) {
			p->fresh[waiting++] = e;
			continue;
		}
		emit(p, e, open_event(e));
		e->opened = true;
	}
	p->nfresh = waiting;

	if (!p->o->once)
		for (size_t i = 0; i < p->tab.cap; i++) {
			struct entry *e = ht_at(&p->tab, i);
			if (!e || e->closed || !e->opened || e->k.proto != IPPROTO_TCP)
				continue;
			if (tcp_closed(&e->k, e->last_inode)) {
				e->last_state = ksock_state_name(&e->k);
				emit_close(p, e);
			}
		}

	double dt = pp_mono() - t0;
	if (p->polls++ == 0) {
		p->poll_first = dt;
	} else {
		p->poll_time += dt;
		if (dt > p->poll_max)
			p->poll_max = dt;
	}
	return 0;
}

/* --- the loop ------------------------------------------------------------------ */

int poll_run(const struct trace_opts *o)
{
	struct poller p = {.o = o, .diag_fd = -1};
	sigset_t block, orig;
	int status = PP_EXIT_OK;

	p.ino = inomap_new();
	p.netns = proc_netns_of("self/ns/net");
	read_port_range(&p);
	if (!o->proc_net) {
		p.diag_fd = diag_open();
		if (p.diag_fd < 0)
			pp_warn_errno("sock_diag netlink unavailable; reading /proc/net instead");
	}

	if (o->verbose)
		pp_warn("polling %s every %g s%s", p.diag_fd >= 0 ? "sock_diag netlink" : "/proc/net",
		        o->interval, o->once ? " (once)" : "");
	trace_sandbox(o, 0, false);

	/* Signals are blocked except while waiting, so that a SIGINT or
	 * SIGTERM ends the run at a clean point and never mid-record. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP); /* -o: reopen between polls */
	sigprocmask(SIG_BLOCK, &block, &orig);

	double start = pp_mono(), next = start;
	int fast = 0;
	bool last = false, watch_out = true;
	for (bool first = true; !trace_stop && !p.stop; first = false) {
		unsigned long changes = p.changes;
		uint64_t t0 = pp_now_us();
		scope_poll_tick(o->scope, o->interval);
		if (do_poll(&p, first) < 0) {
			status = PP_EXIT_RUNTIME;
			break;
		}
		if (first)
			trace_ready(true); /* after the initial sockets: COMMAND's are new */
		/* Records of later polls are stamped after this one began. */
		if (sock_emit_mark(stdout, t0) < 0)
			break;
		if (sock_emit_flush(stdout) < 0 || o->once || last)
			break;
		/* After a poll that found sockets come or go, poll faster for a
		 * while: young sockets are the ones that change (and close)
		 * soonest. */
		if (!first && (p.changes != changes || p.nfresh))
			fast = 5;
		double iv = o->interval;
		if (fast > 0) {
			fast--;
			if (iv > 0.02)
				iv = iv / 4 > 0.02 ? iv / 4 : 0.02;
		}
		next += iv;
		double now = pp_mono();
		if (next < now)
			next = now;
		if (o->duration > 0 && next >= start + o->duration) {
			next = start + o->duration;
			last = true; /* one more poll at the end of -d */
		}
		/* Wait, watching stdout too: a pipe whose reader has gone
		 * ("| head") reports POLLERR, so the run ends now rather than
		 * at the next event's write. At least one ppoll per round,
		 * even with no time left: it is the only moment SIGINT and
		 * SIGTERM are let in, and polls slower than -I (many sockets,
		 * a loaded machine) would otherwise keep them out for good. */
		for (bool once = true; !trace_stop && ((now = pp_mono()) < next || once); once = false) {
			double w = next > now ? next - now : 0;
			struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
			struct pollfd pfd = {.fd = watch_out ? STDOUT_FILENO : -1, .events = 0};
			int r = ppoll(&pfd, 1, &ts, &orig);
			if (r < 0 && errno != EINTR)
				break;
			if (r > 0 && (pfd.revents & POLLERR)) {
				p.stop = true;
				break;
			}
			if (r > 0 && (pfd.revents & (POLLNVAL | POLLHUP)))
				watch_out = false; /* nothing to learn there: just wait */
		}
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);

	if (o->stats)
		pp_warn("stats: %lu polls, %zu sockets tracked, %llu records; first poll %.3f ms, "
		        "later polls mean %.3f ms max %.3f ms; %lu fd scans reading %llu links; source %s",
		        p.polls, p.tab.n, sock_emit_count(), p.poll_first * 1e3,
		        p.polls > 1 ? p.poll_time / (double)(p.polls - 1) * 1e3 : 0, p.poll_max * 1e3,
		        inomap_scans(p.ino), inomap_links(p.ino), p.diag_fd >= 0 ? "sock_diag" : "/proc/net");
	if (procnet_bad_lines()) {
		pp_warn("%lu malformed /proc/net line%s skipped", procnet_bad_lines(),
		        PP_S(procnet_bad_lines()));
		trace_fail(); /* the exit status tells */
	}
	diag_close(p.diag_fd);
	inomap_free(p.ino);
	tab_free(&p.tab);
	free(p.rows);
	free(p.lis);
	free(p.fresh);
	if (status == PP_EXIT_OK)
		status = trace_exit_status();
	return status;
}
