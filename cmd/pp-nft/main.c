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

/* The synopsis, as in the man page: also what a wrong option gets. */
static const char synopsis[] =
	"usage: pp-nft --quarantine SELECTOR [--quarantine SELECTOR ...]\n"
	"              [--action drop|reject|log] [--input] [--table NAME] [--check] [file ...]\n";

static void usage(FILE *f)
{
	fputs(synopsis, f);
	fprintf(f,
	        "Print an nftables script (for nft -f) that quarantines what the selectors name,\n"
	        "learning destinations from PortPulse records on stdin or in the files.\n"
	        "Selectors: pid=N comm=NAME exe=PATH uid=N cgroup=PATH container=ID\n"
	        "           dst=ADDR[/LEN] name=DNSNAME\n"
	        "      --quarantine SEL  what to quarantine (repeatable; several are ORed)\n"
	        "  -a, --action ACT      drop (default), reject, or log\n"
	        "      --input           also drop traffic from the destinations (input chain)\n"
	        "      --table NAME      table name (default pp_quarantine)\n"
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

/* What nft -c said about the script. */
enum check_verdict { CHECK_VALID, CHECK_REJECTED, CHECK_NOT_RUN };

/* nft's messages (kept in out): only "Operation not permitted" errors,
 * which nft gives for its cache before it judges anything, mean the check
 * could not be made; any other error is about the script. */
static bool only_permission_errors(FILE *out)
{
	char line[4096];
	bool perm = false, other = false;
	rewind(out);
	while (fgets(line, sizeof(line), out)) {
		fputs(line, stderr); /* nft's messages go to our stderr, as they were */
		if (!strstr(line, "Error:"))
			continue;
		if (strstr(line, "Operation not permitted"))
			perm = true;
		else
			other = true;
	}
	return perm && !other;
}

/* nft -c -f - < script: check mode, which changes nothing. */
static enum check_verdict run_check(const char *script, size_t len, int *rcp)
{
	int p[2], status, rc;
	FILE *out = tmpfile();
	pid_t pid;
	*rcp = -1;
	if (!out || pipe(p) < 0) {
		if (out)
			fclose(out);
		return CHECK_NOT_RUN;
	}
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fclose(out);
		return CHECK_NOT_RUN;
	}
	if (pid == 0) {
		close(p[1]);
		dup2(p[0], STDIN_FILENO);
		close(p[0]);
		dup2(fileno(out), STDOUT_FILENO);
		dup2(fileno(out), STDERR_FILENO);
		execlp("nft", "nft", "-c", "-f", "-", (char *)NULL);
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
	if (waitpid(pid, &status, 0) < 0) {
		fclose(out);
		return CHECK_NOT_RUN;
	}
	rc = *rcp = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	bool perm = only_permission_errors(out);
	fclose(out);
	if (rc == 0)
		return CHECK_VALID;
	if (rc == 127 || perm)
		return CHECK_NOT_RUN;
	return CHECK_REJECTED;
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
	argv[0] = (char *)pp_progname; /* getopt's messages: "pp-x: ...", no path */
	pp_out_init();
	c.sels = xcalloc((size_t)argc, sizeof(*c.sels));
	while ((ch = getopt_long(argc, argv, "a:ChV", longopts, NULL)) != -1) {
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
		case 'h': usage(stdout); free(c.sels); return 0;
		case 'V': pp_print_version(); free(c.sels); return 0;
		default: pp_bad_option(synopsis);
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
		const char *sel = c.nsels == 1 ? "the selector" : "the selectors";
		if (c.ev.records == 0)
			pp_warn("nothing to quarantine: no record matched %s", sel);
		else
			pp_warn("nothing to quarantine: %lu record%s matched %s, but %s no destination "
			        "or cgroup/uid that nftables can match",
			        c.ev.records, c.ev.records == 1 ? "" : "s", sel,
			        c.ev.records == 1 ? "it shows" : "they show");
		status = PP_EXIT_RUNTIME;
	} else if (rules > 0) {
		if (fwrite(script, 1, len, stdout) != len)
			pp_wfail_note(&out, errno);
		if (check) {
			int rc;
			switch (run_check(script, len, &rc)) {
			case CHECK_VALID:
				pp_warn("nft -c: the script is valid (nothing was applied)");
				break;
			case CHECK_REJECTED:
				pp_warn("nft -c: the script was rejected (status %d)", rc);
				status = PP_EXIT_RUNTIME;
				break;
			case CHECK_NOT_RUN:
				if (rc == 127)
					pp_warn("nft -c: could not run the check: no nft command "
					        "(Debian: apt install nftables)");
				else if (rc >= 0)
					pp_warn("nft -c: could not run the check: nft needs CAP_NET_ADMIN "
					        "even to check a script (run pp-nft -C as root); the script "
					        "was not judged");
				else
					pp_warn_errno("nft -c: could not run the check");
				status = PP_EXIT_RUNTIME;
				break;
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
