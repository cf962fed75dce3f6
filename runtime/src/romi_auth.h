// romi_auth.h: auth.c, the authkey: CURVE keys derived from it, and the process's ZAP handler.
#include "rom_private.h" // first, outside the guard: it gathers every server-side header in order
#ifndef ROMI_AUTH_H
#define ROMI_AUTH_H

typedef struct {
    char server_secret[41], server_public[41]; // Z85, NUL-terminated
    char client_secret[41], client_public[41];
} romi_auth_keys_t;

// Derive both key pairs from `authkey`. -1 with errno ENOTSUP when libzmq was built without CURVE.
int romi_auth_derive (const char *authkey, romi_auth_keys_t *keys);
// Admit to ZAP domain `domain` only CURVE clients with keys->client_public (starts the handler thread with
// the first domain). -1 with errno on failure. Before the server binds.
int romi_auth_zap_register (const char *domain, const romi_auth_keys_t *keys);
// Stop admitting clients to `domain` (the server that registered it closes).
void romi_auth_zap_unregister (const char *domain);
// SHA-256 of `size` bytes (for the derivation; exposed for its unit test).
void romi_sha256 (const void *data, size_t size, uint8_t digest[32]);

#endif
