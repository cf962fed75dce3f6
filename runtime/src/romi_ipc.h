// romi_ipc.h: ipc.c, what rom does with unix socket files itself, around the transport: whether a server
// listens at a path, and binding so that no other user can reach a socket before its mode is 0600.
#ifndef ROMI_IPC_H
#define ROMI_IPC_H

#include <stdbool.h>
#include <stddef.h>

// Try a connect () to the unix socket at `path`: 0 when a server listens there, else the errno (ENOENT: no
// file; ECONNREFUSED: a file nobody listens on; EACCES: a socket of another user; ENAMETOOLONG).
int romi_ipc_probe (const char *path);

// Bind the socket file `path` privately: `bind_fn (arg, endpoint)` binds the ipc:// endpoint it is given,
// which is inside a fresh 0700 directory next to `path`; the socket is then made 0600 and renamed to `path`
// (replacing a stale file there), so no other user can connect between the bind and the chmod. A path too
// long for that detour is bound in place under a umask of 0177 instead. 0, or -1 with errno; on failure
// nothing is left behind but what `bind_fn` itself leaves.
int romi_ipc_bind_private (const char *path, int (*bind_fn) (void *arg, const char *endpoint), void *arg);

#endif
