/* pp-nft: nftables quarantine rules from PortPulse records, printed for a
 * person to review. It never applies them: --check only runs `nft -c`. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nft.h"
#include "pp.h"
#include "recinput.h"
#include "wfail.h"
#include "xalloc.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pp-nft --quarantine SELECTOR [--quarantine SELECTOR ...]\n"
	        "              [--action drop|reject|log] [--input] [--table NAME] [--check] [file ...]\n"
	        "Print an nftables script (for nft -f) that quarantines what the selectors name,\n"
	        "learning destinations from PortPulse records on stdin or in the files.\n"
	        "Selectors: pid=N comm=NAME exe=PATH uid=N cgroup=PATH container=ID\n"
	        "           dst=ADDR[/LEN] name=DNSNAME\n"
	        "  -q, --quarantine SEL  what to quarantine (repeatable; several are ORed)\n"
	        "  -a, --action ACT      drop (default), reject, or log\n"
	        "  -I, --input           also drop traffic from the destinations (input chain)\n"
	        "  -t, --table NAME      table name (default pp_quarantine)\n"
	        "  -C, --check           run nft -c -f on the result (changes nothing) and report\n"
	        "  -h, --help            this help\n"
	        "  -V, --version         version\n");
}

struct ctx {
	struct evidence ev;
	struct selector *sels;
	int nsels;
};

static int on_record(struct rec *r, const char *file, unsigned long line, void *vctx)
{
	struct ctx *c = vctx;
	evidence_add(&c->ev, r, c->sels, c->nsels);
	return 0;
}

/* Where nft will look for cgroup v2 paths: it prefixes /sys/fs/cgroup. */
static void cgroup_root(struct script_opts *o)
{
	FILE *m = fopen("/proc/self/mounts", "r");
	char dev[256], dir[512], type[64];
	static char root[512];
	o->cgroup_root = "/sys/fs/cgroup";
	o->cgroup_usable = false;
	if (!m)
		return;
	/* Usable when some cgroup2 mount is exactly where nft looks. */
	while (fscanf(m, "%255s %511s %63s %*[^\n]", dev, dir, type) == 3)
		if (!strcmp(type, "cgroup2") && !o->cgroup_usable) {
			snprintf(root, sizeof(root), "%s", dir);
			o->cgroup_root = root;
			o->cgroup_usable = !strcmp(dir, "/sys/fs/cgroup");
		}
	fclose(m);
}

/* nft -c -f - < script: check mode, which changes nothing. */
static int run_check(const char *script, size_t len)
{
	int p[2], status;
	pid_t pid;
	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[1]);
		dup2(p[0], STDIN_FILENO);
		close(p[0]);
		dup2(STDERR_FILENO, STDOUT_FILENO); /* nft's messages go to our stderr */
		execlp("nft", "nft", "-c", "-f", "-", (char *)NULL);
		fprintf(stderr, "pp-nft: cannot run nft: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[0]);
	/* A short write shows up as nft's own parse error. */
	for (size_t off = 0; off < len;) {
		ssize_t n = write(p[1], script + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(p[1]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"quarantine", required_argument, NULL, 'q'}, {"action", required_argument, NULL, 'a'},
		{"input", no_argument, NULL, 'I'}, {"table", required_argument, NULL, 't'},
		{"check", no_argument, NULL, 'C'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	struct script_opts o = {.table = "pp_quarantine", .action = ACT_DROP};
	struct ctx c = {0};
	struct rin_stats st;
	struct pp_wfail out = {0};
	bool check = false;
	char err[512], *script = NULL;
	size_t len = 0;
	int ch, rules, status = PP_EXIT_OK;
	FILE *mem;

	pp_setprog(argv[0]);
	pp_out_init();
	c.sels = xcalloc((size_t)argc, sizeof(*c.sels));
	while ((ch = getopt_long(argc, argv, "q:a:It:ChV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			if (selector_parse(optarg, &c.sels[c.nsels], err, sizeof(err)) < 0)
				pp_usage_error("%s", err);
			c.nsels++;
			break;
		case 'a':
			if (!strcmp(optarg, "drop"))
				o.action = ACT_DROP;
			else if (!strcmp(optarg, "reject"))
				o.action = ACT_REJECT;
			else if (!strcmp(optarg, "log"))
				o.action = ACT_LOG;
			else
				pp_usage_error("--action: '%s': expected drop, reject or log", optarg);
			break;
		case 'I': o.input = true; break;
		case 't':
			if (!nft_path_ok(optarg) || strchr(optarg, '/') || strlen(optarg) > 64 ||
			    !((optarg[0] >= 'a' && optarg[0] <= 'z') || (optarg[0] >= 'A' && optarg[0] <= 'Z')))
				pp_usage_error("--table: '%s': use letters, digits, '_' and '-' only", optarg);
			o.table = optarg;
			break;
		case 'C': check = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': pp_print_version(); return 0;
		default: usage(stderr); return PP_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (c.nsels == 0)
		pp_usage_error("nothing to quarantine: give --quarantine SELECTOR (e.g. pid=1234)");
	cgroup_root(&o);

	evidence_init(&c.ev);
	for (int i = 0; i < c.nsels; i++)
		if (c.sels[i].kind == SEL_DST) {
			/* The selector itself is a destination. */
			c.ev.addrs[c.ev.naddrs] = c.sels[i].addr;
			c.ev.prefix[c.ev.naddrs++] = c.sels[i].prefix;
		}
	rin_run(argv, argc, on_record, NULL, &c, &st);
	rin_report(&st);
	if (st.bad_lines || st.bad_files)
		status = PP_EXIT_RUNTIME;

	mem = open_memstream(&script, &len);
	if (!mem)
		pp_oom("the script");
	rules = script_write(mem, &c.ev, c.sels, c.nsels, &o);
	fclose(mem);
	if (rules == 0) {
		/* No empty table: say why instead. */
		pp_warn("nothing to quarantine: %lu record%s matched the selector%s, and they show no "
		        "destination or cgroup/uid that nftables can match",
		        c.ev.records, c.ev.records == 1 ? "" : "s", c.nsels == 1 ? "" : "s");
		status = PP_EXIT_RUNTIME;
	} else if (rules > 0) {
		if (fwrite(script, 1, len, stdout) != len)
			pp_wfail_note(&out, errno);
		if (check) {
			int rc = run_check(script, len);
			if (rc == 0)
				pp_warn("nft -c: the script is valid (nothing was applied)");
			else {
				pp_warn("nft -c: the script was rejected (status %d)", rc);
				status = PP_EXIT_RUNTIME;
			}
		}
	}
	free(script);
	evidence_free(&c.ev);
	free(c.sels);
	if (pp_wfail_close(&out, stdout) != PP_EXIT_OK)
		status = PP_EXIT_RUNTIME;
	return status;
}
