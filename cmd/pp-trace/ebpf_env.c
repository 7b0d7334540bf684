/* Host facts for the eBPF mode (see ebpf_env.h). */
#include <errno.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ebpf_env.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool cap_has(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

unsigned ebpf_missing_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	unsigned missing = 0;
	bool admin;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return EC_BPF | EC_PERFMON | EC_NET_ADMIN;
	admin = cap_has(d, CAP_SYS_ADMIN);
	if (!admin && !cap_has(d, CAP_BPF))
		missing |= EC_BPF;
	if (!admin && !cap_has(d, CAP_PERFMON))
		missing |= EC_PERFMON;
	if (!cap_has(d, CAP_NET_ADMIN))
		missing |= EC_NET_ADMIN;
	return missing;
}

char *ebpf_caps_name(unsigned missing, char *buf, size_t len)
{
	const char *names[3];
	int n = 0;

	if (missing & EC_BPF)
		names[n++] = "CAP_BPF";
	if (missing & EC_PERFMON)
		names[n++] = "CAP_PERFMON";
	if (missing & EC_NET_ADMIN)
		names[n++] = "CAP_NET_ADMIN";
	if (n == 0)
		snprintf(buf, len, "nothing");
	else if (n == 1)
		snprintf(buf, len, "%s", names[0]);
	else if (n == 2)
		snprintf(buf, len, "%s and %s", names[0], names[1]);
	else
		snprintf(buf, len, "%s, %s and %s", names[0], names[1], names[2]);
	return buf;
}

/* fstab-style escapes: \040 space, \011 tab, \012 newline, \134 backslash. */
static void unescape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	while (*s && o + 1 < len) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			out[o++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

int ebpf_cgroup2_root(FILE *mounts, char *buf, size_t len)
{
	char line[4096];

	while (fgets(line, sizeof(line), mounts)) {
		char *save = NULL, *dev, *dir, *type;
		dev = strtok_r(line, " \t\n", &save);
		dir = dev ? strtok_r(NULL, " \t\n", &save) : NULL;
		type = dir ? strtok_r(NULL, " \t\n", &save) : NULL;
		if (!type || strcmp(type, "cgroup2") != 0)
			continue;
		unescape(dir, buf, len);
		return 0;
	}
	return -1;
}

static bool has_events(const char *dir)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/events", dir);
	return access(p, F_OK) == 0;
}

int ebpf_tracefs_ready(bool *mounted)
{
	*mounted = false;
	/* libbpf looks in /sys/kernel/debug/tracing first, then here. */
	if (has_events("/sys/kernel/debug/tracing") || has_events("/sys/kernel/tracing"))
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		return -1;
	*mounted = true;
	if (!has_events("/sys/kernel/tracing")) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int ebpf_local_addr(const struct pp_addr *peer, uint16_t port, struct pp_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, rc = -1;

	memset(&ss, 0, sizeof(ss));
	if (peer->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port ? port : 9);
		memcpy(&s4->sin_addr, peer->a, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port ? port : 9);
		memcpy(&s6->sin6_addr, peer->a, 16);
		sl = sizeof(*s6);
	}
	fd = socket(peer->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
			if (ss.ss_family == AF_INET)
				pp_addr_from4(local, &((struct sockaddr_in *)&ss)->sin_addr);
			else
				pp_addr_from6(local, &((struct sockaddr_in6 *)&ss)->sin6_addr);
			rc = 0;
		}
	}
	close(fd);
	return rc;
}

void ebpf_port_range(uint16_t *lo, uint16_t *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	unsigned a, b;

	*lo = 32768;
	*hi = 60999;
	if (!f)
		return;
	if (fscanf(f, "%u %u", &a, &b) == 2 && a <= b && b <= 65535) {
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
	}
	fclose(f);
}
