/* Values from records can hold anything; none may break out of nft syntax.
 * Comments get printable ASCII with the rest shown as \xHH; quoted strings
 * (cgroup paths) are used only when they need no escaping at all. */
#include <stdio.h>
#include <string.h>

#include "nft.h"

void nft_safe(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < outlen; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '\'' && *p != '$' &&
		    *p != '{' && *p != '}' && *p != ';' && *p != '#')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", *p);
	}
	out[o] = '\0';
}

bool nft_path_ok(const char *path)
{
	if (!*path || strlen(path) > 512)
		return false;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/._-@:+", *p)))
			return false;
	return !strstr(path, "..");
}
