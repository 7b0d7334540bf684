/* pp-trace's scope (scope.h): the cgroup made for COMMAND, and the process
 * tree of -p PID --children as /proc shows it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ebpf_env.h"
#include "pp.h"
#include "proc.h"
#include "scope.h"
#include "trace.h"
#include "xalloc.h"

/* --- the cgroup ------------------------------------------------------------ */

/* The kernel's id of a cgroup v2 directory: its kernfs node id, which is
 * what name_to_handle_at() returns as the file handle (as libbpf's
 * get_cgroup_id() and systemd read it). 0 when unknown. */
static uint64_t cgroup_id(const char *dir)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	int mount_id;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = sizeof(h.id);
	if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0) != 0 || h.fh.handle_bytes != 8)
		return 0;
	return h.id; /* f_handle[], where h.id lies */
}

int scope_cgroup_create(struct trace_scope *s, char *why, size_t whylen)
{
	char root[2048], buf[16384];
	char *own;
	FILE *mf = fopen("/proc/mounts", "re");
	ssize_t n;
	int rc = 0;

	s->cg_fd = -1;
	if (!mf || ebpf_cgroup2_root(mf, root, sizeof(root)) != 0) {
		snprintf(why, whylen, "no cgroup v2 mount in /proc/mounts");
		if (mf)
			fclose(mf);
		return -1;
	}
	fclose(mf);
	n = proc_read_file("/proc/self/cgroup", buf, sizeof(buf));
	own = n > 0 ? proc_cgroup_v2(buf, (size_t)n) : NULL;
	if (!own) {
		snprintf(why, whylen, "no cgroup v2 line in /proc/self/cgroup");
		return -1;
	}
	/* A child of our own cgroup: it has no controllers of its own, so the
	 * "no internal processes" rule does not stand in the way (ours holds
	 * a process, us, so it enables none for its children either). */
	size_t ol = strlen(own);
	while (ol > 0 && own[ol - 1] == '/')
		own[--ol] = '\0';
	bool fits = (size_t)snprintf(s->cg_path, sizeof(s->cg_path), "%s/pp-trace.%ld", own, (long)getpid()) <
	                    sizeof(s->cg_path) &&
	            (size_t)snprintf(s->cg_parent, sizeof(s->cg_parent), "%s%s", root, own) < sizeof(s->cg_parent) &&
	            (size_t)snprintf(s->cg_dir, sizeof(s->cg_dir), "%s%s", root, s->cg_path) < sizeof(s->cg_dir);
	free(own);
	if (!fits) {
		snprintf(why, whylen, "cgroup path too long");
		return -1;
	}
	if (mkdir(s->cg_dir, 0755) != 0 &&
	    !(errno == EEXIST && rmdir(s->cg_dir) == 0 && mkdir(s->cg_dir, 0755) == 0)) {
		snprintf(why, whylen, "cannot create cgroup %s: %s", s->cg_dir, strerror(errno));
		return -1;
	}
	s->cg_fd = open(s->cg_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->cg_id = cgroup_id(s->cg_dir);
	if (s->cg_fd < 0 || !s->cg_id) {
		snprintf(why, whylen, "cannot read cgroup %s: %s", s->cg_dir, strerror(errno));
		rc = -1;
	}
	s->cg_level = 0;
	for (const char *p = s->cg_path; *p; p++)
		s->cg_level += *p == '/' && p[1] && p[1] != '/';
	if (rc != 0) {
		if (s->cg_fd >= 0)
			close(s->cg_fd);
		s->cg_fd = -1;
		rmdir(s->cg_dir);
		return -1;
	}
	s->kind = SCOPE_CGROUP;
	return 0;
}

/* Move every process still in the cgroup to dst's cgroup.procs. */
static void move_out(const struct trace_scope *s, int dst)
{
	char path[4200], buf[65536];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", s->cg_dir);
	n = proc_read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *save = NULL, *tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(tok);
		if (write(dst, tok, l) < 0 && errno != ESRCH)
			pp_warn_errno("cgroup %s: moving process %s out", s->cg_path, tok);
	}
}

void scope_cgroup_remove(struct trace_scope *s)
{
	char path[4200];
	int dst, err = 0;

	if (s->kind != SCOPE_CGROUP)
		return;
	if (s->cg_fd >= 0)
		close(s->cg_fd);
	s->cg_fd = -1;
	snprintf(path, sizeof(path), "%s/cgroup.procs", s->cg_parent);
	dst = open(path, O_WRONLY | O_CLOEXEC);
	/* Processes of COMMAND's that outlive it go back where pp-trace is;
	 * one forking meanwhile lands in the cgroup again: retry a while. */
	for (int i = 0; i < 50; i++) {
		if (rmdir(s->cg_dir) == 0 || errno == ENOENT) {
			err = 0;
			break;
		}
		err = errno; /* rmdir's, not what moving them out met */
		if (err != EBUSY || dst < 0)
			break;
		move_out(s, dst);
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	if (dst >= 0)
		close(dst);
	if (err) {
		errno = err;
		pp_warn_errno("cgroup %s left behind", s->cg_dir);
	}
}

/* --- the process tree ------------------------------------------------------ */

struct member {
	pid_t pid;
	uint64_t start;
};

static bool same_member(const void *item, const void *key)
{
	const struct member *a = item, *b = key;
	return a->pid == b->pid && a->start == b->start;
}

static bool is_member(const struct trace_scope *s, pid_t pid, uint64_t start)
{
	struct member k = {pid, start};
	if ((pid == s->root && start == s->root_start) || (s->reaper && pid == s->reaper && start == s->reaper_start))
		return true;
	return ht_get(&s->members, pp_hash_u64((uint64_t)pid), same_member, &k) != NULL;
}

static void add_member(struct trace_scope *s, pid_t pid, uint64_t start)
{
	struct member *m;

	if (is_member(s, pid, start))
		return;
	m = xmalloc(sizeof(*m));
	m->pid = pid;
	m->start = start;
	ht_put(&s->members, pp_hash_u64((uint64_t)pid), m);
}

int scope_tree_init(struct trace_scope *s, pid_t root, pid_t reaper)
{
	char comm[16];
	pid_t ppid;

	s->kind = SCOPE_TREE;
	s->root = root;
	s->reaper = reaper;
	ht_init(&s->members);
	if (proc_read_stat(root, comm, &ppid, &s->root_start) != 0)
		return -1;
	if (reaper && proc_read_stat(reaper, comm, &ppid, &s->reaper_start) != 0)
		s->reaper = 0;
	return 0;
}

/* One /proc scan: each process's parent and start time. */
struct pnode {
	pid_t pid, ppid;
	uint64_t start;
	bool in;
};

static bool same_pnode(const void *item, const void *key)
{
	return ((const struct pnode *)item)->pid == *(const pid_t *)key;
}

static struct pnode *scan_proc(size_t *np)
{
	DIR *d = opendir(proc_root());
	struct dirent *de;
	struct pnode *v = NULL;
	size_t n = 0, cap = 0;

	*np = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char comm[16], *end;
		long pid = strtol(de->d_name, &end, 10);
		struct pnode p = {0};
		if (*end || pid <= 0)
			continue;
		p.pid = (pid_t)pid;
		if (proc_read_stat(p.pid, comm, &p.ppid, &p.start) != 0)
			continue;
		if (n == cap)
			v = xreallocarray(v, cap = cap ? cap * 2 : 256, sizeof(*v));
		v[n++] = p;
	}
	closedir(d);
	*np = n;
	return v;
}

/* Mark every scanned process in the tree: a member already, or the child
 * of one (its parent as it is now, same start time); to a fixed point, so
 * that grandchildren found before their parents count too. */
static void mark_tree(struct trace_scope *s, struct pnode *v, size_t n)
{
	struct htab by_pid;
	bool changed = true;

	ht_init(&by_pid);
	for (size_t i = 0; i < n; i++) {
		ht_put(&by_pid, pp_hash_u64((uint64_t)v[i].pid), &v[i]);
		v[i].in = is_member(s, v[i].pid, v[i].start);
	}
	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			struct pnode *p;
			if (v[i].in)
				continue;
			p = ht_get(&by_pid, pp_hash_u64((uint64_t)v[i].ppid), same_pnode, &v[i].ppid);
			if (p && p->in && p->start <= v[i].start) {
				v[i].in = changed = true;
				add_member(s, v[i].pid, v[i].start);
			}
		}
	}
	ht_free(&by_pid);
}

int scope_tree_each(struct trace_scope *s, void (*add)(pid_t pid, void *arg), void *arg)
{
	size_t n;
	struct pnode *v = scan_proc(&n);
	int count = 0;

	add(s->root, arg);
	count++;
	mark_tree(s, v, n);
	for (size_t i = 0; i < n; i++)
		if (v[i].in && v[i].pid != s->root && v[i].pid != s->reaper) {
			add(v[i].pid, arg);
			count++;
		}
	free(v);
	return count;
}

void scope_poll_tick(struct trace_scope *s, double interval)
{
	double now = pp_mono();
	size_t n;
	struct pnode *v;

	if (!s || s->kind != SCOPE_TREE || now - s->last_tick < interval)
		return;
	s->last_tick = now;
	v = scan_proc(&n);
	mark_tree(s, v, n);
	free(v);
}

/* In the tree: known, or a parent chain (as /proc has it now) that meets
 * the tree; the chain is then known too, so that it stays in when an
 * ancestor exits and it is reparented. */
static bool tree_has(struct trace_scope *s, pid_t pid, uint64_t start)
{
	struct member chain[64];
	int depth = 0;
	bool in = false;

	while (pid > 1 && depth < (int)PP_ARRAY_LEN(chain)) {
		char comm[16];
		pid_t ppid;
		uint64_t st;
		if (is_member(s, pid, start)) {
			in = true;
			break;
		}
		chain[depth++] = (struct member){pid, start};
		if (proc_read_stat(pid, comm, &ppid, &st) != 0 || st != start)
			break; /* gone (or another process now): not known to be in */
		/* A parent younger than its child is a pid used again (the
		 * kernel reparents children at their parent's exit, so this
		 * is only a race with /proc): not a parent. */
		if (ppid <= 0 || proc_read_stat(ppid, comm, &(pid_t){0}, &st) != 0 || st > start)
			break;
		pid = ppid;
		start = st;
	}
	if (in)
		for (int i = 0; i < depth; i++)
			add_member(s, chain[i].pid, chain[i].start);
	return in;
}

bool scope_event_ok(struct trace_scope *s, const struct sock_event *e, const struct proc_info *pi)
{
	if (!s || s->kind == SCOPE_NONE || !e->source || strcmp(e->source, "poll") != 0)
		return true; /* eBPF: the kernel chose */
	if (!pi)
		return false;
	if (s->kind == SCOPE_CGROUP)
		return pi->cgroup && trace_cgroup_under(pi->cgroup, s->cg_path);
	return tree_has(s, pi->pid, pi->start_time);
}

void scope_free(struct trace_scope *s)
{
	if (s->kind == SCOPE_TREE) {
		for (size_t i = 0; i < s->members.cap; i++)
			free(ht_at(&s->members, i));
		ht_free(&s->members);
	}
	if (s->cg_fd >= 0)
		close(s->cg_fd);
	s->cg_fd = -1;
}
