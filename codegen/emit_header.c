// emit_header.c: the template of x.rom.h, the class's manual: for each service its typed proxy API (client
// side) and its servant table (server side), with the .proto's comments carried over above each.
//
// Names sit beside protoc-c's without touching them: protoc-c owns Pkg__Svc_Service, pkg__svc__init,
// pkg__svc__descriptor and pkg__svc__<rpc>, so rom's lifecycle functions are pkg__svc__rom_* (check.c refuses
// rpcs whose C name starts with rom_) and method calls are pkg__svc_proxy__<rpc> (so Create or Lookup stay
// usable as rpc names). Method indexes are Pkg__Svc_Method / PKG__SVC_METHOD__<RPC>, the upper-case twin of
// pkg__svc_proxy__<rpc>, with the count PKG__SVC_N_METHODS (check.c refuses a type that takes that prefix).
#include "codegen.h"

#include <stdlib.h>
#include <string.h>

// Copy a .proto comment as // lines. A line ending in a backslash would splice the next line into the
// comment (-Wcomment), so trailing backslashes and blanks are dropped.
static void
s_comment (gen_buf_t *out, const char *indent, const char *text)
{
    if (!text)
        return;
    const char *p = text;
    size_t total = strlen (text);
    while (total > 0 && (text[total - 1] == '\n' || text[total - 1] == ' '))
        total--;
    const char *end = text + total;
    while (p < end) {
        const char *nl = memchr (p, '\n', (size_t) (end - p));
        size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
        while (len > 0
               && (p[len - 1] == '\\' || p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
            len--;
        if (len > 0 && p[0] == ' ') {
            p++;
            len--;
        }
        gen_buf_printf (out, "%s//%s%.*s\n", indent, len ? " " : "", (int) len, p);
        p = nl ? nl + 1 : end;
    }
}

// Code that reaches the type through the generic API (rom_proxy_call (), a hand-built frame, a servant
// table of its own) names methods by index: the enum keeps those numbers in step with the .proto.
static void
s_method_enum (gen_buf_t *out, const gen_service_t *svc)
{
    gen_buf_printf (
        out,
        "// The index of each method in %s__rom_type.methods, in rpc order: the method_index that\n"
        "// rom_proxy_call () and its _async and _oneway forms take.\n"
        "typedef enum {\n",
        svc->lower);
    for (size_t i = 0; i < svc->n_methods; i++)
        gen_buf_printf (out, "    %s_METHOD__%s = %zu,\n", svc->upper, svc->methods[i].upper, i);
    if (svc->has_state)
        gen_buf_printf (
            out,
            "    // how many (%s__rom_type.n_methods): the rpcs, then the state engine's methods\n"
            "    %s_N_METHODS = %zu + ROM_STATE_N_METHODS\n"
            "} %s_Method;\n\n",
            svc->lower, svc->upper, svc->n_methods, svc->c_type);
    else
        gen_buf_printf (out,
                        "    %s_N_METHODS = %zu // how many (%s__rom_type.n_methods)\n"
                        "} %s_Method;\n\n",
                        svc->upper, svc->n_methods, svc->lower, svc->c_type);
}

static void
s_lifecycle (gen_buf_t *out, const gen_service_t *svc)
{
    const char *t = svc->c_type, *l = svc->lower;
    char *args = svc->has_init ? gen_xasprintf ("const %s *args, ", svc->init.c_type) : gen_xstrdup ("");
    gen_buf_printf (
        out,
        "// Create a new %s on the server behind `client`.%s\n"
        "// On ROM_OK *proxy_p is a new proxy holding one reference: caller owns it and must destroy it when\n"
        "// done (%s__rom_destroy ()). ROM_NO_TYPE if the server does not host %s, ROM_APP_ERROR if its\n"
        "// constructor refused (rom_client_errmsg () says why).\n"
        "rom_status_t %s__rom_create (rom_client_t *client, %s%s_Proxy **proxy_p);\n\n",
        svc->full_name,
        svc->has_state  ? "\n// `args` (NULL: all defaults) is its initial state, copied."
        : svc->has_init ? "\n// `args` (NULL: all defaults) are its creation arguments."
                        : "",
        l, svc->full_name, l, args, t);
    gen_buf_printf (
        out,
        "// The same, under a unique `name` that any process can %s__rom_lookup (); a named object lives\n"
        "// until the server ends. ROM_EXISTS if the name is taken, unless `flags` has ROM_CREATE_EXIST_OK.\n"
        "rom_status_t %s__rom_create_named (rom_client_t *client, const char *name, %sunsigned flags,\n"
        "                                   %s_Proxy **proxy_p);\n\n",
        l, l, args, t);
    gen_buf_printf (
        out,
        "// Create a new %s without waiting for it, so that many creations are in flight at once\n"
        "// (rom_proxy_create_async ()). On ROM_OK *future_p is the caller's: collect the proxy with\n"
        "// %s__rom_create_wait (), or drop it with rom_future_destroy () (the reference is given back).\n"
        "rom_status_t %s__rom_create_async (rom_client_t *client, %srom_future_t **future_p);\n\n"
        "// Wait for a creation sent by %s__rom_create_async (): consumes the future. On ROM_OK *proxy_p\n"
        "// is a new proxy that caller owns; otherwise what %s__rom_create () would have returned.\n"
        "rom_status_t %s__rom_create_wait (rom_future_t **future_p, %s_Proxy **proxy_p);\n\n",
        svc->full_name, l, l, args, l, l, l, t);
    gen_buf_printf (
        out,
        "// A proxy to the object named `name`. ROM_NO_OBJECT if there is none, ROM_WRONG_TYPE if it is not a\n"
        "// %s.\n"
        "rom_status_t %s__rom_lookup (rom_client_t *client, const char *name, %s_Proxy **proxy_p);\n\n"
        "// A proxy from a token of rom_proxy_to_token () (e.g. passed to an exec'd process). With `client` NULL\n"
        "// the proxy connects and owns a client of its own.\n"
        "rom_status_t %s__rom_from_token (rom_client_t *client, const char *token, %s_Proxy **proxy_p);\n\n"
        "// A proxy from an ObjectRef of a reply received through `client` (a method that returns objects):\n"
        "// adopts the reference the reply carries. ROM_WRONG_TYPE if it names another type (see\n"
        "// rom_proxy_from_ref ()).\n"
        "rom_status_t %s__rom_from_ref (rom_client_t *client, const Rom__ObjectRef *ref, %s_Proxy **proxy_p);\n\n"
        "// A second proxy to the same object, holding a reference of its own.\n"
        "rom_status_t %s__rom_dup (%s_Proxy *proxy, %s_Proxy **copy_p);\n\n"
        "// The generic proxy underneath (id, token, client, untyped calls). Owned by `proxy`. NULL when\n"
        "// `proxy` is not a %s proxy.\n"
        "rom_proxy_t *%s__rom_base (%s_Proxy *proxy);\n\n"
        "// Drop the proxy's reference, free it and set *proxy_p to NULL. Accepts NULL and a pointer to NULL,\n"
        "// and a proxy whose client was destroyed (it is freed); a handle of another kind is left alone.\n"
        "void %s__rom_destroy (%s_Proxy **proxy_p);\n\n",
        svc->full_name, l, t, l, t, l, t, l, t, t, svc->full_name, l, t, l, t);
    free (args);
}

static void
s_method_calls (gen_buf_t *out, const gen_service_t *svc, const gen_method_t *m)
{
    const char *t = svc->c_type, *l = svc->lower;
    gen_buf_printf (out, "// rpc %s (%s) returns (%s)\n", m->name, m->input.full_name, m->output.full_name);
    s_comment (out, "", m->comment);
    if (m->input.has_required)
        gen_buf_printf (
            out,
            "// Waits for the reply within the client's deadline. `in` must not be NULL: %s has\n"
            "// required fields (NULL, or a required field unset, is ROM_INVALID naming the field,\n"
            "// and nothing is sent).",
            m->input.full_name);
    else
        gen_buf_printf (out,
                        "// Waits for the reply within the client's deadline. `in` may be NULL (an empty "
                        "message).");
    gen_buf_printf (
        out,
        "\n// With `out` non-NULL, on ROM_OK *out is the reply: caller owns it and frees it with\n"
        "// %s__free_unpacked ().\n"
        "rom_status_t %s_proxy__%s (%s_Proxy *proxy, const %s *in, %s **out);\n"
        "// Sends the call and returns at once; rom_future_wait () collects the %s.\n"
        "rom_status_t %s_proxy__%s_async (%s_Proxy *proxy, const %s *in, rom_future_t **future_p);\n"
        "// Sends the call and wants no reply: errors are not reported back.\n"
        "rom_status_t %s_proxy__%s_oneway (%s_Proxy *proxy, const %s *in);\n\n",
        m->output.lower, l, m->lower, t, m->input.c_type, m->output.c_type, m->output.c_type, l, m->lower, t,
        m->input.c_type, l, m->lower, t, m->input.c_type);
}

// A state type: the servant holds only its hand-written rpcs (the state engine makes and frees the state),
// and register_state hosts the type with no user code at all.
static void
s_state_servant (gen_buf_t *out, const gen_service_t *svc)
{
    const char *t = svc->c_type, *l = svc->lower;
    if (svc->n_methods) {
        gen_buf_printf (
            out,
            "// The hand-written rpcs of %s, run inside the manager beside the generated operations.\n"
            "// `self` is the object's state (a %s): change it in place; the runtime bumps its version and\n"
            "// tells watchers when the method returns ROM_OK. A NULL method answers ROM_NO_METHOD. `in`, `out` and\n"
            "// errors as for any servant (rom_type.h).\n"
            "typedef struct %s_Servant {\n",
            svc->full_name, svc->state.full_name, t);
        for (size_t i = 0; i < svc->n_methods; i++) {
            const gen_method_t *m = &svc->methods[i];
            s_comment (out, "    ", m->comment);
            gen_buf_printf (out,
                            "    rom_status_t (*%s) (%s *self, const %s *in, %s *out, rom_call_t *call);\n",
                            m->lower, svc->state.c_type, m->input.c_type, m->output.c_type);
        }
        gen_buf_printf (
            out,
            "} %s_Servant;\n\n"
            "// Host %s on `server` with `servant` (which, like `ctx`, must outlive the server).\n"
            "// ROM_EXISTS if the type is registered already.\n"
            "rom_status_t %s__rom_register (rom_server_t *server, const %s_Servant *servant, void *ctx);\n\n",
            t, svc->full_name, l, t);
    }
    gen_buf_printf (out,
                    "// Host %s on `server` with no user code: the generated operations work, %s.\n"
                    "// ROM_EXISTS if the type is registered already.\n"
                    "rom_status_t %s__rom_register_state (rom_server_t *server);\n\n",
                    svc->full_name, svc->n_methods ? "its rpcs answer ROM_NO_METHOD" : "it has no rpcs", l);
}

static void
s_servant (gen_buf_t *out, const gen_service_t *svc)
{
    if (svc->has_state) {
        s_state_servant (out, svc);
        return;
    }
    const char *t = svc->c_type, *l = svc->lower;
    gen_buf_printf (
        out,
        "// The server side of %s: the functions that implement it, run inside the manager.\n"
        "// - Calls to one object never overlap. %s\n"
        "// - A NULL method answers ROM_NO_METHOD (before its input is decoded).\n"
        "// - `in` is never NULL (an absent input is the empty message) and lives until the reply is sent;\n"
        "//   to keep it in the object's state, copy it: rom_message_dup ().\n"
        "// - `out` is initialized (its INIT) and packed once the method returns ROM_OK. Set its fields; what\n"
        "//   they point to is borrowed and never freed by the runtime: object state, literals or\n"
        "//   rom_call_alloc () memory. `*out = *stored` (a message of the same type kept in the state) is a\n"
        "//   shallow copy, and allowed: the stored message stays the servant's.\n"
        "// - Any other status fails the call with the text of rom_call_fail (); ROM_DEFERRED answers later\n"
        "//   (rom_call_complete ()).\n"
        "typedef struct %s_Servant {\n"
        "    // Make the state of a new object in *self_p (NULL rom_create: the state is NULL).\n",
        svc->full_name,
        svc->pool
            ? "This type runs on the server's worker pool ((rom.pool)):\n"
              "//   its objects run in parallel with each other and with the server's other objects."
            : "They run on the server's one thread: a slow method\n"
              "//   stalls every object of the server. Wait without blocking (ROM_DEFERRED), or give a\n"
              "//   heavy type `option (rom.pool) = true;` (a worker pool: README, \"Heavy methods\").",
        t);
    if (svc->has_init)
        gen_buf_printf (
            out,
            "    // `args` is never NULL (a creation without arguments gets the empty message) and is freed\n"
            "    // when rom_create returns: copy what the state keeps (rom_message_dup ()).\n"
            "    rom_status_t (*rom_create) (void *ctx, const %s *args, void **self_p, rom_call_t *call);\n",
            svc->init.c_type);
    else
        gen_buf_printf (out,
                        "    rom_status_t (*rom_create) (void *ctx, void **self_p, rom_call_t *call);\n");
    gen_buf_printf (
        out, "    // Free the state when the object dies (its last reference is gone, or the server ends).\n"
             "    void (*rom_destroy) (void *self);\n");
    for (size_t i = 0; i < svc->n_methods; i++) {
        const gen_method_t *m = &svc->methods[i];
        s_comment (out, "    ", m->comment);
        gen_buf_printf (out,
                        "    rom_status_t (*%s) (void *self, const %s *in, %s *out, rom_call_t *call);\n",
                        m->lower, m->input.c_type, m->output.c_type);
    }
    gen_buf_printf (
        out,
        "} %s_Servant;\n\n"
        "// Host %s on `server` with `servant` (which, like `ctx`, must outlive the server); `ctx` is handed\n"
        "// to every rom_create. ROM_EXISTS if the type is registered already.\n"
        "rom_status_t %s__rom_register (rom_server_t *server, const %s_Servant *servant, void *ctx);\n\n",
        t, svc->full_name, l, t);
}

static bool
s_has_state (const gen_file_t *file)
{
    for (size_t s = 0; s < file->n_services; s++)
        if (file->services[s].has_state)
            return true;
    return false;
}

char *
gen_emit_header (const gen_file_t *file)
{
    gen_buf_t out;
    gen_buf_init (&out);
    gen_buf_printf (
        &out,
        "// %s.rom.h: generated by protoc-gen-rom from %s. Do not edit.\n"
        "// Typed proxies (client side) and servant tables (server side) of its services; the messages are\n"
        "// protoc-c's, in %s.pb-c.h.\n"
        "#ifndef ROM_%s__INCLUDED\n"
        "#define ROM_%s__INCLUDED\n\n"
        "#include <rom/rom.h>\n"
        "%s"
        "#include \"%s.pb-c.h\"\n\n"
        "#ifdef __cplusplus\n"
        "extern \"C\" {\n"
        "#endif\n",
        file->stem, file->name, file->stem, file->identifier, file->identifier,
        s_has_state (file) ? "#include <rom/rom_state.h>\n" : "", file->stem);
    for (size_t s = 0; s < file->n_services; s++) {
        const gen_service_t *svc = &file->services[s];
        gen_buf_printf (&out, "\n// ---- %s ", svc->full_name);
        for (size_t i = strlen (svc->full_name); i < 100; i++)
            gen_buf_printf (&out, "-");
        gen_buf_printf (&out, "\n");
        s_comment (&out, "", svc->comment);
        gen_buf_printf (
            &out,
            "\n// The type as the runtime sees it (name, methods, protobuf-c descriptors).\n"
            "extern const rom_type_t %s__rom_type;\n\n"
            "// A proxy to one remote %s: a rom_proxy_t underneath (see %s__rom_base ()).\n"
            "// Every function below that takes a proxy answers ROM_INVALID for NULL or a handle that is not a\n"
            "// live %s proxy (another type's, a client, a destroyed one), and ROM_UNAVAILABLE once its\n"
            "// client or manager was destroyed; those that take a client or an out-pointer answer ROM_INVALID\n"
            "// for NULL. rom_client_errmsg (NULL) says why.\n"
            "typedef struct %s_Proxy %s_Proxy;\n\n",
            svc->lower, svc->full_name, svc->lower, svc->full_name, svc->c_type, svc->c_type);
        s_method_enum (&out, svc);
        s_lifecycle (&out, svc);
        for (size_t m = 0; m < svc->n_methods; m++)
            s_method_calls (&out, svc, &svc->methods[m]);
        if (svc->has_state)
            gen_emit_state (&out, svc, true);
        s_servant (&out, svc);
    }
    gen_buf_printf (&out, "#ifdef __cplusplus\n"
                          "}\n"
                          "#endif\n"
                          "#endif\n");
    return gen_buf_take (&out);
}
