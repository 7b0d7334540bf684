/* inode -> pid map (see inodes.h). iproute2's ss reads every /proc/PID/fd
 * link on each run; a poller running every half second cannot afford that
 * on a busy host, so it only looks for what it does not know yet. */
#include "inodes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "htab.h"
#include "pp.h"
#include "proc.h"
#include "xalloc.h"

#define RETRIES 3   /* scans an inode may miss before it is given up */
#define HOT_MAX 32  /* recently useful pids, scanned first */

struct ino_ent {
	uint64_t inode;   /* never 0 */
	pid_t pid;        /* > 0 found, 0 wanted, -1 given up */
	uint8_t misses;
};

struct inomap {
	struct htab t;    /* of struct ino_ent, by inode */
	size_t wanted;
	pid_t hot[HOT_MAX];
	int nhot;
	bool denied;
	unsigned long scans;
	unsigned long long links;
};

struct inomap *inomap_new(void)
{
	struct inomap *m = xcalloc(1, sizeof(*m));
	ht_init(&m->t);
	return m;
}

void inomap_free(struct inomap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->t.cap; i++)
		free(ht_at(&m->t, i));
	ht_free(&m->t);
	free(m);
}

static bool same_inode(const void *item, const void *key)
{
	return ((const struct ino_ent *)item)->inode == *(const uint64_t *)key;
}

static struct ino_ent *find(const struct inomap *m, uint64_t ino)
{
	return ht_get(&m->t, pp_hash_u64(ino), same_inode, &ino);
}

pid_t inomap_get(struct inomap *m, uint64_t inode)
{
	struct ino_ent *e = inode ? find(m, inode) : NULL;
	return e ? e->pid : -1;
}

void inomap_want(struct inomap *m, uint64_t inode)
{
	struct ino_ent *e;
	if (!inode || find(m, inode))
		return;
	e = xcalloc(1, sizeof(*e));
	e->inode = inode;
	ht_put(&m->t, pp_hash_u64(inode), e);
	m->wanted++;
}

void inomap_forget(struct inomap *m, uint64_t inode)
{
	struct ino_ent *e = inode ? ht_del(&m->t, pp_hash_u64(inode), same_inode, &inode) : NULL;
	if (!e)
		return;
	if (e->pid == 0)
		m->wanted--;
	free(e);
}

bool inomap_denied(const struct inomap *m) { return m->denied; }
unsigned long inomap_scans(const struct inomap *m) { return m->scans; }
unsigned long long inomap_links(const struct inomap *m) { return m->links; }

static void make_hot(struct inomap *m, pid_t pid)
{
	int i;
	for (i = 0; i < m->nhot && m->hot[i] != pid; i++)
		;
	if (i == m->nhot && m->nhot < HOT_MAX)
		m->nhot++;
	if (i == HOT_MAX)
		i = HOT_MAX - 1;
	memmove(m->hot + 1, m->hot, sizeof(pid_t) * (size_t)i);
	m->hot[0] = pid;
}

/* "socket:[12345]" -> 12345, else 0. */
static uint64_t socket_inode(const char *l, ssize_t n)
{
	if (n < 10 || memcmp(l, "socket:[", 8) || l[n - 1] != ']')
		return 0;
	uint64_t v = 0;
	for (ssize_t i = 8; i < n - 1; i++) {
		if (l[i] < '0' || l[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(l[i] - '0');
	}
	return v;
}

/* Look through one process's fds; true once nothing is wanted any more. */
static bool scan_pid(struct inomap *m, int procfd, pid_t pid)
{
	char path[32], link[64];
	snprintf(path, sizeof(path), "%d/fd", (int)pid);
	int dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == EACCES || errno == EPERM)
			m->denied = true;
		return false;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return false;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		ssize_t n = readlinkat(dfd, de->d_name, link, sizeof(link));
		m->links++;
		uint64_t ino = n > 0 ? socket_inode(link, n) : 0;
		if (!ino)
			continue;
		struct ino_ent *e = find(m, ino);
		if (e && e->pid == 0) {
			e->pid = pid;
			m->wanted--;
			make_hot(m, pid);
			if (m->wanted == 0)
				break;
		}
	}
	closedir(d);
	return m->wanted == 0;
}

static pid_t pid_name(const char *s)
{
	long v = 0;
	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1 << 30)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return (pid_t)v;
}

void inomap_resolve(struct inomap *m)
{
	if (m->wanted == 0)
		return;
	int procfd = open(proc_root(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return;
	m->scans++;
	bool done = false;
	/* Processes that recently opened sockets are the likely owners of new
	 * ones (a server accepting, a client connecting again). */
	pid_t hot[HOT_MAX];
	int nhot = m->nhot;
	memcpy(hot, m->hot, sizeof(pid_t) * (size_t)nhot);
	for (int i = 0; i < nhot && !done; i++)
		done = scan_pid(m, procfd, hot[i]);
	if (!done) {
		int dfd = dup(procfd);
		DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
		struct dirent *de;
		while (d && !done && (de = readdir(d))) {
			pid_t pid = pid_name(de->d_name);
			if (pid <= 0)
				continue;
			bool was_hot = false;
			for (int i = 0; i < nhot; i++)
				was_hot |= hot[i] == pid;
			if (!was_hot)
				done = scan_pid(m, procfd, pid);
		}
		if (d)
			closedir(d);
		else if (dfd >= 0)
			close(dfd);
	}
	close(procfd);
	if (done)
		return;
	/* What was not found: try again next time, a few times. */
	for (size_t i = 0; i < m->t.cap; i++) {
		struct ino_ent *e = ht_at(&m->t, i);
		if (e && e->pid == 0 && ++e->misses >= RETRIES) {
			e->pid = -1;
			m->wanted--;
		}
	}
}
