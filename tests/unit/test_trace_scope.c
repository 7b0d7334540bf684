/* pp-trace's polled scope (cmd/pp-trace/scope.c) on a /proc tree written
 * here (PP_PROC_ROOT): the descendants of a root, found before their
 * parents or through them; a process whose start time is older than its
 * parent's is a reused pid, not a child; a member stays one after its
 * parent exits; a new process under a member's old pid is not one; the
 * cgroup scope matches the cgroup and below, not a sibling that shares a
 * prefix; eBPF events pass (the kernel chose them); removing the cgroup
 * leaves no descriptor open. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cmd/pp-trace/scope.h"
#include "../../cmd/pp-trace/trace.h"
#include "check.h"
#include "proc.h"

static char root[256];

static void proc_put(pid_t pid, pid_t ppid, unsigned long long start)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/stat", root, (int)pid);
	f = fopen(path, "w");
	fprintf(f, "%d (p%d) S %d 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %llu 0 0\n", (int)pid, (int)pid,
	        (int)ppid, start);
	fclose(f);
}

static void proc_gone(pid_t pid)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%d/stat", root, (int)pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	rmdir(path);
}

static void collect(pid_t pid, void *arg)
{
	char *s = arg;
	snprintf(s + strlen(s), 256 - strlen(s), "%d ", (int)pid);
}

static bool polled_ok(struct trace_scope *s, pid_t pid, uint64_t start, const char *cgroup)
{
	struct sock_event e = {.pid = pid, .source = "poll"};
	struct proc_info pi = {.pid = pid, .start_time = start, .cgroup = (char *)cgroup};
	return scope_event_ok(s, &e, &pi);
}

int main(void)
{
	struct trace_scope s = {.cg_fd = -1};
	char seen[256] = "";

	snprintf(root, sizeof(root), "/tmp/pp-scope-test.%ld", (long)getpid());
	mkdir(root, 0755);
	setenv("PP_PROC_ROOT", root, 1);
	proc_put(1, 0, 1);
	proc_put(100, 1, 1000);  /* the root */
	proc_put(102, 101, 1020); /* a grandchild, listed before its parent */
	proc_put(101, 100, 1010);
	proc_put(103, 1, 990);    /* unrelated */
	proc_put(104, 100, 900);  /* older than 100: its parent was another 100 */

	CASE("tree from /proc");
	CHECK(scope_tree_init(&s, 100, 0) == 0);
	CHECK(scope_tree_each(&s, collect, seen) == 3);
	CHECK(strstr(seen, "100 ") == seen);
	CHECK(strstr(seen, "101 ") && strstr(seen, "102 "));
	CHECK(!strstr(seen, "103 ") && !strstr(seen, "104 "));

	CASE("polled events");
	CHECK(polled_ok(&s, 102, 1020, NULL));
	CHECK(!polled_ok(&s, 103, 990, NULL));
	CHECK(!polled_ok(&s, 104, 900, NULL));
	CHECK(!polled_ok(&s, 102, 1021, NULL)); /* another start: another process */

	CASE("orphan and reused pid");
	proc_put(105, 101, 1030); /* a new child of 101, then 101 exits */
	scope_poll_tick(&s, 0);
	proc_gone(101);
	proc_put(105, 1, 1030);   /* reparented */
	proc_put(102, 1, 1020);
	CHECK(polled_ok(&s, 105, 1030, NULL));
	CHECK(polled_ok(&s, 102, 1020, NULL));
	proc_put(101, 1, 2000);   /* 101 again, unrelated */
	proc_put(106, 101, 2010); /* and its child */
	scope_poll_tick(&s, 0);
	CHECK(!polled_ok(&s, 101, 2000, NULL));
	CHECK(!polled_ok(&s, 106, 2010, NULL));
	CHECK(!polled_ok(&s, 107, 1, NULL)); /* never existed */

	CASE("eBPF events pass");
	struct sock_event e = {.pid = 103};
	CHECK(scope_event_ok(&s, &e, NULL));
	scope_free(&s);

	CASE("cgroup scope");
	struct trace_scope c = {.kind = SCOPE_CGROUP, .cg_fd = -1};
	snprintf(c.cg_path, sizeof(c.cg_path), "/user.slice/pp-trace.5");
	CHECK(polled_ok(&c, 200, 1, "/user.slice/pp-trace.5"));
	CHECK(polled_ok(&c, 200, 1, "/user.slice/pp-trace.5/sub"));
	CHECK(!polled_ok(&c, 200, 1, "/user.slice/pp-trace.55"));
	CHECK(!polled_ok(&c, 200, 1, "/user.slice"));
	CHECK(!polled_ok(&c, 200, 1, NULL));

	CASE("cgroup removal: the directory goes, no descriptor stays");
	{
		struct trace_scope g = {.kind = SCOPE_CGROUP, .cg_fd = -1};
		char procs[4200];
		int before, after;
		FILE *f;
		snprintf(g.cg_parent, sizeof(g.cg_parent), "%s/cg", root);
		snprintf(g.cg_dir, sizeof(g.cg_dir), "%s/cg/pp-trace.5", root);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", g.cg_parent);
		mkdir(g.cg_parent, 0755);
		mkdir(g.cg_dir, 0755);
		f = fopen(procs, "w");
		CHECK(f != NULL);
		if (f)
			fclose(f);
		before = dup(0); /* the lowest free descriptor */
		close(before);
		g.cg_fd = open(g.cg_dir, O_RDONLY | O_DIRECTORY);
		scope_cgroup_remove(&g);
		after = dup(0);
		close(after);
		CHECK(access(g.cg_dir, F_OK) != 0);
		CHECK(g.cg_fd == -1);
		CHECK(after == before); /* the parent's cgroup.procs closed too */
		unlink(procs);
		rmdir(g.cg_parent);
	}

	for (pid_t p = 1; p < 110; p++)
		proc_gone(p);
	rmdir(root);
	return check_done("unit/trace_scope");
}
