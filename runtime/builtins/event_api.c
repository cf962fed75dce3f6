// event_api.c: the helpers of Event in rom/rom_sync.h. Wait is a deferred call on the server, with the
// timeout as the call's own deadline, so no client thread polls the flag.
#include "handles.h"

#include "rom/builtins/sync.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__event__rom_type), NULL

rom_status_t
rom_event_new (rom_client_t *client, rom_event_t **event_p)
{
    if (romi_helper_bad_new (__func__, event_p, "event_p", client))
        return ROM_INVALID;
    return rom__builtins__event__rom_create (client, (Rom__Builtins__Event_Proxy **) event_p);
}

rom_status_t
rom_event_set (rom_event_t *event)
{
    if (romi_helper_bad_handle (__func__, event, S_TYPE))
        return ROM_INVALID;
    return romi_handle_call (event, "Set", NULL, NULL);
}

rom_status_t
rom_event_clear (rom_event_t *event)
{
    if (romi_helper_bad_handle (__func__, event, S_TYPE))
        return ROM_INVALID;
    return romi_handle_call (event, "Clear", NULL, NULL);
}

rom_status_t
rom_event_is_set (rom_event_t *event, bool *set)
{
    if (romi_helper_bad_handle (__func__, event, S_TYPE))
        return ROM_INVALID;
    return romi_handle_flag (event, "IsSet", set);
}

rom_status_t
rom_event_wait (rom_event_t *event, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, event, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__WaitRequest in = ROM__BUILTINS__WAIT_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    return romi_handle_wait (event, "Wait", &in.base, timeout_ms, NULL);
}

rom_proxy_t *
rom_event_proxy (rom_event_t *event)
{
    return romi_helper_bad_handle (__func__, event, S_TYPE) ? NULL : (rom_proxy_t *) event;
}

void
rom_event_destroy (rom_event_t **event_p)
{
    romi_handle_destroy (__func__, (void **) event_p, S_TYPE);
}

rom_status_t
rom_event_from_token (rom_client_t *client, const char *token, rom_event_t **event_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, event_p);
}
