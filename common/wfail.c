/* The write-failure state. See wfail.h. */
#include "wfail.h"

#include <errno.h>
#include <string.h>

#include "pp.h"

int pp_wfail_note(struct pp_wfail *w, int err)
{
	if (w->state != PP_WF_OK)
		return -1;
	if (err == EPIPE) {
		w->state = PP_WF_GONE;
	} else {
		w->state = PP_WF_FAILED;
		pp_warn("write error: %s", strerror(err ? err : EIO));
	}
	return -1;
}

int pp_wfail_flush(struct pp_wfail *w, FILE *f)
{
	if (w->state != PP_WF_OK)
		return -1;
	if (fflush(f) == 0 && !ferror(f))
		return 0;
	return pp_wfail_note(w, errno);
}

int pp_wfail_close(struct pp_wfail *w, FILE *f)
{
	if (w->state == PP_WF_OK) {
		pp_wfail_flush(w, f);
		/* After the flush fclose has nothing left to write, but a
		 * delayed error (NFS, a full disk) may show only here. */
		if (fclose(f) != 0)
			pp_wfail_note(w, errno);
	}
	return w->state == PP_WF_FAILED ? PP_EXIT_RUNTIME : PP_EXIT_OK;
}
