// barrier_api.c: the helpers of Barrier in rom/rom_sync.h. Wait answers each party its arrival index, or
// ROM_BROKEN as Python raises BrokenBarrierError.
#include "handles.h"

#include "rom/builtins/sync.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__barrier__rom_type), NULL

rom_status_t
rom_barrier_new (rom_client_t *client, uint32_t parties, rom_barrier_t **barrier_p)
{
    if (romi_helper_bad_new (__func__, barrier_p, "barrier_p", client))
        return ROM_INVALID;
    Rom__Builtins__BarrierInit init = ROM__BUILTINS__BARRIER_INIT__INIT;
    init.parties = parties;
    return rom__builtins__barrier__rom_create (client, &init, (Rom__Builtins__Barrier_Proxy **) barrier_p);
}

rom_status_t
rom_barrier_wait (rom_barrier_t *barrier, uint32_t timeout_ms, int64_t *index)
{
    if (romi_helper_bad_handle (__func__, barrier, S_TYPE))
        return ROM_INVALID;
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
