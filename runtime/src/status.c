// status.c: the texts of errors: rom_status_t's static ones, the "type#id.Method" that begins every detail
// (also put back into a server's text about an object it no longer knows), and the type-name hash carried in
// call headers.
#include "rom_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
rom_strerror (rom_status_t status)
{
    switch (status) {
    case ROM_OK: return "ok";
    case ROM_APP_ERROR: return "application error";
    case ROM_NO_OBJECT: return "no such object";
    case ROM_NO_METHOD: return "no such method";
    case ROM_BAD_REQUEST: return "bad request";
    case ROM_TIMEOUT: return "timed out";
    case ROM_UNAVAILABLE: return "server unavailable";
    case ROM_DENIED: return "access denied";
    case ROM_EMPTY: return "empty";
    case ROM_FULL: return "full";
    case ROM_CLOSED: return "closed";
    case ROM_EXISTS: return "already exists";
    case ROM_NO_TYPE: return "no such type";
    case ROM_WRONG_TYPE: return "wrong type";
    case ROM_TOO_LARGE: return "message too large";
    case ROM_INVALID: return "invalid argument";
    case ROM_NOMEM: return "out of memory";
    case ROM_BROKEN: return "broken";
    case ROM_INTERNAL: return "internal error";
    case ROM_DEFERRED: return "deferred";
    case ROM_NOT_FOUND: return "not found";
    case ROM_OUT_OF_RANGE: return "out of range";
    case ROM_SESSION_LOST: return "session lost";
    case ROM_CHANGED: return "changed during iteration";
    case ROM_LIMIT: return "a server limit was reached";
    }
    return "unknown status";
}

uint32_t
rom_type_hash (const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h ? h : 1u;
}

int
romi_describe (char *buf, size_t size, const char *type, uint64_t id, const char *method)
{
    if (!type)
        type = "?";
    if (method)
        return snprintf (buf, size, "%s#%llu.%s", type, (unsigned long long) id, method);
    return snprintf (buf, size, "%s#%llu", type, (unsigned long long) id);
}

char *
romi_describe_reply (const char *text, const char *type, uint64_t id, const char *method)
{
    if (!text)
        text = "";
    unsigned long long said_id;
    unsigned said_method;
    int used = -1;
    // The server's spelling when it knew no type (server.c): "object <id> (method <n>)".
    if (type && sscanf (text, "object %llu (method %u)%n", &said_id, &said_method, &used) == 2 && used > 0
        && said_id == id) {
        char what[256];
        if (id == ROM_MANAGER_ID) // one per server: its id would say nothing (as call.c writes it)
            snprintf (what, sizeof what, "%s.%s", type, method ? method : "?");
        else
            romi_describe (what, sizeof what, type, id, method);
        size_t size = strlen (what) + strlen (text + used) + 1;
        char *out = malloc (size);
        if (out)
            snprintf (out, size, "%s%s", what, text + used);
        return out;
    }
    return strdup (text);
}
