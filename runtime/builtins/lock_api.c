// lock_api.c: the helpers of Lock and RLock in rom/rom_sync.h, and what the Semaphore and Condition helpers
// share with them (lock.h): the thread tag that, with the session, names a lock's owner on the server (so two
// threads of one process are two owners, as in Python), and the requests that carry it.
#include "handles.h"
#include "lock.h"

#include <stdatomic.h>

#include "rom/builtins/sync.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__lock__rom_type), (&rom__builtins__rlock__rom_type)

uint64_t
rom_sync_thread_tag (void)
{
    static _Atomic uint64_t next = 1;
    static _Thread_local uint64_t tag;
    if (!tag)
        tag = atomic_fetch_add (&next, 1);
    return tag;
}

rom_status_t
romi_lock_api_acquire (void *handle, uint32_t timeout_ms)
{
    Rom__Builtins__AcquireRequest in = ROM__BUILTINS__ACQUIRE_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    in.thread = rom_sync_thread_tag ();
    return romi_handle_wait (handle, "Acquire", &in.base, timeout_ms, NULL);
}

rom_status_t
romi_lock_api_owner_call (void *handle, const char *name, ProtobufCMessage **out)
{
    Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    return romi_handle_call (handle, name, &in.base, out);
}

rom_status_t
rom_lock_new (rom_client_t *client, rom_lock_t **lock_p)
{
    if (romi_helper_bad_new (__func__, lock_p, "lock_p", client))
        return ROM_INVALID;
    return rom__builtins__lock__rom_create (client, (Rom__Builtins__Lock_Proxy **) lock_p);
}

rom_status_t
rom_rlock_new (rom_client_t *client, rom_lock_t **lock_p)
{
    if (romi_helper_bad_new (__func__, lock_p, "lock_p", client))
        return ROM_INVALID;
    return rom__builtins__rlock__rom_create (client, (Rom__Builtins__RLock_Proxy **) lock_p);
}

rom_status_t
rom_lock_acquire (rom_lock_t *lock, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, lock, S_TYPE))
        return ROM_INVALID;
    return romi_lock_api_acquire (lock, timeout_ms);
}

rom_status_t
rom_lock_release (rom_lock_t *lock)
{
    if (romi_helper_bad_handle (__func__, lock, S_TYPE))
        return ROM_INVALID;
    return romi_lock_api_owner_call (lock, "Release", NULL);
}

rom_status_t
rom_lock_locked (rom_lock_t *lock, bool *locked, bool *mine)
{
    if (romi_helper_bad_handle (__func__, lock, S_TYPE))
        return ROM_INVALID;
    Rom__Builtins__LockState *out = NULL;
    rom_status_t status = romi_lock_api_owner_call (lock, "State", (ProtobufCMessage **) &out);
    if (status == ROM_OK) {
        if (locked)
            *locked = out->locked;
        if (mine)
            *mine = out->mine;
    }
    if (out)
        rom__builtins__lock_state__free_unpacked (out, NULL);
    return status;
}

rom_proxy_t *
rom_lock_proxy (rom_lock_t *lock)
{
    return romi_helper_bad_handle (__func__, lock, S_TYPE) ? NULL : (rom_proxy_t *) lock;
}

void
rom_lock_destroy (rom_lock_t **lock_p)
{
    romi_handle_destroy (__func__, (void **) lock_p, S_TYPE);
}

rom_status_t
rom_lock_from_token (rom_client_t *client, const char *token, rom_lock_t **lock_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, lock_p);
}
