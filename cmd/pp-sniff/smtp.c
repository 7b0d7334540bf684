/* SMTP (RFC 5321) and LMTP (RFC 2033): the "220" greeting, EHLO's host
 * name, the command verbs, STARTTLS (RFC 3207). Message bodies (DATA,
 * BDAT of RFC 3030) are skipped; AUTH's SASL lines are never read as
 * commands. The engine is textproto.c. */
#include "textproto.h"

static const char *const smtp_commands[] = {
	"HELO", "EHLO", "LHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY", "EXPN", "HELP",
	"NOOP", "QUIT", "STARTTLS", "AUTH", "ETRN", "ATRN", "TURN", "XCLIENT", "XFORWARD", NULL,
};
static const char *const smtp_greetings[] = {"220", NULL};

static bool smtp_upgrade(const char *verb, const uint8_t *arg, size_t n)
{
	return !strcmp(verb, "STARTTLS");
}

static const struct text_spec smtp_spec = {
	.name = "smtp", .commands = smtp_commands, .greetings = smtp_greetings, .smtp_body = true,
	.multiline_greeting = true, .upgrade = smtp_upgrade,
};

/* Server: "220" and a greeting that says (E)SMTP or LMTP, or any "220" on
 * the submission ports (FTP greets with "220" too). Client: EHLO, HELO or
 * LHLO, which must come first. */
static int smtp_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	size_t n;
	int r = text_first_line(buf, len, 512, &n);
	if (r != PROBE_YES)
		return r;
	if (from_orig)
		return text_word(buf, n, "EHLO") || text_word(buf, n, "HELO") || text_word(buf, n, "LHLO")
		               ? PROBE_YES
		               : PROBE_NO;
	if (n < 3 || memcmp(buf, "220", 3) || (n > 3 && buf[3] != ' ' && buf[3] != '-'))
		return PROBE_NO;
	if (text_has_word(buf, n, "FTP") || text_has_word(buf, n, "FTPD"))
		return PROBE_NO;
	if (text_has_word(buf, n, "SMTP") || text_has_word(buf, n, "ESMTP") || text_has_word(buf, n, "LMTP"))
		return PROBE_YES;
	return t->dport == 25 || t->dport == 587 || t->dport == 465 || t->dport == 2525 ? PROBE_YES
	                                                                                 : PROBE_NO;
}

static int smtp_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return text_stream(&smtp_spec, c, state, buf, len, capped);
}
static void smtp_end(struct sniff_ctx *c, void *state) { text_end(&smtp_spec, c, state); }

const struct dissector dis_smtp = {
	.name = "smtp", .probe = smtp_probe, .stream = smtp_stream, .end = smtp_end, .free = text_free,
};
