/* POP3 (RFC 1939): the "+OK" greeting, the command verbs, STLS (RFC
 * 2595). PASS, APOP and AUTH arguments are never written. The engine is
 * textproto.c. */
#include "textproto.h"

static const char *const pop3_commands[] = {
	"USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "QUIT",
	"TOP", "UIDL", "CAPA", "STLS", "UTF8", NULL,
};
static const char *const pop3_greetings[] = {"+OK", NULL};

static bool pop3_upgrade(const char *verb, const uint8_t *arg, size_t n)
{
	return !strcmp(verb, "STLS");
}

static const struct text_spec pop3_spec = {
	.name = "pop3", .commands = pop3_commands, .greetings = pop3_greetings,
	.upgrade = pop3_upgrade,
};

/* Server: "+OK" first. Client: CAPA or STLS first (USER is FTP's too). */
static int pop3_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	size_t n;
	int r = text_first_line(buf, len, 512, &n);
	if (r != PROBE_YES)
		return r;
	if (from_orig)
		return text_word(buf, n, "CAPA") || text_word(buf, n, "STLS") ? PROBE_YES : PROBE_NO;
	return text_word(buf, n, "+OK") ? PROBE_YES : PROBE_NO;
}

static int pop3_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return text_stream(&pop3_spec, c, state, buf, len, capped);
}
static void pop3_end(struct sniff_ctx *c, void *state) { text_end(&pop3_spec, c, state); }

const struct dissector dis_pop3 = {
	.name = "pop3", .probe = pop3_probe, .stream = pop3_stream, .end = pop3_end, .free = text_free,
};
