// condition_api.c: the helpers of Condition in rom/rom_sync.h. Its lock is a Lock's (the same Acquire and
// Release requests, lock.h); Wait is a deferred call whose timeout the server enforces, and a Wait that timed
// out takes the lock back here, since the server cannot answer after the call's deadline.
#define _POSIX_C_SOURCE 200809L // clock_gettime is POSIX, not C11

#include "handles.h"
#include "lock.h"

#include <time.h>

#include "rom/builtins/sync.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__condition__rom_type), NULL

// Monotonic: wait_for's deadline must not move with the wall clock.
static uint64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

rom_status_t
rom_condition_new (rom_client_t *client, rom_condition_t **cond_p)
{
    if (romi_helper_bad_new (__func__, cond_p, "cond_p", client))
        return ROM_INVALID;
    return rom__builtins__condition__rom_create (client, (Rom__Builtins__Condition_Proxy **) cond_p);
}

rom_status_t
rom_condition_acquire (rom_condition_t *cond, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, cond, S_TYPE))
        return ROM_INVALID;
    return romi_lock_api_acquire (cond, timeout_ms);
}

rom_status_t
rom_condition_release (rom_condition_t *cond)
{
    if (romi_helper_bad_handle (__func__, cond, S_TYPE))
        return ROM_INVALID;
    return romi_lock_api_owner_call (cond, "Release", NULL);
}

rom_status_t
rom_condition_wait (rom_condition_t *cond, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, cond, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    rom_status_t status = romi_handle_wait (cond, "Wait", &in.base, timeout_ms ? timeout_ms : 1, NULL);
    if (status == ROM_TIMEOUT) {
        // The server answered without the lock (a call cannot outlive its deadline): take it back, as
        // Python's wait returns holding it. Keep the first failure's text for the caller.
        rom_status_t again = romi_lock_api_acquire (cond, ROM_FOREVER);
        if (again != ROM_OK)
            return again;
    }
    return status;
}

rom_status_t
rom_condition_wait_for (rom_condition_t *cond, bool (*predicate) (void *arg), void *arg, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, cond, S_TYPE)
        || romi_helper_null_arg (__func__, predicate, "predicate"))
        return ROM_INVALID;
    uint64_t deadline = timeout_ms == ROM_FOREVER ? 0 : s_now_ms () + timeout_ms;
    while (!predicate (arg)) {
        uint32_t left = ROM_FOREVER;
        if (deadline) {
            uint64_t now = s_now_ms ();
            if (now >= deadline)
                return ROM_TIMEOUT;
            left = (uint32_t) (deadline - now);
        }
        rom_status_t status = rom_condition_wait (cond, left);
        if (status != ROM_OK && status != ROM_TIMEOUT)
            return status;
    }
    return ROM_OK;
}

rom_status_t
rom_condition_notify (rom_condition_t *cond, uint32_t n, int64_t *woken)
{
    if (romi_helper_bad_handle (__func__, cond, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__NotifyRequest in = ROM__BUILTINS__NOTIFY_REQUEST__INIT;
    in.n = n;
    in.thread = rom_sync_thread_tag ();
    return romi_handle_count (cond, "Notify", &in.base, woken);
}

rom_status_t
rom_condition_notify_all (rom_condition_t *cond, int64_t *woken)
{
    if (romi_helper_bad_handle (__func__, cond, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    return romi_handle_count (cond, "NotifyAll", &in.base, woken);
}

rom_proxy_t *
rom_condition_proxy (rom_condition_t *cond)
{
    return romi_helper_bad_handle (__func__, cond, S_TYPE) ? NULL : (rom_proxy_t *) cond;
}

void
rom_condition_destroy (rom_condition_t **cond_p)
{
    romi_handle_destroy (__func__, (void **) cond_p, S_TYPE);
}

rom_status_t
rom_condition_from_token (rom_client_t *client, const char *token, rom_condition_t **condition_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, condition_p);
}
