// romi_session_end.h: session_end.c, what ending a session leaves behind: its waiting calls, its objects'
// hooks, the references it held.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_SESSION_END_H
#define ROMI_SESSION_END_H

#include "romi_deferred.h"

// Release the session's references (destroying what dies), cancel its waiting calls, tell the objects that
// asked (rom_call_on_session_end ()) and forget it; a session lost (not said goodbye to) is remembered for a
// while, so its client, if it lived, learns why (romi_sessions_lost ()).
void romi_session_end (romi_deferred_t *deferred, romi_session_t *session, romi_session_end_t why);

#endif
