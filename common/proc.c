/* Process details from /proc (see proc.h). */
#include "proc.h"
#include "htab.h"
#include "pp.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* --- /proc/PID/stat ------------------------------------------------------ */

int proc_parse_stat(const char *buf, size_t n, char comm[16], pid_t *ppid, uint64_t *start)
{
	const char *open = memchr(buf, '(', n), *close = NULL, *end = buf + n;
	char tok[32];
	int field = 3;

	if (!open)
		return -1;
	for (const char *p = open; p < end; p++)
		if (*p == ')')
			close = p;
	if (!close)
		return -1;
	size_t clen = (size_t)(close - open - 1);
	if (clen > 15)
		clen = 15;
	memcpy(comm, open + 1, clen);
	comm[clen] = '\0';

	/* Fields after the comm: 3 state, 4 ppid, ..., 22 starttime. */
	const char *p = close + 1;
	bool have_ppid = false, have_start = false;
	while (p < end && field <= 22) {
		while (p < end && *p == ' ')
			p++;
		const char *t = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		size_t tl = (size_t)(p - t);
		if (tl == 0)
			break;
		if (field == 4 || field == 22) {
			if (tl >= sizeof(tok))
				return -1;
			memcpy(tok, t, tl);
			tok[tl] = '\0';
			char *e;
			errno = 0;
			unsigned long long v = strtoull(tok, &e, 10);
			if (*e || errno)
				return -1;
			if (field == 4) {
				if (v > INT_MAX)
					return -1;
				*ppid = (pid_t)v;
				have_ppid = true;
			} else {
				*start = v;
				have_start = true;
			}
		}
		field++;
	}
	return have_ppid && have_start ? 0 : -1;
}

/* --- cmdline: bounded, redacted ------------------------------------------ */

static const char *const secret_words[] = {
	"password", "passwd", "secret", "token", "api_key", "apikey", "api-key",
	"authorization", "credential", "private_key", "private-key",
};

static bool has_secret_word(const char *s, size_t n)
{
	for (size_t w = 0; w < PP_ARRAY_LEN(secret_words); w++) {
		size_t wl = strlen(secret_words[w]);
		for (size_t i = 0; i + wl <= n; i++)
			if (!strncasecmp(s + i, secret_words[w], wl))
				return true;
	}
	return false;
}

/* s becomes its first keep bytes followed by [REDACTED]. */
static void redact_after(char **s, size_t keep)
{
	char *n = xmalloc(keep + sizeof(PROC_REDACTED));
	memcpy(n, *s, keep);
	memcpy(n + keep, PROC_REDACTED, sizeof(PROC_REDACTED));
	free(*s);
	*s = n;
}

/* scheme://user:password@host... : the password goes. */
static void redact_url(char **s)
{
	char *sep = strstr(*s, "://");
	if (!sep)
		return;
	char *auth = sep + 3;
	size_t alen = strcspn(auth, "/?#@");
	if (auth[alen] != '@')
		return;
	char *colon = memchr(auth, ':', alen);
	if (!colon)
		return;
	size_t keep = (size_t)(colon + 1 - *s);
	const char *rest = auth + alen; /* "@host..." */
	size_t rl = strlen(rest);
	char *n = xmalloc(keep + strlen(PROC_REDACTED) + rl + 1);
	memcpy(n, *s, keep);
	memcpy(n + keep, PROC_REDACTED, strlen(PROC_REDACTED));
	memcpy(n + keep + strlen(PROC_REDACTED), rest, rl + 1);
	free(*s);
	*s = n;
}

void proc_redact_args(char **argv, int argc)
{
	bool next = false;
	for (int i = 0; i < argc; i++) {
		if (next) {
			redact_after(&argv[i], 0);
			next = false;
			continue;
		}
		const char *a = argv[i];
		size_t sep = strcspn(a, "=:");
		if (a[sep] && has_secret_word(a, sep)) {
			redact_after(&argv[i], sep + 1);
			continue;
		}
		if (!a[sep] && a[0] == '-' && has_secret_word(a, sep)) {
			next = true; /* --password VALUE */
			continue;
		}
		redact_url(&argv[i]);
	}
}

void proc_free_argv(char **argv, int argc)
{
	if (!argv)
		return;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int proc_parse_cmdline(const char *buf, size_t n, char ***argvp)
{
	/* One argument more than we keep, so that "--password" as the last kept
	 * argument still sees (and hides) its value; it is dropped after. */
	char *args[PROC_ARGS_MAX + 1];
	int argc = 0;
	size_t i = 0;

	*argvp = NULL;
	/* A trailing NUL ends the last argument; a missing one (a process that
	 * rewrote its title) still ends it at the end of the buffer. */
	while (i < n && argc < PROC_ARGS_MAX + 1) {
		const char *s = buf + i, *z = memchr(s, '\0', n - i);
		size_t l = z ? (size_t)(z - s) : n - i;
		args[argc++] = xmemdup(s, l);
		i += l + 1;
	}
	if (argc == 0)
		return 0;
	proc_redact_args(args, argc);
	if (argc > PROC_ARGS_MAX)
		free(args[--argc]);
	/* Bound each argument, without cutting a UTF-8 sequence in two. */
	for (int k = 0; k < argc; k++) {
		size_t l = strlen(args[k]);
		if (l > PROC_ARG_MAX) {
			l = PROC_ARG_MAX;
			while (l > 0 && ((unsigned char)args[k][l] & 0xC0) == 0x80)
				l--;
			args[k][l] = '\0';
		}
	}
	char **argv = xmalloc(sizeof(char *) * (size_t)argc);
	memcpy(argv, args, sizeof(char *) * (size_t)argc);
	*argvp = argv;
	return argc;
}

/* --- cgroup and container ------------------------------------------------ */

char *proc_cgroup_v2(const char *buf, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *l = buf + i, *nl = memchr(l, '\n', n - i);
		size_t ll = nl ? (size_t)(nl - l) : n - i;
		if (ll >= 3 && !memcmp(l, "0::", 3) && ll > 3 && !memchr(l, '\0', ll))
			return xmemdup(l + 3, ll - 3);
		i += ll + 1;
	}
	return NULL;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t sl = strlen(suf);
	return n >= sl && !memcmp(s + n - sl, suf, sl);
}

/* "<prefix><hex id>[.scope]" */
static bool prefixed_id(const char *c, size_t n, const char **id, size_t *idlen)
{
	static const char *const prefixes[] = {"docker-", "cri-containerd-", "crio-", "libpod-"};
	if (ends_with(c, n, ".scope"))
		n -= 6;
	for (size_t p = 0; p < PP_ARRAY_LEN(prefixes); p++) {
		size_t pl = strlen(prefixes[p]);
		if (n > pl && !memcmp(c, prefixes[p], pl) && n - pl >= 12 && n - pl <= 64 &&
		    all_hex(c + pl, n - pl)) {
			*id = c + pl;
			*idlen = n - pl;
			return true;
		}
	}
	return false;
}

static bool put(char *out, size_t outlen, const char *s, size_t n)
{
	if (outlen == 0)
		return false;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

bool proc_container_from_cgroup(const char *path, char *out, size_t outlen)
{
	enum { MAXC = 64 };
	const char *comp[MAXC];
	size_t clen[MAXC];
	int nc = 0;

	for (const char *p = path; *p && nc < MAXC;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t l = strcspn(p, "/");
		comp[nc] = p;
		clen[nc++] = l;
		p += l;
	}
	/* A container id, deepest first. */
	for (int i = nc - 1; i >= 0; i--) {
		const char *id;
		size_t idl;
		if (prefixed_id(comp[i], clen[i], &id, &idl))
			return put(out, outlen, id, idl);
		if (clen[i] == 64 && all_hex(comp[i], 64))
			return put(out, outlen, comp[i], 64);
	}
	/* A Kubernetes pod without a container level. */
	for (int i = nc - 1; i >= 0; i--) {
		const char *c = comp[i];
		size_t l = clen[i];
		if (ends_with(c, l, ".slice"))
			l -= 6;
		const char *pod = NULL;
		for (size_t k = 0; k + 3 < l; k++)
			if (!memcmp(c + k, "pod", 3) && (k == 0 || c[k - 1] == '-'))
				pod = c + k;
		bool kube = false;
		for (int j = 0; j <= i; j++)
			kube |= clen[j] >= 8 && !memcmp(comp[j], "kubepods", 8);
		if (pod && kube)
			return put(out, outlen, pod, l - (size_t)(pod - c));
	}
	/* The deepest systemd unit. */
	for (int i = nc - 1; i >= 0; i--)
		if (ends_with(comp[i], clen[i], ".service") || ends_with(comp[i], clen[i], ".scope"))
			return put(out, outlen, comp[i], clen[i]);
	return false;
}

/* --- reading /proc ------------------------------------------------------- */

const char *proc_root(void)
{
	static const char *root;
	if (!root) {
		const char *e = getenv("PP_PROC_ROOT");
		root = e && *e ? e : "/proc";
	}
	return root;
}

/* (proc.h) */
ssize_t proc_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	return (ssize_t)n;
}

static uint64_t ns_inode(const char *path)
{
	char l[64];
	ssize_t n = readlink(path, l, sizeof(l) - 1);
	if (n <= 0)
		return 0;
	l[n] = '\0';
	const char *b = strchr(l, '[');
	return b ? strtoull(b + 1, NULL, 10) : 0;
}

uint64_t proc_netns_of(const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", proc_root(), rel);
	return ns_inode(path);
}

void proc_info_clear(struct proc_info *pi)
{
	free(pi->exe);
	proc_free_argv(pi->argv, pi->argc);
	free(pi->cgroup);
	free(pi->container);
	memset(pi, 0, sizeof(*pi));
}

int proc_read_stat(pid_t pid, char comm[16], pid_t *ppid, uint64_t *start)
{
	char path[PATH_MAX], buf[1024];
	snprintf(path, sizeof(path), "%s/%d/stat", proc_root(), (int)pid);
	ssize_t n = proc_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (proc_parse_stat(buf, (size_t)n, comm, ppid, start) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int proc_read(pid_t pid, struct proc_info *pi)
{
	char path[PATH_MAX];
	/* cmdline can be long; arguments past what we keep are not needed, but
	 * a long argument must be read whole to redact what follows it. */
	static char buf[256 * 1024];
	ssize_t n;

	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	pi->ppid = -1;
	if (proc_read_stat(pid, pi->comm, &pi->ppid, &pi->start_time) < 0)
		return -1;

	snprintf(path, sizeof(path), "%s/%d/status", proc_root(), (int)pid);
	if ((n = proc_read_file(path, buf, 4096)) > 0) {
		buf[n < 4096 ? n : 4095] = '\0';
		char *u = strstr(buf, "\nUid:");
		unsigned long v;
		if (u && sscanf(u + 5, "%lu", &v) == 1 && v <= UINT32_MAX) {
			pi->uid = (uint32_t)v;
			pi->has_uid = true;
		}
	}

	snprintf(path, sizeof(path), "%s/%d/exe", proc_root(), (int)pid);
	if ((n = readlink(path, buf, PATH_MAX)) > 0)
		pi->exe = xmemdup(buf, (size_t)n);

	snprintf(path, sizeof(path), "%s/%d/cmdline", proc_root(), (int)pid);
	if ((n = proc_read_file(path, buf, sizeof(buf))) > 0)
		pi->argc = proc_parse_cmdline(buf, (size_t)n, &pi->argv);

	snprintf(path, sizeof(path), "%s/%d/cgroup", proc_root(), (int)pid);
	if ((n = proc_read_file(path, buf, 16384)) > 0) {
		pi->cgroup = proc_cgroup_v2(buf, (size_t)n);
		char id[128];
		/* The v2 path first; on hybrid hosts a v1 hierarchy may be the one
		 * that names the container. */
		bool found = pi->cgroup && proc_container_from_cgroup(pi->cgroup, id, sizeof(id));
		for (ssize_t i = 0; !found && i < n;) {
			char *l = buf + i, *nl = memchr(l, '\n', (size_t)(n - i));
			size_t ll = nl ? (size_t)(nl - l) : (size_t)(n - i);
			char *c = memchr(l, ':', ll);
			c = c ? memchr(c + 1, ':', ll - (size_t)(c + 1 - l)) : NULL;
			if (c && !memchr(l, '\0', ll)) {
				char *p = xmemdup(c + 1, ll - (size_t)(c + 1 - l));
				/* v1 paths are only trusted for real container ids, not
				 * units (name=systemd paths would name the session). */
				if (proc_container_from_cgroup(p, id, sizeof(id)) &&
				    (strlen(id) >= 12 && all_hex(id, strlen(id))))
					found = true;
				free(p);
			}
			i += (ssize_t)ll + 1;
		}
		if (found)
			pi->container = xmemdup(id, strlen(id));
	}

	snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root(), (int)pid);
	pi->netns = ns_inode(path);
	return 0;
}

/* --- the cache ----------------------------------------------------------- */

struct pc_entry {
	struct proc_info pi;
	uint64_t checked, used; /* generations */
};

struct proc_cache {
	struct htab t; /* struct pc_entry by pid */
	uint64_t gen;
};

#define PC_IDLE_GENS 64 /* unused this many generations: dropped */

struct proc_cache *proc_cache_new(void)
{
	struct proc_cache *c = xcalloc(1, sizeof(*c));
	ht_init(&c->t);
	c->gen = 1;
	return c;
}

static void pc_drop(struct pc_entry *e)
{
	proc_info_clear(&e->pi);
	free(e);
}

void proc_cache_free(struct proc_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->t.cap; i++) {
		struct pc_entry *e = ht_at(&c->t, i);
		if (e)
			pc_drop(e);
	}
	ht_free(&c->t);
	free(c);
}

static bool same_pid(const void *item, const void *key)
{
	return ((const struct pc_entry *)item)->pi.pid == *(const pid_t *)key;
}

void proc_cache_tick(struct proc_cache *c)
{
	c->gen++;
	if (c->gen % 16)
		return;
	for (size_t i = 0; i < c->t.cap; i++) {
		struct pc_entry *e = ht_at(&c->t, i);
		if (e && e->used + PC_IDLE_GENS < c->gen) {
			ht_del_at(&c->t, i);
			pc_drop(e);
		}
	}
}

const struct proc_info *proc_cache_get(struct proc_cache *c, pid_t pid)
{
	uint64_t h = pp_hash_u64((uint64_t)pid);
	size_t slot;
	struct pc_entry *e;

	if (pid <= 0)
		return NULL;
	slot = ht_find_slot(&c->t, h, same_pid, &pid);
	if (slot != (size_t)-1) {
		e = ht_at(&c->t, slot);
		e->used = c->gen;
		if (e->checked == c->gen)
			return &e->pi;
		char comm[16];
		pid_t ppid;
		uint64_t start;
		e->checked = c->gen;
		if (proc_read_stat(pid, comm, &ppid, &start) < 0) {
			e->pi.gone = true; /* still describes the socket's owner */
			return &e->pi;
		}
		if (start == e->pi.start_time && !strcmp(comm, e->pi.comm)) {
			e->pi.ppid = ppid; /* reparented when its parent exits */
			return &e->pi;
		}
		/* A new process under an old pid, or an exec: read again. */
		proc_info_clear(&e->pi);
		if (proc_read(pid, &e->pi) < 0) {
			e->pi.pid = pid;
			e->pi.gone = true;
			e->pi.ppid = -1;
			/* Nothing true is known about it: forget it. */
			ht_del_at(&c->t, slot);
			pc_drop(e);
			return NULL;
		}
		return &e->pi;
	}
	e = xmalloc(sizeof(*e));
	if (proc_read(pid, &e->pi) < 0) {
		free(e);
		return NULL;
	}
	e->checked = e->used = c->gen;
	ht_put(&c->t, h, e);
	return &e->pi;
}
