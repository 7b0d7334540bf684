/* IMAP (RFC 9051, 3501): the "* OK" (or PREAUTH) greeting, the command
 * verbs after their tags, STARTTLS. Literals ("{n}" at a line's end, then
 * n octets: LOGIN's password, APPEND's message) are skipped by length.
 * The engine is textproto.c. */
#include "textproto.h"

static const char *const imap_commands[] = {
	"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN", "SELECT", "EXAMINE",
	"CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "STATUS", "APPEND",
	"CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID",
	"IDLE", "NAMESPACE", "ID", "ENABLE", "COMPRESS", "GETQUOTA", "GETQUOTAROOT", "SETQUOTA",
	"GETACL", "SETACL", "MYRIGHTS", "LISTRIGHTS", "GETMETADATA", "SETMETADATA", "SORT", "THREAD",
	NULL,
};
static const char *const imap_greetings[] = {"* OK", "* PREAUTH", "* BYE", NULL};

static bool imap_upgrade(const char *verb, const uint8_t *arg, size_t n)
{
	return !strcmp(verb, "STARTTLS");
}

static const struct text_spec imap_spec = {
	.name = "imap", .commands = imap_commands, .greetings = imap_greetings, .tagged = true,
	.imap_literals = true, .upgrade = imap_upgrade,
};

/* Server: "* OK " or "* PREAUTH " first. Client: a tagged CAPABILITY,
 * STARTTLS, LOGIN, AUTHENTICATE or ID. */
static int imap_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	static const char *const first[] = {"CAPABILITY", "STARTTLS", "LOGIN", "AUTHENTICATE", "ID"};
	size_t n, i = 0;
	int r = text_first_line(buf, len, 1024, &n);
	if (r != PROBE_YES)
		return r;
	if (!from_orig)
		return text_word(buf, n, "* OK") || text_word(buf, n, "* PREAUTH") ? PROBE_YES : PROBE_NO;
	while (i < n && buf[i] != ' ')
		i++;
	if (i == 0 || i == n)
		return PROBE_NO;
	for (size_t k = 0; k < sizeof(first) / sizeof(first[0]); k++)
		if (text_word(buf + i + 1, n - i - 1, first[k]))
			return PROBE_YES;
	return PROBE_NO;
}

static int imap_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	return text_stream(&imap_spec, c, state, buf, len, capped);
}
static void imap_end(struct sniff_ctx *c, void *state) { text_end(&imap_spec, c, state); }

const struct dissector dis_imap = {
	.name = "imap", .probe = imap_probe, .stream = imap_stream, .end = imap_end, .free = text_free,
};
