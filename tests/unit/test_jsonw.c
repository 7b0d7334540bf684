/* The JSON writer on every byte value and on random byte strings: each
 * output line must be valid JSON to jq, and must read back through our
 * record reader as the same string (valid UTF-8) or the documented
 * replacement (invalid bytes -> U+FFFD). */
#include <iconv.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "jsonw.h"
#include "rec.h"

static bool valid_utf8(const char *s, size_t n)
{
	iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
	char out[4 * 4096 + 16], *in = (char *)s, *o = out;
	size_t il = n, ol = sizeof(out);
	bool ok = iconv(cd, &in, &il, &o, &ol) != (size_t)-1 && il == 0;
	iconv_close(cd);
	return ok;
}

/* Serialise s as {"type":"t","ts":0.000001,"s":"..."} into f, and check the
 * reader gives it back. */
static void roundtrip(FILE *f, const unsigned char *s, size_t n)
{
	struct jw w;
	struct rec r;
	const char *err, *back;
	size_t blen;

	jw_init(&w);
	rec_init(&r);
	jw_rec_begin(&w, "t", 1);
	jw_strn(&w, "s", s, n);
	jw_obj_close(&w);
	CHECK(rec_parse(&r, w.buf, w.len, &err) == 0);
	back = rec_tok_str(&r, rec_find(&r, "s"), &blen);
	CHECK(back != NULL);
	if (back) {
		/* Output is always valid UTF-8 with no raw controls. */
		CHECK(valid_utf8(back, blen));
		if (valid_utf8((const char *)s, n))
			CHECK(blen == n && !memcmp(back, s, n));
	}
	for (size_t i = 0; i < w.len; i++)
		CHECK((unsigned char)w.buf[i] >= 0x20);
	fwrite(w.buf, 1, w.len, f);
	fputc('\n', f);
	rec_free(&r);
	jw_free(&w);
}

int main(void)
{
	char path[] = "/tmp/pp-jsonw.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	unsigned char buf[64];
	char cmd[256];

	CASE("every byte value");
	for (int b = 0; b < 256; b++) {
		buf[0] = (unsigned char)b;
		roundtrip(f, buf, 1);
		buf[0] = 'a', buf[1] = (unsigned char)b, buf[2] = 'z';
		roundtrip(f, buf, 3);
	}
	CASE("random strings");
	srand(12345);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % 40);
		for (size_t k = 0; k < n; k++)
			buf[k] = (unsigned char)(rand() % 4 ? rand() % 256 : 0x80 + rand() % 0x40);
		roundtrip(f, buf, n);
	}
	CASE("known escapes");
	{
		struct jw w;
		jw_init(&w);
		jw_rec_begin(&w, "x", 1700000000123456ull);
		jw_str(&w, "q", "a\"b\\c\n\x01\x7f");
		jw_strn(&w, "bad", "\xff\xc3(", 3);
		jw_strn(&w, "c1", "\xc2\x85", 2);
		jw_arr_open(&w, "arr");
		jw_int(&w, NULL, -5);
		jw_num(&w, NULL, 0.25);
		jw_bool(&w, NULL, true);
		jw_arr_close(&w);
		jw_num(&w, "nan", 0.0 / 0.0);
		jw_obj_close(&w);
		jw_put(&w, "", 1);
		CHECK_STR(w.buf, "{\"type\":\"x\",\"ts\":1700000000.123456,\"q\":\"a\\\"b\\\\c\\n\\u0001\\u007f\","
		                 "\"bad\":\"\xef\xbf\xbd\xef\xbf\xbd(\",\"c1\":\"\\u0085\",\"arr\":[-5,0.25,true]}");
		jw_free(&w);
	}
	fclose(f);
	CASE("jq accepts every line");
	snprintf(cmd, sizeof(cmd), "jq -c . < %s > /dev/null", path);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "test $(jq -c . < %s | wc -l) = $(wc -l < %s)", path, path);
	CHECK(system(cmd) == 0);
	unlink(path);
	return check_done("jsonw");
}
