/* The nft script: one self-contained `nft -f` file that creates its own
 * table (replacing an earlier copy of itself), with comments that say what
 * it matches, why, on what evidence, and how to undo it. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nft.h"
#include "pp.h"

struct direct {
	char path[600];   /* cgroup to match with socket cgroupv2, or "" */
	int level;
	char why[600];    /* which selector it stands for, made safe */
	bool uid;         /* meta skuid */
	long long uidval;
};

static int path_level(const char *p)
{
	int n = 0;
	for (const char *c = p; *c; c++)
		if (*c != '/' && (c == p || c[-1] == '/'))
			n++;
	return n;
}

/* A cgroup that holds the process alone (a service, a container, a scope
 * that is not a login session), so matching it catches nothing else. */
static bool own_cgroup(const char *cg)
{
	if (!cg || !strcmp(cg, "/") || strstr(cg, "session-") || strstr(cg, "init.scope"))
		return false;
	return strstr(cg, ".service") || strstr(cg, ".scope") || strstr(cg, "docker") ||
	       strstr(cg, "libpod") || strstr(cg, "containerd") || strstr(cg, "kubepods");
}

static const char *verdict(enum nft_action a)
{
	switch (a) {
	case ACT_REJECT: return "reject";
	case ACT_LOG: return "log prefix \"pp-quarantine \"";
	default: return "drop";
	}
}

static void print_set(FILE *f, const char *name, const char *type, const struct evidence *ev, int fam)
{
	char b[PP_ADDRSTRLEN];
	int n = 0;
	for (int i = 0; i < ev->naddrs; i++)
		n += ev->addrs[i].family == fam;
	if (!n)
		return;
	fprintf(f, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n\t\telements = {", name, type);
	n = 0;
	for (int i = 0; i < ev->naddrs; i++) {
		if (ev->addrs[i].family != fam)
			continue;
		fprintf(f, "%s\n\t\t\t%s", n++ ? "," : "", pp_addr_fmt(&ev->addrs[i], b));
		if (ev->prefix[i] != (fam == AF_INET ? 32 : 128))
			fprintf(f, "/%d", ev->prefix[i]);
	}
	fprintf(f, "\n\t\t}\n\t}\n");
}

static bool cgroup_exists(const struct script_opts *o, const char *rel)
{
	char p[1200];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", o->cgroup_root, rel);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Decide the direct match (cgroup, uid) and explain it. */
static void choose_direct(FILE *f, const struct evidence *ev, const struct selector *sels, int nsels,
                          const struct script_opts *o, struct direct *d)
{
	char safe[700];
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < nsels; i++) {
		const struct selector *s = &sels[i];
		const char *cg = NULL;
		char st[600]; /* the selector as the user wrote it, made safe */
		nft_safe(s->text, st, sizeof(st));
		if (s->kind == SEL_UID) {
			d->uid = true;
			d->uidval = s->num;
			fprintf(f, "# %s: matched directly with meta skuid (every process of that user).\n", st);
			continue;
		}
		if (!selector_is_process(s))
			continue;
		if (s->kind == SEL_CGROUP)
			cg = s->value;
		else if (ev->cgroup_state == 1 && (s->kind == SEL_CONTAINER || own_cgroup(ev->cgroup)))
			cg = ev->cgroup;
		if (s->kind == SEL_PID)
			fprintf(f, "# %s: nftables cannot match a process id.\n", st);
		if (!cg) {
			if (ev->cgroup_state == 2)
				fprintf(f, "# %s: the records show several cgroups; not matched by cgroup.\n", st);
			else if (ev->cgroup_state == 1) {
				nft_safe(ev->cgroup, safe, sizeof(safe));
				fprintf(f, "# %s: its cgroup %s is shared with other processes; not matched by cgroup.\n",
				        st, safe);
			}
			continue;
		}
		while (*cg == '/')
			cg++;
		nft_safe(cg, safe, sizeof(safe));
		if (!nft_path_ok(cg)) {
			fprintf(f, "# %s: cgroup %s has characters nft cannot take safely; not matched by cgroup.\n",
			        st, safe);
		} else if (!o->cgroup_usable) {
			fprintf(f, "# %s: cgroup %s: nft resolves cgroup v2 paths under /sys/fs/cgroup, but\n"
			           "#   cgroup v2 is mounted at %s here; not matched by cgroup.\n",
			        st, safe, o->cgroup_root);
		} else if (!cgroup_exists(o, cg)) {
			fprintf(f, "# %s: cgroup %s does not exist now; not matched by cgroup.\n", st, safe);
		} else if (!d->path[0]) {
			snprintf(d->path, sizeof(d->path), "%s", cg);
			d->level = path_level(cg);
			snprintf(d->why, sizeof(d->why), "%s", st);
			fprintf(f, "# %s: matched by its cgroup %s (socket cgroupv2 level %d): this\n"
			           "#   catches every process in that cgroup.\n",
			        st, safe, d->level);
		}
	}
}

static int nrules;

/* why must already be safe (nft_safe): it goes inside a quoted comment. */
static void rule(FILE *f, const char *match, const struct script_opts *o, const char *why)
{
	nrules++;
	fprintf(f, "\t\t%s counter %s comment \"pp-nft %.200s\"\n", match, verdict(o->action), why);
}

int script_write(FILE *f, const struct evidence *ev, const struct selector *sels, int nsels,
                 const struct script_opts *o)
{
	char t1[64], t2[64], now[64], safe[1200], sel_text[4096] = "";
	struct direct d;
	bool v4 = false, v6 = false;

	nrules = 0;
	for (int i = 0; i < ev->naddrs; i++) {
		v4 |= ev->addrs[i].family == AF_INET;
		v6 |= ev->addrs[i].family == AF_INET6;
	}
	for (int i = 0; i < nsels; i++) {
		nft_safe(sels[i].text, safe, sizeof(safe));
		size_t used = strlen(sel_text);
		if (used + strlen(safe) + 2 < sizeof(sel_text)) {
			if (i)
				sel_text[used++] = ' ';
			memcpy(sel_text + used, safe, strlen(safe) + 1);
		}
	}
	{
		/* SOURCE_DATE_EPOCH (reproducible-builds convention) pins the
		 * time in the header, for golden tests and diffable output. */
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		long long t;
		const char *e;
		if (!sde || pp_parse_ll(sde, 0, 253402300799LL, &t, &e) < 0)
			t = (long long)time(NULL);
		pp_fmt_time((double)t, true, 0, now, sizeof(now));
	}
	fprintf(f, "#!/usr/sbin/nft -f\n");
	fprintf(f, "# PortPulse quarantine, generated by pp-nft at %s UTC. Review before use:\n", now);
	fprintf(f, "#   nft -c -f FILE   checks it without changing anything\n");
	fprintf(f, "#   nft -f FILE      applies it\n");
	fprintf(f, "#   nft delete table inet %s   undoes it\n#\n", o->table);
	fprintf(f, "# selector: %s\n", sel_text);
	if (ev->records) {
		pp_fmt_time(ev->first_ts, true, 3, t1, sizeof(t1));
		pp_fmt_time(ev->last_ts, true, 3, t2, sizeof(t2));
		fprintf(f, "# evidence: %lu records (sock %lu, flow %lu, dns %lu, tls %lu, http %lu, ssh %lu, quic %lu)\n",
		        ev->records, ev->by_type[0], ev->by_type[1], ev->by_type[2], ev->by_type[3],
		        ev->by_type[4], ev->by_type[5], ev->by_type[6]);
		fprintf(f, "#   from %s to %s UTC\n", t1, t2);
	} else {
		fprintf(f, "# evidence: no records; the selector alone defines the rules\n");
	}
	if (ev->comm || ev->exe || ev->pid >= 0) {
		fprintf(f, "# process:");
		if (ev->pid >= 0)
			fprintf(f, " pid %lld", ev->pid);
		if (ev->comm) {
			nft_safe(ev->comm, safe, sizeof(safe));
			fprintf(f, " comm %s", safe);
		}
		if (ev->exe) {
			nft_safe(ev->exe, safe, sizeof(safe));
			fprintf(f, " exe %s", safe);
		}
		if (ev->uid_state == 1)
			fprintf(f, " uid %lld", ev->uid);
		fprintf(f, "\n");
	}
	for (int i = 0; i < ev->nnames; i++) {
		nft_safe(ev->names[i], safe, sizeof(safe));
		fprintf(f, "# name seen: %s\n", safe);
	}
	choose_direct(f, ev, sels, nsels, o, &d);
	if (ev->naddrs)
		fprintf(f, "# destinations: %d address%s the selected traffic went to; blocking them\n"
		           "#   blocks them for every process on this host.%s\n",
		        ev->naddrs, ev->naddrs == 1 ? "" : "es",
		        ev->addrs_truncated ? " (list cut at 4096 entries)" : "");
	fprintf(f, "# Loopback, unspecified and multicast addresses and DNS resolvers are never listed.\n\n");

	/* Creating then deleting makes re-applying the file replace the table. */
	fprintf(f, "table inet %s\ndelete table inet %s\n\ntable inet %s {\n", o->table, o->table, o->table);
	print_set(f, "dst4", "ipv4_addr", ev, AF_INET);
	print_set(f, "dst6", "ipv6_addr", ev, AF_INET6);
	fprintf(f, "\n\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n");
	if (d.path[0]) {
		char m[700];
		snprintf(m, sizeof(m), "socket cgroupv2 level %d \"%s\"", d.level, d.path);
		rule(f, m, o, d.why);
	}
	if (d.uid) {
		char m[64];
		snprintf(m, sizeof(m), "meta skuid %lld", d.uidval);
		rule(f, m, o, "uid");
	}
	if (v4)
		rule(f, "ip daddr @dst4", o, sel_text);
	if (v6)
		rule(f, "ip6 daddr @dst6", o, sel_text);
	fprintf(f, "\t}\n");
	if (o->input && (v4 || v6)) {
		fprintf(f, "\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n");
		if (v4)
			rule(f, "ip saddr @dst4", o, sel_text);
		if (v6)
			rule(f, "ip6 saddr @dst6", o, sel_text);
		fprintf(f, "\t}\n");
	}
	fprintf(f, "}\n");
	return ferror(f) ? -1 : nrules;
}

