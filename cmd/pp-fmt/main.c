/* pp-fmt: PortPulse records as a table, CSV, JSON or a live top-style view,
 * filtered, sorted and grouped. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "filter.h"
#include "fmt.h"
#include "pp.h"
#include "recinput.h"
#include "termsafe.h"
#include "top.h"
#include "wfail.h"
#include "xalloc.h"
#include "zeek.h"

/* The synopsis, as in the man page: also what a wrong option gets. */
static const char synopsis[] =
	"usage: pp-fmt [-t | -j | --csv] [-n] [-c N] [-f field,...] [-F expr] [-g field,...]\n"
	"              [--sort [-]field,...] [--no-header] [--utc] [--date] [term ...] [file ...]\n"
	"       pp-fmt --top [-n] [-I secs] [-F expr] [--utc] [term ...] [file ...]\n"
	"       pp-fmt --zeek DIR [-F expr] [--utc] [term ...] [file ...]\n";

static void usage(FILE *f)
{
	fputs(synopsis, f);
	fprintf(f,
	        "Format PortPulse records (NDJSON) read from the files or stdin.\n"
	        "  -t, --table        aligned columns (default)\n"
	        "      --csv          CSV (RFC 4180) with a header row\n"
	        "  -j, --json         NDJSON, re-serialised\n"
	        "  -f, --fields LIST  columns/keys to show, comma-separated, in order;\n"
	        "                     virtual: time, source, destination, info\n"
	        "  -F, --filter EXPR  only records matching EXPR (see below); repeatable\n"
	        "      --sort LIST    sort by fields, '-' before a field for descending\n"
	        "  -g, --group-by LIST  one row per group: count, bytes, first, last, dests\n"
	        "  -c, --count N      only the first N rows (after sorting/grouping)\n"
	        "      --top          live view: processes and connections, sort, filter,\n"
	        "                     detail (? for its keys; q quits)\n"
	        "  -I, --interval S   --top redraw interval in seconds (default 1)\n"
	        "      --zeek DIR     Zeek logs (conn, dns, ssl, http, ssh) in DIR, Zeek's TSV\n"
	        "      --no-header    no header row (table, CSV)\n"
	        "  -n, --numeric      port numbers instead of service names\n"
	        "      --utc          show times in UTC\n"
	        "      --date         the date with every time (as tcpdump -tttt); by\n"
	        "                     default only for records not from today\n"
	        "  -h, --help         this help\n"
	        "  -V, --version      version\n"
	        "Filter terms (ANDed; '!' negates; values a,b mean either):\n"
	        "  port: sport: dport: src: dst: (CIDR) process: comm: pid: sni: host:\n"
	        "  name: state: proto: type: container: has: FIELD:VALUE FIELD:>N /REGEX/\n"
	        "  FIELD:/REGEX/. A term needs its field ('!rcode:NOERROR' is an rcode\n"
	        "  other than NOERROR; '!has:rcode' has none). A word shaped like a term\n"
	        "  is a term; name a file of that shape as ./NAME.\n");
}

struct state {
	const struct fmt_writer *w;
	struct fmt_opts o;
	struct filter filt;
	struct sortkey *sort;
	int nsort;
	char **group;
	int ngroup;
	struct groups *groups;
	struct recbuf buf;
	long long limit; /* -1: no limit */
	long long written;
	struct pp_wfail out; /* stdout */
	bool *fseen;         /* per -f field: some record had it */
	bool zeek;      /* --zeek: rows go to Zeek's logs, nothing to stdout */
};

/* -f names every record can show: virtual columns, and with -g the
 * aggregates. */
static bool always_there(const struct state *s, const char *f)
{
	static const char *const virt[] = {"time", "source", "destination", "info"};
	static const char *const aggr[] = {"count", "bytes", "first", "last", "dests"};
	for (size_t i = 0; i < PP_ARRAY_LEN(virt); i++)
		if (!strcmp(f, virt[i]))
			return true;
	for (size_t i = 0; s->ngroup && i < PP_ARRAY_LEN(aggr); i++)
		if (!strcmp(f, aggr[i]))
			return true;
	return false;
}

/* Once, at the end: a -f field no record had (a typo, or the wrong
 * records), as filter_warn_unseen does for the filter. */
static void warn_unseen_fields(const struct state *s)
{
	for (int i = 0; s->fseen && i < s->o.nfields; i++) {
		bool again = false;
		for (int j = 0; j < i && !again; j++)
			again = !strcmp(s->o.fields[i], s->o.fields[j]);
		if (!s->fseen[i] && !again)
			pp_warn("-f: no record had the field '%s'", s->o.fields[i]);
	}
}

/* A failed write ends the run (quietly when the reader went away). */
static int check_write(struct state *s, int rc)
{
	if (rc == 0)
		return 0;
	pp_wfail_note(&s->out, errno);
	return 1;
}

static int on_record(struct rec *r, const char *file, unsigned long line, void *ctx)
{
	struct state *s = ctx;
	const char *ty = rec_str(r, "type");
	/* A producer's progress mark (pp-records(5)) is for pp-join, not a row. */
	if (ty && !strcmp(ty, "mark"))
		return 0;
	for (int i = 0; s->fseen && i < s->o.nfields; i++)
		if (!s->fseen[i])
			s->fseen[i] = rec_find(r, s->o.fields[i]) >= 0;
	if (!filter_match(&s->filt, r))
		return 0;
	if (s->zeek) {
		zeek_record(r);
		return 0;
	}
	if (s->groups) {
		grp_add(s->groups, r);
		return 0;
	}
	if (s->nsort) {
		rb_add(&s->buf, r->line, r->len);
		return 0;
	}
	/* -n without sorting: like head, stop reading once enough is out. */
	if (s->limit >= 0 && s->written >= s->limit)
		return 1;
	if (check_write(s, s->w->row(r, &s->o, stdout)))
		return 1;
	return s->limit >= 0 && ++s->written >= s->limit;
}

static int on_idle(void *ctx)
{
	struct state *s = ctx;
	if (s->groups || s->nsort || s->zeek)
		return 0; /* nothing is written before the input ends */
	if (check_write(s, s->w->flush(&s->o, stdout)))
		return 1;
	/* A batch is complete: push it down the pipe now. */
	return pp_wfail_flush(&s->out, stdout) == 0 ? 0 : 1;
}

/* Sorted records or groups, once the input has ended. */
static void write_collected(struct state *s)
{
	struct rec r;
	size_t n = s->buf.n;

	if (s->groups) {
		static const struct sortkey by_count[] = {{"count", true}};
		grp_emit(s->groups, &s->buf);
		n = s->buf.n;
		/* Groups without -s: the biggest first (ties in first-seen order). */
		if (s->nsort)
			rb_sort(&s->buf, s->sort, s->nsort);
		else
			rb_sort(&s->buf, by_count, 1);
	} else {
		rb_sort(&s->buf, s->sort, s->nsort);
	}
	if (s->limit >= 0 && (size_t)s->limit < n)
		n = (size_t)s->limit;
	rec_init(&r);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *line = rb_line(&s->buf, i, &len);
		const char *err;
		if (rec_parse(&r, line, len, &err) < 0)
			continue;
		if (check_write(s, s->w->row(&r, &s->o, stdout)))
			break;
	}
	rec_free(&r);
}

static char **split_list(char *list, int *n, const char *opt)
{
	int cap = 1;
	char **v;
	char *save;
	for (char *p = list; *p; p++)
		cap += *p == ',';
	v = xcalloc((size_t)cap, sizeof(char *));
	*n = 0;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		v[(*n)++] = tok;
	if (*n == 0)
		pp_usage_error("%s needs at least one field name", opt);
	return v;
}

/* Print the expression with a caret under the mistake, as jq and tcpdump
 * users know it, and end with status 2. The parser counts bytes; people
 * count characters, so the column and the caret are in terminal columns of
 * the expression as it is echoed (terminal-safe, controls escaped). */
static void __attribute__((noreturn)) filter_error(const char *expr, int col, const char *msg)
{
	struct sbuf echo;
	size_t len = strlen(expr), at = col > 0 ? (size_t)col - 1 : 0, w;
	sb_init(&echo);
	ts_put(&echo, expr, at < len ? at : len);
	w = ts_width(echo.s, echo.len);
	if (at < len)
		ts_put(&echo, expr + at, len - at);
	pp_warn("filter: column %zu: %s", w + 1, msg);
	fprintf(stderr, "  %s\n  %*s^\n", echo.s, (int)w, "");
	sb_free(&echo);
	exit(PP_EXIT_USAGE);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* -c N. It was CSV until the letters were unified (docs/options.md):
 * `pp-fmt -c log.jsonl` or `-c -f ...` says what it means now. */
static long long count_arg(const char *arg)
{
	if (!all_digits(arg) && !(arg[0] == '-' && all_digits(arg + 1)))
		pp_usage_error("-c: '%s' is not a count; -c N is now the first N rows "
		               "(as in tcpdump), CSV is --csv",
		               arg);
	return pp_opt_ll("-c", arg, 0, 1LL << 62);
}

/* A wrong option: getopt has said which; for a letter that meant
 * something else before the letters were unified, also what it is now. */
static void __attribute__((noreturn)) bad_option(int opt)
{
	if (opt == 'c')
		pp_warn("-c N is now a count (the first N rows, as in tcpdump); CSV is --csv");
	else if (opt == 's')
		pp_warn("sorting is --sort (-s is pp-sniff's snaplen)");
	else if (opt == 'u')
		pp_warn("UTC is --utc (-u is pp-trace's user)");
	pp_bad_option(synopsis);
}

static void add_expr(struct sbuf *e, const char *s)
{
	if (e->len)
		sb_putc(e, ' ');
	sb_puts(e, s);
}

int main(int argc, char **argv)
{
	enum { OPT_NOHEADER = 256, OPT_CSV, OPT_SORT, OPT_UTC, OPT_TOP, OPT_DATE, OPT_ZEEK };
	/* Letters as in the other commands and tcpdump (docs/options.md):
	 * -c N a count, -n numeric; CSV, sorting and UTC are long only.
	 * --limit is the old name of --count. */
	static const struct option longopts[] = {
		{"table", no_argument, NULL, 't'}, {"csv", no_argument, NULL, OPT_CSV},
		{"json", no_argument, NULL, 'j'}, {"fields", required_argument, NULL, 'f'},
		{"filter", required_argument, NULL, 'F'}, {"sort", required_argument, NULL, OPT_SORT},
		{"group-by", required_argument, NULL, 'g'}, {"count", required_argument, NULL, 'c'},
		{"limit", required_argument, NULL, 'c'},
		{"top", no_argument, NULL, OPT_TOP}, {"interval", required_argument, NULL, 'I'},
		{"zeek", required_argument, NULL, OPT_ZEEK},
		{"no-header", no_argument, NULL, OPT_NOHEADER},
		{"numeric", no_argument, NULL, 'n'}, {"utc", no_argument, NULL, OPT_UTC},
		{"date", no_argument, NULL, OPT_DATE},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct state s = {.w = &fmt_table_writer, .o = {.header = true}, .limit = -1};
	struct rin_stats st;
	struct sbuf expr;
	char **files;
	const char **gcols = NULL;
	bool top = false, interval_set = false;
	double interval = 1;
	int ch, rc, nfiles = 0;
	char *sortarg = NULL;
	const char *zeekdir = NULL;

	pp_setprog(argv[0]);
	argv[0] = (char *)pp_progname; /* getopt's messages: "pp-x: ...", no path */
	pp_out_init();
	sb_init(&expr);
	while ((ch = getopt_long(argc, argv, "tjc:nf:F:g:I:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': s.w = &fmt_table_writer; break;
		case OPT_CSV: s.w = &fmt_csv_writer; break;
		case 'j': s.w = &fmt_json_writer; break;
		case 'f':
			free(s.o.fields);
			s.o.fields = split_list(optarg, &s.o.nfields, "-f");
			break;
		case 'F': add_expr(&expr, optarg); break;
		case OPT_SORT: sortarg = optarg; break;
		case 'g':
			free(s.group);
			s.group = split_list(optarg, &s.ngroup, "-g");
			break;
		case 'c': s.limit = count_arg(optarg); break;
		case 'n': s.o.numeric = true; break;
		case 'I':
			interval = pp_opt_duration("-I", optarg);
			interval_set = true;
			break;
		case OPT_TOP: top = true; break;
		case OPT_ZEEK: zeekdir = optarg; break;
		case OPT_NOHEADER: s.o.header = false; break;
		case OPT_UTC: s.o.utc = true; break;
		case OPT_DATE: s.o.date = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': pp_print_version(); return 0;
		default: bad_option(optopt);
		}
	}
	argc -= optind;
	argv += optind;

	/* Words shaped like filter terms are terms, the rest are files. */
	files = xcalloc((size_t)argc + 1, sizeof(*files));
	for (int i = 0; i < argc; i++) {
		if (filter_word(argv[i]))
			add_expr(&expr, argv[i]);
		else
			files[nfiles++] = argv[i];
		/* `-n 10` as it was (the first 10 rows): 10 is no file. */
		if (s.o.numeric && !filter_word(argv[i]) && all_digits(argv[i]) &&
		    access(argv[i], F_OK) < 0)
			pp_usage_error("%s: no such file; -n is now --numeric (as in tcpdump), "
			               "the first N rows are -c N",
			               argv[i]);
	}
	if (expr.len) {
		int col;
		char err[256];
		if (filter_parse(&s.filt, expr.s, &col, err, sizeof(err)) < 0)
			filter_error(expr.s, col, err);
	}
	if (sortarg)
		s.nsort = sortkeys_parse(sortarg, &s.sort);
	if (interval < 0.05)
		pp_usage_error("-I: interval must be at least 0.05 seconds");
	if (interval_set && !top)
		pp_usage_error("-I is the redraw interval of --top; without --top it means nothing");

	if (top) {
		if (zeekdir)
			pp_usage_error("--top cannot be combined with --zeek");
		if (s.nsort || s.ngroup || s.limit >= 0)
			pp_usage_error("--top cannot be combined with --sort, -g or -c");
		rc = top_run(files, nfiles, &s.filt, s.o.numeric, s.o.utc, interval);
		filter_free(&s.filt);
		free(files);
		sb_free(&expr);
		free(s.o.fields);
		return rc;
	}

	if (zeekdir) {
		if (s.nsort || s.ngroup || s.limit >= 0 || s.o.fields)
			pp_usage_error("--zeek cannot be combined with --sort, -g, -c or -f");
		if (zeek_open(zeekdir, s.o.utc) < 0)
			return PP_EXIT_RUNTIME;
		s.zeek = true;
		memset(&st, 0, sizeof(st));
		rin_run(files, nfiles, on_record, on_idle, &s, &st);
		rc = zeek_close();
		rin_report(&st);
		filter_free(&s.filt);
		free(files);
		sb_free(&expr);
		if (rc < 0 || st.bad_lines || st.bad_files)
			return PP_EXIT_RUNTIME;
		return PP_EXIT_OK;
	}

	s.o.human = s.w == &fmt_table_writer;
	if (s.o.human && isatty(STDOUT_FILENO)) {
		const char *nc = getenv("NO_COLOR");
		s.o.color = !nc || !*nc;
	}
	if (s.ngroup) {
		s.groups = grp_new(s.group, s.ngroup);
		if (!s.o.fields) {
			grp_default_columns(s.group, s.ngroup, &gcols, &s.o.nfields);
			s.o.fields = (char **)gcols;
		}
	}
	rb_init(&s.buf);
	if (s.o.fields && !gcols) {
		s.fseen = xcalloc((size_t)s.o.nfields, sizeof(*s.fseen));
		for (int i = 0; i < s.o.nfields; i++)
			s.fseen[i] = always_there(&s, s.o.fields[i]);
	}

	memset(&st, 0, sizeof(st));
	if (check_write(&s, s.w->begin(&s.o, stdout)) == 0) {
		rin_run(files, nfiles, on_record, on_idle, &s, &st);
		if (!pp_wfail_ended(&s.out) && (s.groups || s.nsort))
			write_collected(&s);
	}
	if (!pp_wfail_ended(&s.out))
		check_write(&s, s.w->end(&s.o, stdout));
	rin_report(&st);
	if (st.records) {
		warn_unseen_fields(&s);
		filter_warn_unseen(&s.filt);
	}
	free(s.fseen);
	free(s.o.fields);
	free(s.group);
	free(s.sort);
	free(files);
	grp_free(s.groups);
	rb_free(&s.buf);
	filter_free(&s.filt);
	sb_free(&expr);

	if (pp_wfail_close(&s.out, stdout) != PP_EXIT_OK)
		return PP_EXIT_RUNTIME;
	if (st.bad_lines || st.bad_files)
		return PP_EXIT_RUNTIME;
	return PP_EXIT_OK;
}
