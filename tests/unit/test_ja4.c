/* JA4 against the worked example of FoxIO's specification
 * (technical_details/JA4.md), built into real ClientHello bytes with GREASE
 * values sprinkled in, plus the specification's edge rules. */
#include "check.h"
#include "pp.h"
#include "../../cmd/pp-sniff/ja4.h"
#include "tls_build.h"

static const uint16_t spec_ciphers[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
                                        0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
                                        0x002f, 0x0035};
static const uint16_t spec_exts[] = {0x3a3a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
                                     0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
                                     0x000b, 0x000a, 0x0015, 0xfafa};
static const uint16_t spec_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
static const uint16_t spec_versions[] = {0x7a7a, 0x0304, 0x0303};

static int parse_spec(struct hello_spec *s, struct tls_hello *h)
{
	static struct tb t;
	t.n = 0;
	tb_client_hello(&t, s);
	return tls_parse_client_hello(t.b, t.n, h);
}

static struct hello_spec spec_hello(const char *const *alpn, int n_alpn)
{
	struct hello_spec s = {
		.legacy_version = 0x0303,
		.ciphers = spec_ciphers, .n_ciphers = PP_ARRAY_LEN(spec_ciphers),
		.exts = spec_exts, .n_exts = PP_ARRAY_LEN(spec_exts),
		.sni = "example.com",
		.alpn = alpn, .n_alpn = n_alpn,
		.versions = spec_versions, .n_versions = PP_ARRAY_LEN(spec_versions),
		.sigalgs = spec_sigalgs, .n_sigalgs = PP_ARRAY_LEN(spec_sigalgs),
	};
	return s;
}



static const char *alpn_code(const char *first)
{
	static char a[11];
	static struct tls_hello h;
	const char *list[] = {first, "http/1.1"};
	struct hello_spec s = spec_hello(list, 2);
	if (parse_spec(&s, &h) < 0)
		return "parse error";
	ja4_part_a(&h, 't', a);
	return a + 8;
}

int main(void)
{
	static struct tls_hello h;
	char out[JA4_LEN], buf[4096], hash[13];
	const char *h2[] = {"h2", "http/1.1"};
	struct hello_spec s = spec_hello(h2, 2);

	CASE("specification example");
	CHECK(parse_spec(&s, &h) == 0);
	CHECK(h.n_ciphers == 15 && h.n_exts == 16 && h.n_sigalgs == 8);
	CHECK_STR(ja4_compute(&h, 't', out), "t13d1516h2_8daaf6152771_e5627efa2ab1");
	ja4_cipher_string(&h, buf, sizeof(buf));
	CHECK_STR(buf, "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9");
	ja4_ext_string(&h, buf, sizeof(buf));
	CHECK_STR(buf, "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
	               "0403,0804,0401,0503,0805,0501,0806,0601");
	CHECK_STR(ja4_compute(&h, 'q', out), "q13d1516h2_8daaf6152771_e5627efa2ab1");

	CASE("specification hashes");
	/* The spec's other published values: the extension list without
	 * signature algorithms, and the _o (original order) variant. */
	const char *noalg = "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01";
	ja4_hash12(noalg, strlen(noalg), hash);
	CHECK_STR(hash, "6d807ffa2a79");
	const char *orig_c = "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035";
	ja4_hash12(orig_c, strlen(orig_c), hash);
	CHECK_STR(hash, "acb858a92679");
	const char *orig_e = "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,"
	                     "0015_0403,0804,0401,0503,0805,0501,0806,0601";
	ja4_hash12(orig_e, strlen(orig_e), hash);
	CHECK_STR(hash, "18f69afefd3d");
	ja4_hash12("", 0, hash);
	CHECK_STR(hash, "000000000000");

	CASE("ALPN characters");
	CHECK_STR(alpn_code("h2"), "h2");
	CHECK_STR(alpn_code("http/1.1"), "h1");
	CHECK_STR(alpn_code("h3-29"), "h9");
	CHECK_STR(alpn_code("x"), "xx");
	CHECK_STR(alpn_code("\xab"), "ab");          /* non-alphanumeric: hex */
	CHECK_STR(alpn_code("\xab\xcd\xef"), "af");
	CHECK_STR(alpn_code("h2/"), "6f"); /* "h2/" is 68 32 2f: last char not alphanumeric */
	s = spec_hello(NULL, 0);
	CHECK(parse_spec(&s, &h) == 0);
	CHECK_STR(ja4_compute(&h, 't', out) + 8, "00_8daaf6152771_e5627efa2ab1");

	CASE("no SNI, no supported_versions");
	static const uint16_t exts2[] = {0x000d, 0x000b};
	s = spec_hello(NULL, 0);
	s.exts = exts2, s.n_exts = 2;
	CHECK(parse_spec(&s, &h) == 0);
	ja4_part_a(&h, 't', buf);
	CHECK_STR(buf, "t12i150200");
	s.legacy_version = 0x0301;
	CHECK(parse_spec(&s, &h) == 0);
	ja4_part_a(&h, 't', buf);
	CHECK_STR(buf, "t10i150200");
	s.legacy_version = 0x0305; /* unknown */
	CHECK(parse_spec(&s, &h) == 0);
	ja4_part_a(&h, 't', buf);
	CHECK_STR(buf, "t00i150200");

	CASE("counts cap at 99");
	static uint16_t many[200];
	for (int i = 0; i < 200; i++)
		many[i] = (uint16_t)(0x0100 + i);
	s = spec_hello(NULL, 0);
	s.ciphers = many, s.n_ciphers = 200;
	CHECK(parse_spec(&s, &h) == 0);
	CHECK(h.n_ciphers == 200);
	ja4_part_a(&h, 't', buf);
	CHECK_STR(buf, "t13d991600");

	CASE("no extensions");
	s = spec_hello(NULL, 0);
	s.n_exts = 0;
	CHECK(parse_spec(&s, &h) == 0);
	CHECK_STR(ja4_compute(&h, 't', out), "t12i150000_8daaf6152771_000000000000");
	return check_done("test_ja4");
}
