/* --top: the terminal and the loop. Records come from stdin (or the files),
 * keys from /dev/tty, so that `... | pp-fmt --top` works; one poll() waits
 * for either or for the next redraw. The terminal is put back (termios, main
 * screen, cursor) on every way out: q, Ctrl-C, SIGTERM/SIGHUP, end of the
 * loop on a write error, and exit() from an out-of-memory path (atexit);
 * Ctrl-Z gives it back until the job is continued. */
#include "top.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "linereader.h"
#include "pp.h"
#include "recinput.h"
#include "top_view.h"

static int tty = -1;
static struct termios saved;
static bool term_active;
static volatile sig_atomic_t got_stop, got_winch, got_tstp;

static void on_stop(int sig)
{
	got_stop = sig;
}

static void on_winch(int sig)
{
	got_winch = 1;
}

static void on_tstp(int sig)
{
	got_tstp = 1;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Idempotent: called on the normal way out and from atexit. */
static void term_restore(void)
{
	static const char leave[] = "\x1b[?25h\x1b[?1049l";
	if (!term_active)
		return;
	term_active = false;
	write_all(STDOUT_FILENO, leave, sizeof(leave) - 1);
	tcsetattr(tty, TCSADRAIN, &saved);
}

/* Keys raw, alternate screen, cursor hidden. */
static int term_enter(void)
{
	static const char enter[] = "\x1b[?1049h\x1b[?25l\x1b[2J";
	struct termios raw;
	if (tcgetattr(tty, &saved) < 0) {
		pp_warn_errno("--top: /dev/tty");
		return -1;
	}
	raw = saved;
	/* Keys one at a time and not echoed; ISIG stays, so Ctrl-C is SIGINT. */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(tty, TCSADRAIN, &raw) < 0) {
		pp_warn_errno("--top: /dev/tty");
		return -1;
	}
	term_active = true;
	write_all(STDOUT_FILENO, enter, sizeof(enter) - 1);
	return 0;
}

static int term_setup(void)
{
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (tty < 0) {
		pp_warn_errno("--top: /dev/tty");
		return -1;
	}
	if (term_enter() < 0)
		return -1;
	atexit(term_restore);
	return 0;
}

/* Ctrl-Z: give the shell its terminal back, stop, and take it again when
 * continued (as top does). */
static void suspend(void)
{
	struct sigaction sa, old;
	term_restore();
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &sa, &old);
	raise(SIGTSTP);
	/* Continued. */
	sigaction(SIGTSTP, &old, NULL);
	term_enter();
}

static void term_size(int *rows, int *cols)
{
	struct winsize ws;
	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static void signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns EINTR and the loop sees the flag. */
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, NULL);
}

struct input {
	char **files;
	int nfiles, next;
	int fd;
	struct lr lr;
	bool open, done;
	struct rin_stats st;
};

static void input_next(struct input *in)
{
	while (in->next < in->nfiles || (in->nfiles == 0 && in->next == 0)) {
		const char *name = in->nfiles ? in->files[in->next] : "-";
		in->next++;
		if (!strcmp(name, "-")) {
			in->fd = STDIN_FILENO;
		} else if ((in->fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
			/* Said after the screen is restored. */
			in->st.bad_files++;
			continue;
		}
		lr_init(&in->lr, in->fd, name, LR_DEFAULT_MAX);
		in->open = true;
		return;
	}
	in->done = true;
}

static void input_close(struct input *in)
{
	if (!in->open)
		return;
	lr_free(&in->lr);
	if (in->fd != STDIN_FILENO)
		close(in->fd);
	in->open = false;
}

/* Everything already buffered: parse, filter, account. */
static void drain(struct input *in, struct rec *r, const struct filter *f, struct topview *v)
{
	char *line;
	size_t len;
	int t;
	while ((t = lr_take(&in->lr, &line, &len)) != LR_AGAIN) {
		const char *err;
		size_t i = 0;
		if (t == LR_EOF) {
			input_close(in);
			input_next(in);
			return;
		}
		if (t == LR_TOOLONG) {
			in->st.bad_lines++;
			continue;
		}
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i == len)
			continue;
		if (rec_parse(r, line, len, &err) < 0) {
			in->st.bad_lines++;
			continue;
		}
		in->st.records++;
		const char *ty = rec_str(r, "type");
		if (ty && !strcmp(ty, "mark"))
			continue; /* a producer's progress, for pp-join */
		if (filter_match(f, r))
			tv_record(v, r);
	}
}

/* Keys from the terminal: bytes, and the escape sequences of arrows, pages,
 * Home/End (CSI and SS3 forms); an ESC with nothing after it in the same
 * read is the Esc key. True when a key ends the view. */
static bool decode_keys(struct topview *v, const unsigned char *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int key = k[i];
		if (k[i] == 0x1b) {
			if (i + 2 < n && (k[i + 1] == '[' || k[i + 1] == 'O')) {
				size_t j = i + 2;
				unsigned num = 0;
				while (j < n && k[j] >= '0' && k[j] <= '9')
					num = num * 10 + (k[j++] - '0');
				while (j < n && k[j] == ';')
					j++, num = num ? num : 1;
				while (j < n && k[j] >= '0' && k[j] <= '9')
					j++;
				if (j >= n)
					return false; /* cut sequence: ignore the rest */
				switch (k[j]) {
				case 'A': key = TK_UP; break;
				case 'B': key = TK_DOWN; break;
				case 'C': key = TK_RIGHT; break;
				case 'D': key = TK_LEFT; break;
				case 'H': key = TK_HOME; break;
				case 'F': key = TK_END; break;
				case 'Z': key = TK_BTAB; break;
				case '~':
					key = num == 5 ? TK_PGUP : num == 6 ? TK_PGDN :
					      num == 1 || num == 7 ? TK_HOME : num == 4 || num == 8 ? TK_END : -1;
					break;
				default: key = -1;
				}
				i = j;
				if (key < 0)
					continue;
			} else if (i + 1 < n && k[i + 1] != 0x1b) {
				i++; /* Alt-key: ignored */
				continue;
			} else {
				key = TK_ESC;
			}
		}
		if (tv_key(v, key))
			return true;
	}
	return false;
}

int top_run(char **files, int nfiles, const struct filter *f, bool numeric, bool utc,
            double interval)
{
	struct input in = {.files = files, .nfiles = nfiles};
	struct topview *v;
	struct rec r;
	struct sbuf frame;
	double next_draw;
	const char *nc = getenv("NO_COLOR");
	bool quit = false, stdin_used = nfiles == 0;
	int rc = PP_EXIT_OK;

	for (int i = 0; i < nfiles; i++)
		stdin_used |= !strcmp(files[i], "-");
	if (!isatty(STDOUT_FILENO)) {
		pp_warn("--top draws on a terminal and standard output is not one; "
		        "use --table, --csv or --json in a pipe");
		return PP_EXIT_USAGE;
	}
	if (stdin_used && isatty(STDIN_FILENO)) {
		pp_warn("--top reads records from a pipe or files, and standard input is the "
		        "terminal (try: pp-trace | pp-fmt --top)");
		return PP_EXIT_USAGE;
	}
	signals();
	if (term_setup() < 0) {
		if (tty >= 0)
			close(tty);
		return PP_EXIT_RUNTIME;
	}
	v = tv_new(numeric, utc, !nc || !*nc);
	rec_init(&r);
	sb_init(&frame);
	input_next(&in);
	next_draw = pp_mono();

	while (!quit && !got_stop) {
		struct pollfd p[2] = {{.fd = tty, .events = POLLIN}, {.fd = -1}};
		double now = pp_mono();
		int timeout, n;

		if (got_tstp) {
			got_tstp = 0;
			suspend();
			got_winch = 1; /* redraw the whole screen now */
		}
		if (now >= next_draw || got_winch) {
			int rows, cols;
			char status[96];
			got_winch = 0;
			term_size(&rows, &cols);
			snprintf(status, sizeof(status), "%s%s",
			         in.done ? "input ended" : "reading",
			         in.st.bad_lines ? "  (bad lines skipped)" : "");
			sb_reset(&frame);
			tv_render(v, &frame, rows, cols, in.st.records, status);
			if (write_all(STDOUT_FILENO, frame.s, frame.len) < 0) {
				rc = PP_EXIT_RUNTIME; /* the terminal went away */
				break;
			}
			while (next_draw <= now)
				next_draw += interval;
		}
		if (in.open)
			p[1] = (struct pollfd){.fd = in.fd, .events = POLLIN};
		timeout = (int)((next_draw - pp_mono()) * 1000) + 1;
		if (timeout < 0)
			timeout = 0;
		n = poll(p, 2, timeout);
		if (n < 0 && errno != EINTR) {
			rc = PP_EXIT_RUNTIME;
			break;
		}
		if (n <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			unsigned char keys[256];
			ssize_t k = read(tty, keys, sizeof(keys));
			if (k > 0 && decode_keys(v, keys, (size_t)k))
				quit = true;
			next_draw = pp_mono(); /* show what the key did at once */
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
		if (in.open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (lr_fill(&in.lr) == LR_ERROR) {
				in.st.bad_files++;
				input_close(&in);
				input_next(&in);
			} else {
				drain(&in, &r, f, v);
			}
		}
	}

	term_restore();
	close(tty);
	input_close(&in);
	rec_free(&r);
	sb_free(&frame);
	tv_free(v);
	if (in.st.bad_files)
		pp_warn("%lu file%s could not be read", in.st.bad_files,
		        in.st.bad_files == 1 ? "" : "s");
	rin_report(&in.st);
	if (rc == PP_EXIT_OK && (in.st.bad_lines || in.st.bad_files))
		rc = PP_EXIT_RUNTIME;
	return rc;
}
