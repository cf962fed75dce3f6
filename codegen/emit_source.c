// emit_source.c: the template of x.rom.c: per service, the skeleton (trampolines that cast the generic
// dispatcher's messages to their types and call the user's servant) and the const rom_type_t table built
// from protobuf-c's descriptors, then the typed proxy functions. The file's own statics are s_<svc>__rom_*
// or s_<svc>__<rpc>: check.c refuses rpcs whose C name starts with rom_, so the two never meet. Behaviour
// lives in the runtime: every function here is a check, a cast and a forward (STYLE.md 3), so a generated
// function never grows past ten lines. The check (rom_proxy_check () against the service's own type) is the
// one thing a typed proxy adds: its cast lets any pointer through, and only the runtime's tag tells a Lock
// proxy from a Dict proxy or a client.
#include "codegen.h"

#include <stdlib.h>
#include <string.h>

static void s_lifecycle (gen_buf_t *out, const gen_service_t *svc);
static void s_table (gen_buf_t *out, const gen_service_t *svc);

// A state type's constructor and destructor are the state engine's (rom_state.h).
static void
s_state_lifecycle (gen_buf_t *out, const gen_service_t *svc)
{
    const char *l = svc->lower;
    gen_buf_printf (
        out,
        "static rom_status_t\n"
        "s_%s__rom_create (const void *servant, void *ctx, const ProtobufCMessage *args, void **self_p,\n"
        "    rom_call_t *call)\n"
        "{\n"
        "    (void) servant;\n"
        "    (void) ctx;\n"
        "    return rom_state_create (&%s__rom_type, &%s__descriptor, args, self_p, call);\n"
        "}\n\n"
        "static void\n"
        "s_%s__rom_destroy (const void *servant, void *self)\n"
        "{\n"
        "    (void) servant;\n"
        "    rom_state_destroy (self);\n"
        "}\n\n",
        l, l, svc->state.lower, l);
}

static void
s_skeleton (gen_buf_t *out, const gen_service_t *svc)
{
    const char *t = svc->c_type, *l = svc->lower;
    if (svc->has_state)
        s_state_lifecycle (out, svc);
    else
        s_lifecycle (out, svc);
    for (size_t i = 0; i < svc->n_methods; i++) {
        const gen_method_t *m = &svc->methods[i];
        gen_buf_printf (
            out,
            "static rom_status_t\n"
            "s_%s__%s (const void *servant, void *self, const ProtobufCMessage *in, ProtobufCMessage *out,\n"
            "    rom_call_t *call)\n"
            "{\n"
            "    const %s_Servant *s = servant;\n"
            "    if (!s->%s)\n"
            "        return rom_call_fail (call, ROM_NO_METHOD, \"not implemented by this server\");\n",
            l, m->lower, t, m->lower);
        if (svc->has_state)
            gen_buf_printf (
                out,
                "    rom_status_t status = s->%s ((%s *) self, (const %s *) in, (%s *) out, call);\n"
                "    if (status == ROM_OK)\n"
                "        rom_state_touched (self, call);\n"
                "    return status;\n"
                "}\n\n",
                m->lower, svc->state.c_type, m->input.c_type, m->output.c_type);
        else
            gen_buf_printf (out,
                            "    return s->%s (self, (const %s *) in, (%s *) out, call);\n"
                            "}\n\n",
                            m->lower, m->input.c_type, m->output.c_type);
    }
    s_table (out, svc);
}

static void
s_lifecycle (gen_buf_t *out, const gen_service_t *svc)
{
    const char *t = svc->c_type, *l = svc->lower;
    // create / destroy trampolines
    gen_buf_printf (
        out,
        "static rom_status_t\n"
        "s_%s__rom_create (const void *servant, void *ctx, const ProtobufCMessage *args, void **self_p,\n"
        "    rom_call_t *call)\n"
        "{\n"
        "    const %s_Servant *s = servant;\n"
        "    *self_p = NULL;\n",
        l, t);
    if (svc->has_init)
        gen_buf_printf (
            out,
            "    return s->rom_create ? s->rom_create (ctx, (const %s *) args, self_p, call) : ROM_OK;\n",
            svc->init.c_type);
    else
        gen_buf_printf (out, "    (void) args;\n"
                             "    return s->rom_create ? s->rom_create (ctx, self_p, call) : ROM_OK;\n");
    gen_buf_printf (out,
                    "}\n\n"
                    "static void\n"
                    "s_%s__rom_destroy (const void *servant, void *self)\n"
                    "{\n"
                    "    const %s_Servant *s = servant;\n"
                    "    if (s->rom_destroy)\n"
                    "        s->rom_destroy (self);\n"
                    "}\n\n",
                    l, t);
}

// The method table, the type and its registration.
static void
s_table (gen_buf_t *out, const gen_service_t *svc)
{
    const char *t = svc->c_type, *l = svc->lower;
    bool table = svc->n_methods || svc->has_state;
    if (table) {
        gen_buf_printf (out, "static const rom_method_t s_%s__rom_methods[%s_N_METHODS] = {\n", l,
                        svc->upper);
        for (size_t i = 0; i < svc->n_methods; i++) {
            const gen_method_t *m = &svc->methods[i];
            gen_buf_printf (
                out,
                "    [%s_METHOD__%s] =\n        {\"%s\", &%s__descriptor, &%s__descriptor, s_%s__%s,\n"
                "         offsetof (%s_Servant, %s)},\n",
                svc->upper, m->upper, m->name, m->input.lower, m->output.lower, l, m->lower, t, m->lower);
        }
        if (svc->has_state)
            gen_buf_printf (out, "    // the state engine's, after the rpcs\n    ROM_STATE_METHODS,\n");
        gen_buf_printf (out, "};\n\n");
    }
    gen_buf_printf (out,
                    "const rom_type_t %s__rom_type = {\n"
                    "    .name = \"%s\",\n"
                    "    .hash = 0x%08xu,\n",
                    l, svc->full_name, gen_type_hash (svc->full_name));
    if (svc->has_init)
        gen_buf_printf (out, "    .init = &%s__descriptor,\n", svc->init.lower);
    else
        gen_buf_printf (out, "    .init = NULL,\n");
    gen_buf_printf (out,
                    "    .flags = %s,\n"
                    "    .n_methods = %s_N_METHODS,\n"
                    "    .methods = %s%s%s,\n"
                    "    .create = s_%s__rom_create,\n"
                    "    .destroy = s_%s__rom_destroy,\n"
                    "    .files = &s_rom_files,\n"
                    "};\n\n",
                    svc->pool ? "ROM_TYPE_POOL" : "0", svc->upper, table ? "s_" : "NULL", table ? l : "",
                    table ? "__rom_methods" : "", l, l);
    if (svc->n_methods || !svc->has_state) // a state type without rpcs has no servant to register
        gen_buf_printf (out,
                        "rom_status_t\n"
                        "%s__rom_register (rom_server_t *server, const %s_Servant *servant, void *ctx)\n"
                        "{\n"
                        "    return rom_server_register (server, &%s__rom_type, servant, ctx);\n"
                        "}\n\n",
                        l, t, l);
    if (!svc->has_state)
        return;
    // An all-NULL servant: the server answers each rpc ROM_NO_METHOD; without rpcs nothing reads it.
    if (svc->n_methods)
        gen_buf_printf (out, "static const %s_Servant s_%s__rom_no_servant;\n\n", t, l);
    else
        gen_buf_printf (out, "static const char s_%s__rom_no_servant;\n\n", l);
    gen_buf_printf (out,
                    "rom_status_t\n"
                    "%s__rom_register_state (rom_server_t *server)\n"
                    "{\n"
                    "    return rom_server_register (server, &%s__rom_type, &s_%s__rom_no_servant, NULL);\n"
                    "}\n\n",
                    l, l, l);
}

// The typed proxy is a rom_proxy_t under another name: the functions hand the runtime a rom_proxy_t ** of
// their own rather than cast the caller's pointer-to-pointer (writing through a pointer of another type).
// A NULL proxy_p reaches the runtime as NULL, which refuses it (ROM_INVALID), so it is never written.
// Functions taking a client pass it on as it is: the runtime refuses a NULL or foreign client itself.
static void
s_proxy_out (gen_buf_t *out, const char *t, const char *call)
{
    gen_buf_printf (out,
                    "{\n"
                    "    rom_proxy_t *proxy = NULL;\n"
                    "    rom_status_t status = %s;\n"
                    "    if (proxy_p)\n"
                    "        *proxy_p = (%s_Proxy *) proxy;\n"
                    "    return status;\n"
                    "}\n\n",
                    call, t);
}

// Every function taking a typed proxy checks it first: the cast makes any pointer fit, so a handle of
// another kind (a Dict proxy given to a Lock function, a client, NULL) must be refused by its tag and type
// (ROM_INVALID) before it is followed.
static void
s_check (gen_buf_t *out, const char *l, const char *handle)
{
    gen_buf_printf (out,
                    "    rom_status_t status = rom_proxy_check ((const rom_proxy_t *) %s, &%s__rom_type);\n"
                    "    if (status != ROM_OK)\n"
                    "        return status;\n",
                    handle, l);
}

static void
s_proxy (gen_buf_t *out, const gen_service_t *svc)
{
    const char *t = svc->c_type, *l = svc->lower;
    const char *args_param = "", *args_value = "NULL";
    char *param = NULL, *call;
    if (svc->has_init) {
        param = gen_xasprintf ("const %s *args, ", svc->init.c_type);
        args_param = param;
        args_value = "(const ProtobufCMessage *) args";
    }
    gen_buf_printf (
        out,
        "rom_status_t\n"
        "%s__rom_create (rom_client_t *client, %s%s_Proxy **proxy_p)\n"
        "{\n"
        "    return %s__rom_create_named (client, NULL, %s0, proxy_p);\n"
        "}\n\n"
        "rom_status_t\n"
        "%s__rom_create_named (rom_client_t *client, const char *name, %sunsigned flags, %s_Proxy **proxy_p)\n",
        l, args_param, t, l, svc->has_init ? "args, " : "", l, args_param, t);
    call = gen_xasprintf ("rom_proxy_create (client, &%s__rom_type, name, %s, flags,\n"
                          "                                            proxy_p ? &proxy : NULL)",
                          l, args_value);
    s_proxy_out (out, t, call);
    free (call);
    gen_buf_printf (out,
                    "rom_status_t\n"
                    "%s__rom_create_async (rom_client_t *client, %srom_future_t **future_p)\n"
                    "{\n"
                    "    return rom_proxy_create_async (client, &%s__rom_type, NULL, %s,\n"
                    "                                   0, future_p);\n"
                    "}\n\n"
                    "rom_status_t\n"
                    "%s__rom_create_wait (rom_future_t **future_p, %s_Proxy **proxy_p)\n",
                    l, args_param, l, args_value, l, t);
    call = gen_xasprintf ("rom_future_wait_proxy (future_p, &%s__rom_type, proxy_p ? &proxy : NULL)", l);
    s_proxy_out (out, t, call);
    free (call);
    gen_buf_printf (
        out, "rom_status_t\n%s__rom_lookup (rom_client_t *client, const char *name, %s_Proxy **proxy_p)\n", l,
        t);
    call = gen_xasprintf ("rom_proxy_lookup (client, &%s__rom_type, name, proxy_p ? &proxy : NULL)", l);
    s_proxy_out (out, t, call);
    free (call);
    gen_buf_printf (
        out,
        "rom_status_t\n%s__rom_from_token (rom_client_t *client, const char *token, %s_Proxy **proxy_p)\n", l,
        t);
    call = gen_xasprintf ("rom_proxy_from_token (client, &%s__rom_type, token, proxy_p ? &proxy : NULL)", l);
    s_proxy_out (out, t, call);
    free (call);
    gen_buf_printf (
        out,
        "rom_status_t\n%s__rom_from_ref (rom_client_t *client, const Rom__ObjectRef *ref, %s_Proxy **proxy_p)\n",
        l, t);
    call = gen_xasprintf ("rom_proxy_from_ref (client, &%s__rom_type, ref, proxy_p ? &proxy : NULL)", l);
    s_proxy_out (out, t, call);
    free (call);
    gen_buf_printf (
        out,
        "rom_status_t\n"
        "%s__rom_dup (%s_Proxy *proxy, %s_Proxy **copy_p)\n"
        "{\n"
        "    rom_proxy_t *copy = NULL;\n"
        "    rom_status_t status = rom_proxy_check ((const rom_proxy_t *) proxy, &%s__rom_type);\n"
        "    if (status == ROM_OK)\n"
        "        status = rom_proxy_dup ((rom_proxy_t *) proxy, copy_p ? &copy : NULL);\n"
        "    if (copy_p)\n"
        "        *copy_p = (%s_Proxy *) copy;\n"
        "    return status;\n"
        "}\n\n"
        "rom_proxy_t *\n"
        "%s__rom_base (%s_Proxy *proxy)\n"
        "{\n"
        "    if (rom_proxy_check ((const rom_proxy_t *) proxy, &%s__rom_type) != ROM_OK)\n"
        "        return NULL;\n"
        "    return (rom_proxy_t *) proxy;\n"
        "}\n\n"
        "void\n"
        "%s__rom_destroy (%s_Proxy **proxy_p)\n"
        "{\n"
        "    if (!proxy_p || !*proxy_p)\n"
        "        return;\n"
        "    // A handle of another kind is refused (and left alone) rather than freed as this one.\n"
        "    if (rom_proxy_check ((const rom_proxy_t *) *proxy_p, &%s__rom_type) != ROM_OK)\n"
        "        return;\n"
        "    rom_proxy_t *proxy = (rom_proxy_t *) *proxy_p;\n"
        "    rom_proxy_destroy (&proxy);\n"
        "    *proxy_p = NULL;\n"
        "}\n\n",
        l, t, t, l, t, l, t, l, l, t, l);
    free (param);
    for (size_t i = 0; i < svc->n_methods; i++) {
        const gen_method_t *m = &svc->methods[i];
        gen_buf_printf (
            out,
            "rom_status_t\n"
            "%s_proxy__%s (%s_Proxy *proxy, const %s *in, %s **out)\n"
            "{\n"
            "    ProtobufCMessage *reply = NULL;\n"
            "    rom_status_t status = rom_proxy_check ((const rom_proxy_t *) proxy, &%s__rom_type);\n"
            "    if (status == ROM_OK)\n"
            "        status = rom_proxy_call ((rom_proxy_t *) proxy, %s_METHOD__%s,\n"
            "                                 (const ProtobufCMessage *) in, out ? &reply : NULL);\n"
            "    if (out)\n"
            "        *out = (%s *) reply;\n"
            "    return status;\n"
            "}\n\n"
            "rom_status_t\n"
            "%s_proxy__%s_async (%s_Proxy *proxy, const %s *in, rom_future_t **future_p)\n"
            "{\n"
            "    if (future_p)\n"
            "        *future_p = NULL;\n",
            l, m->lower, t, m->input.c_type, m->output.c_type, l, svc->upper, m->upper, m->output.c_type, l,
            m->lower, t, m->input.c_type);
        s_check (out, l, "proxy");
        gen_buf_printf (out,
                        "    return rom_proxy_call_async ((rom_proxy_t *) proxy, %s_METHOD__%s,\n"
                        "                                 (const ProtobufCMessage *) in, future_p);\n"
                        "}\n\n"
                        "rom_status_t\n"
                        "%s_proxy__%s_oneway (%s_Proxy *proxy, const %s *in)\n"
                        "{\n",
                        svc->upper, m->upper, l, m->lower, t, m->input.c_type);
        s_check (out, l, "proxy");
        gen_buf_printf (out,
                        "    return rom_proxy_call_oneway ((rom_proxy_t *) proxy, %s_METHOD__%s,\n"
                        "                                  (const ProtobufCMessage *) in);\n"
                        "}\n\n",
                        svc->upper, m->upper);
    }
}

// --- the .proto files behind the types, for Manager.Reflect ------------------------------------------------

static const gen_file_proto_t *
s_request_file (const gen_request_t *request, const char *name, size_t *index)
{
    for (size_t i = 0; i < request->n_proto_file; i++)
        if (strcmp (request->proto_file[i]->name, name) == 0) {
            *index = i;
            return request->proto_file[i];
        }
    return NULL;
}

// Depth first over the imports: every file after the files it imports, each once.
static void
s_closure (const gen_request_t *request, const gen_file_proto_t *proto, size_t index, bool *seen,
           const gen_file_proto_t **order, size_t *n)
{
    seen[index] = true;
    for (size_t d = 0; d < proto->n_dependency; d++) {
        size_t i;
        const gen_file_proto_t *dep = s_request_file (request, proto->dependency[d], &i);
        if (dep && !seen[i])
            s_closure (request, dep, i, seen, order, n);
    }
    order[(*n)++] = proto;
}

// `data` as the body of a C string literal: printable ASCII as it is, the rest as 3-digit octal escapes
// (which, unlike \x, never swallow a following digit), in lines of about 100 columns.
static void
s_literal (gen_buf_t *out, const uint8_t *data, size_t size)
{
    size_t column = 0;
    gen_buf_printf (out, "    \"");
    for (size_t i = 0; i < size; i++) {
        if (column >= 100) {
            gen_buf_printf (out, "\"\n    \"");
            column = 0;
        }
        uint8_t c = data[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
            gen_buf_printf (out, "%c", c);
            column++;
        } else {
            gen_buf_printf (out, "\\%03o", c);
            column += 4;
        }
    }
    gen_buf_printf (out, "\"");
}

// The serialized google.protobuf.FileDescriptorProto of this file and of every file it imports (without
// source_code_info: comments and line numbers are the bulk of it), dependencies first: what a server answers
// Manager.Reflect with. protobuf-c's descriptors keep no FileDescriptorProto, but protoc hands the plugin
// them all, so the generator is the one place that has them.
static void
s_files (gen_buf_t *out, const gen_file_t *file, const gen_request_t *request)
{
    bool *seen = gen_xalloc ((request->n_proto_file + 1) * sizeof *seen);
    const gen_file_proto_t **order = gen_xalloc ((request->n_proto_file + 1) * sizeof *order);
    size_t n = 0, self;
    if (s_request_file (request, file->proto->name, &self))
        s_closure (request, file->proto, self, seen, order, &n);
    gen_buf_printf (out,
                    "\n// ---- the .proto files its types need (Manager.Reflect): serialized\n"
                    "// google.protobuf.FileDescriptorProtos without source info, imports first ----\n\n");
    for (size_t i = 0; i < n; i++) {
        Google__Protobuf__FileDescriptorProto copy = *order[i];
        copy.source_code_info = NULL;
        size_t size = protobuf_c_message_get_packed_size (&copy.base);
        uint8_t *packed = gen_xalloc (size + 1);
        protobuf_c_message_pack (&copy.base, packed);
        gen_buf_printf (out, "// %s\nstatic const char s_rom_file_%zu[%zu + 1] =\n", order[i]->name, i, size);
        s_literal (out, packed, size);
        gen_buf_printf (out, ";\n\n");
        free (packed);
    }
    gen_buf_printf (out, "static const rom_file_t s_rom_file_table[%zu] = {\n", n);
    for (size_t i = 0; i < n; i++)
        gen_buf_printf (out, "    {\"%s\", sizeof s_rom_file_%zu - 1, (const uint8_t *) s_rom_file_%zu},\n",
                        order[i]->name, i, i);
    gen_buf_printf (out,
                    "};\n\n"
                    "static const rom_files_t s_rom_files = {.n_files = %zu, .files = s_rom_file_table};\n",
                    n);
    free (order);
    free (seen);
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
gen_emit_source (const gen_file_t *file, const gen_request_t *request)
{
    gen_buf_t out;
    gen_buf_init (&out);
    gen_buf_printf (
        &out,
        "// %s.rom.c: generated by protoc-gen-rom from %s. Do not edit.\n"
        "// Skeletons, type tables and typed proxies of its services: thin casts over the rom runtime.\n"
        "#include \"%s.rom.h\"\n\n"
        "#include <stddef.h>\n%s",
        file->stem, file->name, file->stem, s_has_state (file) ? "#include <stdlib.h>\n" : "");
    if (file->n_services)
        s_files (&out, file, request);
    for (size_t s = 0; s < file->n_services; s++) {
        const gen_service_t *svc = &file->services[s];
        gen_buf_printf (&out, "\n// ---- %s: server side ----\n\n", svc->full_name);
        s_skeleton (&out, svc);
        gen_buf_printf (&out, "// ---- %s: client side ----\n\n", svc->full_name);
        s_proxy (&out, svc);
        if (svc->has_state) {
            gen_buf_printf (&out, "// ---- %s: the state's typed operations ----\n\n", svc->full_name);
            gen_emit_state (&out, svc, false);
        }
    }
    return gen_buf_take (&out);
}
