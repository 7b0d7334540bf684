/* FTP control connections (RFC 959): the "220" greeting, the command
 * verbs, AUTH TLS/SSL (RFC 4217). USER, PASS and ACCT arguments are never
 * written; data connections are not followed. The engine is textproto.c. */
#include <strings.h>

#include "textproto.h"

static const char *const ftp_commands[] = {
	"USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "QUIT", "REIN", "PORT", "PASV", "TYPE",
	"STRU", "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR",
	"DELE", "RMD", "MKD", "PWD", "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP", "FEAT",
	"OPTS", "AUTH", "PBSZ", "PROT", "CCC", "EPRT", "EPSV", "MDTM", "SIZE", "MLST", "MLSD",
	"LANG", "HOST", "CLNT", "XPWD", "XCWD", "XMKD", "XRMD", NULL,
};
static const char *const ftp_greetings[] = {"220", NULL};

static bool ftp_upgrade(const char *verb, const uint8_t *arg, size_t n)
{
	return !strcmp(verb, "AUTH") && n >= 3 &&
	       (!strncasecmp((const char *)arg, "TLS", 3) || !strncasecmp((const char *)arg, "SSL", 3));
}

static const struct text_spec ftp_spec = {
	.name = "ftp", .commands = ftp_commands, .greetings = ftp_greetings,
	.multiline_greeting = true, .upgrade = ftp_upgrade,
};

/* Server: "220" and a greeting that says FTP, or any "220" on port 21 that
 * does not say SMTP. Client: AUTH TLS/SSL, FEAT or SYST first (USER is
 * POP3's too). */
static int ftp_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	size_t n;
	int r = text_first_line(buf, len, 512, &n);
	if (r != PROBE_YES)
		return r;
	if (from_orig)
		return text_word(buf, n, "AUTH TLS") || text_word(buf, n, "AUTH SSL") ||
		               text_word(buf, n, "FEAT") || text_word(buf, n, "SYST")
		               ? PROBE_YES
		               : PROBE_NO;
	if (n < 3 || memcmp(buf, "220", 3) || (n > 3 && buf[3] != ' ' && buf[3] != '-'))
		return PROBE_NO;
	if (text_has_word(buf, n, "SMTP") || text_has_word(buf, n, "ESMTP") || text_has_word(buf, n, "LMTP"))
		return PROBE_NO;
	for (size_t i = 0; i + 3 <= n; i++) /* "FTP", "vsFTPd", "ProFTPD", "FileZilla" */
		if (!strncasecmp((const char *)buf + i, "FTP", 3) ||
		    (n - i >= 9 && !strncasecmp((const char *)buf + i, "FileZilla", 9)))
			return PROBE_YES;
	return t->dport == 21 ? PROBE_YES : PROBE_NO;
}

static int ftp_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return text_stream(&ftp_spec, c, state, buf, len, capped);
}
static void ftp_end(struct sniff_ctx *c, void *state) { text_end(&ftp_spec, c, state); }

const struct dissector dis_ftp = {
	.name = "ftp", .probe = ftp_probe, .stream = ftp_stream, .end = ftp_end, .free = text_free,
};
