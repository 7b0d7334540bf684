/* The sock record writer both pp-trace modes share: record shape (listen
 * without responder, close with bytes and duration, community_id, source),
 * process enrichment from /proc for this very process, the filters, -c. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/pp-trace/trace.h"
#include "check.h"

static char *buf;
static size_t len;

static struct trace_opts all(void)
{
	return (struct trace_opts){.pid = -1, .uid = -1, .v4 = true, .v6 = true, .tcp = true, .udp = true};
}

/* Emit e with o into a fresh buffer; returns sock_event_emit's value. */
static int emit(const struct sock_event *e, const struct trace_opts *o)
{
	FILE *f = open_memstream(&buf, &len);
	int r = sock_event_emit(e, o, f);
	fclose(f);
	return r;
}

static struct sock_event ev(enum sock_ev k)
{
	struct sock_event e;
	memset(&e, 0, sizeof(e));
	e.ev = k;
	e.ts_us = 1700000000123456ull;
	e.t.proto = IPPROTO_TCP;
	pp_addr_parse("10.0.0.2", &e.t.src);
	pp_addr_parse("10.0.0.1", &e.t.dst);
	e.t.sport = 40000;
	e.t.dport = 443;
	e.out = true;
	e.state = "ESTAB";
	e.pid = -1;
	e.duration = -1;
	return e;
}

int main(void)
{
	struct trace_opts o = all();
	struct sock_event e;

	CASE("connect, no process");
	e = ev(SEV_CONNECT);
	e.source = "poll";
	CHECK(emit(&e, &o) == 1);
	/* community_id computed independently (Python, the spec's algorithm). */
	CHECK_STR(buf, "{\"type\":\"sock\",\"ts\":1700000000.123456,\"event\":\"connect\",\"dir\":\"out\","
	               "\"proto\":\"tcp\",\"src\":\"10.0.0.2\",\"sport\":40000,\"dst\":\"10.0.0.1\",\"dport\":443,"
	               "\"community_id\":\"1:bq1gfha1rMUJ4e03KhqNdBPyCdI=\",\"state\":\"ESTAB\",\"source\":\"poll\"}\n");
	free(buf);

	CASE("listen: no responder, no community_id; source defaults to ebpf");
	e = ev(SEV_LISTEN);
	memset(&e.t.dst, 0, sizeof(e.t.dst));
	e.t.dport = 0;
	e.out = false;
	e.state = "LISTEN";
	CHECK(emit(&e, &o) == 1);
	CHECK(!strstr(buf, "\"dst\"") && !strstr(buf, "community_id") && strstr(buf, "\"dir\":\"in\""));
	CHECK(strstr(buf, "\"source\":\"ebpf\"") != NULL);
	free(buf);

	CASE("close: bytes, duration; initial flag");
	e = ev(SEV_CLOSE);
	e.has_bytes = true;
	e.tx_bytes = 4;
	e.rx_bytes = 5;
	e.duration = 1.5;
	e.initial = true;
	CHECK(emit(&e, &o) == 1);
	CHECK(strstr(buf, "\"tx_bytes\":4,\"rx_bytes\":5,\"duration\":1.5") != NULL);
	CHECK(strstr(buf, "\"initial\":true") != NULL);
	free(buf);

	CASE("this process: enriched from /proc");
	e = ev(SEV_CONNECT);
	e.pid = getpid();
	CHECK(emit(&e, &o) == 1);
	char want[64];
	snprintf(want, sizeof(want), "\"pid\":%d,\"ppid\":%d,", (int)getpid(), (int)getppid());
	CHECK(strstr(buf, want) != NULL);
	CHECK(strstr(buf, "\"comm\":\"test_trace_emit\"") != NULL);
	CHECK(strstr(buf, "\"cmdline\":[") && strstr(buf, "\"exe\":") && strstr(buf, "\"cgroup\":"));
	free(buf);

	CASE("filters");
	e = ev(SEV_CONNECT);
	e.pid = getpid();
	o = all(), o.v4 = false;
	CHECK(emit(&e, &o) == 0 && len == 0);
	free(buf);
	o = all(), o.tcp = false;
	CHECK(emit(&e, &o) == 0);
	free(buf);
	o = all(), o.pid = getpid() + 1;
	CHECK(emit(&e, &o) == 0);
	free(buf);
	o = all(), o.pid = getpid();
	CHECK(emit(&e, &o) == 1);
	free(buf);
	o = all(), o.uid = getuid() + 1;
	CHECK(emit(&e, &o) == 0);
	free(buf);
	o = all(), o.uid = getuid();
	CHECK(emit(&e, &o) == 1);
	free(buf);
	o = all(), o.comm = "test_trace_emit";
	CHECK(emit(&e, &o) == 1);
	free(buf);
	o = all(), o.comm = "test_trace_emi";
	CHECK(emit(&e, &o) == 0);
	free(buf);
	o = all(), o.cgroup = "/";
	CHECK(emit(&e, &o) == 1);
	free(buf);
	o = all(), o.cgroup = "/pp-no-such";
	CHECK(emit(&e, &o) == 0);
	free(buf);
	struct sock_event nopid = ev(SEV_CONNECT);
	o = all(), o.comm = "x";
	CHECK(emit(&nopid, &o) == 0);
	free(buf); /* no process: no comm to match */
	strcpy(nopid.comm, "x");
	CHECK(emit(&nopid, &o) == 1);
	free(buf); /* the mode's own comm counts */

	CASE("-c: the last record written says stop");
	o = all(), o.count = (long long)sock_emit_count() + 1;
	CHECK(emit(&nopid, &o) == -1 && len > 0);
	free(buf);
	CHECK(emit(&nopid, &o) == -1 && len == 0);
	free(buf);
	CHECK(trace_exit_status() == 0);

	sock_emit_cleanup();
	return check_done("test_trace_emit");
}
