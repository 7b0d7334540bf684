// uses:
// seed-files: tests/data/*.jsonl tests/golden/*.out
/* libFuzzer target: the record reader as the commands use it. The input is
 * a stream read by the bounded line reader (from a memfd, with a small line
 * limit so that the over-long-line path is exercised too); every line goes
 * through rec_parse, every token through the typed accessors, and every
 * record that parses is written again with the JSON writer and must parse
 * again with the same keys: what our writer produces, our reader reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jsonw.h"
#include "linereader.h"
#include "rec.h"

#define FUZZ_MAX_LINE 4096

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_rec: invariant broken: %s\n", what);
		abort();
	}
}

/* Write r again: string values through the escaper, the rest raw. */
static void rewrite(struct rec *r, struct jw *w, int *nkeys)
{
	int it = 0, k;
	jw_reset(w);
	jw_obj_open(w, NULL);
	*nkeys = 0;
	while ((k = rec_next_key(r, &it)) >= 0) {
		size_t kl, vl;
		const char *key = rec_tok_str(r, k, &kl), *v;
		(*nkeys)++;
		if (!key)
			key = "?"; /* a bad escape in the key */
		if (rec_tok_is_str(r, k + 1) && (v = rec_tok_str(r, k + 1, &vl)))
			jw_strn(w, key, v, vl);
		else if (!rec_tok_is_str(r, k + 1)) {
			v = rec_tok_raw(r, k + 1, &vl);
			jw_raw(w, key, v, vl);
		} else
			jw_str(w, key, "bad escape");
	}
	jw_obj_close(w);
}

static void exercise(struct rec *r, struct jw *w)
{
	double d;
	long long ll;
	size_t n;
	int nkeys, nkeys2;

	(void)rec_str(r, "type");
	(void)rec_num(r, "ts", &d);
	(void)rec_i64(r, "pid", &ll);
	(void)rec_i64(r, "sport", &ll);
	for (unsigned t = 0; t < r->ntok; t++) {
		const char *s = rec_tok_str(r, (int)t, &n);
		if (s)
			must(n <= (size_t)(r->tok[t].end - r->tok[t].start), "unescaped longer than raw");
		(void)rec_tok_num(r, (int)t, &d);
		must(rec_skip(r, (int)t) > (int)t, "rec_skip does not advance");
	}
	rewrite(r, w, &nkeys);
	{
		/* Parse our own output; a copy, since r's line is w's input. */
		struct rec r2;
		const char *err;
		char *copy = malloc(w->len + 1);
		must(copy != NULL, "malloc");
		memcpy(copy, w->buf, w->len);
		copy[w->len] = '\0';
		rec_init(&r2);
		if (rec_parse(&r2, copy, w->len, &err) < 0) {
			fprintf(stderr, "fuzz_rec: own output rejected (%s): %.*s\n", err, (int)w->len,
			        w->buf);
			abort();
		}
		rewrite(&r2, w, &nkeys2);
		must(nkeys == nkeys2, "key count changed by a round trip");
		rec_free(&r2);
		free(copy);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct lr lr;
	struct rec r;
	struct jw w;
	char *line;
	size_t len;
	int t;

	if (fd < 0 && (fd = memfd_create("fuzz_rec", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (lr_init(&lr, fd, "fuzz", FUZZ_MAX_LINE) < 0)
		abort();
	rec_init(&r);
	jw_init(&w);
	while ((t = lr_next(&lr, &line, &len)) != LR_EOF && t != LR_ERROR) {
		const char *err;
		if (t != LR_LINE)
			continue;
		must(len <= FUZZ_MAX_LINE, "line longer than the limit");
		if (rec_parse(&r, line, len, &err) == 0)
			exercise(&r, &w);
		else
			must(err && *err, "error without a message");
	}
	{
		/* The unescaper alone on the raw bytes (must never outgrow). */
		char *out = malloc(size + 1);
		long l = json_unescape((const char *)data, size, out);
		must(l < 0 || (size_t)l <= size, "json_unescape outgrew its input");
		free(out);
	}
	jw_free(&w);
	rec_free(&r);
	lr_free(&lr);
	return 0;
}
