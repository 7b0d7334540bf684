/* pp-join's record handling on arbitrary lines: reading them with the one
 * reader (common/rec.c) and summarising them, learning sockets, flows and
 * DNS answers (CNAME chains), matching and writing the records again.
 * Every written record must still be one line that starts with '{' and
 * ends with '}'. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-join/join.h"

static struct jtab tab;

/* A line of the input: its own exactly-sized copy (so that ASan sees a
 * read past its end), and the record read from it in pass 1. */
struct line {
	char *s;
	bool ok;
	struct jrec j;
};

/* Pass 1: every line read once (as pp-join reads it: "no line is parsed
 * twice"), its record ingested and kept for pass 2. Returns the lines. */
static struct line *read_lines(const uint8_t *data, size_t size, size_t *nlines)
{
	struct rec r;
	struct sbuf keep;
	struct line *lines = NULL;
	size_t i = 0, n = 0, cap = 0;
	uint64_t no = 0;

	rec_init(&r);
	sb_init(&keep);
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		struct line *l;
		const char *err;
		struct jkeep k;

		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			lines = realloc(lines, cap * sizeof(*lines));
			if (!lines)
				abort();
		}
		l = &lines[n++];
		l->s = malloc(len + 1);
		if (!l->s)
			abort();
		memcpy(l->s, data + i, len);
		l->s[len] = '\0';
		l->ok = jparse(&r, l->s, len, &l->j, &k, &keep, &err);
		if (l->ok) {
			l->j.rec_no = ++no;
			l->j.asof = INT64_MAX; /* decided knowing everything, as at the end of input */
			ingest(&tab, &l->j, &k, keep.s, 0);
		}
		i += len + 1;
	}
	rec_free(&r);
	sb_free(&keep);
	*nlines = n;
	return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One memory stream for every input, rewound (a new one was a
	 * zeroed 8 KiB buffer per input): its size is where writing ended. */
	static FILE *out;
	static char *buf;
	static size_t blen;
	size_t nlines;
	struct line *lines;

	jconf.window = 2000000;
	jconf.max_ttl = 3600000000LL;
	jconf.min_ttl = 10000000;
	jconf.linger = 120000000;
	jconf.max_flows = 8; /* small, so that eviction runs too */
	if (!out && !(out = open_memstream(&buf, &blen)))
		abort();
	rewind(out);
	table_init(&tab);
	names_init();
	emit_init();
	lines = read_lines(data, size, &nlines);
	/* Pass 2: each record written out again, matched against all. */
	for (size_t i = 0; i < nlines; i++) {
		if (lines[i].ok)
			emit_record(&tab, lines[i].s, &lines[i].j, out);
		free(lines[i].s);
	}
	free(lines);
	table_expire(&tab, INT64_MAX / 2, true, NULL, NULL);
	names_expire(INT64_MAX / 2);
	table_count_unmatched(&tab);
	table_free(&tab);
	names_free();
	emit_free();
	if (fflush(out) != 0)
		abort();
	for (size_t k = 0; k < blen;) {
		char *nl = memchr(buf + k, '\n', blen - k);
		if (!nl || buf[k] != '{' || nl[-1] != '}')
			abort();
		k = (size_t)(nl - buf) + 1;
	}
	return 0;
}
