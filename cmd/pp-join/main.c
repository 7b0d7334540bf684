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
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ahead.h"
#include "join.h"
#include "linereader.h"
#include "outfile.h"
#include "pool.h"
#include "pp.h"
#include "wfail.h"

/* The synopsis, as in the man page: also what a wrong option gets. */
static const char synopsis[] =
	"usage: pp-join [-qv] [--conn] [--delay secs] [--window secs] [-m max-flows] [--max-ttl secs]\n"
	"               [--idle secs] [-o file] [file ...]\n"
	"       pp-join [-qv] [--window secs] -r capture -w out.pcapng [file ...]\n";

static void usage(FILE *f)
{
	fputs(synopsis, f);
	fprintf(f,
	        "Join PortPulse sock records (pp-trace) with sniffed records (pp-sniff) on the\n"
	        "5-tuple, read from the files, FIFOs or stdin; write them enriched.\n"
	        "      --delay SECS     decide each record knowing what happened up to this\n"
	        "                       long after it, in event time (default 1)\n"
	        "      --idle SECS      live: stop waiting for a source silent this long (default 5)\n"
	        "      --window SECS    time slack around a socket's life (default 2)\n"
	        "  -o, --output FILE    records to FILE (appended; reopened on SIGHUP)\n"
	        "  -r, --read CAPTURE   packets (as pp-sniff -w saved them) to annotate ...\n"
	        "  -w, --write FILE     ... into FILE, pcapng, with each packet's process\n"
	        "  -m, --max-flows N    sockets, wire flows and names kept, each (default 1000000)\n"
	        "      --max-ttl SECS   upper bound of a DNS answer's life (default 3600)\n"
	        "      --conn           one record per connection when it ends, instead\n"
	        "  -q, --quiet          no summary on stderr at exit, even of evictions\n"
	        "  -v, --verbose        summary on stderr at exit (default: only on a terminal)\n"
	        "  -h, --help           this help\n"
	        "  -V, --version        version\n");
}

struct input {
	int fd;
	const char *name;
	struct lr lr;
	bool eof, reg, own;
	off_t start;
	struct ahead *ahead; /* its lines, read and parsed ahead */
};

static struct input *in;
static int nin;
static double delay = 1, idle = 5;
static bool quiet, verbose, conn;
static volatile sig_atomic_t stop;
static struct jtab tab;
static struct pp_wfail out; /* stdout's: the reader gone, or a write error */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Has a write failed? Noted once (stdio keeps errno of the failure). Asked
 * after every record: unlocked, as emit.c writes (only this thread writes
 * stdout), not a lock of the stream per record. */
static bool out_ok(void)
{
	if (!pp_wfail_ended(&out) && ferror_unlocked(stdout))
		pp_wfail_note(&out, errno);
	return !pp_wfail_ended(&out);
}

static void bad_line(const struct input *ip, unsigned long lineno, const char *err)
{
	if (err) { /* else a blank line, tolerated */
		pp_warn_at(ip->name, lineno, "%s, skipped", err);
		jstats.bad_lines++;
	}
}

static void too_long(const struct input *ip, unsigned long lineno)
{
	pp_warn_at(ip->name, lineno, "line longer than %zu bytes, skipped", ip->lr.max);
	jstats.bad_lines++;
}

/* A line of input i, read and parsed ahead (ahead.c), at monotonic time
 * now: to the event-time order (order.c), or reported and skipped; the
 * end of the input (true) when it is one. */
static bool take_line(int i, const struct ahead_line *l, double now)
{
	struct input *ip = &in[i];
	switch (l->kind) {
	case LR_ERROR:
		errno = l->err_no;
		pp_warn_errno("%s: read error", ip->name);
		jstats.bad_files++;
		/* fall through */
	case LR_EOF:
		ip->eof = true;
		order_eof(i);
		return true;
	case LR_TOOLONG:
		too_long(ip, l->lineno);
		return false;
	}
	if (!l->ok)
		bad_line(ip, l->lineno, l->err);
	else
		order_add(i, l->line, l->len, &l->j, &l->k, l->kept, l->klen, now);
	return false;
}

/* A record decided: out it goes (not in --conn mode). */
static const char *pcap_in, *pcap_out; /* -r, -w */
static int pcap_status;

static void on_decided(const char *line, const struct jrec *j)
{
	if (conn || pp_wfail_ended(&out) || pcap_in) /* -r/-w: packets, not records, go out */
		return;
	jstats.records++;
	emit_record(&tab, line, j, stdout);
	out_ok();
}

/* --- conn mode --------------------------------------------------------------- */

static void conn_drop_life(struct life *l)
{
	if (!l->emitted && !pp_wfail_ended(&out))
		emit_conn_life(l, "evicted", stdout);
}

static void conn_drop_flow(struct wflow *f)
{
	if (!f->emitted && !f->claimed && !flow_has_life(f) && !pp_wfail_ended(&out))
		emit_conn_flow(f, "evicted", stdout);
}

static void conn_expire_life(struct life *l)
{
	if (!l->emitted && !pp_wfail_ended(&out))
		emit_conn_life(l, l->closed ? "closed" : "idle", stdout);
}

static void conn_expire_flow(struct wflow *f)
{
	if (!f->emitted && !f->claimed && !flow_has_life(f) && !pp_wfail_ended(&out))
		emit_conn_flow(f, f->ended ? "closed" : "idle", stdout);
}

/* Connections that ended more than the horizon ago, in event time. */
static void conn_sweep(int64_t now)
{
	struct life *l;
	struct wflow *f;
	TAILQ_FOREACH(l, &tab.lives, all)
		if (l->closed && !l->emitted && l->end + jconf.horizon < now && out_ok())
			emit_conn_life(l, "closed", stdout);
	TAILQ_FOREACH(f, &tab.flows, all)
		if (out_ok() && f->ended && !f->emitted && !f->claimed && f->last + jconf.horizon < now) {
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
	struct life *l;
	struct wflow *f;

	TAILQ_FOREACH(l, &tab.lives, all) {
		if (l->emitted)
			continue;
		if (n == cap)
			v = xreallocarray(v, cap *= 2, sizeof(*v));
		v[n++] = (struct conn_item){l->closed ? l->end : l->start, l->seq, l, NULL};
	}
	TAILQ_FOREACH(f, &tab.flows, all) {
		if (f->emitted || f->claimed || flow_has_life(f))
			continue;
		if (n == cap)
			v = xreallocarray(v, cap *= 2, sizeof(*v));
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
	/* -r/-w: the packets whose sockets are all in by now (a record fits
	 * a socket up to --window from its life, decided --delay later),
	 * before the tables forget anything. */
	if (pcap_in)
		pcap_annotate_upto(now - jconf.window - jconf.horizon);
	if (conn)
		conn_sweep(now);
	table_expire(&tab, now, ++steps % 30 == 0, conn ? conn_expire_life : NULL, conn ? conn_expire_flow : NULL);
	names_expire(now);
}

/* --- file mode: read the files by turns, the one the others wait for
 * first, so that memory holds what one file is ahead of another --------- */

static void file_mode(void)
{
	int i;

	/* Each file read and parsed ahead, on another core if there is one. */
	for (i = 0; i < nin; i++)
		in[i].ahead = ahead_start(&in[i].lr);
	while (!stop && !pp_wfail_ended(&out) && (i = order_lagging_input()) >= 0) {
		struct input *ip = &in[i];
		int64_t before = order_input_progress(i);
		/* A batch, or until this file is past where it was. */
		for (int n = 0; n < 4096 && !stop; n++) {
			if (take_line(i, ahead_next(ip->ahead), 0))
				break;
			if (n >= 64 && order_input_progress(i) > before)
				break;
		}
		order_run();
	}
	for (i = 0; i < nin; i++) {
		ahead_free(in[i].ahead);
		in[i].ahead = NULL;
	}
}

/* --- live mode --------------------------------------------------------------- */

static void live_mode(void)
{
	/* Each input read and parsed ahead on a thread of its own, which
	 * tells of every batch through this eventfd. */
	int notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	if (notify < 0)
		pp_die(2, "eventfd: %s", strerror(errno));
	for (int i = 0; i < nin; i++)
		if (!in[i].eof)
			in[i].ahead = ahead_start_live(&in[i].lr, notify);
	bool more = false; /* lines left ready (a turn takes a bounded number) */

	for (;;) {
		struct pollfd pfd[2];
		int nopen = 0, pr;
		double now;

		for (int i = 0; i < nin; i++)
			nopen += !in[i].eof;
		if (nopen == 0 || stop || pp_wfail_ended(&out))
			break;
		/* Output of this batch goes down the pipe before we wait. */
		pp_wfail_flush(&out, stdout);
		/* Marks come several times a second; the wait also times out
		 * silent sources. stdout too: a reader gone ends the run while
		 * idle. */
		pfd[0] = (struct pollfd){.fd = notify, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = STDOUT_FILENO, .events = 0};
		pr = poll(pfd, 2, more ? 0 : 100);
		if (pr < 0 && errno != EINTR) {
			pp_warn_errno("poll");
			break;
		}
		if (pr > 0 && pp_out_hup(pfd[1].revents))
			break;
		if (pr > 0 && (pfd[0].revents & POLLIN)) {
			uint64_t n;
			if (read(notify, &n, sizeof(n)) < 0) {
				/* EAGAIN: another wakeup took it; all is drained below */
			}
		}
		now = pp_mono();
		more = false;
		for (int i = 0; i < nin; i++) {
			const struct ahead_line *l = NULL;
			int n = 0;
			if (in[i].eof)
				continue;
			/* A turn of each input, then the order runs and output
			 * goes: a fast source neither starves the others nor
			 * holds back what is decided. */
			while (n++ < 4096 && (l = ahead_ready(in[i].ahead)) && !take_line(i, l, now))
				;
			if (in[i].eof)
				continue;
			if (l && n > 4096)
				more = true;
			else if (ahead_caught_up(in[i].ahead))
				order_caught_up(i, now);
		}
		order_idle(now);
		order_run();
	}
	/* A signal to stop: what was written to us before it still counts
	 * (then order_finish decides everything). */
	if (stop && !pp_wfail_ended(&out)) {
		double now = pp_mono();
		for (int i = 0; i < nin; i++)
			if (!in[i].eof) {
				ahead_drain(in[i].ahead);
				while (!take_line(i, ahead_next(in[i].ahead), now))
					;
			}
	}
	for (int i = 0; i < nin; i++) {
		ahead_free(in[i].ahead);
		in[i].ahead = NULL;
	}
	close(notify);
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
	lr_init(&ip->lr, ip->fd, name, LR_DEFAULT_MAX);
	return true;
}

static void report(void)
{
	if (jstats.bad_lines)
		pp_warn("%lu malformed line%s skipped", jstats.bad_lines, jstats.bad_lines == 1 ? "" : "s");
	if (quiet)
		return;
	/* Counts with -v or on a terminal; evictions (joins that may have
	 * been missed) and event-time trouble whenever there are any. */
	bool counts = pp_summary_wanted(verbose);
	if (!counts && !jstats.evicted_lives && !jstats.evicted_flows && !jstats.evicted_names)
		;
	else if (conn)
		pp_warn("%lu connection%s; %lu socket%s (%lu not matched); evicted: %lu socket%s, "
		        "%lu flow%s, %lu name%s",
		        jstats.conns, PP_S(jstats.conns), jstats.lives, PP_S(jstats.lives),
		        jstats.lives_unmatched, jstats.evicted_lives, PP_S(jstats.evicted_lives),
		        jstats.evicted_flows, PP_S(jstats.evicted_flows), jstats.evicted_names,
		        PP_S(jstats.evicted_names));
	else
		pp_warn("%lu record%s; %lu sniffed (%lu with a process, %lu unmatched); %lu socket%s "
		        "(%lu not matched); evicted: %lu socket%s, %lu flow%s, %lu name%s",
		        jstats.records, PP_S(jstats.records), jstats.sniffed, jstats.sniffed_matched,
		        jstats.sniffed - jstats.sniffed_matched, jstats.lives, PP_S(jstats.lives),
		        jstats.lives_unmatched, jstats.evicted_lives, PP_S(jstats.evicted_lives),
		        jstats.evicted_flows, PP_S(jstats.evicted_flows), jstats.evicted_names,
		        PP_S(jstats.evicted_names));
	if (counts && !conn && (jstats.resp_named || jstats.refused))
		pp_warn("%lu sniffed with the responder's process too; %lu refused: two processes fitted equally",
		        jstats.resp_named, jstats.refused);
	if (jstats.trailing || jstats.late || jstats.forced || jstats.sources_timed_out)
		pp_warn("event time: %lu trailing (written after their producer's mark; %lu of them too old to match), %lu late (after a source timed out), %lu forced (memory bound); %lu sources timed out",
		        jstats.trailing, jstats.stale, jstats.late, jstats.forced, jstats.sources_timed_out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"delay", required_argument, NULL, 'd'}, {"window", required_argument, NULL, 'W'},
		{"output", required_argument, NULL, 'o'}, {"read", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"max-flows", required_argument, NULL, 'm'}, {"max-ttl", required_argument, NULL, 'T'},
		{"conn", no_argument, NULL, 'c'}, {"quiet", no_argument, NULL, 'q'},
		{"idle", required_argument, NULL, 'I'}, {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char *dash[] = {"-"};
	struct sigaction sa;
	bool files = true;
	double window = 2, max_ttl = 3600;
	long long max_flows = 1000000;
	int ch, opened = 0;
	const char *ofile = NULL;

	pp_setprog(argv[0]);
	argv[0] = (char *)pp_progname; /* getopt's messages: "pp-x: ...", no path */
	pp_out_init();
	/* Fewer, larger writes (still flushed after every batch of input):
	 * 4 KiB at a time is one write per dozen records. */
	static char obuf[1 << 18]; /* glibc ignores setvbuf's size without a buffer */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	while ((ch = getopt_long(argc, argv, "r:o:w:m:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': delay = pp_opt_duration("--delay", optarg); break;
		case 'W': window = pp_opt_duration("--window", optarg); break;
		case 'r': pcap_in = optarg; break;
		case 'w': pcap_out = optarg; break;
		case 'o': ofile = optarg; break;
		case 'm': max_flows = pp_opt_ll("--max-flows", optarg, 1, 1000000000LL); break;
		case 'T': max_ttl = pp_opt_duration("--max-ttl", optarg); break;
		case 'c': conn = true; break;
		case 'I': idle = pp_opt_duration("--idle", optarg); break;
		case 'q': quiet = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': pp_print_version(); return 0;
		default: pp_bad_option(synopsis);
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
	if (pp_sighup_ends_run()) /* with -o, SIGHUP reopens the file */
		sigaction(SIGHUP, &sa, NULL);

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
		order_init(&tab, nin, names, !files, idle, pp_mono());
		free(names);
	}
	order_emit_hook = on_decided;
	order_progress_hook = on_progress;
	table_init(&tab);
	names_init();
	emit_init();
	if (conn) {
		tab.evict_life = conn_drop_life;
		tab.evict_flow = conn_drop_flow;
	}
	if (pcap_in && !files)
		pp_usage_error("-r/-w: the records must be regular files");
	if (pcap_in && pcap_annotate_open(&tab, pcap_in, pcap_out) < 0)
		return PP_EXIT_RUNTIME;
	if (opened > 0) {
		jconf.live = !files;
		if (files)
			file_mode();
		else
			live_mode();
		/* End of input or a signal: everything waiting is decided now. */
		order_finish();
		if (conn && !pp_wfail_ended(&out))
			conn_final();
	}
	if (pcap_in) /* the packets left, knowing everything */
		pcap_status = pcap_annotate_close(quiet);
	table_count_unmatched(&tab);
	if (out.state != PP_WF_GONE && !pcap_in) /* the reader went away: end quietly */
		report();

	for (int i = 0; i < nin; i++) {
		lr_free(&in[i].lr);
		if (in[i].own)
			close(in[i].fd);
	}
	free(in);
	order_free();
	table_free(&tab);
	names_free();
	emit_free();
	pool_free_all();

	if (pp_wfail_close(&out, stdout) != PP_EXIT_OK)
		return PP_EXIT_RUNTIME;
	if (jstats.bad_lines || jstats.bad_files || pcap_status)
		return PP_EXIT_RUNTIME;
	return PP_EXIT_OK;
}
