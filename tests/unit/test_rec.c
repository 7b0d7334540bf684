/* The record reader: good records, typed lookups, unescaping, and malformed
 * lines of every kind; the line reader on long lines and odd endings. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "linereader.h"
#include "rec.h"
#include "rec_ref.h"

static int parse(struct rec *r, const char *s, const char **err)
{
	return rec_parse(r, s, strlen(s), err);
}

static void bad(struct rec *r, const char *s, const char *want)
{
	const char *err = NULL;
	CASE(s);
	CHECK(parse(r, s, &err) < 0);
	if (want)
		CHECK_STR(err, want);
}

int main(void)
{
	struct rec r;
	const char *err;
	double d;
	long long ll;

	rec_init(&r);
	CASE("good");
	CHECK(parse(&r, "{\"type\":\"sock\",\"ts\":1.5,\"pid\":42,\"a\":[1,{\"x\":2}],\"s\":\"\\u00e9\\ud83d\\ude00\\n\"}", &err) == 0);
	CHECK_STR(rec_str(&r, "type"), "sock");
	CHECK(rec_num(&r, "ts", &d) && d == 1.5);
	CHECK(rec_i64(&r, "pid", &ll) && ll == 42);
	CHECK(!rec_i64(&r, "ts", &ll));
	CHECK(rec_find(&r, "x") < 0); /* nested keys are not top-level */
	CHECK_STR(rec_str(&r, "s"), "\xc3\xa9\xf0\x9f\x98\x80\n");
	CHECK_STR(rec_str(&r, "s"), "\xc3\xa9\xf0\x9f\x98\x80\n"); /* cached */
	CHECK(rec_str(&r, "pid") == NULL);
	{
		int it = 0, k, n = 0;
		while ((k = rec_next_key(&r, &it)) >= 0)
			n++;
		CHECK(n == 5);
	}
	CASE("escaped and plain spellings are the same text, keys included");
	CHECK(parse(&r, "{\"pr\\u006fto\":\"t\\u0063p\",\"a\\/b\":[{\"d\\u0061ta\":\"x\"}],\"n\":\"\\u0000z\"}", &err) == 0);
	CHECK(r.has_esc);
	CHECK_STR(rec_str(&r, "proto"), "tcp");
	CHECK(rec_tok_eq(&r, rec_find(&r, "proto"), "tcp", 3));
	CHECK(!rec_tok_eq(&r, rec_find(&r, "proto"), "t\\u0063p", 8));
	CHECK(rec_find(&r, "a/b") >= 0);
	CHECK(rec_member(&r, rec_find(&r, "a/b") + 1, "data") >= 0);
	{
		size_t n = 0;
		const char *z = rec_tok_str(&r, rec_find(&r, "n"), &n);
		CHECK(z && n == 2 && z[0] == 0 && z[1] == 'z'); /* \u0000 kept, length tells */
		CHECK(rec_tok_eq(&r, rec_find(&r, "n"), "\0z", 2));
	}
	{
		static const struct rec_key keys[] = {REC_KEY("proto"), REC_KEY("zzz"), REC_KEY("n")};
		int v[3];
		rec_find_keys(&r, keys, 3, v);
		CHECK(v[0] == rec_find(&r, "proto") && v[1] == -1 && v[2] == rec_find(&r, "n"));
	}
	CHECK(parse(&r, "{\"type\":\"sock\",\"a\":[1,[2,3],{\"b\":4}],\"c\":5}", &err) == 0);
	CHECK(!r.has_esc);
	{
		size_t n;
		const char *t = rec_tok_text(&r, rec_find(&r, "type"), &n);
		CHECK(t && n == 4 && !memcmp(t, "sock", 4) && t == r.line + 9); /* in place */
		int a = rec_find(&r, "a");
		CHECK(r.tok[rec_skip(&r, a)].type == JSMN_STRING); /* past the array: key "c" */
		CHECK(rec_skip(&r, 0) == (int)r.ntok);
		CHECK(rec_num(&r, "c", &d) && d == 5);
	}
	CASE("one number grammar");
	CHECK(json_number("0", 1) && json_number("-0.5e+3", 7) && json_number("1E9", 3));
	CHECK(!json_number("01", 2) && !json_number("1.", 2) && !json_number(".5", 2) &&
	      !json_number("0x10", 4) && !json_number("+1", 2) && !json_number("inf", 3) &&
	      !json_number("", 0) && !json_number("-", 1) && !json_number("1e", 2));
	CASE("repeated key: last wins");
	CHECK(parse(&r, "{\"a\":1,\"a\":2}", &err) == 0);
	CHECK(rec_num(&r, "a", &d) && d == 2);
	CASE("lone surrogate becomes U+FFFD");
	CHECK(parse(&r, "{\"s\":\"\\udc00x\\ud800\"}", &err) == 0);
	CHECK_STR(rec_str(&r, "s"), "\xef\xbf\xbdx\xef\xbf\xbd");
	CASE("trailing whitespace and CR ok");
	CHECK(parse(&r, "  {\"a\":true} \r", &err) == 0);

	bad(&r, "{\"a\":1", "truncated JSON");
	bad(&r, "{\"a\":1} x", NULL);
	bad(&r, "{\"a\":1}{\"b\":2}", "trailing garbage after the object");
	bad(&r, "[1,2]", "not a JSON object");
	bad(&r, "\"str\"", "not a JSON object");
	bad(&r, "{\"a\":tru}", "invalid JSON value");
	bad(&r, "{\"a\":01}", "invalid JSON value");
	bad(&r, "{\"a\":1.}", "invalid JSON value");
	bad(&r, "{\"a\":\"x\\q\"}", NULL);
	bad(&r, "{\"a\" 1}", NULL);
	bad(&r, "{1:2}", NULL);
	bad(&r, "{\"a\":[{\"n\":\"x\":\"y\"}]}", "invalid object member");
	bad(&r, "{\"a\":\"x\":\"y\"}", NULL);
	bad(&r, "{\"a\":{\"b\":1:2}}", NULL);
	bad(&r, "{\"a\":[\"x\":1]}", NULL);
	bad(&r, "", "empty line");
	bad(&r, "x{\"a\":1}", NULL);
	{
		char deep[200];
		size_t k = 0;
		deep[k++] = '{';
		memcpy(deep + k, "\"a\":", 4), k += 4;
		for (int i = 0; i < 40; i++)
			deep[k++] = '[';
		for (int i = 0; i < 40; i++)
			deep[k++] = ']';
		deep[k++] = '}';
		deep[k] = 0;
		bad(&r, deep, "nested too deep");
	}
	CASE("200,000 levels of nesting: refused at once, not in quadratic time");
	{
		size_t n = 200000, k = 0;
		char *deep = malloc(2 * n + 16);
		k += (size_t)sprintf(deep, "{\"a\":");
		memset(deep + k, '[', n), k += n;
		memset(deep + k, ']', n), k += n;
		strcpy(deep + k, "}");
		bad(&r, deep, "nested too deep");
		/* Brackets inside strings are not nesting. */
		memset(deep, 0, 2 * n + 16);
		k = (size_t)sprintf(deep, "{\"a\":\"");
		memset(deep + k, '[', 1000), k += 1000;
		strcpy(deep + k, "\\\"\"}");
		CHECK(parse(&r, deep, &err) == 0);
		free(deep);
	}
	CASE("misplaced commas and colons that jsmn lets through");
	{
		static const char *const lax[] = {
			"{,}", "{:}", "{\"a\"::1}", "{\"a\":1,}", "{,\"a\":1}", "{\"a\":[1,]}",
			"{\"a\":[,1]}", "{\"a\":[:]}", "{\"k\":[[1][2]]}", "{\"a\":{}:}",
"{\"y\":{\"k\"}:\"v\"}", "{\"a\":[1 2]}",
		};
		for (size_t i = 0; i < sizeof(lax) / sizeof(lax[0]); i++)
			bad(&r, lax[i], "invalid JSON");
		bad(&r, "{\"a\":{\"b\":1 \"c\":2}}", NULL);
		bad(&r, "{\"a\":\"a\":[]}", NULL);
		CASE("still good after the syntax check");
		CHECK(parse(&r, " {\"a\" : [ 1 , {\"b\":-0.5e+3} ] ,\"c\":\"\\u00e9\\n\"} ", &err) == 0);
	}
	CASE("NUL byte");
	CHECK(rec_parse(&r, "{\"a\":\0}", 7, &err) < 0);
	CHECK_STR(err, "NUL byte in line");
	CASE("raw control char in string");
	bad(&r, "{\"a\":\"x\ty\"}", "control character in string");

	CASE("1 MiB line parses");
	{
		size_t n = 1 << 20;
		char *big = malloc(n + 32);
		strcpy(big, "{\"s\":\"");
		memset(big + 6, 'x', n - 10);
		strcpy(big + n - 4, "\"}");
		CHECK(parse(&r, big, &err) == 0);
		CHECK(strlen(rec_str(&r, "s")) == n - 10);
		free(big);
	}

	CASE("the one pass and the reference reader agree on mutated lines");
	{
		/* Lines of many shapes, each mutated many times (bytes replaced
		 * by JSON's punctuation and others, inserted, deleted, the line
		 * cut): every verdict, message and token the same. */
		static const char *const seeds[] = {
			"{\"type\":\"sock\",\"ts\":1763900000.005000,\"event\":\"connect\",\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":1024,\"cmdline\":[\"app\",\"--serve\"],\"ok\":true,\"no\":false,\"x\":null}",
			"{\"type\":\"dns\",\"answers\":[{\"name\":\"h.example\",\"type\":\"CNAME\",\"ttl\":300,\"data\":\"e.cdn\"},{\"a\":[[],{},[1,-2.5e+3,0]]}]}",
			" { \"a\" : [ 1 , { \"b\" : -0.5E-3 } ] , \"c\" : \"\\u00e9\\n\\\"\\/\\ud83d\\ude00\" }\t\r",
			"{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":[[[[1]]]]}}}}}}",
			"{\"p\\u0072oto\":\"t\\u0063p\",\"\":\"\",\"e\":{}}",
		};
		static const char punct[] = "{}[],:\"\\ \t0-1.eE+tfnulx\x01\x7f\xc3";
		struct rec a, b;
		unsigned long seed = 88172645463325252UL, tried = 0, wrong = 0, good = 0;
		char buf[512];
		rec_init(&a);
		rec_init(&b);
		for (size_t si = 0; si < sizeof(seeds) / sizeof(seeds[0]); si++) {
			size_t n0 = strlen(seeds[si]);
			CHECK(rec_same_as_ref(&a, &b, seeds[si], n0) && a.ntok > 1);
			for (int round = 0; round < 40000; round++) {
				size_t n = n0;
				int edits = 1 + round % 3;
				memcpy(buf, seeds[si], n);
				for (int e = 0; e < edits; e++) {
					size_t at;
					seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
					at = (seed >> 8) % (n + 1);
					switch (seed % 5) {
					case 0: /* replace */
						if (at < n)
							buf[at] = punct[(seed >> 32) % (sizeof(punct) - 1)];
						break;
					case 1: /* insert */
						if (n + 1 < sizeof(buf)) {
							memmove(buf + at + 1, buf + at, n - at);
							buf[at] = punct[(seed >> 32) % (sizeof(punct) - 1)];
							n++;
						}
						break;
					case 2: /* delete */
						if (at < n) {
							memmove(buf + at, buf + at + 1, n - at - 1);
							n--;
						}
						break;
					case 3: /* cut */
						n = at;
						break;
					default: /* a value at buf[at] wrapped in brackets */
						if (n + 2 < sizeof(buf)) {
							size_t k = at;
							while (k < n && buf[k] != ',' && buf[k] != '}' && buf[k] != ']')
								k++;
							memmove(buf + k + 2, buf + k, n - k);
							memmove(buf + at + 1, buf + at, k - at);
							buf[at] = '[';
							buf[k + 1] = ']';
							n += 2;
						}
					}
				}
				tried++;
				if (!rec_same_as_ref(&a, &b, buf, n)) {
					if (wrong++ < 5)
						fprintf(stderr, "differ: %.*s\n", (int)n, buf);
				} else if (a.ntok) {
					good++;
				}
			}
		}
		CHECK(wrong == 0);
		CHECK(good > 1000); /* the mutations kept enough lines good */
		fprintf(stderr, "# %lu mutated lines, %lu good, %lu differ\n", tried, good, wrong);
		rec_free(&a);
		rec_free(&b);
	}

	CASE("line reader");
	{
		char path[] = "/tmp/pp-lr.XXXXXX";
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");
		struct lr lr;
		char *line;
		size_t len;
		fputs("one\n", f);
		for (int i = 0; i < 3000; i++)
			fputc('y', f);
		fputs("\ntwo\nthree", f);
		fclose(f);
		fd = open(path, O_RDONLY);
		lr_init(&lr, fd, path, 1000);
		CHECK(lr_next(&lr, &line, &len) == LR_LINE && !strcmp(line, "one"));
		CHECK(lr_next(&lr, &line, &len) == LR_TOOLONG && lr.lineno == 2);
		CHECK(lr_next(&lr, &line, &len) == LR_LINE && !strcmp(line, "two") && lr.lineno == 3);
		CHECK(lr_next(&lr, &line, &len) == LR_LINE && !strcmp(line, "three") && lr.lineno == 4);
		CHECK(lr_next(&lr, &line, &len) == LR_EOF);
		lr_free(&lr);
		close(fd);
		unlink(path);
	}
	rec_free(&r);
	return check_done("rec");
}
