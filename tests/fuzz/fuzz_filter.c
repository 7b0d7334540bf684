/* pp-fmt's filter expression parser and matcher on arbitrary bytes. Input:
 * an expression, optionally followed by a newline and a record line to match
 * it against (else a few fixed records). A parse either succeeds or names a
 * column within the expression (or just past its end) and a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-fmt/filter.h"

static const char *const fixed[] = {
	"{\"type\":\"sock\",\"ts\":1.5,\"event\":\"close\",\"proto\":\"tcp\",\"src\":\"10.0.0.2\","
	"\"sport\":51514,\"dst\":\"93.184.216.34\",\"dport\":443,\"pid\":42,\"comm\":\"cu\\u0000rl\","
	"\"exe\":\"/usr/bin/curl\",\"tx_bytes\":517,\"cmdline\":[\"curl\",\"-s\"],\"ok\":true}",
	"{\"type\":\"dns\",\"ts\":2,\"src\":\"2001:db8::2\",\"dst\":\"2001:db8::1\",\"qname\":\"Example.COM.\","
	"\"answers\":[{\"name\":\"example.com\",\"ttl\":300,\"data\":\"93.184.216.34\"}],\"x\":{\"y\":[1,{}]}}",
	"{}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	char *nl;
	struct filter f;
	struct rec r;
	int col = 0;
	size_t elen;

	memcpy(s, data, size);
	s[size] = '\0';
	nl = memchr(s, '\n', size);
	if (nl)
		*nl = '\0';
	elen = strlen(s);
	err[0] = '\0';
	if (filter_parse(&f, s, &col, err, sizeof(err)) < 0) {
		if (col < 1 || (size_t)col > elen + 1 || !err[0])
			abort();
		free(s);
		return 0;
	}
	rec_init(&r);
	if (nl) {
		const char *e;
		if (rec_parse(&r, nl + 1, size - (size_t)(nl + 1 - s), &e) == 0)
			(void)filter_match(&f, &r);
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		const char *e;
		if (rec_parse(&r, fixed[i], strlen(fixed[i]), &e) == 0)
			(void)filter_match(&f, &r);
	}
	rec_free(&r);
	filter_free(&f);
	free(s);
	return 0;
}
