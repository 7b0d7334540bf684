/* Checked numbers and durations from the command line. */
#include "check.h"
#include "pp.h"

int main(void)
{
	long long v;
	double d;
	const char *e;

	CASE("pp_parse_ll");
	CHECK(pp_parse_ll("42", 0, 100, &v, &e) == 0 && v == 42);
	CHECK(pp_parse_ll("101", 0, 100, &v, &e) < 0 && !strcmp(e, "too large"));
	CHECK(pp_parse_ll("-1", 0, 100, &v, &e) < 0 && !strcmp(e, "too small"));
	CHECK(pp_parse_ll("4x", 0, 100, &v, &e) < 0 && !strcmp(e, "invalid"));
	CHECK(pp_parse_ll("", 0, 100, &v, &e) < 0);
	CHECK(pp_parse_ll(" 4", 0, 100, &v, &e) < 0);
	CHECK(pp_parse_ll("99999999999999999999", 0, 100, &v, &e) < 0 && !strcmp(e, "too large"));
	CASE("pp_parse_duration");
	CHECK(pp_parse_duration("0.25", &d) == 0 && d == 0.25);
	CHECK(pp_parse_duration("250ms", &d) == 0 && d > 0.2499 && d < 0.2501);
	CHECK(pp_parse_duration("2m", &d) == 0 && d == 120);
	CHECK(pp_parse_duration("-1", &d) < 0);
	CHECK(pp_parse_duration("1x", &d) < 0);
	CHECK(pp_parse_duration("nan", &d) < 0);
	CASE("time format");
	{
		char b[64];
		pp_fmt_time(1700000000.5, true, 3, b, sizeof(b));
		CHECK_STR(b, "2023-11-14 22:13:20.500");
	}
	return check_done("pp");
}
