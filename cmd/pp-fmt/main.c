/* pp-fmt: PortPulse records as a table, CSV or JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "pp.h"
#include "recinput.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pp-fmt [-jct] [-f field,...] [--no-header] [-u] [file ...]\n"
	        "Format PortPulse records (NDJSON) read from the files or stdin.\n"
	        "  -t, --table        aligned columns (default)\n"
	        "  -c, --csv          CSV (RFC 4180) with a header row\n"
	        "  -j, --json         NDJSON, re-serialised\n"
	        "  -f, --fields LIST  columns/keys to show, comma-separated, in order;\n"
	        "                     virtual: time, source, destination, info\n"
	        "      --no-header    no header row (table, CSV)\n"
	        "  -u, --utc          show times in UTC\n"
	        "  -h, --help         this help\n"
	        "  -V, --version      version\n");
}

struct state {
	const struct fmt_writer *w;
	struct fmt_opts o;
	bool write_failed;
	bool quiet_end; /* reader went away */
};

/* A failed write ends the run: quietly when the reader went away (EPIPE,
 * e.g. "| head"), with a message and status 1 otherwise (ENOSPC...). */
static int check_write(struct state *s, int rc)
{
	if (rc == 0)
		return 0;
	if (errno == EPIPE)
		s->quiet_end = true;
	else if (!s->write_failed) {
		pp_warn_errno("write error");
		s->write_failed = true;
	}
	return 1;
}

static int on_record(struct rec *r, const char *file, unsigned long line, void *ctx)
{
	struct state *s = ctx;
	return check_write(s, s->w->row(r, &s->o, stdout));
}

static int on_idle(void *ctx)
{
	struct state *s = ctx;
	if (check_write(s, s->w->flush(&s->o, stdout)))
		return 1;
	/* A batch is complete: push it down the pipe now. */
	return fflush(stdout) == 0 ? 0 : check_write(s, -1);
}

static void split_fields(struct fmt_opts *o, char *list)
{
	int n = 1;
	for (char *p = list; *p; p++)
		n += *p == ',';
	o->fields = calloc((size_t)n, sizeof(char *));
	if (!o->fields)
		pp_die(PP_EXIT_RUNTIME, "out of memory");
	o->nfields = 0;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
		o->fields[o->nfields++] = tok;
	if (o->nfields == 0)
		pp_usage_error("-f needs at least one field name");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"table", no_argument, NULL, 't'}, {"csv", no_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'}, {"fields", required_argument, NULL, 'f'},
		{"no-header", no_argument, NULL, 'H'}, {"utc", no_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct state s = {.w = &fmt_table_writer, .o = {.header = true}};
	struct rin_stats st;
	int ch, rc;

	pp_setprog(argv[0]);
	pp_out_init();
	while ((ch = getopt_long(argc, argv, "tcjf:uhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': s.w = &fmt_table_writer; break;
		case 'c': s.w = &fmt_csv_writer; break;
		case 'j': s.w = &fmt_json_writer; break;
		case 'f': split_fields(&s.o, optarg); break;
		case 'H': s.o.header = false; break;
		case 'u': s.o.utc = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': pp_print_version(); return 0;
		default: usage(stderr); return PP_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	memset(&st, 0, sizeof(st));
	if (check_write(&s, s.w->begin(&s.o, stdout)) == 0)
		rin_run(argv, argc, on_record, on_idle, &s, &st);
	if (!s.quiet_end && !s.write_failed)
		check_write(&s, s.w->end(&s.o, stdout));
	rin_report(&st);
	free(s.o.fields);

	rc = s.quiet_end || s.write_failed ? 0 : pp_out_close(stdout);
	if (s.write_failed || rc == -2)
		return PP_EXIT_RUNTIME;
	if (st.bad_lines || st.bad_files)
		return PP_EXIT_RUNTIME;
	return PP_EXIT_OK;
}
