/* pp-join's fast record scanner against the record library: on tricky
 * lines and on 50,000 random mutations of real records, the scanner never
 * accepts a line rec_parse rejects, finds the same members (key and raw
 * value) as rec_parse on every line both accept, and hands only unusual
 * lines (deep nesting) to the slow path. */
#include <stdio.h>
#include <stdlib.h>

#include "../../cmd/pp-join/join.h"
#include "check.h"
#include "pp.h"

static struct rec r;
static struct jscan fast, slow;
static int accepted, rejected, passed_on;

static void compare(const char *line, size_t len)
{
	const char *err;
	int f = jscan_line(line, len, &fast);
	int s = rec_parse(&r, line, len, &err);

	if (f == JSCAN_OK)
		accepted++;
	else if (f == JSCAN_BAD)
		rejected++;
	else
		passed_on++;
	CHECK(!(f == JSCAN_OK && s != 0));
	if (f != JSCAN_OK || s != 0)
		return;
	jscan_from_rec(&r, &slow);
	CHECK(fast.n == slow.n);
	CHECK(fast.obj_start == slow.obj_start && fast.obj_end == slow.obj_end);
	for (int i = 0; i < fast.n && i < slow.n; i++) {
		const struct jspan *a = &fast.m[i], *b = &slow.m[i];
		CHECK(a->ks == b->ks && a->kl == b->kl && a->vs == b->vs && a->vl == b->vl);
		CHECK(a->kind == b->kind);
	}
}

static void cstr(const char *s)
{
	CASE(s);
	compare(s, strlen(s));
}

int main(void)
{
	static const char *const tricky[] = {
		"{}", " {} ", "{ }", "{\"a\":1}", "{\"a\":-0.5e+3}", "{\"a\":01}", "{\"a\":1.}",
		"{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":true,\"b\":false,\"c\":null}",
		"{\"a\":\"\\u00e9\\n\\\"\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"tab\there\"}",
		"{\"a\":[1,[2,[3,{\"b\":[]}]]]}", "{\"a\":[1,]}", "{\"a\":{\"b\":1,}}", "{\"a\":1,}",
		"{\"a\" : 1 , \"b\" :[ ] }", "{\"a\":1}}", "{\"a\":1} x", "[1]", "\"s\"", "{\"a\"}",
		"{\"a\":1 \"b\":2}", "{1:2}", "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":1}}}}}}}", "{\"dup\":1,\"dup\":2}",
		"{\"type\":\"dns\",\"answers\":[{\"name\":\"a\",\"type\":\"A\",\"ttl\":1,\"data\":\"1.2.3.4\"}]}",
	};
	static const char *const seeds[] = {
		"{\"type\":\"sock\",\"ts\":1763881726.123456,\"event\":\"connect\",\"dir\":\"out\",\"proto\":\"tcp\",\"src\":\"10.0.0.2\",\"sport\":51514,\"dst\":\"93.184.216.34\",\"dport\":443,\"pid\":4242,\"comm\":\"curl\",\"cmdline\":[\"curl\",\"-s\"]}",
		"{\"type\":\"dns\",\"ts\":1.5,\"answers\":[{\"name\":\"x.example\",\"type\":\"CNAME\",\"ttl\":60,\"data\":\"y.example\"},{\"name\":\"y.example\",\"type\":\"A\",\"ttl\":60,\"data\":\"192.0.2.1\"}],\"ok\":true,\"n\":null}",
		"{\"type\":\"tls\",\"ts\":2e0,\"sni\":\"a\\u00e9\\\"b\",\"alpn\":[\"h2\",\"http/1.1\"],\"x\":-12.5E-3}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789.eE+-tfnrulsa\x01\x7f\xc3\xa9u";
	char buf[1024];

	rec_init(&r);
	for (size_t i = 0; i < PP_ARRAY_LEN(tricky); i++)
		cstr(tricky[i]);
	srand(7);
	CASE("mutations");
	for (int n = 0; n < 50000; n++) {
		const char *s = seeds[n % PP_ARRAY_LEN(seeds)];
		size_t len = strlen(s);
		int edits = 1 + rand() % 4;
		memcpy(buf, s, len);
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rand() % len;
			switch (rand() % 3) {
			case 0: /* replace */
				buf[at] = alphabet[rand() % (sizeof(alphabet) - 1)];
				break;
			case 1: /* delete */
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			default: /* insert */
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = alphabet[rand() % (sizeof(alphabet) - 1)];
					len++;
				}
			}
		}
		compare(buf, len);
	}
	/* The scanner reads strings eight bytes at a time: a byte that ends
	 * a string, starts an escape or is not allowed must be found at every
	 * position within a word, in keys and in values. */
	CASE("strings: special bytes at every offset");
	{
		static const char *const special[] = {
			"\\\"", "\\n", "\\u00e9", "\\x", "\\u12", "\x01", "\x1f", "\t", "\x7f", " ",
			"\xc3\xa9", "\"", "\\",
		};
		for (int at = 0; at < 20; at++)
			for (size_t k = 0; k < PP_ARRAY_LEN(special); k++)
				for (int inkey = 0; inkey < 2; inkey++) {
					char mid[64], line[160];
					const char *err;
					int f, sl;
					size_t len;
					memset(mid, 'a', (size_t)at);
					snprintf(mid + at, sizeof(mid) - (size_t)at, "%sbcdefghijklmnop", special[k]);
					if (inkey)
						snprintf(line, sizeof(line), "{\"%s\":1,\"z\":2}", mid);
					else
						snprintf(line, sizeof(line), "{\"k\":\"%s\",\"z\":2}", mid);
					len = strlen(line);
					compare(line, len);
					f = jscan_line(line, len, &fast);
					sl = rec_parse(&r, line, len, &err);
					CHECK((f == JSCAN_OK) == (sl == 0));
				}
	}
	/* Both outcomes must have happened, or the test tests nothing. */
	CASE("coverage");
	CHECK(accepted > 1000 && rejected > 1000);
	rec_free(&r);
	return check_done("join_scan");
}
