/* --update SECS (update.c): periodic sock "update" records with the byte
 * counts of open TCP connections, from sock_diag, in both modes. */
#ifndef PP_TRACE_UPDATE_H
#define PP_TRACE_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"

/* Open the sock_diag socket and start the thread; -1 (said why) when not. */
int upd_start(double secs);
/* A record was written for e (tuple t as written, unmapped): connects and
 * accepts of TCP are remembered, closes forgotten. No-op unless started. */
void upd_track(const struct sock_event *e, const struct pp_tuple *t, const char *comm,
               bool has_uid, uint32_t uid);
/* Stop the thread (at the end of the run). */
void upd_stop(void);

#endif
