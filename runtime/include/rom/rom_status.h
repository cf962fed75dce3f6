// rom_status.h: the status every rom call returns, and its static text.
// Errors are values (libuv's rule): a function that can fail returns rom_status_t and fills out-parameters
// only on ROM_OK. The detail of the last failure ("type#id.Method: why") is kept where it happened: a
// client's calls in rom_client_errmsg (client) (and the calling thread's in rom_client_errmsg (NULL)), a
// server's in rom_server_errmsg (), a manager's start in its errmsg out-parameter; a servant sets its
// call's with rom_call_fail ().
#ifndef ROM_STATUS_H
#define ROM_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

typedef enum rom_status {
    ROM_OK = 0,
    ROM_APP_ERROR = 1,   // the servant refused the call; its message says why
    ROM_NO_OBJECT = 2,   // no object with that id or name (or it was destroyed)
    ROM_NO_METHOD = 3,   // the object's type has no such method, or the servant leaves it unimplemented
    ROM_BAD_REQUEST = 4, // malformed frames, undecodable payload, wrong protocol version
    ROM_TIMEOUT = 5,     // the deadline passed before a reply came
    ROM_UNAVAILABLE = 6, // no server answers at that endpoint, or it is shutting down
    ROM_DENIED = 7,      // authentication failed
    ROM_EMPTY = 8,       // a non-blocking get found nothing (Queue.get)
    ROM_FULL = 9,        // a non-blocking put found no room (Queue.put)
    ROM_CLOSED = 10,     // the other end of a channel is gone (Pipe)
    ROM_EXISTS = 11,     // a named object of that name exists already
    ROM_NO_TYPE = 12,    // the server has no type registered under that name
    ROM_WRONG_TYPE = 13, // the object exists but is of another type than the proxy expects, or a value is of
                         // another kind than the one it goes to (Python's TypeError)
    ROM_TOO_LARGE = 14,  // a message exceeds the configured size limit
    ROM_INVALID = 15,    // a local argument is wrong (NULL where a value is needed, bad endpoint, ...)
    ROM_NOMEM = 16,      // an allocation failed
    ROM_BROKEN = 17,     // a barrier or similar object is in a broken state
    ROM_INTERNAL = 18,   // a bug or a system failure (errno text in the message)
    ROM_DEFERRED = 19,   // servant only: the reply will come later through rom_call_complete ()
    ROM_NOT_FOUND = 20,  // no such key, attribute or element (Python's KeyError, AttributeError, list.index)
    ROM_OUT_OF_RANGE = 21, // an index outside a sequence, or a number outside its typecode's range
    ROM_SESSION_LOST = 22, // the server ended this client's session while its process lived (its connection
                           // was gone past the server's session timeout): locks it held were released and
                           // its references dropped. Reported once, by the call that found out; the client
                           // has a new session from then on and its proxies take their references again.
    ROM_CHANGED = 23,      // a Dict, List or Set was modified since an iteration over it began (Python's
                           // RuntimeError "dictionary changed size during iteration"); start it again
    ROM_LIMIT = 24,        // a limit of the server was reached (rom_server_opts_t: objects per session or
                           // in all, sessions, name length); the text names the limit. Nothing was done.
} rom_status_t;

// The highest status value: a reply carrying a higher one is taken as ROM_INTERNAL.
#define ROM_STATUS_LAST ROM_LIMIT

// Static, never NULL: "ok", "no such object", ... Unknown values give "unknown status".
const char *rom_strerror (rom_status_t status);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
