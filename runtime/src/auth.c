// auth.c: the authkey (DESIGN decision 7): CURVE key pairs derived from a shared secret, and the ZAP
// handler that admits only clients holding it.
//
// Derivation: each side hashes the authkey with a purpose label (SHA-256 ("rom.curve.server.v1\0" authkey)
// and the same with "client") into a 32-byte Curve25519 secret, and zmq_curve_public () gives the public
// key. So server and clients agree on both key pairs with no key files: the client pins the server's public
// key (a server without the authkey cannot complete the handshake), the server's ZAP handler compares the
// client's long-term public key, which CURVE proves the client holds the secret of. An eavesdropper sees
// only CURVE's encrypted frames; the authkey itself never travels. The hash is SHA-256 written out here
// (checked against FIPS 180-4's vectors in tests/unit) rather than libsodium's: librom is static and its
// installed CMake and pkg-config files would have to carry one more dependency for thirty lines.
//
// ZAP: libzmq asks the handler bound at inproc://zeromq.zap.01 in the socket's context, one per context,
// and rom has one context per process. So the handler is per process: a thread answering for every
// server of the process with an authkey (a registry of ZAP domain -> expected client key), started with the
// first such server and stopped with the last. It wakes once per handshake, never per call. A forked child
// forgets its parent's (the thread does not exist there) and starts its own when it needs one.
#include "rom_private.h"
#include "romi_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// --- SHA-256 (FIPS 180-4) ---------------------------------------------------------------------------------

static const uint32_t s_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define S_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

typedef struct {
    uint32_t h[8];
    uint8_t block[64];
    size_t used;     // bytes in block
    uint64_t length; // bytes hashed so far
} s_sha256_t;

static void
s_sha256_block (s_sha256_t *self, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 | (uint32_t) p[4 * i + 2] << 8
               | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = S_ROR (w[i - 15], 7) ^ S_ROR (w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = S_ROR (w[i - 2], 17) ^ S_ROR (w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = self->h[0], b = self->h[1], c = self->h[2], d = self->h[3];
    uint32_t e = self->h[4], f = self->h[5], g = self->h[6], h = self->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (S_ROR (e, 6) ^ S_ROR (e, 11) ^ S_ROR (e, 25)) + ((e & f) ^ (~e & g)) + s_k[i]
                      + w[i];
        uint32_t t2 = (S_ROR (a, 2) ^ S_ROR (a, 13) ^ S_ROR (a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    self->h[0] += a;
    self->h[1] += b;
    self->h[2] += c;
    self->h[3] += d;
    self->h[4] += e;
    self->h[5] += f;
    self->h[6] += g;
    self->h[7] += h;
}

static void
s_sha256_init (s_sha256_t *self)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy (self->h, h0, sizeof h0);
    self->used = 0;
    self->length = 0;
}

static void
s_sha256_update (s_sha256_t *self, const void *data, size_t size)
{
    const uint8_t *p = data;
    self->length += size;
    while (size > 0) {
        size_t n = 64 - self->used < size ? 64 - self->used : size;
        memcpy (self->block + self->used, p, n);
        self->used += n;
        p += n;
        size -= n;
        if (self->used == 64) {
            s_sha256_block (self, self->block);
            self->used = 0;
        }
    }
}

static void
s_sha256_final (s_sha256_t *self, uint8_t digest[32])
{
    uint64_t bits = self->length * 8;
    uint8_t pad = 0x80;
    s_sha256_update (self, &pad, 1);
    pad = 0;
    while (self->used != 56)
        s_sha256_update (self, &pad, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t) (bits >> (56 - 8 * i));
    s_sha256_update (self, len, 8);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 4; k++)
            digest[4 * i + k] = (uint8_t) (self->h[i] >> (24 - 8 * k));
}

void
romi_sha256 (const void *data, size_t size, uint8_t digest[32])
{
    s_sha256_t sha;
    s_sha256_init (&sha);
    s_sha256_update (&sha, data, size);
    s_sha256_final (&sha, digest);
}

// --- key derivation ----------------------------------------------------------------------------------------

static int
s_derive_pair (const char *label, const char *authkey, char secret[41], char public_key[41])
{
    s_sha256_t sha;
    uint8_t digest[32];
    s_sha256_init (&sha);
    s_sha256_update (&sha, label, strlen (label) + 1); // the NUL separates label and key
    s_sha256_update (&sha, authkey, strlen (authkey));
    s_sha256_final (&sha, digest);
    int rc = zmq_z85_encode (secret, digest, 32) && zmq_curve_public (public_key, secret) == 0 ? 0 : -1;
    memset (digest, 0, sizeof digest);
    return rc;
}

int
romi_auth_derive (const char *authkey, romi_auth_keys_t *keys)
{
    if (!zmq_has ("curve")) {
        errno = ENOTSUP;
        return -1;
    }
    if (s_derive_pair ("rom.curve.server.v1", authkey, keys->server_secret, keys->server_public) != 0
        || s_derive_pair ("rom.curve.client.v1", authkey, keys->client_secret, keys->client_public) != 0) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

// --- the process's ZAP handler -----------------------------------------------------------------------------

typedef struct {
    char *domain;
    uint8_t client_key[32]; // the only client public key admitted to that domain
} s_zap_entry_t;

static pthread_mutex_t s_zap_lock = PTHREAD_MUTEX_INITIALIZER;
static s_zap_entry_t *s_zap_entries;
static size_t s_zap_count, s_zap_capacity;
static pid_t s_zap_pid;    // the process the handler below belongs to
static void *s_zap_socket; // REP bound at inproc://zeromq.zap.01, used by the thread only
static int s_zap_stop[2] = {-1, -1};
static pthread_t s_zap_thread;
static bool s_zap_running;

// Whether `domain` admits `key`. Under the lock.
static bool
s_zap_admits (const char *domain, size_t domain_size, const uint8_t *key, size_t key_size)
{
    for (size_t i = 0; i < s_zap_count; i++)
        if (strlen (s_zap_entries[i].domain) == domain_size
            && memcmp (s_zap_entries[i].domain, domain, domain_size) == 0)
            return key_size == 32 && memcmp (s_zap_entries[i].client_key, key, 32) == 0;
    return false;
}

// One ZAP request (RFC 27): version, request id, domain, address, routing id, mechanism, credentials...
// Answered 200 for a CURVE client holding the domain's key, 400 otherwise.
static void
s_zap_answer (void *socket)
{
    zmq_msg_t frames[8];
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t scratch, *frame = n < 8 ? &frames[n] : &scratch; // frames past the 8th are not needed
        zmq_msg_init (frame);
        if (zmq_msg_recv (frame, socket, 0) < 0) {
            zmq_msg_close (frame);
            break;
        }
        more = zmq_msg_more (frame);
        if (frame == &scratch)
            zmq_msg_close (&scratch);
        else
            n++;
    }
    bool ok = false;
    if (n >= 7 && zmq_msg_size (&frames[5]) == 5 && memcmp (zmq_msg_data (&frames[5]), "CURVE", 5) == 0) {
        pthread_mutex_lock (&s_zap_lock);
        ok = s_zap_admits (zmq_msg_data (&frames[2]), zmq_msg_size (&frames[2]), zmq_msg_data (&frames[6]),
                           zmq_msg_size (&frames[6]));
        pthread_mutex_unlock (&s_zap_lock);
    }
    if (n >= 2) {
        zmq_send (socket, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (socket, zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]), ZMQ_SNDMORE);
        zmq_send (socket, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        const char *text = ok ? "OK" : "authkey mismatch";
        zmq_send (socket, text, strlen (text), ZMQ_SNDMORE);
        zmq_send (socket, "", 0, ZMQ_SNDMORE); // user id
        zmq_send (socket, "", 0, 0);           // metadata
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close (&frames[i]);
}

static void *
s_zap_main (void *arg)
{
    void *socket = arg;
    for (;;) {
        zmq_pollitem_t items[] = {
            {.socket = socket, .events = ZMQ_POLLIN},
            {.fd = s_zap_stop[0], .events = ZMQ_POLLIN},
        };
        if (zmq_poll (items, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (items[1].revents)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            s_zap_answer (socket);
    }
    return NULL;
}

// Start the handler. Under the lock.
static int
s_zap_start (void)
{
    s_zap_socket = romi_socket_new (ZMQ_REP);
    if (!s_zap_socket)
        return -1;
    if (zmq_bind (s_zap_socket, "inproc://zeromq.zap.01") != 0 || pipe2 (s_zap_stop, O_CLOEXEC) != 0) {
        romi_socket_close (&s_zap_socket);
        return -1;
    }
    // The thread takes no signal: they belong to the application's threads.
    sigset_t all, old;
    sigfillset (&all);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    int rc = pthread_create (&s_zap_thread, NULL, s_zap_main, s_zap_socket);
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close (s_zap_stop[0]);
        close (s_zap_stop[1]);
        s_zap_stop[0] = s_zap_stop[1] = -1;
        romi_socket_close (&s_zap_socket);
        errno = rc;
        return -1;
    }
    s_zap_running = true;
    s_zap_pid = getpid ();
    return 0;
}

static void
s_zap_stop_thread (void)
{
    char byte = 1;
    ssize_t n = write (s_zap_stop[1], &byte, 1);
    (void) n;
    pthread_join (s_zap_thread, NULL);
    close (s_zap_stop[0]);
    close (s_zap_stop[1]);
    s_zap_stop[0] = s_zap_stop[1] = -1;
    romi_socket_close (&s_zap_socket);
    s_zap_running = false;
}

int
romi_auth_zap_register (const char *domain, const romi_auth_keys_t *keys)
{
    uint8_t key[32];
    if (!zmq_z85_decode (key, keys->client_public)) {
        errno = EINVAL;
        return -1;
    }
    pthread_mutex_lock (&s_zap_lock);
    if (s_zap_running && s_zap_pid != getpid ()) {
        // Inherited through fork: the thread is the parent's, the registry its servers'.
        for (size_t i = 0; i < s_zap_count; i++)
            free (s_zap_entries[i].domain);
        s_zap_count = 0;
        s_zap_running = false;
        s_zap_socket = NULL;
        s_zap_stop[0] = s_zap_stop[1] = -1; // the parent's pipe: left open, it is not ours to close
    }
    int rc = -1;
    if (s_zap_count == s_zap_capacity) {
        size_t capacity = s_zap_capacity ? s_zap_capacity * 2 : 4;
        s_zap_entry_t *grown = realloc (s_zap_entries, capacity * sizeof *grown);
        if (!grown)
            goto done;
        s_zap_entries = grown;
        s_zap_capacity = capacity;
    }
    s_zap_entry_t *entry = &s_zap_entries[s_zap_count];
    if (!(entry->domain = strdup (domain)))
        goto done;
    memcpy (entry->client_key, key, 32);
    if (!s_zap_running && s_zap_start () != 0) {
        free (entry->domain);
        goto done;
    }
    s_zap_count++;
    rc = 0;
done:
    pthread_mutex_unlock (&s_zap_lock);
    return rc;
}

void
romi_auth_zap_unregister (const char *domain)
{
    pthread_mutex_lock (&s_zap_lock);
    if (s_zap_pid == getpid ()) {
        for (size_t i = 0; i < s_zap_count; i++)
            if (strcmp (s_zap_entries[i].domain, domain) == 0) {
                free (s_zap_entries[i].domain);
                s_zap_entries[i] = s_zap_entries[--s_zap_count];
                break;
            }
        if (s_zap_count == 0 && s_zap_running)
            s_zap_stop_thread ();
    }
    if (s_zap_count == 0) {
        free (s_zap_entries);
        s_zap_entries = NULL;
        s_zap_capacity = 0;
    }
    pthread_mutex_unlock (&s_zap_lock);
}
