// barrier_api.c: the helpers of Barrier in rom/rom_sync.h. Wait answers each party its arrival index, or
// ROM_BROKEN as Python raises BrokenBarrierError. A wait given ROM_BARRIER_DEFAULT first reads the
// barrier's default timeout (State) and makes it the call's deadline: deadlines are the caller's (barrier.c).
#include "handles.h"

#include "rom/builtins/sync.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__barrier__rom_type), NULL

// Both constructors: `fn` names the helper in the text of a refusal.
static rom_status_t
s_new (const char *fn, rom_client_t *client, uint32_t parties, uint32_t default_timeout_ms,
       rom_barrier_t **barrier_p)
{
    if (romi_helper_bad_new (fn, barrier_p, "barrier_p", client))
        return ROM_INVALID;
    if (default_timeout_ms == ROM_BARRIER_DEFAULT)
        return rom_client_fail (client, ROM_INVALID,
                                "%s: ROM_BARRIER_DEFAULT is a wait's timeout, not a default", fn);
    Rom__Builtins__BarrierInit init = ROM__BUILTINS__BARRIER_INIT__INIT;
    init.parties = parties;
    // On the wire 0 is "none" (proto3's default), so a barrier made by an older client has none.
    init.timeout_ms = default_timeout_ms == ROM_FOREVER ? 0 : default_timeout_ms;
    return rom__builtins__barrier__rom_create (client, &init, (Rom__Builtins__Barrier_Proxy **) barrier_p);
}

rom_status_t
rom_barrier_new (rom_client_t *client, uint32_t parties, rom_barrier_t **barrier_p)
{
    return s_new (__func__, client, parties, ROM_FOREVER, barrier_p);
}

rom_status_t
rom_barrier_new_timeout (rom_client_t *client, uint32_t parties, uint32_t default_timeout_ms,
                         rom_barrier_t **barrier_p)
{
    return s_new (__func__, client, parties, default_timeout_ms, barrier_p);
}

// The barrier's default timeout as a wait's timeout: ROM_FOREVER when it has none.
static rom_status_t
s_default_timeout (rom_barrier_t *barrier, uint32_t *timeout_ms)
{
    Rom__Builtins__BarrierState *out = NULL;
    rom_status_t status = romi_handle_call (barrier, "State", NULL, (ProtobufCMessage **) &out);
    if (status == ROM_OK)
        *timeout_ms = out->timeout_ms ? out->timeout_ms : ROM_FOREVER;
    if (out)
        rom__builtins__barrier_state__free_unpacked (out, NULL);
    return status;
}

rom_status_t
rom_barrier_wait (rom_barrier_t *barrier, uint32_t timeout_ms, int64_t *index)
{
    if (romi_helper_bad_handle (__func__, barrier, S_TYPE))
        return ROM_INVALID;
    if (timeout_ms == ROM_BARRIER_DEFAULT) {
        rom_status_t status = s_default_timeout (barrier, &timeout_ms);
        if (status != ROM_OK)
            return status;
    }
    Rom__Builtins__WaitRequest in = ROM__BUILTINS__WAIT_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    Rom__Builtins__Count *out = NULL;
    rom_status_t status = romi_handle_wait (barrier, "Wait", &in.base, timeout_ms,
                                            (ProtobufCMessage **) &out);
    if (status == ROM_OK && index)
        *index = out->value;
    if (out)
        rom__builtins__count__free_unpacked (out, NULL);
    return status;
}

rom_status_t
rom_barrier_abort (rom_barrier_t *barrier)
{
    if (romi_helper_bad_handle (__func__, barrier, S_TYPE))
        return ROM_INVALID;
    return romi_handle_call (barrier, "Abort", NULL, NULL);
}

rom_status_t
rom_barrier_reset (rom_barrier_t *barrier)
{
    if (romi_helper_bad_handle (__func__, barrier, S_TYPE))
        return ROM_INVALID;
    return romi_handle_call (barrier, "Reset", NULL, NULL);
}

rom_status_t
rom_barrier_state (rom_barrier_t *barrier, uint32_t *parties, uint32_t *waiting, bool *broken)
{
    if (romi_helper_bad_handle (__func__, barrier, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__BarrierState *out = NULL;
    rom_status_t status = romi_handle_call (barrier, "State", NULL, (ProtobufCMessage **) &out);
    if (status == ROM_OK) {
        if (parties)
            *parties = out->parties;
        if (waiting)
            *waiting = out->waiting;
        if (broken)
            *broken = out->broken;
    }
    if (out)
        rom__builtins__barrier_state__free_unpacked (out, NULL);
    return status;
}

rom_status_t
rom_barrier_timeout (rom_barrier_t *barrier, uint32_t *timeout_ms)
{
    if (romi_helper_bad_handle (__func__, barrier, S_TYPE)
        || romi_helper_null_arg (__func__, timeout_ms, "timeout_ms"))
        return ROM_INVALID;
    return s_default_timeout (barrier, timeout_ms);
}

rom_proxy_t *
rom_barrier_proxy (rom_barrier_t *barrier)
{
    return romi_helper_bad_handle (__func__, barrier, S_TYPE) ? NULL : (rom_proxy_t *) barrier;
}

void
rom_barrier_destroy (rom_barrier_t **barrier_p)
{
    romi_handle_destroy (__func__, (void **) barrier_p, S_TYPE);
}

rom_status_t
rom_barrier_from_token (rom_client_t *client, const char *token, rom_barrier_t **barrier_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, barrier_p);
}
