// parity.h: what the ports of CPython's manager tests (test_parity_*.c) share, header-only: Python's
// test constants in milliseconds, a child process running a function (Python's Process (target=...)), checks
// a child can make (cmocka's asserts longjmp, which a forked child must not do: it exits non-zero instead,
// and the parent's rom_test_join () sees it), timing checks like Python's assertTimingAlmostEqual, and a
// wait until the server reports a state (parked waiters) with a deadline instead of Python's time.sleep.
#ifndef PARITY_H
#define PARITY_H

#include "rom_test_fixture.h"
#include "rom/builtins/sync.rom.h" // raw calls: a Wait sent async, a State

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// CPython's TIMEOUT1, TIMEOUT2, TIMEOUT3 (0.1 s each unless CHECK_TIMINGS) and DELTA, in ms.
#define PARITY_TIMEOUT1 100u
#define PARITY_TIMEOUT2 100u
#define PARITY_TIMEOUT3 100u
// How long a test waits for something that must happen (a child's turn, a waiter parked): a failure, not
// a pause, when it passes.
#define PARITY_LONG 5000u

// In a child: give up with exit code 1 and say where, when `cond` is false.
#define PARITY_CHECK(cond)                                                                                   \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf (stderr, "child %d: %s:%d: check failed: %s\n", (int) getpid (), __FILE__, __LINE__,     \
                     #cond);                                                                                 \
            return 1;                                                                                        \
        }                                                                                                    \
    } while (0)

// Python's Process (target=fn, args=(arg,)).start (): fork a child that runs `fn (arg)` and exits with what
// it returns (0: every check held). Join it with rom_test_join (pid), which returns that code.
static inline pid_t
parity_fork (int (*fn) (void *), void *arg)
{
    fflush (stdout);
    fflush (stderr);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0)
        _exit (fn (arg));
    return pid;
}

// Python's assertTimingAlmostEqual (elapsed, expected), for a call that must have waited its timeout (or,
// with expected 0, answered at once): never earlier than asked, and not much later (the slack is generous:
// two cores shared with other builds).
static inline void
parity_assert_took (uint64_t elapsed_ms, uint32_t expected_ms)
{
    if (expected_ms > 0)
        assert_true (elapsed_ms + 2 >= expected_ms); // the server's clock and ours tick apart by a ms
    assert_true (elapsed_ms < expected_ms + 2500);
}

// The status of a timed call that must fail with `expected` (ROM_FULL, ROM_EMPTY) after `timeout_ms`: the
// server gives that verdict at the deadline and the caller waits 2 s more for it (rom_proxy.h), so even a
// loaded machine delivers it; ROM_TIMEOUT here would be a verdict lost. `elapsed_ms` must cover the timeout.
static inline void
parity_assert_verdict (rom_status_t status, rom_status_t expected, uint64_t elapsed_ms, uint32_t timeout_ms)
{
    assert_int_equal (status, expected);
    if (timeout_ms != ROM_NOWAIT && elapsed_ms + 1 < timeout_ms)
        fail_msg ("%s after %llu ms, before its timeout of %u ms", rom_strerror (status),
                  (unsigned long long) elapsed_ms, timeout_ms);
}

// Poll `done (arg)` (each poll a round trip to the server) until it is true, failing the test after
// PARITY_LONG ms: how a test waits for processes to be parked in a call, which has no event of its own.
static inline void
parity_await (bool (*done) (void *arg), void *arg)
{
    uint64_t deadline = romi_now_ms () + PARITY_LONG;
    while (!done (arg))
        assert_true (romi_now_ms () < deadline);
}

#endif
