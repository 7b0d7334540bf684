/* pp-join: PortPulse records of both sources, joined on the 5-tuple.
 *
 * Records are decided in event time (order.c), the same way whatever the
 * inputs are; only how they are read differs:
 *  - file mode (every input a regular file): the files are read by turns,
 *    the one the others wait for first;
 *  - live mode (a pipe, FIFO or terminal among the inputs): poll() over all
 *    inputs, each record taken as it arrives; output is flushed whenever
 *    the input pauses; sources that fall silent are timed out.
 * So live output is file-mode output for the same inputs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "join.h"
#include "linereader.h"
#include "pp.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pp-join [-cq] [-d delay] [-w window] [-m max-flows] [--max-ttl secs] [--idle secs]\n"
	        "               [file ...]\n"
	        "Join PortPulse sock records (pp-trace) with sniffed records (pp-sniff) on the\n"
	        "5-tuple, read from the files, FIFOs or stdin; write them enriched.\n"
	        "  -d, --delay SECS     decide each record knowing what happened up to this\n"
	        "                       long after it, in event time (default 1)\n"
	        "      --idle SECS      live: stop waiting for a source silent this long (default 5)\n"
	        "  -w, --window SECS    time slack around a socket's life (default 2)\n"
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

static struct input *in;
static int nin;
static double delay = 1, idle = 5;
static bool quiet, conn;
static volatile sig_atomic_t stop;
static int out_state; /* 0 ok, 1 reader went away, 2 write error */

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

/* A line from input i to the event-time order (order.c); a bad one is
 * reported and skipped. */
static void take_line(int i, char *line, size_t len, double now)
{
	struct input *ip = &in[i];
	struct jrec j;
	struct jtoks t;
	const char *err;
	if (!order_parse(line, len, &j, &t, &err)) {
		if (err) {
			pp_warn_at(ip->name, ip->lr.lineno, "%s, skipped", err);
			jstats.bad_lines++;
		}
		return;
	}
	order_add(i, line, len, &j, &t, now);
}

/* A record decided: out it goes (not in --conn mode). */
static void on_decided(const char *line, const struct jrec *j)
{
	if (conn || out_state)
		return;
	jstats.records++;
	emit_record(line, j, stdout);
	out_ok();
}

static void too_long(struct input *ip)
{
	pp_warn_at(ip->name, ip->lr.lineno, "line longer than %zu bytes, skipped", ip->lr.max);
	jstats.bad_lines++;
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

/* Connections that ended more than the horizon ago, in event time. */
static void conn_sweep(int64_t now)
{
	for (struct life *l = table_lives(); l && !out_state; l = l->fnext)
		if (l->closed && !l->emitted && l->end + jconf.horizon < now)
			emit_conn_life(l, "closed", stdout);
	for (struct wflow *f = table_flows(); f && !out_state; f = f->fnext)
		if (f->ended && !f->emitted && !f->claimed && f->last + jconf.horizon < now) {
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

/* Event time passed another second: old entries go, finished
 * connections are written (--conn). The same points in both modes. */
static unsigned long steps;

static void on_progress(int64_t now)
{
	if (conn)
		conn_sweep(now);
	table_expire(now, ++steps % 30 == 0, conn ? conn_expire_life : NULL, conn ? conn_expire_flow : NULL);
	names_expire(now);
}

/* --- file mode: read the files by turns, the one the others wait for
 * first, so that memory holds what one file is ahead of another --------- */

static void file_mode(void)
{
	char *line;
	size_t len;
	int i, r;

	while (!stop && !out_state && (i = order_lagging_input()) >= 0) {
		struct input *ip = &in[i];
		int64_t before = order_input_progress(i);
		/* A batch, or until this file is past where it was. */
		for (int n = 0; n < 4096 && !stop; n++) {
			r = lr_next(&ip->lr, &line, &len);
			if (r == LR_EOF || r == LR_ERROR) {
				if (r == LR_ERROR) {
					pp_warn_errno("%s: read error", ip->name);
					jstats.bad_files++;
				}
				ip->eof = true;
				order_eof(i);
				break;
			}
			if (r == LR_TOOLONG)
				too_long(ip);
			else
				take_line(i, line, len, 0);
			if (n >= 64 && order_input_progress(i) > before)
				break;
		}
		order_run();
	}
}

/* --- live mode --------------------------------------------------------------- */

static void live_mode(void)
{
	struct pollfd *pfd = xcalloc((size_t)nin + 1, sizeof(*pfd));
	int *map = xcalloc((size_t)nin, sizeof(*map));

	for (;;) {
		int n = 0, pr;
		double now;

		for (int i = 0; i < nin; i++)
			if (!in[i].eof) {
				pfd[n] = (struct pollfd){.fd = in[i].fd, .events = POLLIN};
				map[n++] = i;
			}
		if (n == 0 || stop || out_state)
			break;
		/* Output of this batch goes down the pipe before we wait. */
		flush_out();
		/* Marks come several times a second; the wait also times out
		 * silent sources. stdout too, last: a reader gone ends the run
		 * while idle. */
		pfd[n] = (struct pollfd){.fd = STDOUT_FILENO, .events = 0};
		pr = poll(pfd, (nfds_t)n + 1, 100);
		if (pr < 0 && errno != EINTR) {
			pp_warn_errno("poll");
			break;
		}
		if (pr > 0 && pp_out_hup(pfd[n].revents))
			break;
		now = pp_mono();
		for (int k = 0; pr > 0 && k < n; k++) {
			struct input *ip = &in[map[k]];
			char *line;
			size_t len;
			int f, t, avail;
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
				order_caught_up(map[k], now);
				continue;
			}
			f = lr_fill(&ip->lr);
			if (f == LR_ERROR) {
				pp_warn_errno("%s: read error", ip->name);
				jstats.bad_files++;
				ip->eof = true;
				order_eof(map[k]);
				continue;
			}
			while ((t = lr_take(&ip->lr, &line, &len)) != LR_AGAIN && t != LR_EOF) {
				if (t == LR_TOOLONG)
					too_long(ip);
				else
					take_line(map[k], line, len, now);
			}
			if (t == LR_EOF) {
				ip->eof = true;
				order_eof(map[k]);
			} else if (ioctl(ip->fd, FIONREAD, &avail) == 0 && avail == 0) {
				order_caught_up(map[k], now);
			}
		}
		if (pr == 0)
			for (int k = 0; k < n; k++)
				order_caught_up(map[k], now);
		order_idle(now);
		order_run();
	}
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

static void report(void)
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
	if (!conn && (jstats.resp_named || jstats.refused))
		pp_warn("%lu sniffed with the responder's process too; %lu refused: two processes fitted equally",
		        jstats.resp_named, jstats.refused);
	if (jstats.trailing || jstats.late || jstats.forced || jstats.sources_timed_out)
		pp_warn("event time: %lu trailing (written after their producer's mark; %lu of them too old to match), %lu late (after a source timed out), %lu forced (memory bound); %lu sources timed out",
		        jstats.trailing, jstats.stale, jstats.late, jstats.forced, jstats.sources_timed_out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"delay", required_argument, NULL, 'd'}, {"window", required_argument, NULL, 'w'},
		{"max-flows", required_argument, NULL, 'm'}, {"max-ttl", required_argument, NULL, 'T'},
		{"conn", no_argument, NULL, 'c'}, {"quiet", no_argument, NULL, 'q'},
		{"idle", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char *dash[] = {"-"};
	struct sigaction sa;
	bool files = true;
	double window = 2, max_ttl = 3600;
	long long max_flows = 1000000;
	int ch, rc, opened = 0;

	pp_setprog(argv[0]);
	pp_out_init();
	/* Fewer, larger writes (still flushed after every batch of input):
	 * 4 KiB at a time is one write per dozen records. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 18);
	while ((ch = getopt_long(argc, argv, "d:w:m:cqhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': delay = pp_opt_duration("--delay", optarg); break;
		case 'w': window = pp_opt_duration("--window", optarg); break;
		case 'm': max_flows = pp_opt_ll("--max-flows", optarg, 1, 1000000000LL); break;
		case 'T': max_ttl = pp_opt_duration("--max-ttl", optarg); break;
		case 'c': conn = true; break;
		case 'I': idle = pp_opt_duration("--idle", optarg); break;
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
	if (argc == 0) {
		argv = dash;
		argc = 1;
	}

	jconf.window = llround(window * 1e6);
	jconf.max_ttl = llround(max_ttl * 1e6);
	jconf.min_ttl = 10 * 1000000LL;
	if (jconf.min_ttl > jconf.max_ttl)
		jconf.min_ttl = jconf.max_ttl;
	jconf.horizon = llround(delay * 1e6);
	/* Entries stay a while after they end, for records that trail: what
	 * pp-sniff writes when a flow idles out (after 300 s) still finds
	 * its socket. */
	jconf.linger = 360 * 1000000LL + jconf.window + jconf.horizon;
	jconf.max_flows = (unsigned long)max_flows;
	jconf.conn = conn;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	in = xcalloc((size_t)argc, sizeof(*in));
	for (int i = 0; i < argc; i++)
		if (open_input(&in[nin], argv[i])) {
			files &= in[nin].reg;
			nin++;
			opened++;
		}
	{
		const char **names = xcalloc((size_t)(nin ? nin : 1), sizeof(*names));
		for (int i = 0; i < nin; i++)
			names[i] = in[i].name;
		order_init(nin, names, !files, idle, pp_mono());
		free(names);
	}
	order_emit_hook = on_decided;
	order_progress_hook = on_progress;
	table_init();
	names_init();
	emit_init();
	if (conn) {
		table_evict_life_hook = conn_drop_life;
		table_evict_flow_hook = conn_drop_flow;
	}
	if (opened > 0) {
		jconf.live = !files;
		if (files)
			file_mode();
		else
			live_mode();
		/* End of input or a signal: everything waiting is decided now. */
		order_finish();
		if (conn && !out_state)
			conn_final();
	}
	table_count_unmatched();
	if (out_state != 1) /* the reader went away: end quietly */
		report();

	for (int i = 0; i < nin; i++) {
		lr_free(&in[i].lr);
		if (in[i].own)
			close(in[i].fd);
	}
	free(in);
	order_free();
	table_free();
	names_free();
	emit_free();

	rc = out_state ? 0 : pp_out_close(stdout);
	if (out_state == 2 || rc == -2)
		return PP_EXIT_RUNTIME;
	if (jstats.bad_lines || jstats.bad_files)
		return PP_EXIT_RUNTIME;
	return PP_EXIT_OK;
}
