/* The engine of the greet-then-command line protocols (textproto.h).
 *
 * The originator is the client. Its direction is read line by line from
 * where the last call stopped; its first line must be a command. A command
 * is a verb (after a tag for IMAP) from the protocol's list, any other line
 * is skipped unread (SASL
 * exchanges, continuation lines); SMTP message bodies (DATA up to the lone
 * ".", BDAT chunks) and IMAP literals are skipped by length, so nothing in
 * them is taken for a command. The server's direction is read for its
 * greeting only. The record is written once: when the client asks for TLS
 * (the core then hands what follows to the TLS dissector), when it quits,
 * or when the flow ends. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pp.h"
#include "textproto.h"

struct text_state {
	size_t off[2];     /* where the next line starts, [0] client */
	size_t skip;       /* client: octets of a body chunk or literal still to skip */
	bool in_data;      /* client: inside an SMTP DATA body */
	bool client_stop;  /* client: nothing more is read (TLS, garbage, a huge line) */
	bool greeted;      /* server: greeting read or given up on */
	bool recognised, upgrade, quit, emitted;
	uint8_t nverbs;
	unsigned client_lines;
	uint16_t banner_len, helo_len;
	char verbs[TEXT_MAX_VERBS][TEXT_MAX_VERB + 1];
	char banner[TEXT_MAX_BANNER];
	char helo[256];
	const char *software;
	char software_buf[64];
};

static bool is_alpha(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(uint8_t c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
static bool is_text(uint8_t c) { return (c >= 0x20 && c < 0x7f) || c == '\t' || c >= 0x80; }

int text_first_line(const uint8_t *buf, size_t len, size_t max, size_t *n)
{
	for (size_t i = 0; i < len && i < max; i++) {
		if (buf[i] == '\n') {
			*n = i && buf[i - 1] == '\r' ? i - 1 : i;
			return PROBE_YES;
		}
		if (!is_text(buf[i]) && buf[i] != '\r')
			return PROBE_NO;
	}
	return len < max ? PROBE_MORE : PROBE_NO;
}

bool text_word(const uint8_t *p, size_t n, const char *word)
{
	size_t k = strlen(word);
	return n >= k && !strncasecmp((const char *)p, word, k) &&
	       (n == k || p[k] == ' ' || p[k] == '\r');
}

bool text_has_word(const uint8_t *p, size_t n, const char *word)
{
	size_t k = strlen(word);
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp((const char *)p + i, word, k) && (i == 0 || !is_alpha(p[i - 1])) &&
		    (i + k == n || !is_alpha(p[i + k])))
			return true;
	return false;
}

/* The verb of a command line, upper-cased into v; its argument after. */
static bool split_command(const struct text_spec *sp, const uint8_t *p, size_t n, char *v,
                          const uint8_t **arg, size_t *argn)
{
	size_t i = 0, k = 0;
	if (sp->tagged) {
		while (i < n && p[i] != ' ' && is_text(p[i]))
			i++;
		if (i == 0 || i == n || p[i] != ' ')
			return false;
		i++;
	}
	while (i < n && is_alpha(p[i]) && k < TEXT_MAX_VERB)
		v[k++] = (char)(p[i++] & ~0x20);
	v[k] = 0;
	if (k == 0 || (i < n && p[i] != ' '))
		return false;
	while (i < n && p[i] == ' ')
		i++;
	*arg = p + i, *argn = n - i;
	return true;
}

bool text_known_command(const struct text_spec *sp, const uint8_t *p, size_t n)
{
	char v[TEXT_MAX_VERB + 1];
	const uint8_t *arg;
	size_t argn;
	if (!split_command(sp, p, n, v, &arg, &argn))
		return false;
	for (const char *const *c = sp->commands; *c; c++)
		if (!strcmp(*c, v))
			return true;
	return false;
}

/* Server software named in a greeting: known products only (a wrong name
 * is worse than none), with the version that follows when there is one. */
static const char *const products[] = {
	"Postfix", "Exim", "Sendmail", "OpenSMTPD", "qmail", "Haraka", "Microsoft ESMTP MAIL Service",
	"Microsoft Exchange", "Python SMTP proxy", "Zimbra", "Dovecot", "Courier", "Cyrus",
	"UW IMAP", "vsFTPd", "ProFTPD", "Pure-FTPd", "FileZilla Server", "Microsoft FTP Service",
	"Serv-U", "WU-FTPD", "Qpopper", "MDaemon", "hMailServer", "Kerio", "Smail",
};

static const char *find_software(struct text_state *s)
{
	const uint8_t *b = (const uint8_t *)s->banner;
	size_t n = s->banner_len;
	for (size_t k = 0; k < PP_ARRAY_LEN(products); k++) {
		size_t pl = strlen(products[k]);
		for (size_t i = 0; i + pl <= n; i++) {
			if (memcmp(b + i, products[k], pl) || (i && is_alnum(b[i - 1])) ||
			    (i + pl < n && is_alnum(b[i + pl])))
				continue;
			/* "Exim 4.96", "vsFTPd 3.0.3", "ProFTPD 1.3.8a" */
			size_t e = i + pl;
			if (e + 1 < n && (b[e] == ' ' || b[e] == '/') && b[e + 1] >= '0' && b[e + 1] <= '9') {
				size_t v = e + 1;
				while (v < n && (is_alnum(b[v]) || b[v] == '.' || b[v] == '-' || b[v] == '_'))
					v++;
				if (v - i < sizeof(s->software_buf)) {
					memcpy(s->software_buf, b + i, v - i);
					s->software_buf[v - i] = 0;
					return s->software_buf;
				}
			}
			return products[k];
		}
	}
	return NULL;
}

static void emit(const struct text_spec *sp, struct sniff_ctx *c, struct text_state *s)
{
	if (s->emitted || !s->recognised)
		return;
	s->emitted = true;
	sniff_rec_begin(c, sp->name);
	if (s->banner_len)
		jw_strn(c->w, "banner", s->banner, s->banner_len);
	if (s->software)
		jw_str(c->w, "server_software", s->software);
	if (s->helo_len)
		jw_strn(c->w, "helo", s->helo, s->helo_len);
	if (s->nverbs) {
		jw_arr_open(c->w, "commands");
		for (int i = 0; i < s->nverbs; i++)
			jw_str(c->w, NULL, s->verbs[i]);
		jw_arr_close(c->w);
	}
	jw_bool(c->w, "starttls", s->upgrade);
	sniff_rec_end(c);
}

static void recognise(const struct text_spec *sp, struct sniff_ctx *c, struct text_state *s)
{
	s->recognised = true;
	if (c->app)
		*c->app = sp->name;
}

static void add_verb(struct text_state *s, const char *v)
{
	for (int i = 0; i < s->nverbs; i++)
		if (!strcmp(s->verbs[i], v))
			return;
	if (s->nverbs < TEXT_MAX_VERBS)
		strcpy(s->verbs[s->nverbs++], v);
}

/* A decimal count at [p, p+n) (up to 9 digits), or -1. */
static long count_of(const uint8_t *p, size_t n)
{
	long v = 0;
	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* IMAP: a line ending in "{n}" or "{n+}" announces n octets. */
static long literal_at_end(const uint8_t *p, size_t n)
{
	if (n < 3 || p[n - 1] != '}')
		return -1;
	size_t e = n - 1, b = e;
	if (b > 0 && p[b - 1] == '+')
		e = --b;
	while (b > 0 && p[b - 1] >= '0' && p[b - 1] <= '9')
		b--;
	if (b == 0 || p[b - 1] != '{')
		return -1;
	return count_of(p + b, e - b);
}

/* One client line (no CR LF). false: stop reading the client. */
static bool client_line(const struct text_spec *sp, struct sniff_ctx *c, struct text_state *s,
                        const uint8_t *p, size_t n)
{
	char v[TEXT_MAX_VERB + 1];
	const uint8_t *arg;
	size_t argn;
	long lit;

	for (size_t i = 0; i < n; i++)
		if (!is_text(p[i]))
			return false;
	if (s->in_data) {
		if (n == 1 && p[0] == '.')
			s->in_data = false;
		return true;
	}
	if (sp->imap_literals && (lit = literal_at_end(p, n)) >= 0)
		s->skip = (size_t)lit;
	if (!text_known_command(sp, p, n) || !split_command(sp, p, n, v, &arg, &argn))
		return true; /* not a command: a SASL line, a continuation */
	recognise(sp, c, s);
	add_verb(s, v);
	if (sp->smtp_body && (!strcmp(v, "EHLO") || !strcmp(v, "HELO") || !strcmp(v, "LHLO")) &&
	    !s->helo_len) {
		size_t k = 0;
		while (k < argn && arg[k] != ' ' && k < sizeof(s->helo))
			k++;
		memcpy(s->helo, arg, k);
		s->helo_len = (uint16_t)k;
	}
	if (sp->smtp_body && !strcmp(v, "DATA"))
		s->in_data = true;
	if (sp->smtp_body && !strcmp(v, "BDAT")) {
		size_t k = 0;
		while (k < argn && arg[k] != ' ')
			k++;
		long sz = count_of(arg, k);
		if (sz < 0)
			return false; /* the chunk's end is unknown */
		s->skip = (size_t)sz;
	}
	if (!strcmp(v, "QUIT") || !strcmp(v, "LOGOUT")) {
		s->quit = true;
		emit(sp, c, s);
		return false;
	}
	if (sp->upgrade && sp->upgrade(v, arg, argn)) {
		s->upgrade = true;
		emit(sp, c, s);
		return false; /* TLS follows (or a refusal we need not read) */
	}
	return true;
}

static int client(const struct text_spec *sp, struct sniff_ctx *c, struct text_state *s,
                  const uint8_t *buf, size_t len, bool capped)
{
	while (!s->client_stop && s->off[0] < len) {
		size_t off = s->off[0];
		if (s->skip) {
			size_t k = len - off < s->skip ? len - off : s->skip;
			s->off[0] += k, s->skip -= k;
			continue;
		}
		size_t lim = len - off < TEXT_MAX_LINE ? len - off : TEXT_MAX_LINE;
		const uint8_t *lf = memchr(buf + off, '\n', lim);
		if (!lf) {
			if (lim == TEXT_MAX_LINE)
				s->client_stop = true;
			break;
		}
		size_t n = (size_t)(lf - (buf + off));
		s->off[0] = off + n + 1;
		if (n && buf[off + n - 1] == '\r')
			n--;
		/* A client opens with one of the protocol's commands: else this
		 * direction is something else (an HTTP request to a mail server),
		 * for the core to look at on its own. */
		if (!s->client_lines++ && !text_known_command(sp, buf + off, n))
			return DIS_NOTMINE;
		if (!client_line(sp, c, s, buf + off, n)) {
			if (!s->recognised)
				return DIS_NOTMINE;
			s->client_stop = true;
		}
	}
	if (!s->recognised && s->client_stop)
		return DIS_NOTMINE;
	if (capped || (s->client_stop && !s->upgrade))
		return DIS_DONE;
	return DIS_MORE;
}

static int server(const struct text_spec *sp, struct sniff_ctx *c, struct text_state *s,
                  const uint8_t *buf, size_t len, bool capped)
{
	if (!s->greeted) {
		size_t n;
		int r = text_first_line(buf, len, TEXT_MAX_LINE, &n);
		if (r == PROBE_MORE && !capped)
			return DIS_MORE;
		s->greeted = true;
		const char *const *g = sp->greetings;
		for (; r == PROBE_YES && *g; g++)
			if (n >= strlen(*g) && !strncasecmp((const char *)buf, *g, strlen(*g)))
				break;
		if (r != PROBE_YES || !*g) {
			if (!s->recognised)
				return DIS_NOTMINE;
		} else {
			size_t at = strlen(*g);
			if (sp->multiline_greeting && at < n && (buf[at] == ' ' || buf[at] == '-'))
				at++;
			while (at < n && buf[at] == ' ')
				at++;
			size_t k = n - at < TEXT_MAX_BANNER ? n - at : TEXT_MAX_BANNER;
			memcpy(s->banner, buf + at, k);
			s->banner_len = (uint16_t)k;
			s->software = find_software(s);
			recognise(sp, c, s);
		}
	}
	/* Nothing after the greeting is read: the bytes are kept only while the
	 * client may still ask for TLS, for the core to find where it starts. */
	if (capped || (len > TEXT_SERVER_SCAN && !s->upgrade) || s->quit)
		return DIS_DONE;
	return DIS_MORE;
}

int text_stream(const struct text_spec *sp, struct sniff_ctx *c, void **state, const uint8_t *buf,
                size_t len, bool capped)
{
	struct text_state *s = *state;
	int r;
	if (!s && !(s = *state = calloc(1, sizeof(*s))))
		return DIS_NOTMINE;
	r = c->from_orig ? client(sp, c, s, buf, len, capped) : server(sp, c, s, buf, len, capped);
	c->upgrade = s->upgrade;
	return r;
}

void text_end(const struct text_spec *sp, struct sniff_ctx *c, void *state)
{
	emit(sp, c, state);
}

void text_free(void *state)
{
	free(state);
}
