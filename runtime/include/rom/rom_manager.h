// rom_manager.h: start a manager server in a child process and get a connected client, like Python's
// BaseManager.start (). The server process serves the types its registration callback registers, and ends
// when the owner calls rom_manager_destroy (), exits, or crashes.
#ifndef ROM_MANAGER_H
#define ROM_MANAGER_H

#include "rom_client.h"
#include "rom_server.h"
#include "rom_status.h"

#ifdef __cplusplus
extern "C" {
#endif
// The API: exported from a shared librom, which hides everything else (-fvisibility=hidden).
#pragma GCC visibility push(default)

typedef struct _rom_manager_t rom_manager_t;

// Called in the server process, before it serves, to register the hosted types (e.g. with the generated
// pkg__svc__rom_register ()). A status other than ROM_OK aborts the start.
typedef rom_status_t (*rom_register_fn) (rom_server_t *server, void *arg);

typedef struct rom_manager_opts {
    const char *endpoint;           // where to serve; NULL: an ipc socket in a fresh private temp dir
    rom_register_fn register_types; // may be NULL for a manager of no types
    void *arg;                      // handed to register_types
    rom_server_opts_t server;       // zero for the defaults
    rom_client_opts_t client;       // options of the owner's client; zero for the defaults
    // NULL: none (the ipc socket is mode 0600). Otherwise the shared secret of server and clients: it
    // overrides server.authkey and client.authkey, and every other client must connect with it
    // (rom_client_opts.authkey); see rom_server_opts.authkey for what it does.
    const char *authkey;
} rom_manager_opts_t;

// Fork the server process, wait until it serves, and connect a client to it. On ROM_OK *manager_p is the
// new manager: caller owns it and must destroy it when done. On failure `errmsg` (if not NULL) receives
// thread-local text saying why (bind failed, registration refused, the server died).
rom_status_t rom_manager_start (const rom_manager_opts_t *opts, rom_manager_t **manager_p,
                                const char **errmsg);

// The owner's client, connected to the manager. Owned by the manager: do not destroy it.
rom_client_t *rom_manager_client (rom_manager_t *self);

// The endpoint the server listens on, for other processes to rom_client_connect () to: as bound, so a
// "tcp://127.0.0.1:*" asked for reads "tcp://127.0.0.1:<the port the system chose>".
const char *rom_manager_endpoint (const rom_manager_t *self);

// The server process id.
int rom_manager_pid (const rom_manager_t *self);

// Destroy the owner's client, stop the server process (SIGTERM, then SIGKILL if it has not ended within
// 5 s), reap it, remove its temp dir, free the manager and set *self_p to NULL. Accepts NULL.
// Only the process that started the manager stops the server; in a forked child this only frees memory.
void rom_manager_destroy (rom_manager_t **self_p);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
