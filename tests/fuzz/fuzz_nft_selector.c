/* pp-nft's selector parser and the nft escaping on arbitrary bytes: the
 * parse never crashes, and nft_safe output never holds a byte that could
 * end an nft comment or string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-nft/nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256], out[4096];
	struct selector sel;

	memcpy(s, data, size);
	s[size] = '\0';
	(void)selector_parse(s, &sel, err, sizeof(err));
	nft_safe(s, out, sizeof(out));
	for (char *p = out; *p; p++)
		if (*p == '"' || *p == '\n' || *p == ';' || *p == '{' || *p == '}' || (unsigned char)*p < 0x20)
			abort();
	(void)nft_path_ok(s);
	free(s);
	return 0;
}
