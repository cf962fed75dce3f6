// sync_api.c: the one-line helpers of rom/rom_sync.h over the generated proxies of the sync built-ins.
//
// Each handle is the generic proxy underneath (a Lock handle may be a Lock or an RLock proxy: same methods),
// so a helper finds its method by name in the proxy's type table (a few strcmp against a round trip) rather
// than by an index that would silently break when an rpc is added. Waits go through rom_proxy_call_timeout
// () so the timeout is the call's own deadline on the server; ROM_NOWAIT becomes the request's `nowait`.
#include "sync_private.h"
#include "handles.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(handle) ((rom_proxy_t *) (handle))

uint64_t
rom_sync_thread_tag (void)
{
    static _Atomic uint64_t next = 1;
    static _Thread_local uint64_t tag;
    if (!tag)
        tag = atomic_fetch_add (&next, 1);
    return tag;
}

// Each family of handles with the types its proxy may have: a Lock handle is a Lock or an RLock proxy, ...
#define S_LOCK (&rom__builtins__lock__rom_type), (&rom__builtins__rlock__rom_type)
#define S_SEMAPHORE (&rom__builtins__semaphore__rom_type), (&rom__builtins__bounded_semaphore__rom_type)
#define S_EVENT (&rom__builtins__event__rom_type), NULL
#define S_CONDITION (&rom__builtins__condition__rom_type), NULL
#define S_BARRIER (&rom__builtins__barrier__rom_type), NULL
#define S_QUEUE (&rom__builtins__queue__rom_type), (&rom__builtins__joinable_queue__rom_type)
#define S_PIPE (&rom__builtins__pipe__rom_type), NULL


static unsigned
s_method (rom_proxy_t *proxy, const char *name)
{
    const rom_type_t *type = rom_proxy_type (proxy);
    for (unsigned i = 0; i < type->n_methods; i++)
        if (strcmp (type->methods[i].name, name) == 0)
            return i;
    return type->n_methods; // the proxy layer answers ROM_NO_METHOD
}

// A call within the client's deadline. The handle was checked by the public helper (romi_helper_bad_handle ()).
static rom_status_t
s_call (void *handle, const char *name, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    return rom_proxy_call (P (handle), s_method (P (handle), name), in, out);
}

// A call that may wait: `timeout_ms` is its deadline on the server (ROM_NOWAIT: the request said nowait).
static rom_status_t
s_wait (void *handle, const char *name, const ProtobufCMessage *in, uint32_t timeout_ms, ProtobufCMessage **out)
{
    if (timeout_ms == ROM_NOWAIT)
        return rom_proxy_call (P (handle), s_method (P (handle), name), in, out);
    return rom_proxy_call_timeout (P (handle), s_method (P (handle), name), in, timeout_ms, out);
}

// Destroy a handle: NULL and a pointer to NULL are fine; a handle of another kind is refused and left alone
// (rather than its object released as if it were this one).
static void
s_destroy (const char *fn, void **handle_p, const rom_type_t *type, const rom_type_t *alt)
{
    if (!handle_p || !*handle_p || romi_helper_bad_handle (fn, *handle_p, type, alt))
        return;
    rom_proxy_t *proxy = *handle_p;
    rom_proxy_destroy (&proxy);
    *handle_p = NULL;
}

static rom_status_t
s_count (void *handle, const char *name, const ProtobufCMessage *in, int64_t *value)
{
    Rom__Builtins__Count *out = NULL;
    rom_status_t status = s_call (handle, name, in, (ProtobufCMessage **) &out);
    if (status == ROM_OK && value)
        *value = out->value;
    if (out)
        rom__builtins__count__free_unpacked (out, NULL);
    return status;
}

static rom_status_t
s_flag (void *handle, const char *name, bool *value)
{
    Rom__Builtins__Flag *out = NULL;
    rom_status_t status = s_call (handle, name, NULL, (ProtobufCMessage **) &out);
    if (status == ROM_OK && value)
        *value = out->value;
    if (out)
        rom__builtins__flag__free_unpacked (out, NULL);
    return status;
}

// --- Lock, RLock, and the lock of a Condition ------------------------------------------------------------

static rom_status_t
s_acquire (void *handle, uint32_t timeout_ms)
{
    Rom__Builtins__AcquireRequest in = ROM__BUILTINS__ACQUIRE_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    in.thread = rom_sync_thread_tag ();
    return s_wait (handle, "Acquire", &in.base, timeout_ms, NULL);
}

static rom_status_t
s_owner_call (void *handle, const char *name, ProtobufCMessage **out)
{
    Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    return s_call (handle, name, &in.base, out);
}

rom_status_t
rom_lock_new (rom_client_t *client, rom_lock_t **lock_p)
{
    if (romi_helper_null_arg (__func__, lock_p, "lock_p"))
        return ROM_INVALID;
    *lock_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    return rom__builtins__lock__rom_create (client, (Rom__Builtins__Lock_Proxy **) lock_p);
}

rom_status_t
rom_rlock_new (rom_client_t *client, rom_lock_t **lock_p)
{
    if (romi_helper_null_arg (__func__, lock_p, "lock_p"))
        return ROM_INVALID;
    *lock_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    return rom__builtins__rlock__rom_create (client, (Rom__Builtins__RLock_Proxy **) lock_p);
}

rom_status_t
rom_lock_acquire (rom_lock_t *lock, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, lock, S_LOCK))
        return ROM_INVALID;
    return s_acquire (lock, timeout_ms);
}

rom_status_t
rom_lock_release (rom_lock_t *lock)
{
    if (romi_helper_bad_handle (__func__, lock, S_LOCK))
        return ROM_INVALID;
    return s_owner_call (lock, "Release", NULL);
}

rom_status_t
rom_lock_locked (rom_lock_t *lock, bool *locked, bool *mine)
{
    if (romi_helper_bad_handle (__func__, lock, S_LOCK))
        return ROM_INVALID;
    Rom__Builtins__LockState *out = NULL;
    rom_status_t status = s_owner_call (lock, "State", (ProtobufCMessage **) &out);
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
    return romi_helper_bad_handle (__func__, lock, S_LOCK) ? NULL : P (lock);
}

void
rom_lock_destroy (rom_lock_t **lock_p)
{
    s_destroy (__func__, (void **) lock_p, S_LOCK);
}

// --- Semaphore -------------------------------------------------------------------------------------------

rom_status_t
rom_semaphore_new (rom_client_t *client, int64_t value, rom_semaphore_t **sem_p)
{
    if (romi_helper_null_arg (__func__, sem_p, "sem_p"))
        return ROM_INVALID;
    *sem_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__SemaphoreInit init = ROM__BUILTINS__SEMAPHORE_INIT__INIT;
    init.value = value;
    return rom__builtins__semaphore__rom_create (client, &init, (Rom__Builtins__Semaphore_Proxy **) sem_p);
}

rom_status_t
rom_bounded_semaphore_new (rom_client_t *client, int64_t value, rom_semaphore_t **sem_p)
{
    if (romi_helper_null_arg (__func__, sem_p, "sem_p"))
        return ROM_INVALID;
    *sem_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__SemaphoreInit init = ROM__BUILTINS__SEMAPHORE_INIT__INIT;
    init.value = value;
    return rom__builtins__bounded_semaphore__rom_create (client, &init,
                                                         (Rom__Builtins__BoundedSemaphore_Proxy **) sem_p);
}

rom_status_t
rom_semaphore_acquire (rom_semaphore_t *sem, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, sem, S_SEMAPHORE))
        return ROM_INVALID;
    return s_acquire (sem, timeout_ms);
}

rom_status_t
rom_semaphore_release (rom_semaphore_t *sem)
{
    if (romi_helper_bad_handle (__func__, sem, S_SEMAPHORE))
        return ROM_INVALID;
    return s_call (sem, "Release", NULL, NULL);
}

rom_status_t
rom_semaphore_value (rom_semaphore_t *sem, int64_t *value)
{
    if (romi_helper_bad_handle (__func__, sem, S_SEMAPHORE))
        return ROM_INVALID;
    return s_count (sem, "Value", NULL, value);
}

rom_proxy_t *
rom_semaphore_proxy (rom_semaphore_t *sem)
{
    return romi_helper_bad_handle (__func__, sem, S_SEMAPHORE) ? NULL : P (sem);
}

void
rom_semaphore_destroy (rom_semaphore_t **sem_p)
{
    s_destroy (__func__, (void **) sem_p, S_SEMAPHORE);
}

// --- Event -----------------------------------------------------------------------------------------------

rom_status_t
rom_event_new (rom_client_t *client, rom_event_t **event_p)
{
    if (romi_helper_null_arg (__func__, event_p, "event_p"))
        return ROM_INVALID;
    *event_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    return rom__builtins__event__rom_create (client, (Rom__Builtins__Event_Proxy **) event_p);
}

rom_status_t
rom_event_set (rom_event_t *event)
{
    if (romi_helper_bad_handle (__func__, event, S_EVENT))
        return ROM_INVALID;
    return s_call (event, "Set", NULL, NULL);
}

rom_status_t
rom_event_clear (rom_event_t *event)
{
    if (romi_helper_bad_handle (__func__, event, S_EVENT))
        return ROM_INVALID;
    return s_call (event, "Clear", NULL, NULL);
}

rom_status_t
rom_event_is_set (rom_event_t *event, bool *set)
{
    if (romi_helper_bad_handle (__func__, event, S_EVENT))
        return ROM_INVALID;
    return s_flag (event, "IsSet", set);
}

rom_status_t
rom_event_wait (rom_event_t *event, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, event, S_EVENT))
        return ROM_INVALID;
    Rom__Builtins__WaitRequest in = ROM__BUILTINS__WAIT_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    return s_wait (event, "Wait", &in.base, timeout_ms, NULL);
}

rom_proxy_t *
rom_event_proxy (rom_event_t *event)
{
    return romi_helper_bad_handle (__func__, event, S_EVENT) ? NULL : P (event);
}

void
rom_event_destroy (rom_event_t **event_p)
{
    s_destroy (__func__, (void **) event_p, S_EVENT);
}

// --- Condition -------------------------------------------------------------------------------------------

rom_status_t
rom_condition_new (rom_client_t *client, rom_condition_t **cond_p)
{
    if (romi_helper_null_arg (__func__, cond_p, "cond_p"))
        return ROM_INVALID;
    *cond_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    return rom__builtins__condition__rom_create (client, (Rom__Builtins__Condition_Proxy **) cond_p);
}

rom_status_t
rom_condition_acquire (rom_condition_t *cond, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, cond, S_CONDITION))
        return ROM_INVALID;
    return s_acquire (cond, timeout_ms);
}

rom_status_t
rom_condition_release (rom_condition_t *cond)
{
    if (romi_helper_bad_handle (__func__, cond, S_CONDITION))
        return ROM_INVALID;
    return s_owner_call (cond, "Release", NULL);
}

rom_status_t
rom_condition_wait (rom_condition_t *cond, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, cond, S_CONDITION))
        return ROM_INVALID;
    Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    rom_status_t status = s_wait (cond, "Wait", &in.base, timeout_ms ? timeout_ms : 1, NULL);
    if (status == ROM_TIMEOUT) {
        // The server answered without the lock (a call cannot outlive its deadline): take it back, as
        // Python's wait returns holding it. Keep the first failure's text for the caller.
        rom_status_t again = s_acquire (cond, ROM_FOREVER);
        if (again != ROM_OK)
            return again;
    }
    return status;
}

rom_status_t
rom_condition_wait_for (rom_condition_t *cond, bool (*predicate) (void *arg), void *arg, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, cond, S_CONDITION) || romi_helper_null_arg (__func__, predicate, "predicate"))
        return ROM_INVALID;
    uint64_t deadline = timeout_ms == ROM_FOREVER ? 0 : romi_now_ms () + timeout_ms;
    while (!predicate (arg)) {
        uint32_t left = ROM_FOREVER;
        if (deadline) {
            uint64_t now = romi_now_ms ();
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
    if (romi_helper_bad_handle (__func__, cond, S_CONDITION))
        return ROM_INVALID;
    Rom__Builtins__NotifyRequest in = ROM__BUILTINS__NOTIFY_REQUEST__INIT;
    in.n = n;
    in.thread = rom_sync_thread_tag ();
    return s_count (cond, "Notify", &in.base, woken);
}

rom_status_t
rom_condition_notify_all (rom_condition_t *cond, int64_t *woken)
{
    if (romi_helper_bad_handle (__func__, cond, S_CONDITION))
        return ROM_INVALID;
    Rom__Builtins__OwnerRequest in = ROM__BUILTINS__OWNER_REQUEST__INIT;
    in.thread = rom_sync_thread_tag ();
    return s_count (cond, "NotifyAll", &in.base, woken);
}

rom_proxy_t *
rom_condition_proxy (rom_condition_t *cond)
{
    return romi_helper_bad_handle (__func__, cond, S_CONDITION) ? NULL : P (cond);
}

void
rom_condition_destroy (rom_condition_t **cond_p)
{
    s_destroy (__func__, (void **) cond_p, S_CONDITION);
}

// --- Barrier ---------------------------------------------------------------------------------------------

rom_status_t
rom_barrier_new (rom_client_t *client, uint32_t parties, rom_barrier_t **barrier_p)
{
    if (romi_helper_null_arg (__func__, barrier_p, "barrier_p"))
        return ROM_INVALID;
    *barrier_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__BarrierInit init = ROM__BUILTINS__BARRIER_INIT__INIT;
    init.parties = parties;
    return rom__builtins__barrier__rom_create (client, &init, (Rom__Builtins__Barrier_Proxy **) barrier_p);
}

rom_status_t
rom_barrier_wait (rom_barrier_t *barrier, uint32_t timeout_ms, int64_t *index)
{
    if (romi_helper_bad_handle (__func__, barrier, S_BARRIER))
        return ROM_INVALID;
    Rom__Builtins__WaitRequest in = ROM__BUILTINS__WAIT_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    Rom__Builtins__Count *out = NULL;
    rom_status_t status = s_wait (barrier, "Wait", &in.base, timeout_ms, (ProtobufCMessage **) &out);
    if (status == ROM_OK && index)
        *index = out->value;
    if (out)
        rom__builtins__count__free_unpacked (out, NULL);
    return status;
}

rom_status_t
rom_barrier_abort (rom_barrier_t *barrier)
{
    if (romi_helper_bad_handle (__func__, barrier, S_BARRIER))
        return ROM_INVALID;
    return s_call (barrier, "Abort", NULL, NULL);
}

rom_status_t
rom_barrier_reset (rom_barrier_t *barrier)
{
    if (romi_helper_bad_handle (__func__, barrier, S_BARRIER))
        return ROM_INVALID;
    return s_call (barrier, "Reset", NULL, NULL);
}

rom_status_t
rom_barrier_state (rom_barrier_t *barrier, uint32_t *parties, uint32_t *waiting, bool *broken)
{
    if (romi_helper_bad_handle (__func__, barrier, S_BARRIER))
        return ROM_INVALID;
    Rom__Builtins__BarrierState *out = NULL;
    rom_status_t status = s_call (barrier, "State", NULL, (ProtobufCMessage **) &out);
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
    return romi_helper_bad_handle (__func__, barrier, S_BARRIER) ? NULL : P (barrier);
}

void
rom_barrier_destroy (rom_barrier_t **barrier_p)
{
    s_destroy (__func__, (void **) barrier_p, S_BARRIER);
}

// --- items -----------------------------------------------------------------------------------------------

void
rom_item_clear (rom_item_t *item)
{
    if (!item)
        return;
    free (item->str);
    free (item->data);
    free (item->type);
    *item = (rom_item_t) {.kind = ROM_ITEM_NONE};
}

// Point `wire` (and `value`, which it refers to) at `item`'s contents: borrowed, valid while `item` is.
static rom_status_t
s_item_to_wire (const rom_item_t *item, Rom__Builtins__SyncItem *wire, Rom__Builtins__Variant *value)
{
    rom__builtins__sync_item__init (wire);
    rom__builtins__variant__init (value);
    wire->value = value;
    switch (item->kind) {
    case ROM_ITEM_NONE:
        break;
    case ROM_ITEM_INT:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_INT_VALUE;
        value->int_value = item->i;
        break;
    case ROM_ITEM_UINT:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_UINT_VALUE;
        value->uint_value = item->u;
        break;
    case ROM_ITEM_DOUBLE:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_DOUBLE_VALUE;
        value->double_value = item->d;
        break;
    case ROM_ITEM_BOOL:
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_BOOL_VALUE;
        value->bool_value = item->b;
        break;
    case ROM_ITEM_STRING:
        if (!item->str)
            return ROM_INVALID;
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_STRING_VALUE;
        value->string_value = item->str;
        break;
    case ROM_ITEM_MESSAGE:
        if (!item->type || !*item->type)
            return ROM_INVALID;
        wire->type = item->type;
        __attribute__ ((fallthrough)); // the packed message travels as bytes
    case ROM_ITEM_BYTES:
        if (!item->data && item->size)
            return ROM_INVALID;
        value->kind_case = ROM__BUILTINS__VARIANT__KIND_BYTES_VALUE;
        value->bytes_value.data = item->data;
        value->bytes_value.len = item->size;
        break;
    default:
        return ROM_INVALID;
    }
    return ROM_OK;
}

// Copy a received item into caller-owned memory.
static rom_status_t
s_item_from_wire (const Rom__Builtins__SyncItem *wire, rom_item_t *item)
{
    *item = (rom_item_t) {.kind = ROM_ITEM_NONE};
    const Rom__Builtins__Variant *value = wire->value;
    if (!value)
        return ROM_OK;
    switch (value->kind_case) {
    case ROM__BUILTINS__VARIANT__KIND_INT_VALUE:
        item->kind = ROM_ITEM_INT;
        item->i = value->int_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_UINT_VALUE:
        item->kind = ROM_ITEM_UINT;
        item->u = value->uint_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_DOUBLE_VALUE:
        item->kind = ROM_ITEM_DOUBLE;
        item->d = value->double_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_BOOL_VALUE:
        item->kind = ROM_ITEM_BOOL;
        item->b = value->bool_value;
        break;
    case ROM__BUILTINS__VARIANT__KIND_STRING_VALUE:
        item->kind = ROM_ITEM_STRING;
        if (!(item->str = strdup (value->string_value)))
            return ROM_NOMEM;
        break;
    case ROM__BUILTINS__VARIANT__KIND_BYTES_VALUE:
        item->kind = wire->type && *wire->type ? ROM_ITEM_MESSAGE : ROM_ITEM_BYTES;
        item->size = value->bytes_value.len;
        if (!(item->data = malloc (item->size ? item->size : 1)))
            return ROM_NOMEM;
        if (item->size)
            memcpy (item->data, value->bytes_value.data, item->size);
        if (item->kind == ROM_ITEM_MESSAGE && !(item->type = strdup (wire->type))) {
            rom_item_clear (item);
            return ROM_NOMEM;
        }
        break;
    default: // an object reference, or a kind newer than this client: none
        break;
    }
    return ROM_OK;
}

// A Get or Recv: an item that may have to wait (`in` says nowait for ROM_NOWAIT), copied into `item`.
static rom_status_t
s_wait_item (void *handle, const char *name, const ProtobufCMessage *in, uint32_t timeout_ms, rom_item_t *item)
{
    Rom__Builtins__SyncItem *out = NULL;
    rom_status_t status = s_wait (handle, name, in, timeout_ms, (ProtobufCMessage **) &out);
    if (status == ROM_OK)
        status = s_item_from_wire (out, item);
    if (out)
        rom__builtins__sync_item__free_unpacked (out, NULL);
    return status;
}

// Pack `message` into `item` (malloc'ed data, borrowed type name): free item->data after use.
static rom_status_t
s_item_message (const ProtobufCMessage *message, rom_item_t *item)
{
    if (!message)
        return ROM_INVALID;
    size_t size = protobuf_c_message_get_packed_size (message);
    uint8_t *data = malloc (size ? size : 1);
    if (!data)
        return ROM_NOMEM;
    *item = (rom_item_t) {.kind = ROM_ITEM_MESSAGE, .data = data, .type = (char *) message->descriptor->name};
    item->size = protobuf_c_message_pack (message, data);
    return ROM_OK;
}

static rom_status_t
s_item_unpack (rom_item_t *item, const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **message)
{
    rom_status_t status = ROM_WRONG_TYPE;
    if (item->kind == ROM_ITEM_MESSAGE && descriptor && strcmp (item->type, descriptor->name) == 0) {
        *message = protobuf_c_message_unpack (descriptor, NULL, item->size, item->data);
        status = *message ? ROM_OK : ROM_BAD_REQUEST;
    }
    rom_item_clear (item);
    return status;
}

// --- Queue -----------------------------------------------------------------------------------------------

rom_status_t
rom_queue_new (rom_client_t *client, int64_t maxsize, rom_queue_t **queue_p)
{
    if (romi_helper_null_arg (__func__, queue_p, "queue_p"))
        return ROM_INVALID;
    *queue_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__QueueInit init = ROM__BUILTINS__QUEUE_INIT__INIT;
    init.maxsize = maxsize;
    return rom__builtins__queue__rom_create (client, &init, (Rom__Builtins__Queue_Proxy **) queue_p);
}

rom_status_t
rom_joinable_queue_new (rom_client_t *client, int64_t maxsize, rom_queue_t **queue_p)
{
    if (romi_helper_null_arg (__func__, queue_p, "queue_p"))
        return ROM_INVALID;
    *queue_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__QueueInit init = ROM__BUILTINS__QUEUE_INIT__INIT;
    init.maxsize = maxsize;
    return rom__builtins__joinable_queue__rom_create (client, &init, (Rom__Builtins__JoinableQueue_Proxy **) queue_p);
}

// Typed views of a received item (queue get, pipe recv): `status` is the receive's; on ROM_OK the item is
// consumed, its text or data handed to the caller. ROM_WRONG_TYPE for an item of another kind.
static rom_status_t
s_item_int (rom_status_t status, rom_item_t *item, int64_t *value)
{
    if (status != ROM_OK)
        return status;
    status = item->kind == ROM_ITEM_INT ? ROM_OK : ROM_WRONG_TYPE;
    if (status == ROM_OK)
        *value = item->i;
    rom_item_clear (item);
    return status;
}

static rom_status_t
s_item_double (rom_status_t status, rom_item_t *item, double *value)
{
    if (status != ROM_OK)
        return status;
    status = item->kind == ROM_ITEM_DOUBLE || item->kind == ROM_ITEM_INT ? ROM_OK : ROM_WRONG_TYPE;
    if (status == ROM_OK)
        *value = item->kind == ROM_ITEM_DOUBLE ? item->d : (double) item->i;
    rom_item_clear (item);
    return status;
}

static rom_status_t
s_item_str (rom_status_t status, rom_item_t *item, char **value)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_STRING) {
        rom_item_clear (item);
        return ROM_WRONG_TYPE;
    }
    *value = item->str;
    return ROM_OK;
}

static rom_status_t
s_item_bytes (rom_status_t status, rom_item_t *item, uint8_t **data, size_t *size)
{
    if (status != ROM_OK)
        return status;
    if (item->kind != ROM_ITEM_BYTES) {
        rom_item_clear (item);
        return ROM_WRONG_TYPE;
    }
    *data = item->data;
    *size = item->size;
    return ROM_OK;
}

rom_status_t
rom_queue_put_item (rom_queue_t *queue, const rom_item_t *item, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__PutRequest in = ROM__BUILTINS__PUT_REQUEST__INIT;
    Rom__Builtins__SyncItem wire;
    Rom__Builtins__Variant value;
    if (s_item_to_wire (item, &wire, &value) != ROM_OK)
        return rom_client_fail (NULL, ROM_INVALID, "%s: an item of kind %d without its text, data or type", __func__,
                                (int) item->kind);
    in.item = &wire;
    in.nowait = timeout_ms == ROM_NOWAIT;
    return s_wait (queue, "Put", &in.base, timeout_ms, NULL);
}

rom_status_t
rom_queue_put_int (rom_queue_t *queue, int64_t value, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE))
        return ROM_INVALID;
    return rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_INT, .i = value}, timeout_ms);
}

rom_status_t
rom_queue_put_double (rom_queue_t *queue, double value, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE))
        return ROM_INVALID;
    return rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_DOUBLE, .d = value}, timeout_ms);
}

rom_status_t
rom_queue_put_str (rom_queue_t *queue, const char *value, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    return rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_STRING, .str = (char *) value}, timeout_ms);
}

rom_status_t
rom_queue_put_bytes (rom_queue_t *queue, const void *data, size_t size, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || (size && romi_helper_null_arg (__func__, data, "data")))
        return ROM_INVALID;
    return rom_queue_put_item (queue, &(rom_item_t) {.kind = ROM_ITEM_BYTES, .data = (uint8_t *) data, .size = size},
                               timeout_ms);
}

rom_status_t
rom_queue_put_message (rom_queue_t *queue, const ProtobufCMessage *message, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = s_item_message (message, &item);
    if (status != ROM_OK)
        return status;
    status = rom_queue_put_item (queue, &item, timeout_ms);
    free (item.data);
    return status;
}

rom_status_t
rom_queue_get_item (rom_queue_t *queue, uint32_t timeout_ms, rom_item_t *item)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__GetRequest in = ROM__BUILTINS__GET_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    return s_wait_item (queue, "Get", &in.base, timeout_ms, item);
}

rom_status_t
rom_queue_get_int (rom_queue_t *queue, uint32_t timeout_ms, int64_t *value)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return s_item_int (rom_queue_get_item (queue, timeout_ms, &item), &item, value);
}

rom_status_t
rom_queue_get_double (rom_queue_t *queue, uint32_t timeout_ms, double *value)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return s_item_double (rom_queue_get_item (queue, timeout_ms, &item), &item, value);
}

rom_status_t
rom_queue_get_str (rom_queue_t *queue, uint32_t timeout_ms, char **value)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return s_item_str (rom_queue_get_item (queue, timeout_ms, &item), &item, value);
}

rom_status_t
rom_queue_get_message (rom_queue_t *queue, uint32_t timeout_ms, const ProtobufCMessageDescriptor *descriptor,
                       ProtobufCMessage **message)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE) || romi_helper_null_arg (__func__, descriptor, "descriptor")
        || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = rom_queue_get_item (queue, timeout_ms, &item);
    return status == ROM_OK ? s_item_unpack (&item, descriptor, message) : status;
}

rom_status_t
rom_queue_qsize (rom_queue_t *queue, int64_t *size)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE))
        return ROM_INVALID;
    return s_count (queue, "Qsize", NULL, size);
}

rom_status_t
rom_queue_empty (rom_queue_t *queue, bool *empty)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE))
        return ROM_INVALID;
    return s_flag (queue, "Empty", empty);
}

rom_status_t
rom_queue_full (rom_queue_t *queue, bool *full)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE))
        return ROM_INVALID;
    return s_flag (queue, "Full", full);
}

rom_status_t
rom_queue_task_done (rom_queue_t *queue)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE))
        return ROM_INVALID;
    return s_call (queue, "TaskDone", NULL, NULL);
}

rom_status_t
rom_queue_join (rom_queue_t *queue, uint32_t timeout_ms)
{
    if (romi_helper_bad_handle (__func__, queue, S_QUEUE))
        return ROM_INVALID;
    return s_wait (queue, "Join", NULL, timeout_ms ? timeout_ms : 1, NULL);
}

rom_proxy_t *
rom_queue_proxy (rom_queue_t *queue)
{
    return romi_helper_bad_handle (__func__, queue, S_QUEUE) ? NULL : P (queue);
}

void
rom_queue_destroy (rom_queue_t **queue_p)
{
    s_destroy (__func__, (void **) queue_p, S_QUEUE);
}

// --- Pipe ------------------------------------------------------------------------------------------------

rom_status_t
rom_pipe_new (rom_client_t *client, bool duplex, rom_pipe_t **a_p, rom_pipe_t **b_p)
{
    if (romi_helper_null_arg (__func__, a_p, "a_p") || romi_helper_null_arg (__func__, b_p, "b_p"))
        return ROM_INVALID;
    *a_p = *b_p = NULL;
    if (romi_helper_bad_client (__func__, client))
        return ROM_INVALID;
    Rom__Builtins__PipeInit init = ROM__BUILTINS__PIPE_INIT__INIT;
    init.duplex = duplex;
    Rom__Builtins__Pipe_Proxy *a = NULL, *b = NULL;
    rom_status_t status = rom__builtins__pipe__rom_create (client, &init, &a);
    if (status != ROM_OK)
        return status;
    init.peer = rom_proxy_id (P (a));
    status = rom__builtins__pipe__rom_create (client, &init, &b);
    if (status != ROM_OK) {
        rom__builtins__pipe__rom_destroy (&a);
        return status;
    }
    *a_p = (rom_pipe_t *) a;
    *b_p = (rom_pipe_t *) b;
    return ROM_OK;
}

rom_status_t
rom_pipe_send_item (rom_pipe_t *end, const rom_item_t *item)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__SyncItem wire;
    Rom__Builtins__Variant value;
    if (s_item_to_wire (item, &wire, &value) != ROM_OK)
        return rom_client_fail (NULL, ROM_INVALID, "%s: an item of kind %d without its text, data or type", __func__,
                                (int) item->kind);
    return s_call (end, "Send", &wire.base, NULL);
}

rom_status_t
rom_pipe_send_int (rom_pipe_t *end, int64_t value)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE))
        return ROM_INVALID;
    return rom_pipe_send_item (end, &(rom_item_t) {.kind = ROM_ITEM_INT, .i = value});
}

rom_status_t
rom_pipe_send_str (rom_pipe_t *end, const char *value)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    return rom_pipe_send_item (end, &(rom_item_t) {.kind = ROM_ITEM_STRING, .str = (char *) value});
}

rom_status_t
rom_pipe_send_bytes (rom_pipe_t *end, const void *data, size_t size)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || (size && romi_helper_null_arg (__func__, data, "data")))
        return ROM_INVALID;
    return rom_pipe_send_item (end, &(rom_item_t) {.kind = ROM_ITEM_BYTES, .data = (uint8_t *) data, .size = size});
}

rom_status_t
rom_pipe_send_message (rom_pipe_t *end, const ProtobufCMessage *message)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = s_item_message (message, &item);
    if (status != ROM_OK)
        return status;
    status = rom_pipe_send_item (end, &item);
    free (item.data);
    return status;
}

rom_status_t
rom_pipe_recv_item (rom_pipe_t *end, uint32_t timeout_ms, rom_item_t *item)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, item, "item"))
        return ROM_INVALID;
    Rom__Builtins__RecvRequest in = ROM__BUILTINS__RECV_REQUEST__INIT;
    in.nowait = timeout_ms == ROM_NOWAIT;
    return s_wait_item (end, "Recv", &in.base, timeout_ms, item);
}

rom_status_t
rom_pipe_recv_int (rom_pipe_t *end, uint32_t timeout_ms, int64_t *value)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return s_item_int (rom_pipe_recv_item (end, timeout_ms, &item), &item, value);
}

rom_status_t
rom_pipe_recv_str (rom_pipe_t *end, uint32_t timeout_ms, char **value)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, value, "value"))
        return ROM_INVALID;
    rom_item_t item;
    return s_item_str (rom_pipe_recv_item (end, timeout_ms, &item), &item, value);
}

rom_status_t
rom_pipe_recv_bytes (rom_pipe_t *end, uint32_t timeout_ms, uint8_t **data, size_t *size)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, data, "data")
        || romi_helper_null_arg (__func__, size, "size"))
        return ROM_INVALID;
    rom_item_t item;
    return s_item_bytes (rom_pipe_recv_item (end, timeout_ms, &item), &item, data, size);
}

rom_status_t
rom_pipe_recv_message (rom_pipe_t *end, uint32_t timeout_ms, const ProtobufCMessageDescriptor *descriptor,
                       ProtobufCMessage **message)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE) || romi_helper_null_arg (__func__, descriptor, "descriptor")
        || romi_helper_null_arg (__func__, message, "message"))
        return ROM_INVALID;
    rom_item_t item;
    rom_status_t status = rom_pipe_recv_item (end, timeout_ms, &item);
    return status == ROM_OK ? s_item_unpack (&item, descriptor, message) : status;
}

rom_status_t
rom_pipe_poll (rom_pipe_t *end, bool *ready)
{
    if (romi_helper_bad_handle (__func__, end, S_PIPE))
        return ROM_INVALID;
    return s_flag (end, "Poll", ready);
}

void
rom_pipe_close (rom_pipe_t **end_p)
{
    if (!end_p || !*end_p || romi_helper_bad_handle (__func__, *end_p, S_PIPE))
        return;
    s_call (*end_p, "Close", NULL, NULL);
    s_destroy (__func__, (void **) end_p, S_PIPE);
}

rom_proxy_t *
rom_pipe_proxy (rom_pipe_t *end)
{
    return romi_helper_bad_handle (__func__, end, S_PIPE) ? NULL : P (end);
}

void
rom_pipe_destroy (rom_pipe_t **end_p)
{
    s_destroy (__func__, (void **) end_p, S_PIPE);
}
