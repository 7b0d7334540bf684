// seed-files: tests/fuzz/seeds/fuzz_rec/*
/* The terminal-safe printer on arbitrary bytes: its output never holds a
 * C0 control, DEL or C1 code point and is valid UTF-8; its width equals
 * what ts_width says; cuts (at the end and in the middle) never exceed
 * their width and stay valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "termsafe.h"

static void check_clean(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned cp;
		size_t len = ts_utf8((const unsigned char *)s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			abort();
		i += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf safe, cut;
	size_t w, maxw = size ? data[0] % 64 : 0;
	sb_init(&safe);
	sb_init(&cut);
	ts_put(&safe, (const char *)data, size);
	check_clean(safe.s, safe.len);
	w = ts_width(safe.s, safe.len);
	if (ts_put_cut(&cut, safe.s, safe.len, maxw) > maxw || ts_width(cut.s ? cut.s : "", cut.len) > (w < maxw ? w : maxw))
		abort();
	check_clean(cut.s ? cut.s : "", cut.len);
	sb_reset(&cut);
	if (ts_put_cut_mid(&cut, safe.s, safe.len, maxw, size > 1 ? data[1] % 16 : 0) > maxw ||
	    ts_width(cut.s ? cut.s : "", cut.len) > maxw)
		abort();
	check_clean(cut.s ? cut.s : "", cut.len);
	sb_free(&safe);
	sb_free(&cut);
	return 0;
}
