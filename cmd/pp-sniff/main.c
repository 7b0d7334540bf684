/* pp-sniff: flows and application metadata (DNS, TLS, HTTP, SSH, QUIC) from
 * packets, live or from a capture file, as PortPulse records. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lineout.h"
#include "outfile.h"
#include "pp.h"
#include "sandbox.h"
#include "sbuf.h"
#include "pcapng_fix.h"
#include "sniff.h"
#include "xalloc.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define DEFAULT_SNAPLEN 262144
#define FILE_BATCH 4096     /* packets per pcap_dispatch on a file */
#define LIVE_POLL_MS 100    /* wake-up for idle timeouts, signals and marks */
/* Live capture in blocks (TPACKET_V3, libpcap without immediate mode): the
 * kernel hands a block over when it is full, or this long after it opened
 * (its retire timer); one wake-up and one read for many packets, where
 * immediate mode's per-packet hand-over dropped packets at every rate
 * (pp-sniff(1) CAPTURE BUFFER). */
#define LIVE_TIMEOUT_MS 20
#define MARK_EVERY_US 50000 /* live: a mark at most this often */
/* So a packet that arrived T before a read was handed over by then (T the
 * block timeout); slack on top for the packet's way from its time stamp
 * into the ring (another CPU, softirq) and for a retire timer that fires
 * late on a loaded machine: marks stay this far behind the read. */
#define MARK_LAG_US ((LIVE_TIMEOUT_MS + 80) * 1000)
/* A packet that still comes after a mark has passed its time widens the
 * lag (mark_check), up to this. */
#define MARK_LAG_MAX_US 2000000
/* Live capture buffer, chosen with scripts/bench-live.sh (pp-sniff(1)
 * CAPTURE BUFFER). */
#define DEFAULT_BUFFER_KIB 32768
/* Live records into a pipe: its size, the most an unprivileged process may
 * ask for (fs.pipe-max-size's default). A reader that is off the CPU for a
 * moment then does not stop us at a full pipe, with packets piling up in
 * the capture buffer meanwhile (pp-sniff(1) CAPTURE BUFFER). */
#define OUT_PIPE_BYTES (1 << 20)
enum { OPT_BUFFER = 0x5c00 };

/* The synopsis, as in the man page: also what a wrong option gets. */
static const char synopsis[] =
	"usage: pp-sniff [-qv] [--flows-only] [-c count] [-s snaplen] [-o file] [-w file]\n"
	"                [--max-flows n] [--update secs] [--buffer-size KiB]\n"
	"                [--no-sandbox | --sandbox-strict]\n"
	"                -i interface | -r file [expression]\n";

static void usage(FILE *f)
{
	fputs(synopsis, f);
	fprintf(f,
	        "Flows and application metadata from packets, as PortPulse records.\n"
	        "  -i, --interface IF  capture live on IF (\"any\": all interfaces)\n"
	        "  -r, --read FILE     read a pcap or pcapng file (\"-\": stdin)\n"
	        "  -c, --count N       stop after N packets\n"
	        "  -s, --snaplen N     bytes to capture per packet (live; default 262144)\n"
	        "  -o, --output FILE   records to FILE (appended; reopened on SIGHUP)\n"
	        "  -w, --write FILE    also save the packets to FILE (pcap)\n"
	        "      --flows-only    flow records only\n"
	        "  -q, --quiet         no capture counts at exit, even on a terminal\n"
	        "  -v, --verbose       capture counts at exit, what the sandbox applied\n"
	        "      --max-flows N   flows tracked at once (default 1000000)\n"
	        "      --update SECS   update record on flows active this long (default 60, 0: never)\n"
	        "      --buffer-size KIB  kernel capture buffer (live; default 32768)\n"
	        PP_SANDBOX_USAGE
	        "  expression          a BPF filter, as for tcpdump\n"
	        "  -h, --help          this help\n"
	        "  -V, --version       version\n");
}

static volatile sig_atomic_t stop;
static pcap_t *g_pcap;

static void on_signal(int sig)
{
	stop = 1;
	if (g_pcap)
		pcap_breakloop(g_pcap);
}

struct run {
	struct sniff s;
	int dlt;
	bool live;
	const char *iface;       /* -i name, NULL for files */
	bool any;                /* -i any: names per packet from SLL2 */
	pcap_dumper_t *dump;
	long long count, seen;
};

/* Interface names for -i any, by index from each SLL2 header. Interned:
 * flows keep the pointer for their lifetime. */
#define MAX_IFACES 256
static struct { int idx; char *name; } ifaces[MAX_IFACES];
static int nifaces;
/* Opened before the sandbox (whose seccomp filter allows no new socket):
 * SIOCGIFNAME on it is what if_indextoname() does with a socket of its
 * own. */
static int ifname_fd = -1;

static const char *iface_name(int idx)
{
	char buf[IF_NAMESIZE + 16];
	for (int i = 0; i < nifaces; i++)
		if (ifaces[i].idx == idx)
			return ifaces[i].name;
	if (nifaces == MAX_IFACES)
		return NULL;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = idx;
	if (ifname_fd >= 0 && ioctl(ifname_fd, SIOCGIFNAME, &ifr) == 0)
		snprintf(buf, sizeof(buf), "%.*s", IF_NAMESIZE, ifr.ifr_name);
	else if (ifname_fd >= 0 || !if_indextoname((unsigned)idx, buf))
		snprintf(buf, sizeof(buf), "if%d", idx);
	ifaces[nifaces].idx = idx;
	ifaces[nifaces].name = strdup(buf);
	return ifaces[nifaces++].name;
}

static const char *packet_iface(struct run *r, const u_char *bytes, size_t caplen)
{
	if (!r->live)
		return NULL;
	if (!r->any || r->dlt != DLT_LINUX_SLL2 || caplen < 8)
		return r->iface;
	return iface_name((int)((uint32_t)bytes[4] << 24 | (uint32_t)bytes[5] << 16 |
	                        (uint32_t)bytes[6] << 8 | bytes[7]));
}

/* Live captures into a pipe: a mark after each read of the capture, the
 * promise that no record stamped before ts follows except those that end a
 * flow (pp-records(5)). */
static struct {
	bool on;
	uint64_t last;         /* ts of the last mark written */
	uint64_t lag;          /* how far marks stay behind a read's start */
	unsigned long broken;  /* packets that came after a mark passed their time */
	uint64_t worst;        /* by how much, at most */
} marks = {.lag = MARK_LAG_US};

/* A packet stamped ts has just been read: was it promised away? Then the
 * lag grows by what it would have needed and half again, so that a timer
 * or a CPU this late once does not break the next marks too. */
static void mark_check(uint64_t ts)
{
	if (!marks.on || ts >= marks.last)
		return;
	uint64_t by = marks.last - ts;
	marks.broken++;
	if (by > marks.worst)
		marks.worst = by;
	uint64_t lag = (marks.lag + by) * 3 / 2;
	if (lag > marks.lag)
		marks.lag = lag < MARK_LAG_MAX_US ? lag : MARK_LAG_MAX_US;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct run *r = (struct run *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;

	mark_check(ts);
	if (r->dump)
		pcap_dump((u_char *)r->dump, h, bytes);
	sniff_packet(&r->s, r->dlt, ts, bytes, h->caplen, h->len, packet_iface(r, bytes, h->caplen));
	if ((r->count && ++r->seen >= r->count) || pp_wfail_ended(&sniff_out))
		pcap_breakloop(g_pcap);
}

static char *join_args(int argc, char **argv)
{
	struct sbuf b;
	if (argc == 0)
		return NULL;
	sb_init(&b);
	for (int i = 0; i < argc; i++) {
		if (i)
			sb_putc(&b, ' ');
		sb_puts(&b, argv[i]);
	}
	return sb_steal(&b);
}

static pcap_t *open_live(const char *dev, int snaplen, int buffer_kib)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(dev, err);
	int rc;

	if (!p)
		pp_die(PP_EXIT_RUNTIME, "%s: %s", dev, err);
	pcap_set_snaplen(p, snaplen);
	/* Blocks, not immediate mode: see LIVE_TIMEOUT_MS. */
	pcap_set_timeout(p, LIVE_TIMEOUT_MS);
	pcap_set_buffer_size(p, buffer_kib * 1024);
	rc = pcap_activate(p);
	/* The usual reason, named with its fix rather than as libpcap's
	 * "socket: Operation not permitted". */
	if (rc == PCAP_ERROR_PERM_DENIED)
		pp_die(PP_EXIT_RUNTIME,
		       "%s: capturing needs CAP_NET_RAW (%s); run as root, or give the binary "
		       "the capability: sudo setcap cap_net_raw+ep %s",
		       dev, pcap_geterr(p), "$(command -v pp-sniff)");
	if (rc < 0)
		pp_die(PP_EXIT_RUNTIME, "%s: %s", dev, pcap_geterr(p));
	if (rc > 0)
		pp_warn("%s: %s", dev, pcap_statustostr(rc));
	/* "any" in SLL2 names the interface of each packet. */
	if (strcmp(dev, "any") == 0)
		pcap_set_datalink(p, DLT_LINUX_SLL2);
	return p;
}

static pcap_dumper_t *open_dump(pcap_t *p, const char *path)
{
	/* Mode 0640, never through a planted link (outfile.h). */
	FILE *f = pp_outfile_fopen(path);
	pcap_dumper_t *d;

	if (!f)
		exit(PP_EXIT_RUNTIME);
	d = pcap_dump_fopen(p, f);
	if (!d)
		pp_die(PP_EXIT_RUNTIME, "%s: %s", path, pcap_geterr(p));
	return d;
}

/* Progress of a long file read, on a terminal only. */
struct progress {
	bool on, shown;
	off_t size;
	double next;
};

static void progress_init(struct progress *pg, pcap_t *p, const char *path)
{
	struct stat sb;
	FILE *f = pcap_file(p);
	memset(pg, 0, sizeof(*pg));
	if (strcmp(path, "-") == 0 || !isatty(STDERR_FILENO) || !f)
		return;
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		pg->on = true;
		pg->size = sb.st_size;
		pg->next = pp_mono() + 1;
	}
}

static void progress_show(struct progress *pg, pcap_t *p, uint64_t packets, bool done)
{
	double now;
	long pos;

	if (!pg->on)
		return;
	if (done) {
		if (pg->shown) /* clear the line */
			fprintf(stderr, "\r\033[K");
		return;
	}
	now = pp_mono();
	if (now < pg->next)
		return;
	pg->next = now + 1;
	pg->shown = true;
	pos = ftell(pcap_file(p));
	if (pos < 0)
		pos = 0;
	fprintf(stderr, "\r%s: %.0f%% (%.1f of %.1f MB), %llu packets\033[K", pp_progname,
	        100.0 * (double)pos / (double)pg->size, (double)pos / 1e6, (double)pg->size / 1e6,
	        (unsigned long long)packets);
}

/* OpenSSL reads its configuration and loads its provider on first use,
 * which would be after the sandbox has closed the filesystem: do it now,
 * with every algorithm pp-sniff uses (Community ID, JA4, QUIC Initials). */
static void crypto_warm_up(void)
{
	static const char *const mds[] = {"SHA1", "SHA256"};
	static const char *const ciphers[] = {"AES-128-ECB", "AES-128-GCM"};

	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	for (size_t i = 0; i < PP_ARRAY_LEN(mds); i++)
		EVP_MD_free(EVP_MD_fetch(NULL, mds[i], NULL));
	for (size_t i = 0; i < PP_ARRAY_LEN(ciphers); i++)
		EVP_CIPHER_free(EVP_CIPHER_fetch(NULL, ciphers[i], NULL));
	EVP_KDF_free(EVP_KDF_fetch(NULL, "HKDF", NULL));
}

/* Once the capture is open, the filter set and -w created, nothing more is
 * opened: no capability, no file (the -r file and -w file are open
 * already), no TCP, and no system call but reading and writing what is
 * open (live: and the capture socket's statistics and teardown). What an
 * exploit in a dissector could still do is write records to stdout. */
static void sandbox(const struct pp_sandbox_opts *so, bool live)
{
	struct pp_sandbox spec = {.seccomp = true, .syscalls = live ? PP_SYS_PACKET : 0};

	if (live)
		ifname_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* -o FILE: its directory, to create the file again after a SIGHUP. */
	const char *create[] = {pp_output_dir(), NULL};

	spec.create_dirs = create[0] ? create : NULL;
	if (create[0]) /* the reopen on SIGHUP (outfile.c) */
		spec.syscalls |= PP_SYS_CREATE_FILES;
	if (!so->disabled)
		crypto_warm_up();
	pp_sandbox_run(&spec, so);
}

static void write_mark(struct run *r, uint64_t ts)
{
	static char producer[48];
	if (!marks.on || pp_wfail_ended(&sniff_out) || ts < marks.last + MARK_EVERY_US)
		return;
	if (!producer[0])
		snprintf(producer, sizeof(producer), "pp-sniff:%ld", (long)getpid());
	marks.last = ts;
	jw_rec_begin(&r->s.w, "mark", ts);
	jw_str(&r->s.w, "producer", producer);
	if (jw_rec_end(&r->s.w, stdout) != 0)
		pp_wfail_note(&sniff_out, errno);
}

static int flush_out(void)
{
	return pp_wfail_flush(&sniff_out, stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"interface", required_argument, NULL, 'i'}, {"read", required_argument, NULL, 'r'},
		{"count", required_argument, NULL, 'c'}, {"snaplen", required_argument, NULL, 's'},
		{"write", required_argument, NULL, 'w'}, {"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'}, {"flows-only", no_argument, NULL, 'O'},
		{"verbose", no_argument, NULL, 'v'}, PP_SANDBOX_LONGOPTS,
		{"max-flows", required_argument, NULL, 'M'}, {"update", required_argument, NULL, 'U'},
		{"buffer-size", required_argument, NULL, OPT_BUFFER},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct sniff_opts o;
	struct run r;
	const char *dev = NULL, *file = NULL, *wfile = NULL, *ofile = NULL;
	char err[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct sigaction sa;
	struct progress pg;
	struct pp_sandbox_opts so = {0};
	int snaplen = DEFAULT_SNAPLEN, buffer_kib = DEFAULT_BUFFER_KIB, ch, status = PP_EXIT_OK;
	bool quiet = false;
	char *expr;

	uint64_t start_us = pp_now_us();

	pp_setprog(argv[0]);
	argv[0] = (char *)pp_progname; /* getopt's messages: "pp-x: ...", no path */
	pp_out_init();
	sniff_defaults(&o);
	memset(&r, 0, sizeof(r));
	while ((ch = getopt_long(argc, argv, "+i:r:c:s:w:o:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': dev = optarg; break;
		case 'r': file = optarg; break;
		case 'c': r.count = pp_opt_ll("-c", optarg, 1, INT64_MAX); break;
		case 's': snaplen = (int)pp_opt_ll("-s", optarg, 0, DEFAULT_SNAPLEN); break;
		case 'w': wfile = optarg; break;
		case 'o': ofile = optarg; break;
		case 'O': o.quiet = true; break; /* flows only */
		case 'q': quiet = true; break;
		case 'v': so.verbose = true; break;
		case PP_OPT_NO_SANDBOX:
		case PP_OPT_SANDBOX_STRICT: pp_sandbox_getopt(&so, ch); break;
		case 'M': o.max_flows = (unsigned long)pp_opt_ll("--max-flows", optarg, 1, 100000000); break;
		case 'U': o.update_us = (uint64_t)(pp_opt_duration("--update", optarg) * 1e6); break;
		case OPT_BUFFER: buffer_kib = (int)pp_opt_ll("--buffer-size", optarg, 64, 1 << 20); break;
		case 'h': usage(stdout); return 0;
		case 'V': pp_print_version(); return 0;
		default: pp_bad_option(synopsis);
		}
	}
	argc -= optind;
	argv += optind;
	if (!dev == !file)
		pp_usage_error("give one of -i interface or -r file");
	if (wfile && strcmp(wfile, "-") == 0)
		pp_usage_error("-w -: records go to stdout; name a file");
	if (wfile && file) { /* -w would truncate what -r is about to read */
		struct stat a, b;
		if (stat(wfile, &a) == 0 && stat(file, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			pp_usage_error("-w %s: that is the file -r reads", wfile);
	}
	if (ofile && wfile && strcmp(ofile, wfile) == 0)
		pp_usage_error("-o and -w name the same file");
	if (ofile && file && strcmp(ofile, "-")) {
		struct stat a, b;
		if (stat(ofile, &a) == 0 && stat(file, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			pp_usage_error("-o %s: that is the file -r reads", ofile);
	}
	if (ofile && pp_output_open(ofile) < 0)
		return PP_EXIT_RUNTIME;
	if (snaplen == 0)
		snaplen = DEFAULT_SNAPLEN;

	if (file) {
		/* Our own FILE: a regular file is read through mmap (glibc's "m"
		 * mode: no copy from the page cache, no read(2) per buffer),
		 * anything else with a large buffer (far fewer read(2) calls than
		 * stdio's default). */
		struct stat fst;
		bool regular = strcmp(file, "-") != 0 && stat(file, &fst) == 0 && S_ISREG(fst.st_mode);
		FILE *fp = strcmp(file, "-") == 0 ? fdopen(dup(STDIN_FILENO), "rb")
		                                  : fopen(file, regular ? "rbm" : "rb");
		if (!fp)
			pp_die(PP_EXIT_RUNTIME, "%s: %s", file, strerror(errno));
		/* static: it outlives the FILE (pcap_close at the end); glibc
		 * ignores setvbuf's size without a buffer of the caller's */
		static char ibuf[1 << 20];
		if (!regular)
			setvbuf(fp, ibuf, _IOFBF, sizeof(ibuf));
		/* libpcap freads twice per packet; we are single-threaded, so
		 * stdio's lock per call is pure cost. */
		__fsetlocking(fp, FSETLOCKING_BYCALLER);
		g_pcap = NULL;
		/* (stdin too when it is a file: /dev/stdin opens it anew) */
		const char *path = strcmp(file, "-") == 0 ? "/dev/stdin" : file;
		if (pcapng_needs_fix(path)) {
			/* Merged pcapng: libpcap wants one snaplen and one link
			 * type for all its interfaces (pcapng_fix.c). */
			struct pcapng_fix_info fi;
			FILE *mem = pcapng_fix(path, &fi);
			if (mem && (g_pcap = pcap_fopen_offline(mem, err))) {
				pp_warn("%s: %u interfaces with snapshot lengths %u to %u: read with %u for all",
				        file, fi.interfaces, fi.snaplen_min, fi.snaplen, fi.snaplen);
				if (fi.dropped_interfaces)
					pp_warn("%s: %u interfaces of link types other than %u left out, with their %lu "
					        "packets (libpcap reads one link type per file)", file,
					        fi.dropped_interfaces, fi.linktype, fi.dropped_packets);
			} else if (mem) {
				fclose(mem);
			}
		}
		if (!g_pcap)
			g_pcap = pcap_fopen_offline(fp, err);
		else
			fclose(fp);
		if (!g_pcap) {
			fclose(fp);
			pp_die(PP_EXIT_RUNTIME, "%s: %s", file, err);
		}
	} else {
		g_pcap = open_live(dev, snaplen, buffer_kib);
		r.live = true;
		r.iface = dev;
		r.any = strcmp(dev, "any") == 0;
	}
	r.dlt = pcap_datalink(g_pcap);
	if (!sniff_dlt_supported(r.dlt)) {
		const char *n = pcap_datalink_val_to_name(r.dlt);
		pp_die(PP_EXIT_RUNTIME, "%s: link type %s (%d) is not supported", file ? file : dev,
		       n ? n : "unknown", r.dlt);
	}
	expr = join_args(argc, argv);
	if (expr) {
		if (pcap_compile(g_pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
			pp_usage_error("filter expression: %s", pcap_geterr(g_pcap));
		if (pcap_setfilter(g_pcap, &prog) < 0)
			pp_die(PP_EXIT_RUNTIME, "filter: %s", pcap_geterr(g_pcap));
		pcap_freecode(&prog);
		free(expr);
	}
	if (wfile)
		r.dump = open_dump(g_pcap, wfile);
	if (r.live) {
		struct stat ns, os;
		/* Grown, never shrunk; refused (the user's pipe quota): as it is. */
		if (fstat(STDOUT_FILENO, &os) == 0 && S_ISFIFO(os.st_mode) &&
		    fcntl(STDOUT_FILENO, F_GETPIPE_SZ) < OUT_PIPE_BYTES)
			(void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, OUT_PIPE_BYTES);
		/* Whole lines per write on a pipe (shared with pp-trace). */
		stdout = pp_out_whole_lines(stdout);
		marks.on = pp_out_is_stream(stdout);
		if (stat("/proc/self/ns/net", &ns) == 0)
			sniff_netns = (uint64_t)ns.st_ino;
	}
	__fsetlocking(stdout, FSETLOCKING_BYCALLER); /* a record per fwrite, one thread */
	if (sniff_init(&r.s, &o, stdout) != 0)
		pp_oom("flow and fragment tables");
	r.s.src_name = file ? file : dev;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (pp_sighup_ends_run()) /* with -o, SIGHUP reopens the file */
		sigaction(SIGHUP, &sa, NULL);
	sandbox(&so, r.live);

	if (r.live) {
		struct pollfd pfd = {.fd = pcap_get_selectable_fd(g_pcap), .events = POLLIN};
		pcap_setnonblock(g_pcap, 1, err);
		/* Here from the start (pp-join waits for us), as of before the
		 * capture opened: packets since then are still to come. */
		write_mark(&r, start_us);
		flush_out();
		while (!stop && !pp_wfail_ended(&sniff_out) && !(r.count && r.seen >= r.count)) {
			uint64_t t0 = pp_now_us();
			int n = pcap_dispatch(g_pcap, -1, on_packet, (u_char *)&r);
			if (n == PCAP_ERROR) {
				pp_warn("%s: %s", dev, pcap_geterr(g_pcap));
				status = PP_EXIT_RUNTIME;
				break;
			}
			write_mark(&r, t0 - marks.lag);
			if (n == 0 && pfd.fd >= 0) {
				flush_out();
				poll(&pfd, 1, LIVE_POLL_MS);
			}
			if (n == 0 && pp_out_gone())
				break; /* idle, and the reader has gone */
			sniff_tick(&r.s, pp_now_us());
			if (r.dump)
				pcap_dump_flush(r.dump);
			flush_out();
		}
	} else {
		progress_init(&pg, g_pcap, file);
		/* A capture streamed into a pipe ("tcpdump -w - | pp-sniff -r -")
		 * is live in all but name: a packet at a time, output flushed. */
		struct stat in;
		bool stream = strcmp(file, "-") == 0 && fstat(STDIN_FILENO, &in) == 0 &&
		              (S_ISFIFO(in.st_mode) || S_ISSOCK(in.st_mode));
		while (!stop && !pp_wfail_ended(&sniff_out)) {
			int want = stream ? 1 : FILE_BATCH;
			if (r.count && r.count - r.seen < want)
				want = (int)(r.count - r.seen);
			if (want <= 0)
				break;
			int n = pcap_dispatch(g_pcap, want, on_packet, (u_char *)&r);
			if (n == 0)
				break; /* end of file */
			if (n == PCAP_ERROR) {
				/* A signal interrupts a read from a pipe: that is the
				 * end asked for, not an error. */
				if (!stop) {
					pp_warn("%s: %s", file, pcap_geterr(g_pcap));
					status = PP_EXIT_RUNTIME;
				}
				break;
			}
			if (n == PCAP_ERROR_BREAK && !stop && !(r.count && r.seen >= r.count))
				continue;
			progress_show(&pg, g_pcap, r.s.st.packets, false);
			if (stream)
				flush_out();
		}
		progress_show(&pg, g_pcap, r.s.st.packets, true);
	}

	/* End every flow: at the end of a file, on -c, or on a signal. */
	sniff_finish(&r.s);
	if (r.live) {
		struct pcap_stat ps;
		/* Drops always; the plain count with -v or on a terminal. */
		if (pcap_stats(g_pcap, &ps) == 0 &&
		    (ps.ps_drop || ps.ps_ifdrop || (!quiet && pp_summary_wanted(so.verbose))))
			pp_warn("%u packet%s received by filter, %u dropped by kernel, %u dropped by interface",
			        ps.ps_recv, PP_S(ps.ps_recv), ps.ps_drop, ps.ps_ifdrop);
		/* Always: pp-join took these packets' records as late. */
		if (marks.broken)
			pp_warn("%s: %lu packet%s came up to %.3f s after a mark had passed their time; marks "
			        "were then kept %.3f s behind", dev, marks.broken, PP_S(marks.broken),
			        (double)marks.worst / 1e6, (double)marks.lag / 1e6);
	}
	if (r.s.st.truncated || r.s.st.malformed)
		pp_warn("%s: %llu packet%s truncated (shorter than their headers say), %llu malformed",
		        r.s.src_name, (unsigned long long)r.s.st.truncated, PP_S(r.s.st.truncated),
		        (unsigned long long)r.s.st.malformed);
	if (stream_overflows)
		pp_warn("%s: %lu TCP direction%s went on past the first %zu KiB kept of each: their later "
		        "messages were not read", r.s.src_name, stream_overflows, PP_S(stream_overflows),
		        o.stream_cap / 1024);
	if (r.s.st.frag_dropped)
		pp_warn("%s: %llu fragment%s of incomplete datagrams dropped", r.s.src_name,
		        (unsigned long long)r.s.st.frag_dropped, PP_S(r.s.st.frag_dropped));
	if (r.dump) {
		FILE *df = pcap_dump_file(r.dump);
		if (pcap_dump_flush(r.dump) != 0 || ferror(df)) {
			pp_warn("%s: write error", wfile);
			status = PP_EXIT_RUNTIME;
		}
		pcap_dump_close(r.dump);
	}
	pcap_close(g_pcap);
	g_pcap = NULL;
	for (int i = 0; i < nifaces; i++)
		free(ifaces[i].name);

	if (pp_wfail_close(&sniff_out, stdout) != PP_EXIT_OK)
		return PP_EXIT_RUNTIME;
	return status;
}
