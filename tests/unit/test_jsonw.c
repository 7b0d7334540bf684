/* The JSON writer on every byte value and on random byte strings: each
 * output line must be valid JSON to jq, and must read back through our
 * record reader as the same string (valid UTF-8) or the documented
 * replacement (invalid bytes -> U+FFFD). */
#include <arpa/inet.h>
#include <iconv.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "jsonw.h"
#include "rec.h"
#include "tuple.h"

/* The member the writer made for one value, after "{": jw's output as a
 * string, to compare with printf's. */
static const char *one(struct jw *w)
{
	static char b[512];
	size_t n = w->len - 1 < sizeof(b) - 1 ? w->len - 1 : sizeof(b) - 1;
	memcpy(b, w->buf + 1, n);
	b[n] = 0;
	jw_reset(w);
	jw_obj_open(w, NULL);
	return b;
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 42 ^ (uint64_t)random() << 21 ^ (uint64_t)random();
}

/* Numbers, timestamps, addresses, hex and base64 are written without
 * printf: each against printf, inet_ntop or libcrypto's base64 as the
 * oracle, on edge values and random ones. */
static void printf_oracle(void)
{
	struct jw w;
	char want[512];
	jw_init(&w);
	jw_obj_open(&w, NULL);

	CASE("integers as printf writes them");
	static const long long edges[] = {0, 1, -1, 9, 10, 99, 100, 12345, -987654321, INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		jw_int(&w, NULL, edges[i]);
		snprintf(want, sizeof(want), "%lld", edges[i]);
		CHECK_STR(one(&w), want);
		jw_uint(&w, NULL, (unsigned long long)edges[i]);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)edges[i]);
		CHECK_STR(one(&w), want);
	}
	for (int i = 0; i < 20000; i++) {
		uint64_t v = rnd64() >> (random() % 64);
		jw_uint(&w, NULL, v);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		CHECK_STR(one(&w), want);
		jw_int(&w, NULL, -(long long)(v >> 1));
		snprintf(want, sizeof(want), "%lld", -(long long)(v >> 1));
		CHECK_STR(one(&w), want);
		jw_ts(&w, NULL, v);
		snprintf(want, sizeof(want), "%llu.%06llu", (unsigned long long)(v / 1000000),
		         (unsigned long long)(v % 1000000));
		CHECK_STR(one(&w), want);
	}

	CASE("doubles as the printf path writes them");
	static const double dv[] = {0.25, 1e-4, 0.0001234, 9.99e-5, 123.456789, 0.1, 0.3, 1.5e9, 999999999.999999,
	                            -0.000001, -42.5, 3.14159265358979, 1e300, 5e-324};
	for (int i = 0; i < 40000 + (int)(sizeof(dv) / sizeof(dv[0])); i++) {
		double v;
		if (i < (int)(sizeof(dv) / sizeof(dv[0])))
			v = dv[i];
		else if (i % 3 == 0) /* microsecond values, as durations are */
			v = (double)(long long)(rnd64() % 100000000000ull) / 1e6;
		else if (i % 3 == 1)
			v = (double)random() / (double)random() * pow(10, (double)(random() % 20) - 10);
		else
			v = -(double)(rnd64() % 1000000000ull) / 1e6;
		jw_num(&w, NULL, v);
		if (fabs(v) < 1e15 && v == (double)(long long)v) {
			snprintf(want, sizeof(want), "%lld", (long long)v);
		} else {
			snprintf(want, sizeof(want), "%.15g", v);
			if (strtod(want, NULL) != v)
				snprintf(want, sizeof(want), "%.17g", v);
		}
		CHECK_STR(one(&w), want);
	}

	CASE("microseconds as jw_num writes their seconds");
	{
	int differ = 0;
	for (long long i = -300000; i < 300000 + 200000; i++) {
		long long us = i < 300000 ? i : (long long)(rnd64() % 2000000000000000ull) - 1000000000000000ll;
		char got[64];
		jw_micros(&w, NULL, us);
		snprintf(got, sizeof(got), "%s", one(&w));
		jw_num(&w, NULL, (double)us / 1e6);
		if (strcmp(got, one(&w)) && differ++ < 3)
			fprintf(stderr, "jw_micros(%lld): %s\n", us, got);
	}
	CHECK(differ == 0);
	}

	CASE("addresses as inet_ntop writes them");
	for (int i = 0; i < 20000; i++) {
		uint8_t b[16];
		struct pp_addr a;
		char nt[INET6_ADDRSTRLEN];
		for (int j = 0; j < 16; j++) /* runs of zero groups are the interesting part */
			b[j] = random() % 3 ? 0 : (uint8_t)random();
		if (i % 7 == 0)
			memcpy(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		if (i % 2) {
			pp_addr_from4(&a, b);
			inet_ntop(AF_INET, b, nt, sizeof(nt));
		} else {
			static const uint8_t z[12];
			if (!memcmp(b, z, 12)) /* inet_ntop writes ::a.b.c.d, RFC 5952 does not */
				b[0] = 0x20;
			pp_addr_from6(&a, b);
			inet_ntop(AF_INET6, b, nt, sizeof(nt));
		}
		jw_addr(&w, NULL, &a);
		snprintf(want, sizeof(want), "\"%s\"", nt);
		CHECK_STR(one(&w), want);
	}

	CASE("hex and base64 of random bytes");
	for (int i = 0; i < 3000; i++) {
		uint8_t b[64];
		size_t n = (size_t)(random() % 64);
		char b64[100], hx[200];
		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)random();
		EVP_EncodeBlock((unsigned char *)b64, b, (int)n);
		jw_b64(&w, NULL, b, n);
		snprintf(want, sizeof(want), "\"%s\"", b64);
		CHECK_STR(one(&w), want);
		for (size_t j = 0; j < n; j++)
			snprintf(hx + 2 * j, 3, "%02x", b[j]);
		hx[2 * n] = 0;
		jw_hex(&w, NULL, b, n);
		snprintf(want, sizeof(want), "\"%s\"", hx);
		CHECK_STR(one(&w), want);
	}
	jw_free(&w);
}

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
	printf_oracle();
	CASE("jq accepts every line");
	snprintf(cmd, sizeof(cmd), "jq -c . < %s > /dev/null", path);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "test $(jq -c . < %s | wc -l) = $(wc -l < %s)", path, path);
	CHECK(system(cmd) == 0);
	unlink(path);
	return check_done("jsonw");
}
