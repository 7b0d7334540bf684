/* pp-trace: socket lifecycle events with the owning process, as sock
 * records. eBPF when it can be used, else (or with --no-ebpf) by polling
 * the kernel's socket tables. */
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_run.h"
#include "lineout.h"
#include "outfile.h"
#include "pp.h"
#include "trace.h"
#include "update.h"

/* The synopsis, as in the man page: also what a wrong option gets. */
static const char synopsis[] =
	"usage: pp-trace [-46v] [--no-ebpf] [--once] [-I interval] [-d duration] [-c count]\n"
	"                [-p pid [--children]] [-u user] [--comm name] [--cgroup path]\n"
	"                [--tcp] [--udp] [--proc-net] [--no-fallback] [--stats] [--update secs]\n"
	"                [--no-dns] [-o file] [--no-sandbox | --sandbox-strict] [[--] command [arg ...]]\n";

static void usage(FILE *f)
{
	fputs(synopsis, f);
	fprintf(f,
	        "Socket events (connect, accept, listen, udp, close) with the owning process,\n"
	        "as PortPulse sock records (NDJSON) on stdout.\n"
	        "  -o, --output FILE    records to FILE (appended; reopened on SIGHUP)\n"
	        "      --no-ebpf        poll the socket tables (no privileges needed)\n"
	        "      --once           print the current sockets and exit (polling)\n"
	        "  -I, --interval T     time between polls (default 0.5s; e.g. 100ms)\n"
	        "  -d, --duration T     stop after this long\n"
	        "  -c, --count N        stop after N records\n"
	        "  -p, --pid PID        only sockets of this process\n"
	        "      --children       with -p: and of its descendants, present and future\n"
	        "  -u, --uid USER       only sockets of this user (name or number)\n"
	        "      --comm NAME      only processes with this comm\n"
	        "      --cgroup PATH    only processes in this cgroup v2 path or below\n"
	        "  -4, --ipv4           only IPv4        -6, --ipv6   only IPv6\n"
	        "      --tcp            only TCP             --udp    only UDP\n"
	        "      --proc-net       read /proc/net/{tcp,udp}{,6}, not sock_diag netlink\n"
	        "      --no-fallback    fail if eBPF is unavailable instead of polling\n"
	        "      --stats          print counters on stderr at exit\n"
	        "      --update SECS    also an update record with the byte counts of each\n"
	        "                       open TCP connection every SECS (sock_diag tcp_info)\n"
	        "      --no-dns         eBPF: no dns records (DNS questions and answers seen\n"
	        "                       in the kernel, with the process that asked)\n"
	        "  -v, --verbose        more messages on stderr (also what the sandbox applied)\n"
	        PP_SANDBOX_USAGE
	        "  -- COMMAND [ARG...]  run COMMAND in a cgroup of its own and trace only it and\n"
	        "                       its descendants; exit with its status\n"
	        "  -h, --help           this help\n"
	        "  -V, --version        version\n");
}

static void on_signal(int sig)
{
	(void)sig;
	trace_stop = 1;
}

static int64_t parse_user(const char *s)
{
	if (s[0] >= '0' && s[0] <= '9')
		return pp_opt_ll("-u", s, 0, UINT32_MAX - 1);
	struct passwd *pw = getpwnam(s);
	if (!pw)
		pp_usage_error("no such user: '%s'", s);
	return pw->pw_uid;
}

int main(int argc, char **argv)
{
	enum { O_NO_EBPF = 256, O_ONCE, O_COMM, O_CGROUP, O_TCP, O_UDP, O_PROC_NET, O_NO_FALLBACK, O_STATS, O_UPDATE, O_CHILDREN, O_NO_DNS };
	static const struct option longopts[] = {
		{"no-ebpf", no_argument, NULL, O_NO_EBPF},
		{"once", no_argument, NULL, O_ONCE},
		{"interval", required_argument, NULL, 'I'},
		{"duration", required_argument, NULL, 'd'},
		{"count", required_argument, NULL, 'c'},
		{"pid", required_argument, NULL, 'p'},
		{"children", no_argument, NULL, O_CHILDREN},
		{"uid", required_argument, NULL, 'u'},
		{"comm", required_argument, NULL, O_COMM},
		{"cgroup", required_argument, NULL, O_CGROUP},
		{"ipv4", no_argument, NULL, '4'},
		{"ipv6", no_argument, NULL, '6'},
		{"tcp", no_argument, NULL, O_TCP},
		{"udp", no_argument, NULL, O_UDP},
		{"proc-net", no_argument, NULL, O_PROC_NET},
		{"no-fallback", no_argument, NULL, O_NO_FALLBACK},
		{"stats", no_argument, NULL, O_STATS},
		{"update", required_argument, NULL, O_UPDATE},
		{"no-dns", no_argument, NULL, O_NO_DNS},
		{"verbose", no_argument, NULL, 'v'},
		{"output", required_argument, NULL, 'o'},
		PP_SANDBOX_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct trace_opts o = {.pid = -1, .uid = -1, .interval = 0.5};
	bool no_ebpf = false, want4 = false, want6 = false, wtcp = false, wudp = false, children = false;
	const char *ofile = NULL;
	int ch, status;
	double update = 0;

	cmd_note_start(); /* before anything changes signals: COMMAND's */
	pp_setprog(argv[0]);
	argv[0] = (char *)pp_progname; /* getopt's messages: "pp-x: ...", no path */
	pp_out_init();
	/* A closed stdout would be taken over by the first descriptor opened
	 * (the netlink socket): records must not go there. */
	if (fcntl(STDOUT_FILENO, F_GETFD) < 0)
		pp_die(PP_EXIT_RUNTIME, "standard output is closed");
	while ((ch = getopt_long(argc, argv, "+46I:d:c:p:u:o:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case O_NO_EBPF: no_ebpf = true; break;
		case O_ONCE: o.once = true; break;
		case 'I':
			o.interval = pp_opt_duration("-I", optarg);
			if (o.interval < 0.001)
				pp_usage_error("-I must be at least 1ms");
			break;
		case 'd':
			o.duration = pp_opt_duration("-d", optarg);
			if (o.duration <= 0)
				pp_usage_error("-d must be more than 0");
			break;
		case 'c': o.count = pp_opt_ll("-c", optarg, 1, 1000000000000LL); break;
		case 'p': o.pid = pp_opt_ll("-p", optarg, 1, 4194304); break;
		case 'u': o.uid = parse_user(optarg); break;
		case O_CHILDREN: children = true; break;
		case O_COMM: o.comm = optarg; break;
		case O_CGROUP: o.cgroup = optarg; break;
		case '4': want4 = true; break;
		case '6': want6 = true; break;
		case O_TCP: wtcp = true; break;
		case O_UDP: wudp = true; break;
		case O_PROC_NET: o.proc_net = true; break;
		case O_NO_FALLBACK: o.no_fallback = true; break;
		case O_STATS: o.stats = true; break;
		case O_UPDATE:
			update = pp_opt_duration("--update", optarg);
			if (update < 0.1)
				pp_usage_error("--update must be at least 0.1 s");
			break;
		case O_NO_DNS: o.no_dns = true; break;
		case 'v': o.verbose = o.sandbox.verbose = true; break;
		case 'o': ofile = optarg; break;
		case PP_OPT_NO_SANDBOX:
		case PP_OPT_SANDBOX_STRICT: pp_sandbox_getopt(&o.sandbox, ch); break;
		case 'h': usage(stdout); return PP_EXIT_OK;
		case 'V': pp_print_version(); return PP_EXIT_OK;
		default: pp_bad_option(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	/* The first argument that is no option (or all after "--") is COMMAND. */
	if (argc > 0 && (o.once || o.pid > 0))
		pp_usage_error("a command cannot be traced with %s", o.once ? "--once" : "-p");
	if (children && o.pid < 0)
		pp_usage_error("--children needs -p PID");
	/* -4/-6 and --tcp/--udp narrow; none of a pair means both. */
	o.v4 = want4 || !want6;
	o.v6 = want6 || !want4;
	o.tcp = wtcp || !wudp;
	o.udp = wudp || !wtcp;
	if (o.once || o.proc_net)
		no_ebpf = true; /* snapshots and /proc/net are polling things */
	if (o.no_fallback && no_ebpf)
		pp_usage_error("--no-fallback asks for eBPF, which --no-ebpf/--once/--proc-net rule out");

	if (argc > 0)
		cmd_keep_stdout();
	if (ofile && pp_output_open(ofile) < 0)
		return argc > 0 ? 125 : PP_EXIT_RUNTIME;

	/* No SA_RESTART: a wait in progress returns at once with EINTR. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (argc > 0) {
		cmd_start(&o, argv, ofile != NULL); /* its own handlers: signals go on to COMMAND */
	} else {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		/* A hangup ends the run cleanly; with -o it reopens the file (logrotate). */
		if (pp_sighup_ends_run()) /* with -o, SIGHUP reopens the file */
			sigaction(SIGHUP, &sa, NULL);
	}
	if (children) {
		cmd_children(&o, (pid_t)o.pid);
		o.pid = -1; /* the tree decides, not the pid alone */
	}

	/* Whole lines per write on a pipe (shared with pp-sniff), and a
	 * first mark: pp-join then waits for us while eBPF loads. */
	stdout = pp_out_whole_lines(stdout);
	/* A file (a recorder's -o, a redirection): stdio's buffer would be
	 * the file system's block, a write(2) per 4 KiB, about 13 records
	 * under churn; the batch is flushed as a whole anyway. */
	static char obuf[1u << 16]; /* glibc ignores the size without a buffer */
	struct stat st;
	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (!o.once) { /* a snapshot is not a stream */
		sock_emit_marks(stdout);
		sock_emit_mark(stdout, pp_now_us());
		sock_emit_flush(stdout);
	}

	if (update > 0 && !o.once)
		upd_start(update);
	status = TRACE_UNAVAILABLE;
	if (!no_ebpf) {
		status = ebpf_run(&o);
		if (status == TRACE_UNAVAILABLE) {
			if (o.no_fallback) {
				pp_warn("eBPF unavailable: %s", trace_unavailable_reason);
				sock_emit_cleanup();
				return argc > 0 ? cmd_finish(PP_EXIT_RUNTIME) : PP_EXIT_RUNTIME;
			}
			pp_warn("eBPF unavailable: %s; polling instead (--no-ebpf)", trace_unavailable_reason);
		}
	}
	if (status == TRACE_UNAVAILABLE)
		status = poll_run(&o);
	upd_stop();
	sock_emit_cleanup();

	if (sock_emit_close(stdout) != PP_EXIT_OK)
		status = PP_EXIT_RUNTIME;
	else if (sock_emit_output_ended())
		fclose(stdout); /* nothing more can go out; frees the stream */
	if (argc > 0)
		status = cmd_finish(status);
	return status;
}
