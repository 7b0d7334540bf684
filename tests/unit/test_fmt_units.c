/* pp-fmt's human units at their rounding edges, and the services file
 * reader (first name of a port wins, per protocol; comments, aliases and
 * junk lines). */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "../../cmd/pp-fmt/human.h"
#include "../../cmd/pp-fmt/services.h"

static const char *bytes(double b)
{
	static struct sbuf s;
	sb_reset(&s);
	hum_bytes(b, &s);
	return s.s;
}

static const char *dur(double d)
{
	static struct sbuf s;
	sb_reset(&s);
	hum_duration(d, &s);
	return s.s;
}

int main(void)
{
	char path[] = "/tmp/pp-services.XXXXXX";
	int fd;
	FILE *f;

	CASE("hum_bytes");
	CHECK_STR(bytes(0), "0B");
	CHECK_STR(bytes(1023), "1023B");
	CHECK_STR(bytes(1024), "1.0KiB");
	CHECK_STR(bytes(5120), "5.0KiB");
	CHECK_STR(bytes(10188), "9.9KiB");
	CHECK_STR(bytes(10199), "10KiB"); /* 9.96: not "10.0KiB" */
	CHECK_STR(bytes(1048575), "1024KiB");
	CHECK_STR(bytes(1048576), "1.0MiB");
	CHECK_STR(bytes(3502200), "3.3MiB");
	CHECK_STR(bytes(5e12), "4.5TiB");

	CASE("hum_duration");
	CHECK_STR(dur(0), "0us");
	CHECK_STR(dur(0.0005), "500us");
	CHECK_STR(dur(0.1), "100ms");
	CHECK_STR(dur(0.9996), "1.0s"); /* not "1000ms" */
	CHECK_STR(dur(1.376), "1.4s");
	CHECK_STR(dur(59.96), "1m00s"); /* not "60.0s" */
	CHECK_STR(dur(61.5), "1m02s");
	CHECK_STR(dur(3600), "1h00m");
	CHECK_STR(dur(90061), "1d01h");

	CASE("services file");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment line\n"
	      "first\t443/tcp\talias1 alias2\t# trailing comment\n"
	      "second  443/tcp\n"
	      "quic    443/udp\n"
	      "junk\n"
	      "badport 70000/tcp\n"
	      "badproto 25/sctp\n"
	      "dns     53/udp domain\n",
	      f);
	fclose(f);
	setenv("PP_SERVICES", path, 1);
	CHECK_STR(svc_name(443, "tcp"), "first");
	CHECK_STR(svc_name(443, NULL), "first");
	CHECK_STR(svc_name(443, "udp"), "quic");
	CHECK(svc_name(53, "tcp") == NULL);
	CHECK_STR(svc_name(53, "udp"), "dns");
	CHECK(svc_name(25, "tcp") == NULL);
	CHECK(svc_name(70000, "tcp") == NULL);
	CHECK(svc_port("second") == 443);
	CHECK(svc_port("dns") == 53);
	CHECK(svc_port("badport") == -1);
	CHECK(svc_port("nosuch") == -1);
	unlink(path);
	return check_done("test_fmt_units");
}
