// uses:
/* The record reader: good records, typed lookups, unescaping, and malformed
 * lines of every kind; the line reader on long lines and odd endings. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "linereader.h"
#include "rec.h"

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
