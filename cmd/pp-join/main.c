/* pp-join: PortPulse records of both sources, joined on the 5-tuple.
 *
 * Two modes, chosen by the inputs:
 *  - file mode (every input a regular file): read everything once to learn
 *    the sockets, wire flows and DNS names, then read it again and write
 *    each record enriched. The result depends only on the input, not on
 *    timing; memory is bounded by the flows, not by the records.
 *  - live mode (a pipe, FIFO or terminal among the inputs): poll() over all
 *    inputs, learn from each record as it arrives, hold it back for --delay
 *    so that what it matches can arrive too, then write it; output is
 *    flushed per batch. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "join.h"
#include "linereader.h"
#include "outfile.h"
#include "pp.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pp-join [-cq] [-d delay] [--window secs] [-m max-flows] [--max-ttl secs]\n"
	        "               [-o file] [file ...]\n"
	        "       pp-join [-q] [--window secs] -r capture -w out.pcapng [file ...]\n"
	        "Join PortPulse sock records (pp-trace) with sniffed records (pp-sniff) on the\n"
	        "5-tuple, read from the files, FIFOs or stdin; write them enriched.\n"
	        "  -d, --delay SECS     live mode: hold records back this long (default 0.3)\n"
	        "      --window SECS    time slack around a socket's life (default 2)\n"
	        "  -o, --output FILE    records to FILE (appended; reopened on SIGHUP)\n"
	        "  -r, --read CAPTURE   packets (as pp-sniff -w saved them) to annotate ...\n"
	        "  -w, --write FILE     ... into FILE, pcapng, with each packet's process\n"
	        "  -m, --max-flows N    sockets, wire flows and names kept, each (default 1000000)\n"
	        "      --max-ttl SECS   upper bound of a DNS answer's life (default 3600)\n"
	        "  -c, --conn           one record per connection when it ends, instead\n"
	        "  -q, --quiet          no summary on stderr at exit\n"
	        "  -h, --help           this help\n"
	        "  -V, --version        version\n");
}

struct input {
	int fd;
	const char *name;
	struct lr lr;
	bool eof, reg, own;
	off_t start;
	unsigned long lines; /* file mode: lines read in the first pass */
};

/* Records held back at most, whatever --delay says. */
#define PQ_MAX 65536

/* Held-back lines live in chunks, freed as their last line goes out (the
 * queue is FIFO): no allocation per record. */
#define CHUNK_SIZE (1u << 20)
struct chunk {
	struct chunk *next;
	size_t size, used, live;
	char data[];
};
static struct chunk *ch_head, *ch_tail;

static char *chunk_copy(const char *line, size_t len, struct chunk **owner)
{
	struct chunk *c = ch_tail;
	char *p;
	if (!c || c->used + len + 1 > c->size) {
		if (c && c->live == 0) {
			c->used = 0; /* drained: reuse in place */
		}
		if (!c || c->used + len + 1 > c->size) {
			size_t sz = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
			c = xmalloc(sizeof(*c) + sz);
			c->next = NULL;
			c->size = sz;
			c->used = c->live = 0;
			if (ch_tail)
				ch_tail->next = c;
			else
				ch_head = c;
			ch_tail = c;
		}
	}
	p = c->data + c->used;
	memcpy(p, line, len);
	p[len] = '\0';
	c->used += len + 1;
	c->live++;
	*owner = c;
	return p;
}

static void chunk_release(struct chunk *c)
{
	if (--c->live > 0)
		return;
	if (c == ch_tail) {
		c->used = 0;
		return;
	}
	/* FIFO: a drained chunk other than the tail is the head. */
	while (ch_head && ch_head != ch_tail && ch_head->live == 0) {
		struct chunk *n = ch_head->next;
		free(ch_head);
		ch_head = n;
	}
}

static void chunks_free(void)
{
	while (ch_head) {
		struct chunk *n = ch_head->next;
		free(ch_head);
		ch_head = n;
	}
	ch_tail = NULL;
}

struct pend {
	char *line;
	struct chunk *chunk;
	struct jrec j;
	double due;
};

static struct input *in;
static int nin;
static struct rec rec;
static struct jscan scan;
static uint64_t rec_no;
static int64_t max_ts;
static double delay = 0.3;
static bool quiet;
static volatile sig_atomic_t stop;
static int out_state; /* 0 ok, 1 reader went away, 2 write error */
static const char *pcap_in, *pcap_out; /* -r, -w */
static int pcap_status;

static struct pend *pq;
static size_t pq_head, pq_len, pq_cap;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool out_ok(void)
{
	if (out_state)
		return false;
	if (ferror(stdout)) {
		out_state = errno == EPIPE ? 1 : 2;
		if (out_state == 2)
			pp_warn_errno("write error");
	}
	return out_state == 0;
}

static void flush_out(void)
{
	int r;
	if (out_state)
		return;
	r = pp_out_flush(stdout);
	if (r == -1)
		out_state = 1;
	else if (r == -2)
		out_state = 2;
}

/* A line to a record: NULL when blank or bad (reported when report). */
static bool parse_line(struct input *ip, char *line, size_t len, bool report, struct jrec *j,
                       struct jtoks *t)
{
	const char *err;
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len)
		return false; /* blank lines are tolerated, as jq does */
	/* The fast scanner for the usual record; the record library for
	 * anything else, and for the message about a bad line. */
	if (jscan_line(line, len, &scan) != JSCAN_OK) {
		if (rec_parse(&rec, line, len, &err) < 0) {
			if (report) {
				pp_warn_at(ip->name, ip->lr.lineno, "%s, skipped", err);
				jstats.bad_lines++;
			}
			return false;
		}
		jscan_from_rec(&rec, &scan);
	}
	summarize(line, &scan, j, t);
	j->rec_no = ++rec_no;
	if (j->has_ts && j->ts > max_ts)
		max_ts = j->ts;
	return true;
}

static void too_long(struct input *ip, bool report)
{
	if (report) {
		pp_warn_at(ip->name, ip->lr.lineno, "line longer than %zu bytes, skipped", ip->lr.max);
		jstats.bad_lines++;
	}
}

/* --- conn mode --------------------------------------------------------------- */

static void conn_drop_life(struct life *l)
{
	if (!l->emitted && !out_state)
		emit_conn_life(l, "evicted", stdout);
}

static void conn_drop_flow(struct wflow *f)
{
	if (!f->emitted && !f->claimed && !flow_has_life(f) && !out_state)
		emit_conn_flow(f, "evicted", stdout);
}

static void conn_expire_life(struct life *l)
{
	if (!l->emitted && !out_state)
		emit_conn_life(l, l->closed ? "closed" : "idle", stdout);
}

static void conn_expire_flow(struct wflow *f)
{
	if (!f->emitted && !f->claimed && !flow_has_life(f) && !out_state)
		emit_conn_flow(f, f->ended ? "closed" : "idle", stdout);
}

/* Live: connections whose end arrived more than --delay ago. */
static void conn_sweep(double now)
{
	for (struct life *l = table_lives(); l && !out_state; l = l->fnext)
		if (l->closed && !l->emitted && l->arrived + delay <= now)
			emit_conn_life(l, "closed", stdout);
	for (struct wflow *f = table_flows(); f && !out_state; f = f->fnext)
		if (f->ended && !f->emitted && !f->claimed && f->arrived + delay <= now) {
			if (flow_has_life(f))
				f->claimed = true; /* its socket's record tells */
			else
				emit_conn_flow(f, "closed", stdout);
		}
}

struct conn_item {
	int64_t end;
	uint64_t seq;
	struct life *l;
	struct wflow *f;
};

static int conn_cmp(const void *a, const void *b)
{
	const struct conn_item *x = a, *y = b;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* At the end of input: every connection not written yet, by end time. */
static void conn_final(void)
{
	size_t n = 0, cap = 1024;
	struct conn_item *v = xmalloc(cap * sizeof(*v));

	for (struct life *l = table_lives(); l; l = l->fnext) {
		if (l->emitted)
			continue;
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		if (!v)
			pp_die(PP_EXIT_RUNTIME, "out of memory");
		v[n++] = (struct conn_item){l->closed ? l->end : l->start, l->seq, l, NULL};
	}
	for (struct wflow *f = table_flows(); f; f = f->fnext) {
		if (f->emitted || f->claimed || flow_has_life(f))
			continue;
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		if (!v)
			pp_die(PP_EXIT_RUNTIME, "out of memory");
		v[n++] = (struct conn_item){f->last, f->seq, NULL, f};
	}
	qsort(v, n, sizeof(*v), conn_cmp);
	for (size_t i = 0; i < n && out_ok(); i++) {
		if (v[i].l)
			emit_conn_life(v[i].l, v[i].l->closed ? "closed" : "open", stdout);
		else if (!v[i].f->claimed)
			emit_conn_flow(v[i].f, v[i].f->ended ? "closed" : "open", stdout);
	}
	free(v);
}

/* --- file mode --------------------------------------------------------------- */

static void file_mode(bool conn)
{
	struct jrec j;
	struct jtoks t;
	char *line;
	size_t len;
	int r;

	/* First pass: learn. */
	for (int i = 0; i < nin && !stop; i++) {
		struct input *ip = &in[i];
		while (!stop && (r = lr_next(&ip->lr, &line, &len)) != LR_EOF) {
			if (r == LR_ERROR) {
				pp_warn_errno("%s: read error", ip->name);
				jstats.bad_files++;
				break;
			}
			if (r == LR_TOOLONG) {
				too_long(ip, true);
				continue;
			}
			if (parse_line(ip, line, len, true, &j, &t))
				ingest(line, len, &scan, &j, &t, 0);
		}
		ip->lines = ip->lr.lineno;
	}
	if (conn) {
		conn_final();
		return;
	}
	if (pcap_in) { /* the packets, not the records, are written */
		pcap_status = pcap_annotate(pcap_in, pcap_out, quiet);
		return;
	}
	/* Second pass: the same lines again, written enriched. */
	rec_no = 0;
	for (int i = 0; i < nin && !stop && out_ok(); i++) {
		struct input *ip = &in[i];
		lr_free(&ip->lr);
		if (lseek(ip->fd, ip->start, SEEK_SET) < 0) {
			pp_warn_errno("%s: cannot read it again", ip->name);
			jstats.bad_files++;
			continue;
		}
		if (lr_init(&ip->lr, ip->fd, ip->name, LR_DEFAULT_MAX) < 0)
			pp_die(PP_EXIT_RUNTIME, "out of memory");
		while (ip->lr.lineno < ip->lines && !stop && out_ok()) {
			r = lr_next(&ip->lr, &line, &len);
			if (r == LR_EOF || r == LR_ERROR)
				break;
			if (r == LR_LINE && parse_line(ip, line, len, false, &j, &t)) {
				jstats.records++;
				emit_record(line, &j, stdout);
			}
		}
	}
}

/* --- live mode --------------------------------------------------------------- */

static void pq_push(const char *line, size_t len, const struct jrec *j, double due)
{
	struct pend *p;
	if (pq_len == pq_cap) {
		size_t ncap = pq_cap ? pq_cap * 2 : 1024;
		struct pend *n = xmalloc(ncap * sizeof(*n));
		for (size_t i = 0; i < pq_len; i++)
			n[i] = pq[(pq_head + i) % pq_cap];
		free(pq);
		pq = n;
		pq_cap = ncap;
		pq_head = 0;
	}
	p = &pq[(pq_head + pq_len) % pq_cap];
	p->line = chunk_copy(line, len, &p->chunk);
	p->j = *j;
	p->due = due;
	pq_len++;
}

static void pq_drain_one(void)
{
	struct pend *p = &pq[pq_head];
	if (!out_state) {
		jstats.records++;
		emit_record(p->line, &p->j, stdout);
		out_ok();
	}
	chunk_release(p->chunk);
	pq_head = (pq_head + 1) % pq_cap;
	pq_len--;
}

/* Write held-back records that are due (all of them when all). */
static void pq_drain(double now, bool all)
{
	while (pq_len > 0 && (all || pq[pq_head].due <= now))
		pq_drain_one();
}

static void live_line(struct input *ip, char *line, size_t len, bool conn, double now)
{
	struct jrec j;
	struct jtoks t;
	if (!parse_line(ip, line, len, true, &j, &t))
		return;
	ingest(line, len, &scan, &j, &t, now);
	if (conn)
		return;
	if (delay <= 0 && pq_len == 0) {
		jstats.records++;
		emit_record(line, &j, stdout);
		out_ok();
	} else {
		pq_push(line, len, &j, now + delay);
		/* A burst faster than the hold-back: bounded memory first,
		 * the oldest goes out before its time. */
		if (pq_len > PQ_MAX)
			pq_drain_one();
	}
}

static void live_mode(bool conn)
{
	struct pollfd *pfd = xcalloc((size_t)nin, sizeof(*pfd));
	int *map = xcalloc((size_t)nin, sizeof(*map));
	double last_expire = pp_mono(), last_sweep = 0;
	unsigned long expiries = 0;
	bool full;

	for (;;) {
		int n = 0, timeout = -1, pr;
		double now;

		for (int i = 0; i < nin; i++)
			if (!in[i].eof) {
				pfd[n] = (struct pollfd){.fd = in[i].fd, .events = POLLIN};
				map[n++] = i;
			}
		if (n == 0 || stop || out_state)
			break;
		now = pp_mono();
		if (pq_len > 0) {
			double d = pq[pq_head].due - now;
			timeout = d <= 0 ? 0 : (int)ceil(d * 1000);
		}
		if (conn || jconf.live) {
			/* Periodic work: conn sweep, expiry. */
			if (timeout < 0 || timeout > 250)
				timeout = 250;
		}
		/* Output of this batch goes down the pipe before we wait. */
		flush_out();
		pr = poll(pfd, (nfds_t)n, timeout);
		if (pr < 0 && errno != EINTR) {
			pp_warn_errno("poll");
			break;
		}
		now = pp_mono();
		for (int k = 0; pr > 0 && k < n; k++) {
			struct input *ip = &in[map[k]];
			char *line;
			size_t len;
			int f, t;
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
				continue;
			f = lr_fill(&ip->lr);
			if (f == LR_ERROR) {
				pp_warn_errno("%s: read error", ip->name);
				jstats.bad_files++;
				ip->eof = true;
				continue;
			}
			while ((t = lr_take(&ip->lr, &line, &len)) != LR_AGAIN && t != LR_EOF) {
				if (t == LR_TOOLONG)
					too_long(ip, true);
				else
					live_line(ip, line, len, conn, now);
			}
			if (t == LR_EOF)
				ip->eof = true;
		}
		pq_drain(now, false);
		if (conn && now - last_sweep >= 0.25) {
			conn_sweep(now);
			last_sweep = now;
		}
		/* Entries whose time is over, by the records' own clock: the
		 * closed sockets and idle flows at once (cheap: the oldest
		 * first, up to the first young one), so a fast replay does not
		 * pile them up; names each second, idle UDP sockets seldom. */
		full = now - last_expire >= 1.0 && ++expiries % 30 == 0;
		table_expire(max_ts, full, conn ? conn_expire_life : NULL, conn ? conn_expire_flow : NULL);
		if (now - last_expire >= 1.0) {
			names_expire(max_ts);
			last_expire = now;
		}
	}
	/* End of input or a signal: everything held back goes out now. */
	pq_drain(0, true);
	if (conn && !out_state)
		conn_final();
	free(pfd);
	free(map);
}

/* --- main ------------------------------------------------------------------------ */

static bool open_input(struct input *ip, const char *name)
{
	struct stat st;
	memset(ip, 0, sizeof(*ip));
	ip->name = name;
	if (!strcmp(name, "-")) {
		ip->fd = STDIN_FILENO;
	} else {
		/* Non-blocking open: a FIFO whose writer comes later must not
		 * stop the other inputs. */
		ip->fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (ip->fd < 0) {
			pp_warn_errno("%s", name);
			jstats.bad_files++;
			return false;
		}
		ip->own = true;
	}
	if (fstat(ip->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		ip->start = lseek(ip->fd, 0, SEEK_CUR);
		ip->reg = ip->start >= 0;
		if (ip->own)
			fcntl(ip->fd, F_SETFL, fcntl(ip->fd, F_GETFL) & ~O_NONBLOCK);
	}
	if (lr_init(&ip->lr, ip->fd, name, LR_DEFAULT_MAX) < 0)
		pp_die(PP_EXIT_RUNTIME, "out of memory");
	return true;
}

static void report(bool conn)
{
	if (jstats.bad_lines)
		pp_warn("%lu malformed line%s skipped", jstats.bad_lines, jstats.bad_lines == 1 ? "" : "s");
	if (quiet)
		return;
	if (conn)
		pp_warn("%lu connections; %lu sockets (%lu not matched); evicted: %lu sockets, %lu flows, %lu names",
		        jstats.conns, jstats.lives, jstats.lives_unmatched, jstats.evicted_lives,
		        jstats.evicted_flows, jstats.evicted_names);
	else
		pp_warn("%lu records; %lu sniffed (%lu with a process, %lu unmatched); %lu sockets (%lu not matched); evicted: %lu sockets, %lu flows, %lu names",
		        jstats.records, jstats.sniffed, jstats.sniffed_matched,
		        jstats.sniffed - jstats.sniffed_matched, jstats.lives, jstats.lives_unmatched,
		        jstats.evicted_lives, jstats.evicted_flows, jstats.evicted_names);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"delay", required_argument, NULL, 'd'}, {"window", required_argument, NULL, 'W'},
		{"output", required_argument, NULL, 'o'}, {"read", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"max-flows", required_argument, NULL, 'm'}, {"max-ttl", required_argument, NULL, 'T'},
		{"conn", no_argument, NULL, 'c'}, {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char *dash[] = {"-"};
	struct sigaction sa;
	bool conn = false, files = true;
	double window = 2, max_ttl = 3600;
	long long max_flows = 1000000;
	int ch, rc, opened = 0;
	const char *ofile = NULL;

	pp_setprog(argv[0]);
	pp_out_init();
	/* Fewer, larger writes (still flushed after every batch of input):
	 * 4 KiB at a time is one write per dozen records. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 18);
	while ((ch = getopt_long(argc, argv, "d:w:r:o:m:cqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': delay = pp_opt_duration("--delay", optarg); break;
		case 'W': window = pp_opt_duration("--window", optarg); break;
		case 'r': pcap_in = optarg; break;
		case 'w': pcap_out = optarg; break;
		case 'o': ofile = optarg; break;
		case 'm': max_flows = pp_opt_ll("--max-flows", optarg, 1, 1000000000LL); break;
		case 'T': max_ttl = pp_opt_duration("--max-ttl", optarg); break;
		case 'c': conn = true; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': pp_print_version(); return 0;
		default: usage(stderr); return PP_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (delay > 3600)
		pp_usage_error("--delay of more than an hour makes no sense");
	/* -w was formerly the window: a number there is that old habit. */
	if (pcap_out && !pcap_in)
		pp_usage_error("-w writes a pcapng and needs -r CAPTURE (the time window is --window)");
	if (pcap_in && !pcap_out)
		pp_usage_error("-r CAPTURE needs -w OUT.pcapng");
	if (pcap_in && (conn || ofile))
		pp_usage_error("-r/-w write packets, not records: no --conn or -o");
	if (ofile && strcmp(ofile, "-")) { /* never append to what is read */
		struct stat os, is;
		for (int i = 0; i < argc; i++)
			if (stat(ofile, &os) == 0 && stat(argv[i], &is) == 0 && os.st_dev == is.st_dev &&
			    os.st_ino == is.st_ino)
				pp_usage_error("-o %s: that is an input", ofile);
	}
	if (ofile && pp_output_open(ofile) < 0)
		return PP_EXIT_RUNTIME;
	if (argc == 0) {
		argv = dash;
		argc = 1;
	}

	jconf.window = llround(window * 1e6);
	jconf.max_ttl = llround(max_ttl * 1e6);
	jconf.min_ttl = 10 * 1000000LL;
	if (jconf.min_ttl > jconf.max_ttl)
		jconf.min_ttl = jconf.max_ttl;
	/* Live entries stay a while after they end, for records that trail. */
	jconf.linger = 120 * 1000000LL + jconf.window + llround(delay * 1e6);
	jconf.max_flows = (unsigned long)max_flows;
	jconf.conn = conn;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (pp_sighup_ends_run()) /* with -o, SIGHUP reopens the file */
		sigaction(SIGHUP, &sa, NULL);

	in = xcalloc((size_t)argc, sizeof(*in));
	for (int i = 0; i < argc; i++)
		if (open_input(&in[nin], argv[i])) {
			files &= in[nin].reg;
			nin++;
			opened++;
		}
	rec_init(&rec);
	table_init();
	names_init();
	emit_init();
	if (conn) {
		table_evict_life_hook = conn_drop_life;
		table_evict_flow_hook = conn_drop_flow;
	}
	if (pcap_in && !files)
		pp_usage_error("-r/-w: the records must be regular files (two passes)");
	if (opened > 0) {
		jconf.live = !files;
		if (files)
			file_mode(conn);
		else
			live_mode(conn);
	}
	table_count_unmatched();
	if (out_state != 1 && !pcap_in) /* the reader went away: end quietly */
		report(conn);

	for (int i = 0; i < nin; i++) {
		lr_free(&in[i].lr);
		if (in[i].own)
			close(in[i].fd);
	}
	free(in);
	free(pq);
	chunks_free();
	table_free();
	names_free();
	emit_free();
	rec_free(&rec);

	rc = out_state ? 0 : pp_out_close(stdout);
	if (out_state == 2 || rc == -2)
		return PP_EXIT_RUNTIME;
	if (jstats.bad_lines || jstats.bad_files || pcap_status)
		return PP_EXIT_RUNTIME;
	return PP_EXIT_OK;
}
