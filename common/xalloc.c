/* The one out-of-memory exit. See xalloc.h. */
#include "xalloc.h"

#include <unistd.h>

#include "pp.h"

void pp_oom(const char *what)
{
	/* No stdio: it may itself need memory. */
	static const char msg[] = ": out of memory";
	size_t n = strlen(pp_progname);
	if (write(STDERR_FILENO, pp_progname, n) < 0 || write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(PP_EXIT_RUNTIME);
	if (what && (write(STDERR_FILENO, " (", 2) < 0 || write(STDERR_FILENO, what, strlen(what)) < 0 ||
	             write(STDERR_FILENO, ")", 1) < 0))
		_exit(PP_EXIT_RUNTIME);
	if (write(STDERR_FILENO, "\n", 1) < 0)
		_exit(PP_EXIT_RUNTIME);
	exit(PP_EXIT_RUNTIME);
}
