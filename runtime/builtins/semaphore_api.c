// semaphore_api.c: the helpers of Semaphore and BoundedSemaphore in rom/rom_sync.h; one handle type for
// both, as their methods are the same. Acquire is a Lock's (lock.h): the server keeps the waiters.
#include "handles.h"
#include "lock.h"

#include "rom/builtins/sync.rom.h"

// The types a handle of this kind may be a proxy of (handles.h).
#define S_TYPE (&rom__builtins__semaphore__rom_type), (&rom__builtins__bounded_semaphore__rom_type)

rom_status_t
rom_semaphore_new (rom_client_t *client, int64_t value, rom_semaphore_t **sem_p)
{
    if (romi_helper_bad_new (__func__, sem_p, "sem_p", client))
        return ROM_INVALID;
    Rom__Builtins__SemaphoreInit init = ROM__BUILTINS__SEMAPHORE_INIT__INIT;
    init.value = value;
    return rom__builtins__semaphore__rom_create (client, &init, (Rom__Builtins__Semaphore_Proxy **) sem_p);
}

rom_status_t
rom_bounded_semaphore_new (rom_client_t *client, int64_t value, rom_semaphore_t **sem_p)
{
    if (romi_helper_bad_new (__func__, sem_p, "sem_p", client))
        return ROM_INVALID;
    Rom__Builtins__SemaphoreInit init = ROM__BUILTINS__SEMAPHORE_INIT__INIT;
    init.value = value;
    return rom__builtins__bounded_semaphore__rom_create (client, &init,
                                                         (Rom__Builtins__BoundedSemaphore_Proxy **) sem_p);
}

rom_status_t
rom_semaphore_acquire (rom_semaphore_t *sem, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, sem, S_TYPE))
        return ROM_INVALID;
    return romi_lock_api_acquire (sem, timeout_ms);
}

rom_status_t
rom_semaphore_release (rom_semaphore_t *sem)
{
    if (romi_helper_bad_handle (__func__, sem, S_TYPE))
        return ROM_INVALID;
    return romi_handle_call (sem, "Release", NULL, NULL);
}

rom_status_t
rom_semaphore_value (rom_semaphore_t *sem, int64_t *value)
{
    if (romi_helper_bad_handle (__func__, sem, S_TYPE))
        return ROM_INVALID;
    return romi_handle_count (sem, "Value", NULL, value);
}

rom_proxy_t *
rom_semaphore_proxy (rom_semaphore_t *sem)
{
    return romi_helper_bad_handle (__func__, sem, S_TYPE) ? NULL : (rom_proxy_t *) sem;
}

void
rom_semaphore_destroy (rom_semaphore_t **sem_p)
{
    romi_handle_destroy (__func__, (void **) sem_p, S_TYPE);
}

rom_status_t
rom_semaphore_from_token (rom_client_t *client, const char *token, rom_semaphore_t **semaphore_p)
{
    return romi_handle_from_token (__func__, client, token, S_TYPE, semaphore_p);
}
