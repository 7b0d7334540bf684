// seed-files: tests/data/conns.jsonl
/* --top's model and screen on arbitrary input: lines before an empty line
 * are records, then two bytes give the terminal's size and the rest are
 * keys (0xf0..0xf9 are the special keys). A frame is drawn before the
 * first key, after the last, at 0xfa (the end of one read from the
 * terminal: top.c decodes every key of a read, then draws) and at 0xfb R C
 * (a resize to R x C). Frames must hold no control byte other than our own
 * ESC sequences and CR LF, and be valid UTF-8 outside them.
 *
 * Speed: inputs are capped at 4 KiB (some 15 records, more than a small
 * screen shows) and at FUZZ_MAX_KEYS keys and as many frames. The seeds are 8 KiB files, and
 * up to 200 keys each drew a frame of up to 70x220 cells: a few hundred
 * inputs a second, for no code that 4 KiB and 48 keys do not reach. Then
 * a frame after every key kept it at 385 a second (perf: half the time
 * in tv_render and check_frame); and it never gave two keys in one read,
 * which top.c sees when keys come fast (a paste, a held key): drawing
 * where the input says so reaches both. The checker is left out of the
 * coverage: its branches say nothing about the code under test. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_maxlen.h"
#include "rec.h"
#include "sbuf.h"
#include "termsafe.h"
#include "../../cmd/pp-fmt/top_view.h"

/* (gcc builds the replay, which has no coverage to leave out) */
#ifdef __clang__
#define NO_COVERAGE __attribute__((noinline, no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

NO_COVERAGE static void check_frame(const struct sbuf *f)
{
	const unsigned char *p = (const unsigned char *)f->s;
	size_t i = 0, n = f->len;
	while (i < n) {
		unsigned cp;
		size_t len;
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			/* Most of a frame: printable ASCII, no decoding. */
			i++;
			continue;
		}
		if (p[i] == 0x1b) {
			/* Ours: CSI [?0-9;]* final letter. */
			size_t j = i + 1;
			if (j >= n || p[j] != '[')
				abort();
			for (j++; j < n && (p[j] == '?' || p[j] == ';' || (p[j] >= '0' && p[j] <= '9')); j++)
				;
			if (j >= n || !p[j] || !strchr("mHKJhl", p[j]))
				abort();
			i = j + 1;
			continue;
		}
		if (p[i] == '\r' || p[i] == '\n') {
			i++;
			continue;
		}
		len = ts_utf8(p + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			abort();
		i += len;
	}
}

#define FUZZ_MAX_KEYS 48
#define KEY_DRAW 0xfa
#define KEY_RESIZE 0xfb

static void draw(struct topview *v, struct sbuf *frame, int rows, int cols)
{
	sb_reset(frame);
	tv_render(v, frame, rows, cols, 1, "reading");
	check_frame(frame);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return fuzz_default_max_len(argc, argv, "-max_len=4096");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topview *v = tv_new(false, true, size > 0 && (data[0] & 1));
	struct sbuf frame;
	struct rec r;
	size_t i = 0, keys, nkeys = 0, ndraws = 0;
	bool pending = false; /* keys since the last frame */
	int rows = 24, cols = 80;
	rec_init(&r);
	sb_init(&frame);
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		const char *err;
		if (len == 0) {
			i++;
			break;
		}
		if (rec_parse(&r, (const char *)data + i, len, &err) == 0)
			tv_record(v, &r);
		i += len + (nl != NULL);
	}
	keys = i;
	if (keys < size) {
		rows = 1 + data[keys] % 70;
		cols = 1 + (size > keys + 1 ? data[keys + 1] : 80) % 220;
	}
	draw(v, &frame, rows, cols);
	for (size_t k = keys + 2; k < size && nkeys < FUZZ_MAX_KEYS && ndraws < FUZZ_MAX_KEYS; k++) {
		if (data[k] == KEY_DRAW || (data[k] == KEY_RESIZE && k + 2 < size)) {
			if (data[k] == KEY_RESIZE) {
				rows = 1 + data[k + 1] % 70;
				cols = 1 + data[k + 2] % 220;
				k += 2;
			}
			draw(v, &frame, rows, cols);
			ndraws++;
			pending = false;
			continue;
		}
		int key = data[k] >= 0xf0 && data[k] <= 0xf9 ? TK_UP + (data[k] - 0xf0) : data[k];
		if (tv_key(v, key))
			goto out;
		nkeys++;
		pending = true;
	}
	if (pending)
		draw(v, &frame, rows, cols);
out:
	sb_free(&frame);
	rec_free(&r);
	tv_free(v);
	return 0;
}
