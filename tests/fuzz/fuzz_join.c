/* pp-join's record handling on arbitrary lines: reading them with the one
 * reader (common/rec.c) and summarising them, learning sockets, flows and
 * DNS answers (CNAME chains), matching and writing the records again.
 * Every written record must still be one line that starts with '{' and
 * ends with '}'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-join/join.h"

static struct jtab tab;

static void each_line(const uint8_t *data, size_t size, int pass, FILE *out, uint64_t *no)
{
	struct rec r;
	struct sbuf keep;
	size_t i = 0;

	rec_init(&r);
	sb_init(&keep);
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		char *line = malloc(len + 1);
		const char *err;
		struct jrec j;
		struct jkeep k;

		memcpy(line, data + i, len);
		line[len] = '\0';
		if (jparse(&r, line, len, &j, &k, &keep, &err)) {
			j.rec_no = ++*no;
			j.asof = INT64_MAX; /* decided knowing everything, as at the end of input */
			if (pass == 1)
				ingest(&tab, &j, &k, keep.s, 0);
			else
				emit_record(&tab, line, &j, out);
		}
		free(line);
		i += len + 1;
	}
	rec_free(&r);
	sb_free(&keep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *out;
	char *buf = NULL;
	size_t blen = 0;
	uint64_t no = 0;

	jconf.window = 2000000;
	jconf.max_ttl = 3600000000LL;
	jconf.min_ttl = 10000000;
	jconf.linger = 120000000;
	jconf.max_flows = 8; /* small, so that eviction runs too */
	out = open_memstream(&buf, &blen);
	table_init(&tab);
	names_init();
	emit_init();
	each_line(data, size, 1, out, &no);
	no = 0;
	each_line(data, size, 2, out, &no);
	table_expire(&tab, INT64_MAX / 2, true, NULL, NULL);
	names_expire(INT64_MAX / 2);
	table_count_unmatched(&tab);
	table_free(&tab);
	names_free();
	emit_free();
	fclose(out);
	for (size_t k = 0; k < blen;) {
		char *nl = memchr(buf + k, '\n', blen - k);
		if (!nl || buf[k] != '{' || nl[-1] != '}')
			abort();
		k = (size_t)(nl - buf) + 1;
	}
	free(buf);
	return 0;
}
