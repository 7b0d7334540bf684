/* Service names. The table is read once, on first use, and kept sorted by
 * (port, proto) for lookups by port; lookups by name (filter terms like
 * port:https) are rare and scan it. */
#include "services.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pp.h"
#include "xalloc.h"

struct svc {
	unsigned short port;
	bool udp;
	unsigned seq; /* line order, so that the first name of a port wins */
	char name[32];
};

static struct svc *tab;
static size_t ntab;
static bool loaded;

/* The names Debian's /etc/services gives these ports, so that output is the
 * same whether or not the file is there. */
static const struct {
	unsigned short port;
	const char *tcp, *udp;
} builtin[] = {
	{20, "ftp-data", NULL}, {21, "ftp", NULL}, {22, "ssh", NULL}, {23, "telnet", NULL},
	{25, "smtp", NULL}, {53, "domain", "domain"}, {67, NULL, "bootps"}, {68, NULL, "bootpc"},
	{69, NULL, "tftp"}, {80, "http", NULL}, {88, "kerberos", "kerberos"}, {110, "pop3", NULL},
	{119, "nntp", NULL}, {123, NULL, "ntp"}, {137, NULL, "netbios-ns"}, {139, "netbios-ssn", NULL},
	{143, "imap2", NULL}, {161, "snmp", "snmp"}, {162, "snmp-trap", "snmp-trap"},
	{179, "bgp", NULL}, {389, "ldap", "ldap"}, {443, "https", "https"},
	{445, "microsoft-ds", NULL}, {465, "submissions", NULL}, {500, NULL, "isakmp"},
	{514, "shell", "syslog"}, {587, "submission", NULL}, {631, "ipp", NULL},
	{636, "ldaps", "ldaps"}, {853, "domain-s", "domain-s"}, {873, "rsync", NULL},
	{993, "imaps", NULL}, {995, "pop3s", NULL}, {1194, "openvpn", "openvpn"},
	{1433, "ms-sql-s", NULL}, {3306, "mysql", NULL}, {3389, "ms-wbt-server", NULL},
	{4500, NULL, "ipsec-nat-t"}, {5060, "sip", "sip"}, {5353, NULL, "mdns"},
	{5432, "postgresql", NULL}, {5672, "amqp", NULL}, {6379, "redis", NULL},
	{8080, "http-alt", NULL}, {9418, "git", NULL},
};

static void add(unsigned port, bool udp, const char *name, size_t *cap)
{
	if (ntab == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		tab = xreallocarray(tab, *cap, sizeof(*tab));
	}
	tab[ntab].port = (unsigned short)port;
	tab[ntab].udp = udp;
	tab[ntab].seq = (unsigned)ntab;
	snprintf(tab[ntab].name, sizeof(tab[ntab].name), "%s", name);
	ntab++;
}

static int cmp_key(const struct svc *x, const struct svc *y)
{
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (int)x->udp - (int)y->udp;
}

static int cmp_svc(const void *a, const void *b)
{
	const struct svc *x = a, *y = b;
	int c = cmp_key(x, y);
	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static int cmp_find(const void *a, const void *b)
{
	return cmp_key(a, b);
}

/* "name  port/proto  aliases  # comment" */
static bool load_file(const char *path, size_t *cap)
{
	FILE *f = fopen(path, "re");
	char line[512];
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *save, *name, *pp, *slash, *end;
		unsigned long port;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		name = strtok_r(line, " \t\r\n", &save);
		pp = name ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (!pp || !(slash = strchr(pp, '/')))
			continue;
		*slash = '\0';
		port = strtoul(pp, &end, 10);
		if (end == pp || *end || port > 65535)
			continue;
		if (!strcmp(slash + 1, "tcp"))
			add((unsigned)port, false, name, cap);
		else if (!strcmp(slash + 1, "udp"))
			add((unsigned)port, true, name, cap);
	}
	fclose(f);
	return true;
}

static void load(void)
{
	const char *path = getenv("PP_SERVICES");
	size_t cap = 0;
	loaded = true;
	if (!load_file(path && *path ? path : "/etc/services", &cap)) {
		for (size_t i = 0; i < PP_ARRAY_LEN(builtin); i++) {
			if (builtin[i].tcp)
				add(builtin[i].port, false, builtin[i].tcp, &cap);
			if (builtin[i].udp)
				add(builtin[i].port, true, builtin[i].udp, &cap);
		}
	}
	if (ntab)
		qsort(tab, ntab, sizeof(*tab), cmp_svc);
}

const char *svc_name(unsigned port, const char *proto)
{
	struct svc key = {.port = (unsigned short)port, .udp = proto && !strcmp(proto, "udp")};
	struct svc *s;
	if (!loaded)
		load();
	if (port > 65535 || !ntab)
		return NULL;
	s = bsearch(&key, tab, ntab, sizeof(*tab), cmp_find);
	if (!s)
		return NULL;
	/* bsearch finds any of equal keys: go to the first. */
	while (s > tab && !cmp_key(s - 1, &key))
		s--;
	return s->name;
}

int svc_port(const char *name)
{
	if (!loaded)
		load();
	for (size_t i = 0; i < ntab; i++)
		if (!strcmp(tab[i].name, name))
			return tab[i].port;
	return -1;
}
