/* Output files: mode 0640, emptied when they exist, and every planted
 * trap refused without touching its target: a symbolic link (also a
 * dangling one), a second hard link, another user's file in a sticky
 * world-writable directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "outfile.h"

static char dir[64];

static char *p(const char *name)
{
	static char buf[4][192];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

static bool content_is(const char *path, const char *s)
{
	char buf[256] = {0};
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 0 && !strcmp(buf, s);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) < 0 ? (mode_t)-1 : st.st_mode & 07777;
}

int main(void)
{
	int fd;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/pp-outfile.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	umask(022);

	CASE("new file: mode 0640");
	fd = pp_outfile_open(p("new"));
	CHECK(fd >= 0);
	CHECK(write(fd, "abc", 3) == 3);
	close(fd);
	CHECK(mode_of(p("new")) == 0640);
	CHECK(content_is(p("new"), "abc"));

	CASE("existing own file: emptied");
	fd = pp_outfile_open(p("new"));
	CHECK(fd >= 0);
	close(fd);
	CHECK(content_is(p("new"), ""));

	CASE("planted symlink: refused, target intact");
	put(p("victim"), "precious");
	chmod(p("victim"), 0600);
	CHECK(symlink(p("victim"), p("link")) == 0);
	errno = 0;
	CHECK(pp_outfile_open(p("link")) == -1 && errno == ELOOP);
	CHECK(content_is(p("victim"), "precious"));
	CHECK(mode_of(p("victim")) == 0600);

	CASE("dangling symlink: refused, nothing created");
	CHECK(symlink(p("notyet"), p("dangling")) == 0);
	CHECK(pp_outfile_open(p("dangling")) == -1 && errno == ELOOP);
	CHECK(access(p("notyet"), F_OK) < 0 && errno == ENOENT);

	CASE("hard link: refused, target intact");
	CHECK(link(p("victim"), p("hardlink")) == 0);
	CHECK(pp_outfile_open(p("hardlink")) == -1 && errno == EPERM);
	CHECK(content_is(p("victim"), "precious"));

	CASE("stdio stream and '-'");
	f = pp_outfile_fopen(p("stream"));
	CHECK(f && fputs("x\n", f) >= 0 && fclose(f) == 0);
	CHECK(content_is(p("stream"), "x\n"));
	CHECK(pp_outfile_fopen("-") == stdout);
	CHECK(pp_outfile_open("-") == STDOUT_FILENO);

	CASE("character device: written, not refused");
	fd = pp_outfile_open("/dev/null");
	CHECK(fd >= 0);
	close(fd);

	CASE("directory: refused");
	CHECK(pp_outfile_open(dir) == -1);

	if (geteuid() == 0) {
		/* Another user's file in a sticky world-writable directory,
		 * as an attacker would leave it in /tmp for root to fill. */
		CASE("planted in sticky dir: refused");
		CHECK(mkdir(p("sticky"), 01777) == 0 && chmod(p("sticky"), 01777) == 0);
		put(p("sticky/out.pcap"), "attacker");
		CHECK(chown(p("sticky/out.pcap"), 65534, 65534) == 0);
		chmod(p("sticky/out.pcap"), 0666);
		CHECK(pp_outfile_open(p("sticky/out.pcap")) == -1 && errno == EPERM);
		CHECK(content_is(p("sticky/out.pcap"), "attacker"));
		CASE("own file in sticky dir: fine");
		fd = pp_outfile_open(p("sticky/mine"));
		CHECK(fd >= 0);
		close(fd);
	} else {
		printf("SKIP outfile sticky dir: needs root to plant another user's file\n");
	}

	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return check_done("test_outfile");
}
