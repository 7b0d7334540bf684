/* Shared record input loop. See recinput.h. */
#include "recinput.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "linereader.h"
#include "pp.h"

static bool has_input_ready(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) != 0;
}

/* 1: stop requested, 0: file done, -1: read error */
static int run_fd(int fd, const char *name, struct rec *rec, rin_record_fn on_record,
                  rin_idle_fn on_idle, void *ctx, struct rin_stats *st)
{
	struct lr lr;
	char *line;
	size_t len;
	int rc = 0;

	lr_init(&lr, fd, name, LR_DEFAULT_MAX);
	for (;;) {
		int t = lr_take(&lr, &line, &len);
		if (t == LR_AGAIN) {
			if (on_idle && !has_input_ready(fd) && on_idle(ctx)) {
				rc = 1;
				break;
			}
			if (lr_fill(&lr) == LR_ERROR) {
				pp_warn_errno("%s: read error", name);
				st->bad_files++;
				rc = -1;
				break;
			}
			continue;
		}
		if (t == LR_EOF)
			break;
		if (t == LR_TOOLONG) {
			pp_warn_at(name, lr.lineno, "line longer than %zu bytes, skipped", lr.max);
			st->bad_lines++;
			continue;
		}
		{
			const char *err;
			/* Blank lines are tolerated, as jq does. */
			size_t i = 0;
			while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
				i++;
			if (i == len)
				continue;
			if (rec_parse(rec, line, len, &err) < 0) {
				pp_warn_at(name, lr.lineno, "%s, skipped", err);
				st->bad_lines++;
				continue;
			}
		}
		st->records++;
		if (on_record(rec, name, lr.lineno, ctx)) {
			rc = 1;
			break;
		}
	}
	lr_free(&lr);
	return rc;
}

int rin_run(char **files, int nfiles, rin_record_fn on_record, rin_idle_fn on_idle, void *ctx,
            struct rin_stats *st)
{
	struct rec rec;
	char *dash[] = {"-"};
	int rc = 0;

	memset(st, 0, sizeof(*st));
	rec_init(&rec);
	if (nfiles == 0) {
		files = dash;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles && rc != 1; i++) {
		int fd;
		const char *name = files[i];
		if (!strcmp(name, "-")) {
			fd = STDIN_FILENO;
			name = "-";
		} else if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
			pp_warn_errno("%s", name);
			st->bad_files++;
			continue;
		}
		rc = run_fd(fd, name, &rec, on_record, on_idle, ctx, st);
		if (fd != STDIN_FILENO)
			close(fd);
	}
	rec_free(&rec);
	return rc == 1 ? 1 : 0;
}

void rin_report(const struct rin_stats *st)
{
	if (st->bad_lines)
		pp_warn("%lu malformed line%s skipped", st->bad_lines, st->bad_lines == 1 ? "" : "s");
}
