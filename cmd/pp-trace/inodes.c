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

#include "pp.h"
#include "proc.h"
#include "xalloc.h"

#define RETRIES 3   /* scans an inode may miss before it is given up */
#define HOT_MAX 32  /* recently useful pids, scanned first */

struct ino_ent {
	uint64_t inode;   /* 0: empty slot */
	pid_t pid;        /* > 0 found, 0 wanted, -1 given up */
	uint8_t misses;
	uint8_t used;     /* slot in use (inode 0 never is a key) */
};

struct inomap {
	struct ino_ent *t;
	size_t cap, n, tomb; /* open addressing, linear probing, tombstones */
	size_t wanted;
	pid_t hot[HOT_MAX];
	int nhot;
	bool denied;
	unsigned long scans;
	unsigned long long links;
};

enum { SLOT_FREE = 0, SLOT_USED = 1, SLOT_TOMB = 2 };

static size_t slot_of(uint64_t ino, size_t cap)
{
	return (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

struct inomap *inomap_new(void)
{
	struct inomap *m = xcalloc(1, sizeof(*m));
	m->cap = 1024;
	m->t = xcalloc(m->cap, sizeof(*m->t));
	return m;
}

void inomap_free(struct inomap *m)
{
	if (!m)
		return;
	free(m->t);
	free(m);
}

static struct ino_ent *find(const struct inomap *m, uint64_t ino)
{
	for (size_t i = slot_of(ino, m->cap), k = 0; k < m->cap; i = (i + 1) & (m->cap - 1), k++) {
		struct ino_ent *e = &m->t[i];
		if (e->used == SLOT_FREE)
			return NULL;
		if (e->used == SLOT_USED && e->inode == ino)
			return e;
	}
	return NULL;
}

static void rehash(struct inomap *m, size_t cap)
{
	struct ino_ent *old = m->t;
	size_t ocap = m->cap;
	m->t = xcalloc(cap, sizeof(*m->t));
	m->cap = cap;
	m->tomb = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].used != SLOT_USED)
			continue;
		size_t j = slot_of(old[i].inode, cap);
		while (m->t[j].used == SLOT_USED)
			j = (j + 1) & (cap - 1);
		m->t[j] = old[i];
	}
	free(old);
}

static struct ino_ent *insert(struct inomap *m, uint64_t ino)
{
	if ((m->n + m->tomb + 1) * 2 > m->cap)
		rehash(m, m->n * 4 > m->cap ? m->cap * 2 : m->cap);
	size_t i = slot_of(ino, m->cap);
	while (m->t[i].used == SLOT_USED)
		i = (i + 1) & (m->cap - 1);
	if (m->t[i].used == SLOT_TOMB)
		m->tomb--;
	m->t[i] = (struct ino_ent){.inode = ino, .pid = 0, .used = SLOT_USED};
	m->n++;
	return &m->t[i];
}

pid_t inomap_get(struct inomap *m, uint64_t inode)
{
	struct ino_ent *e = inode ? find(m, inode) : NULL;
	return e ? e->pid : -1;
}

void inomap_want(struct inomap *m, uint64_t inode)
{
	if (!inode || find(m, inode))
		return;
	insert(m, inode);
	m->wanted++;
}

void inomap_forget(struct inomap *m, uint64_t inode)
{
	struct ino_ent *e = inode ? find(m, inode) : NULL;
	if (!e)
		return;
	if (e->pid == 0)
		m->wanted--;
	e->used = SLOT_TOMB;
	m->n--;
	m->tomb++;
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
	for (size_t i = 0; i < m->cap; i++) {
		struct ino_ent *e = &m->t[i];
		if (e->used == SLOT_USED && e->pid == 0 && ++e->misses >= RETRIES) {
			e->pid = -1;
			m->wanted--;
		}
	}
}
