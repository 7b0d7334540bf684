/* What the eBPF mode adds to the shared record writer: the kernel's start
 * time of the process guards the /proc details (a pid that already went to
 * another process is not described with that one's exe and cmdline), and
 * the kernel's ppid, taken at the event, wins over a later read of /proc
 * (by then the parent may have exited and the process been re-parented). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cmd/pp-trace/trace.h"
#include "check.h"
#include "proc.h"

static char *buf;
static size_t len;

static int emit(const struct sock_event *e)
{
	struct trace_opts o = {.pid = -1, .uid = -1, .v4 = true, .v6 = true, .tcp = true, .udp = true};
	FILE *f;
	int r;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	r = sock_event_emit(e, &o, f);
	fclose(f);
	return r;
}

static struct sock_event ev(void)
{
	struct sock_event e;
	memset(&e, 0, sizeof(e));
	e.ev = SEV_CONNECT;
	e.ts_us = 1700000000123456ull;
	e.t.proto = IPPROTO_TCP;
	pp_addr_parse("127.0.0.1", &e.t.src);
	pp_addr_parse("127.0.0.1", &e.t.dst);
	e.t.sport = 40000;
	e.t.dport = 443;
	e.out = true;
	e.state = "ESTAB";
	e.pid = getpid();
	e.ppid = 1; /* not our real parent: shows where the value came from */
	e.uid = (uint32_t)getuid();
	e.has_uid = true;
	memcpy(e.comm, "kcomm", 6);
	e.duration = -1;
	return e;
}

int main(void)
{
	struct proc_info self;
	struct sock_event e;
	char want[64];

	memset(&self, 0, sizeof(self));
	CASE("our own /proc entry");
	CHECK(proc_read(getpid(), &self) == 0 && self.start_time > 0 && self.exe);

	CASE("start time matches: /proc details");
	e = ev();
	e.start_time = self.start_time;
	CHECK(emit(&e) == 1);
	CHECK(strstr(buf, "\"exe\":\"") != NULL);
	CHECK(strstr(buf, "\"ppid\":1,") != NULL);        /* the kernel's ppid wins */
	CHECK(strstr(buf, "\"comm\":\"kcomm\"") != NULL); /* the kernel's comm wins */

	CASE("no kernel ppid: /proc's");
	e = ev();
	e.ppid = 0;
	e.start_time = self.start_time;
	CHECK(emit(&e) == 1);
	snprintf(want, sizeof(want), "\"ppid\":%d", (int)getppid());
	CHECK(strstr(buf, want) != NULL);

	CASE("start time differs: a reused pid, its details are not ours");
	e = ev();
	e.start_time = self.start_time + 1;
	CHECK(emit(&e) == 1);
	CHECK(strstr(buf, "\"exe\"") == NULL);
	CHECK(strstr(buf, "\"cmdline\"") == NULL);
	CHECK(strstr(buf, "\"ppid\":1,") != NULL);  /* the kernel's */
	snprintf(want, sizeof(want), "\"pid\":%d,", (int)getpid());
	CHECK(strstr(buf, want) != NULL);
	CHECK(strstr(buf, "\"comm\":\"kcomm\"") != NULL);

	CASE("no start time (polling): /proc details as before");
	e = ev();
	CHECK(emit(&e) == 1);
	CHECK(strstr(buf, "\"exe\":\"") != NULL);

	proc_info_clear(&self);
	free(buf);
	sock_emit_cleanup();
	return check_done("test_ebpf_emit");
}
