// rom_test_fault.h: faults for the failure tests (issue 12): a raw ZMQ peer that speaks the wire by hand
// (to try what no rom client would: calls with no session or another connection's session), a TCP
// forwarder process to cut a client's connection while both ends live, children that report one result
// line, and a watchdog so a wait that regressed into a hang fails instead of stalling the suite.
#ifndef ROM_TEST_FAULT_H
#define ROM_TEST_FAULT_H

#include "rom_test_proc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// --- raw peer -------------------------------------------------------------------------------------------

// A ZMQ DEALER of its own context connected to a server: one connection, one routing id.
typedef struct {
    void *context;
    void *socket;
    uint64_t next_call; // call ids it gives out
} rom_test_raw_t;

void rom_test_raw_open (rom_test_raw_t *raw, const char *endpoint);
void rom_test_raw_close (rom_test_raw_t *raw);

// Send [CallHeader][payload] naming `session` (0: none) to `object_id`.`method` (type hash 0: unchecked)
// and wait up to 3 s for its reply (notices with call id 0 are skipped), failing the test when none comes.
// Returns the reply's status; its error text goes to `error` (may be NULL, ROM_ERRMSG_MAX bytes) and, on
// ROM_OK with `output` given, the unpacked payload to *out (caller frees).
rom_status_t rom_test_raw_call (rom_test_raw_t *raw, uint64_t session, uint64_t object_id, uint32_t method,
                                const ProtobufCMessage *in, const ProtobufCMessageDescriptor *output,
                                ProtobufCMessage **out, char *error);

// Manager.Hello on this connection; returns the session it opened (asserts success).
uint64_t rom_test_raw_hello (rom_test_raw_t *raw);
// The same through a raw DEALER of the caller's own: raw peers name the session in their call headers,
// from this socket only.
uint64_t rom_test_raw_session (void *dealer);

// --- objects and texts -----------------------------------------------------------------------------------

// A test.Tally starting at `start`, named `name` (NULL: unnamed; an existing one of that name is taken).
// Fails the test when it cannot be made.
rom_proxy_t *rom_test_tally_new (rom_client_t *client, const char *name, int64_t start);
// The client's last failure says `text` (the test fails showing the whole message when it does not).
void rom_test_says (const rom_client_t *client, const char *text);

// --- processes --------------------------------------------------------------------------------------------

// Fork a child that runs `fn (arg, out_fd)` and _exits with its return value; *from_child (may be NULL)
// receives the read end of the pipe the child writes lines to.
pid_t rom_test_fork_child (int (*fn) (void *arg, int out_fd), void *arg, int *from_child);

// Arm (seconds > 0) or disarm (0) a watchdog: if the test is still running when it fires, it prints
// "watchdog: <what> still blocked after N s" and ends the test process with status 3, so a call that
// never returns fails the suite at once instead of hanging until ctest's timeout.
void rom_test_watchdog (unsigned seconds, const char *what);

// The port of a "tcp://host:port" endpoint.
int rom_test_endpoint_port (const char *endpoint);

// --- TCP forwarder ----------------------------------------------------------------------------------------

// Fork a process that listens on 127.0.0.1:`listen_port` and relays each connection it accepts, byte for
// byte, to a new connection to 127.0.0.1:`upstream_port`. Returns once it listens. SIGKILL it to cut every
// connection through it at once (both sides see their connection close); fork another on the same port to
// let them connect again. It dies with the test process.
pid_t rom_test_forwarder_fork (int listen_port, int upstream_port);

#endif
