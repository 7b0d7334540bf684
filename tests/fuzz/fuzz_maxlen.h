/* A target's default -max_len, for targets whose seeds are whole files far
 * longer than what finds their bugs: libFuzzer takes the longest seed as
 * its length limit, and an execution costs in proportion to its length,
 * so without a cap most of the time goes to long inputs that add nothing
 * a short one does not. A -max_len on the command line wins. Call it from
 * LLVMFuzzerInitialize. */
#ifndef FUZZ_MAXLEN_H
#define FUZZ_MAXLEN_H

#include <string.h>

static int fuzz_default_max_len(int *argc, char ***argv, const char *opt)
{
	static char *args[256];
	int n = *argc;
	for (int i = 1; i < n; i++)
		if (!strncmp((*argv)[i], "-max_len=", 9))
			return 0;
	if (n + 2 > (int)(sizeof(args) / sizeof(args[0])))
		return 0;
	memcpy(args, *argv, (size_t)n * sizeof(char *));
	args[n] = (char *)opt;
	args[n + 1] = NULL;
	*argc = n + 1;
	*argv = args;
	return 0;
}

#endif
