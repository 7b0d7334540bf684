/* termsafe: every byte value and every C1 code point comes out as visible
 * escapes (no C0, DEL or C1 left, output valid UTF-8), printable UTF-8 is
 * kept, widths count columns (wide 2, combining 0), and cuts never split a
 * character nor lose an endpoint's port. */
#include <stdlib.h>

#include "check.h"
#include "sbuf.h"
#include "termsafe.h"

static const char *safe(const char *s, size_t n)
{
	static struct sbuf b;
	sb_reset(&b);
	ts_put(&b, s, n);
	return b.s;
}

/* No byte a terminal would act on: C0, DEL, or a C1 code point in UTF-8;
 * and the whole is valid UTF-8. */
static int clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	while (i < n) {
		unsigned cp;
		size_t len = ts_utf8(p + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += len;
	}
	return 1;
}

static const char *cut(const char *s, size_t w)
{
	static struct sbuf b;
	sb_reset(&b);
	ts_put_cut(&b, s, strlen(s), w);
	return b.s ? b.s : "";
}

static const char *cutmid(const char *s, size_t w, size_t keep)
{
	static struct sbuf b;
	sb_reset(&b);
	ts_put_cut_mid(&b, s, strlen(s), w, keep);
	return b.s ? b.s : "";
}

int main(void)
{
	char in[8];

	CASE("every byte value alone and inside text");
	for (int c = 1; c < 256; c++) {
		in[0] = 'a', in[1] = (char)c, in[2] = 'b';
		CHECK(clean(safe(in, 3)));
	}
	CHECK(clean(safe("\0", 1)));
	CHECK_STR(safe("a\x1b[31mb", 7), "a\\x1b[31mb");
	CHECK_STR(safe("x\ny\tz\r", 6), "x\\ny\\tz\\r");
	CHECK_STR(safe("\x7f", 1), "\\x7f");
	CHECK_STR(safe("\x9b", 1), "\\x9b");

	CASE("every C1 code point in UTF-8");
	for (unsigned cp = 0x80; cp <= 0x9f; cp++) {
		char want[16];
		in[0] = (char)(0xc0 | cp >> 6), in[1] = (char)(0x80 | (cp & 0x3f));
		snprintf(want, sizeof(want), "\\u%04x", cp);
		CHECK_STR(safe(in, 2), want);
	}

	CASE("invalid UTF-8");
	CHECK_STR(safe("\xc0\xaf", 2), "\\xc0\\xaf");          /* overlong '/' */
	CHECK_STR(safe("\xed\xa0\x80", 3), "\\xed\\xa0\\x80"); /* surrogate */
	CHECK_STR(safe("\xf4\x90\x80\x80", 4), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	CHECK_STR(safe("\xe2\x82", 2), "\\xe2\\x82");          /* cut */
	CHECK_STR(safe("\xff", 1), "\\xff");

	CASE("bidi controls and separators");
	CHECK_STR(safe("\xe2\x80\xae", 3), "\\u202e");
	CHECK_STR(safe("\xe2\x81\xa6", 3), "\\u2066");
	CHECK_STR(safe("\xe2\x80\xa8", 3), "\\u2028");

	CASE("printable UTF-8 kept");
	CHECK_STR(safe("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", 12), "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
	CHECK_STR(safe("\xc2\xa0x", 3), "\xc2\xa0x"); /* U+00A0 is printable */

	CASE("width");
	CHECK(ts_width("abc", 3) == 3);
	CHECK(ts_width("\xe6\x97\xa5\xe6\x9c\xac", 6) == 4);  /* two wide */
	CHECK(ts_width("e\xcc\x81", 3) == 1);                 /* e + combining acute */
	CHECK(ts_width("caf\xc3\xa9", 5) == 4);

	CASE("cut");
	CHECK_STR(cut("abcdef", 6), "abcdef");
	CHECK_STR(cut("abcdefg", 6), "abcde\xe2\x80\xa6");
	CHECK_STR(cut("\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5", 4), "\xe6\x97\xa5\xe2\x80\xa6"); /* never half a wide char */
	CHECK_STR(cut("abc", 0), "");

	CASE("cut in the middle keeps the port");
	CHECK_STR(cutmid("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65535", 24, 6),
	          "[2001:db8:aaaa:bb\xe2\x80\xa6:65535");
	CHECK(ts_width(cutmid("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65535", 24, 6),
	               strlen(cutmid("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65535", 24, 6))) == 24);
	CHECK_STR(cutmid("10.0.0.1:80", 20, 3), "10.0.0.1:80");
	return check_done("unit/termsafe");
}
