/* Process details from /proc, for the process fields of sock records
 * (pp-records(5)): ppid, uid, comm, exe, cmdline (bounded and redacted),
 * cgroup, container, netns.
 *
 * Both pp-trace modes use the cache: the eBPF mode knows the pid of an
 * event, the polling mode finds it from the socket's inode. The cache is
 * keyed by pid and the process's start time (field 22 of /proc/PID/stat), so
 * a pid that the kernel hands out again is never described with the details
 * of its previous owner.
 *
 * Only /proc/PID/{stat,status,exe,cmdline,cgroup,ns/net} are read; the
 * environment never is. What cannot be read (another user's process when
 * unprivileged, a process that has gone) is left out, not guessed. */
#ifndef PP_PROC_H
#define PP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_ARGS_MAX 64     /* cmdline: at most this many arguments */
#define PROC_ARG_MAX 1024    /* ... of at most this many bytes each */
#define PROC_REDACTED "[REDACTED]"

struct proc_info {
	pid_t pid;
	pid_t ppid;              /* -1 unknown */
	uint32_t uid;            /* real uid */
	bool has_uid;
	char comm[16];           /* NUL-terminated; "" unknown */
	char *exe;               /* NULL unknown (no permission, kernel thread) */
	char **argv;             /* argc bounded, redacted copies; NULL when argc 0 */
	int argc;
	char *cgroup;            /* cgroup v2 path, NULL unknown */
	char *container;         /* container id or systemd unit, NULL none */
	uint64_t netns;          /* inode of /proc/PID/ns/net, 0 unknown */
	uint64_t start_time;     /* clock ticks after boot; with pid, the cache key */
	bool gone;               /* the process has exited since it was read */
};

/* --- pure parsers (no I/O: unit tests and fuzz targets call these) ------- */

/* /proc/PID/stat: comm (between the first '(' and the LAST ')', since comm
 * may itself hold ')' and spaces), ppid, start time. 0, or -1 if malformed. */
int proc_parse_stat(const char *buf, size_t n, char comm[16], pid_t *ppid, uint64_t *start);

/* /proc/PID/cmdline (NUL-separated) into at most PROC_ARGS_MAX arguments of
 * at most PROC_ARG_MAX bytes, each redacted (proc_redact_args). Returns argc;
 * *argv is NULL when 0, else free with proc_free_argv. */
int proc_parse_cmdline(const char *buf, size_t n, char ***argv);
void proc_free_argv(char **argv, int argc);

/* Replace secrets in place (the strings are reallocated as needed):
 *   --password=x, -api-key=x, DB_TOKEN=x, "Authorization: Bearer x"
 *       -> the value after '=' or ':' becomes [REDACTED]
 *   --password x, -token x   -> the next argument becomes [REDACTED]
 *   scheme://user:pass@host  -> the password in the URL becomes [REDACTED]
 * Names match case-insensitively anywhere in the option name: password,
 * passwd, secret, token, api_key, apikey, api-key, authorization,
 * credential, private_key, private-key. */
void proc_redact_args(char **argv, int argc);

/* The v2 path from /proc/PID/cgroup text ("0::/path" line). malloc'd, or
 * NULL when there is none. */
char *proc_cgroup_v2(const char *buf, size_t n);

/* A container id or systemd unit named by a cgroup path: docker
 * (docker-<id>.scope, /docker/<id>), containerd (cri-containerd-<id>.scope),
 * CRI-O (crio-<id>.scope), podman (libpod-<id>.scope), Kubernetes pods
 * (/kubepods/.../pod<uid>/<id>, or pod<uid> alone); else the deepest
 * systemd unit (*.service, *.scope). Writes into out (NUL-terminated) and
 * returns true, or false when the path names neither. */
bool proc_container_from_cgroup(const char *path, char *out, size_t outlen);

/* --- reading /proc ------------------------------------------------------- */

/* Where /proc is ("/proc" unless PP_PROC_ROOT is set in the environment;
 * tests point it at saved trees). */
const char *proc_root(void);

/* Read everything about pid now. 0, or -1 (errno) when the process does not
 * exist; fields that cannot be read are left unknown. Free with
 * proc_info_clear. */
int proc_read(pid_t pid, struct proc_info *pi);
void proc_info_clear(struct proc_info *pi);

/* A whole small file into buf (not NUL-terminated): bytes read, or -1. */
ssize_t proc_read_file(const char *path, char *buf, size_t cap);
/* comm, ppid and start time (clock ticks after boot) of pid from its
 * /proc/PID/stat. 0, or -1 (errno) when it is gone or unreadable. */
int proc_read_stat(pid_t pid, char comm[16], pid_t *ppid, uint64_t *start);

/* Inode of a network namespace link such as "self/ns/net" (under proc_root),
 * 0 when unreadable. */
uint64_t proc_netns_of(const char *rel);

/* --- the cache ----------------------------------------------------------- */

struct proc_cache;

struct proc_cache *proc_cache_new(void);
void proc_cache_free(struct proc_cache *c);

/* Start a new generation: within one generation a cached entry is trusted
 * as it is; in the next, its start time (and comm) are checked once against
 * /proc/PID/stat and the entry is re-read if they changed. Call once per poll
 * or per batch of events. Entries unused for many generations are dropped. */
void proc_cache_tick(struct proc_cache *c);

/* The details of pid. When the process has exited since it was cached, the
 * last details are returned with gone set (they describe the process that
 * owned the socket). NULL when pid was never seen and does not exist. The
 * pointer is valid until the next proc_cache_tick. */
const struct proc_info *proc_cache_get(struct proc_cache *c, pid_t pid);

#endif
