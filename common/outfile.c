/* Safe creation of output files. See outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pp.h"
#include "xalloc.h"

/* A file of someone else in a sticky world-writable directory (/tmp);
 * dst is the directory's status. */
static int planted_in_sticky_dir(const struct stat *st, const struct stat *dst)
{
	return st->st_uid != geteuid() && (dst->st_mode & S_ISVTX) && (dst->st_mode & S_IWOTH) &&
	       st->st_uid != dst->st_uid;
}

/* name in the directory dirfd (AT_FDCWD: path as given), with the checks of
 * outfile.h; shown is the name for messages. Appending leaves a regular
 * file's bytes alone, else it is emptied once known to be safe. */
static int open_checked(int dirfd, const char *name, const char *shown, bool append)
{
	struct stat st, dst;
	const char *why = NULL;
	int fd, e = 0;

	/* No O_TRUNC here: a hard-linked victim must be refused before any
	 * of its bytes are lost; regular files are emptied below instead. */
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	                             (append ? O_APPEND : 0), PP_OUTFILE_MODE);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			pp_warn("%s: is a symbolic link; refusing to write through it", shown);
		else
			pp_warn("%s: %s", shown, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		why = strerror(e);
	} else if (S_ISREG(st.st_mode)) {
		int have_dir;
		if (dirfd == AT_FDCWD) {
			char *copy = strdup(name);
			have_dir = copy && stat(dirname(copy), &dst) == 0;
			free(copy);
		} else {
			have_dir = fstat(dirfd, &dst) == 0;
		}
		if (st.st_nlink > 1) {
			e = EPERM;
			why = "has other hard links; refusing to overwrite it";
		} else if (have_dir && planted_in_sticky_dir(&st, &dst)) {
			e = EPERM;
			why = "belongs to another user in a shared directory; refusing to write to it";
		} else if (!append && ftruncate(fd, 0) < 0) {
			e = errno;
			why = strerror(e);
		}
	} else if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		e = EINVAL;
		why = "not a regular file, FIFO or character device";
	}
	if (why) {
		close(fd);
		pp_warn("%s: %s", shown, why);
		errno = e;
		return -1;
	}
	return fd;
}

int pp_outfile_open(const char *path)
{
	if (!strcmp(path, "-"))
		return STDOUT_FILENO;
	return open_checked(AT_FDCWD, path, path, false);
}

/* --- -o FILE: standard output, reopened on SIGHUP -------------------------- */

static struct {
	char *path, *dir, *base;
	int dirfd;
} out = {.dirfd = -1};
static volatile sig_atomic_t reopen_asked;

static void on_hup(int sig)
{
	(void)sig;
	reopen_asked = 1;
}

/* fd becomes standard output (stdio's stdout goes on writing to it). */
static int become_stdout(int fd)
{
	if (fd == STDOUT_FILENO)
		return 0;
	int r = dup2(fd, STDOUT_FILENO);
	int e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}

int pp_output_open(const char *path)
{
	struct sigaction sa;
	char *d, *b;
	int fd;

	if (!strcmp(path, "-"))
		return 0;
	d = xstrdup(path), b = xstrdup(path), out.path = xstrdup(path);
	out.dir = xstrdup(dirname(d));
	out.base = xstrdup(basename(b));
	free(d);
	free(b);
	/* The directory, held for the reopens: they find it even after a
	 * sandbox closed the filesystem, and a directory renamed meanwhile
	 * is still the one first named. */
	out.dirfd = open(out.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out.dirfd < 0) {
		pp_warn("%s: %s", out.dir, strerror(errno));
		return -1;
	}
	fd = open_checked(out.dirfd, out.base, path, true);
	if (fd < 0)
		return -1;
	fflush(stdout);
	if (become_stdout(fd) < 0) {
		pp_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	/* SA_RESTART: reads in progress go on; poll() returns (it always
	 * does), so a loop reopens within its period. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

bool pp_sighup_ends_run(void)
{
	struct sigaction old;
	if (out.dirfd >= 0)
		return false;
	return sigaction(SIGHUP, NULL, &old) < 0 || old.sa_handler != SIG_IGN;
}

const char *pp_output_dir(void)
{
	return out.dirfd >= 0 ? out.dir : NULL;
}

bool pp_output_reopen_pending(void)
{
	return reopen_asked;
}

int pp_output_reopen(FILE *f)
{
	int fd;

	if (!reopen_asked || out.dirfd < 0)
		return 0;
	reopen_asked = 0;
	if (fflush(f) != 0)
		return -1; /* the caller's flush reports it */
	fd = open_checked(out.dirfd, out.base, out.path, true);
	if (fd < 0)
		return -1; /* said; records go on to the file already open */
	if (become_stdout(fd) < 0) {
		pp_warn("%s: %s", out.path, strerror(errno));
		return -1;
	}
	return 0;
}

FILE *pp_outfile_fopen(const char *path)
{
	FILE *f;
	int fd = pp_outfile_open(path), e;

	if (fd < 0)
		return NULL;
	if (fd == STDOUT_FILENO)
		return stdout;
	f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		pp_warn("%s: %s", path, strerror(e));
		close(fd);
		errno = e;
	}
	return f;
}
