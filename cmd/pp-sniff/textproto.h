/* The line protocols where the server greets first and the client sends
 * commands (SMTP, IMAP, POP3, FTP): one engine (textproto.c), a spec per
 * protocol in its own file (smtp.c, imap.c, pop3.c, ftp.c).
 *
 * One record per session, of the protocol's type (pp-records(5)): the
 * server's greeting, the server software when the greeting names a known
 * one, the client's command verbs in order of first use, whether it asked
 * for TLS. Arguments are never written (they carry user names, passwords,
 * SASL exchanges), nor is anything after the greeting on the server side,
 * nor message bodies (skipped, never read as commands). */
#ifndef PP_SNIFF_TEXTPROTO_H
#define PP_SNIFF_TEXTPROTO_H

#include <string.h>

#include "dissect.h"

#define TEXT_MAX_LINE 4096      /* a longer line ends the direction */
#define TEXT_MAX_BANNER 256     /* bytes of the greeting written */
#define TEXT_MAX_VERBS 16       /* distinct command verbs written */
#define TEXT_MAX_VERB 16
#define TEXT_SERVER_SCAN 8192   /* server bytes kept without an upgrade request */

struct text_spec {
	const char *name;              /* record type and flow "app" */
	const char *const *commands;   /* the client's verbs we know, upper case, NULL-ended */
	const char *const *greetings;  /* what a server greeting line starts with */
	bool tagged;                   /* IMAP: "tag SP verb" */
	bool smtp_body;                /* SMTP: DATA and BDAT carry a message */
	bool imap_literals;            /* IMAP: "{n}" at a line's end: n octets follow */
	bool multiline_greeting;       /* SMTP/FTP: "220-" lines before "220 " */
	/* the client's verb (upper case) and argument ask for TLS */
	bool (*upgrade)(const char *verb, const uint8_t *arg, size_t n);
};

/* Probe helpers for the protocol files. */
/* The first line of buf, without CR LF: PROBE_MORE while it is incomplete
 * (and shorter than max), PROBE_NO if it is too long or not text. */
int text_first_line(const uint8_t *buf, size_t len, size_t max, size_t *n);
/* Case-insensitive: does [p, p+n) start with word, followed by the end,
 * a space or CR? */
bool text_word(const uint8_t *p, size_t n, const char *word);
/* Case-insensitive search of word in [p, p+n) (letters around it are not
 * part of it). */
bool text_has_word(const uint8_t *p, size_t n, const char *word);
/* Is the verb of the (possibly tagged) command line one of spec's? */
bool text_known_command(const struct text_spec *sp, const uint8_t *p, size_t n);

/* The stream parser and the rest of a descriptor, shared. */
int text_stream(const struct text_spec *sp, struct sniff_ctx *c, void **state, const uint8_t *buf,
                size_t len, bool capped);
void text_end(const struct text_spec *sp, struct sniff_ctx *c, void *state);
void text_free(void *state);

#endif
