// seed-files: tests/data/*.jsonl tests/golden/*.out
/* libFuzzer target: the record reader as the commands use it. The input is
 * a stream read by the bounded line reader (from a memfd, with a small line
 * limit so that the over-long-line path is exercised too); every line goes
 * through rec_parse, every token through the typed accessors (which must
 * agree with each other), and every record that parses is written again
 * with the JSON writer and must parse again with the same keys: what our
 * writer produces, our reader reads. Every line also goes through the
 * reference reader (jsmn and the grammar walk), which must give the same
 * verdict, message and tokens.
 *
 * Speed: inputs are capped at 2 KiB (a few records) unless -max_len says
 * otherwise. The seed files are whole golden outputs of 20 KiB, which
 * libFuzzer would otherwise take as its length limit: ten times the work
 * per execution for the same coverage, as every record is one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_maxlen.h"
#include "jsonw.h"
#include "linereader.h"
#include "rec.h"
#include "../unit/rec_ref.h"

#define FUZZ_MAX_LINE 1024
#define FUZZ_MAX_LEN "-max_len=2048"

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
	size_t n, tn;
	int nkeys, nkeys2, it, k;

	(void)rec_str(r, "type");
	(void)rec_num(r, "ts", &d);
	(void)rec_i64(r, "pid", &ll);
	(void)rec_i64(r, "sport", &ll);
	for (unsigned t = 0; t < r->ntok; t++) {
		const char *s = rec_tok_str(r, (int)t, &n), *tx;
		if (s) {
			must(n <= (size_t)(r->tok[t].end - r->tok[t].start), "unescaped longer than raw");
			must(rec_tok_eq(r, (int)t, s, n), "a string is not equal to its own text");
			tx = rec_tok_text(r, (int)t, &tn);
			must(tx && tn == n && !memcmp(tx, s, n), "rec_tok_text differs from rec_tok_str");
		}
		(void)rec_tok_num(r, (int)t, &d);
		must(rec_skip(r, (int)t) > (int)t && rec_skip(r, (int)t) <= (int)r->ntok,
		     "rec_skip out of range");
		if (r->tok[t].type == JSMN_OBJECT)
			(void)rec_member(r, (int)t, "data");
	}
	/* Every key's lookup, one at a time and all at once, finds the last
	 * member of that name. */
	{
		struct rec_key keys[8];
		int nk = 0, got[8];
		it = 0;
		while ((k = rec_next_key(r, &it)) >= 0 && nk < 8) {
			const char *key = rec_tok_str(r, k, &n);
			if (key && strlen(key) == n)
				keys[nk++] = (struct rec_key){key, n};
		}
		rec_find_keys(r, keys, nk, got);
		for (int i = 0; i < nk; i++) {
			must(got[i] > 0, "rec_find_keys misses a key");
			must(got[i] == rec_find(r, keys[i].name), "rec_find and rec_find_keys disagree");
		}
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
		nkeys2 = 0;
		it = 0;
		while (rec_next_key(&r2, &it) >= 0)
			nkeys2++;
		must(nkeys == nkeys2, "key count changed by a round trip");
		rec_free(&r2);
		free(copy);
	}
}

/* Cap the input length (see the top), unless the command line sets one. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return fuzz_default_max_len(argc, argv, FUZZ_MAX_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct lr lr;
	struct rec r, ref;
	struct jw w;
	char *line;
	size_t len;
	int t;

	if (fd < 0 && (fd = memfd_create("fuzz_rec", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	lr_init(&lr, fd, "fuzz", FUZZ_MAX_LINE);
	rec_init(&r);
	rec_init(&ref);
	jw_init(&w);
	while ((t = lr_next(&lr, &line, &len)) != LR_EOF && t != LR_ERROR) {
		const char *err;
		if (t != LR_LINE)
			continue;
		must(len <= FUZZ_MAX_LINE, "line longer than the limit");
		must(rec_same_as_ref(&r, &ref, line, len), "rec_parse and the reference reader disagree");
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
	rec_free(&ref);
	lr_free(&lr);
	return 0;
}
