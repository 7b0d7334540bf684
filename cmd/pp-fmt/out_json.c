/* --json: records re-serialised as NDJSON (strings re-escaped by our writer,
 * so whatever came in goes out as valid, terminal-safe JSON). */
#include <string.h>

#include "fmt.h"
#include "jsonw.h"

static struct jw w;

static int json_begin(const struct fmt_opts *o, FILE *f)
{
	jw_init(&w);
	return 0;
}

static void member(struct rec *r, int k)
{
	size_t kl;
	const char *key = rec_tok_str(r, k, &kl);
	int v = k + 1;
	char keybuf[256];

	if (!key)
		return;
	/* Keys with NUL bytes cannot be C strings: keep what precedes it. */
	snprintf(keybuf, sizeof(keybuf), "%s", key);
	if (rec_tok_is_str(r, v)) {
		size_t n;
		const char *s = rec_tok_str(r, v, &n);
		if (s)
			jw_strn(&w, keybuf, s, n);
	} else {
		size_t n;
		const char *raw = rec_tok_raw(r, v, &n);
		jw_raw(&w, keybuf, raw, n);
	}
}

static int json_row(struct rec *r, const struct fmt_opts *o, FILE *f)
{
	jw_reset(&w);
	jw_obj_open(&w, NULL);
	if (o->fields) {
		for (int i = 0; i < o->nfields; i++) {
			int v = rec_find(r, o->fields[i]);
			if (v >= 0)
				member(r, v - 1);
		}
	} else {
		int it = 0, k;
		while ((k = rec_next_key(r, &it)) >= 0)
			member(r, k);
	}
	jw_obj_close(&w);
	jw_put(&w, "\n", 1);
	return fwrite(w.buf, 1, w.len, f) == w.len ? 0 : -1;
}

static int json_flush(const struct fmt_opts *o, FILE *f)
{
	return 0;
}

static int json_end(const struct fmt_opts *o, FILE *f)
{
	jw_free(&w);
	return 0;
}

const struct fmt_writer fmt_json_writer = {json_begin, json_row, json_flush, json_end};
