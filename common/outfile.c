/* Safe creation of output files. See outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pp.h"

/* A file of someone else in a sticky world-writable directory (/tmp). */
static int planted_in_sticky_dir(const char *path, const struct stat *st)
{
	struct stat dst;
	char *copy, *dir;
	int planted = 0;

	if (st->st_uid == geteuid())
		return 0;
	copy = strdup(path);
	if (!copy)
		return 0;
	dir = dirname(copy);
	if (stat(dir, &dst) == 0 && (dst.st_mode & S_ISVTX) && (dst.st_mode & S_IWOTH) &&
	    st->st_uid != dst.st_uid)
		planted = 1;
	free(copy);
	return planted;
}

int pp_outfile_open(const char *path)
{
	struct stat st;
	const char *why = NULL;
	int fd, e;

	if (!strcmp(path, "-"))
		return STDOUT_FILENO;
	/* No O_TRUNC here: a hard-linked victim must be refused before any
	 * of its bytes are lost; regular files are emptied below instead. */
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, PP_OUTFILE_MODE);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			pp_warn("%s: is a symbolic link; refusing to write through it", path);
		else
			pp_warn("%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		why = strerror(e);
	} else if (S_ISREG(st.st_mode)) {
		if (st.st_nlink > 1) {
			e = EPERM;
			why = "has other hard links; refusing to overwrite it";
		} else if (planted_in_sticky_dir(path, &st)) {
			e = EPERM;
			why = "belongs to another user in a shared directory; refusing to write to it";
		} else if (ftruncate(fd, 0) < 0) {
			e = errno;
			why = strerror(e);
		}
	} else if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
		e = EINVAL;
		why = "not a regular file, FIFO or character device";
	}
	if (why) {
		close(fd);
		pp_warn("%s: %s", path, why);
		errno = e;
		return -1;
	}
	return fd;
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
