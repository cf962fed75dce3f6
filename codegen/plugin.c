// plugin.c: protoc-gen-rom's work from request bytes to response bytes (gen_plugin_run ()): unpack the
// CodeGeneratorRequest, generate x.rom.h and x.rom.c for every file to generate (or the error protoc prints),
// pack the CodeGeneratorResponse. main.c only moves the bytes through stdin and stdout; apart from it, the
// whole plugin can be driven in-process (fuzz/fuzz_codegen.c feeds it mutated requests).
#include "codegen.h"

#include <stdlib.h>
#include <string.h>

static const gen_file_proto_t *
s_find_file (const gen_request_t *request, const char *name)
{
    for (size_t i = 0; i < request->n_proto_file; i++)
        if (strcmp (request->proto_file[i]->name, name) == 0)
            return request->proto_file[i];
    return NULL;
}

static Google__Protobuf__Compiler__CodeGeneratorResponse__File *
s_output (const char *name, char *content)
{
    Google__Protobuf__Compiler__CodeGeneratorResponse__File *file = gen_xalloc (sizeof *file);
    google__protobuf__compiler__code_generator_response__file__init (file);
    file->name = gen_xstrdup (name);
    file->content = content;
    return file;
}

// protoc names every file, message, field, enum, service and rpc, and every rpc's input and output type; a
// request made elsewhere (or damaged) may leave them out, and the model reads them as strings. Such a
// request is refused whole rather than a NULL followed (fuzz_codegen found it: an rpc without output_type).
// What is missing, or NULL.
static const char *
s_message_incomplete (const Google__Protobuf__DescriptorProto *msg)
{
    if (!msg->name)
        return "a message has no name";
    for (size_t i = 0; i < msg->n_field; i++)
        if (!msg->field[i]->name)
            return "a field has no name";
    for (size_t i = 0; i < msg->n_enum_type; i++)
        if (!msg->enum_type[i]->name)
            return "an enum has no name";
    for (size_t i = 0; i < msg->n_nested_type; i++) {
        const char *missing = s_message_incomplete (msg->nested_type[i]);
        if (missing)
            return missing;
    }
    return NULL;
}

static const char *
s_request_incomplete (const gen_request_t *request)
{
    for (size_t f = 0; f < request->n_proto_file; f++) {
        const gen_file_proto_t *file = request->proto_file[f];
        if (!file->name)
            return "a file has no name";
        for (size_t i = 0; i < file->n_message_type; i++) {
            const char *missing = s_message_incomplete (file->message_type[i]);
            if (missing)
                return missing;
        }
        for (size_t i = 0; i < file->n_enum_type; i++)
            if (!file->enum_type[i]->name)
                return "an enum has no name";
        for (size_t i = 0; i < file->n_service; i++) {
            const Google__Protobuf__ServiceDescriptorProto *svc = file->service[i];
            if (!svc->name)
                return "a service has no name";
            for (size_t m = 0; m < svc->n_method; m++)
                if (!svc->method[m]->name || !svc->method[m]->input_type || !svc->method[m]->output_type)
                    return "an rpc has no name, input type or output type";
        }
    }
    return NULL;
}

// Generate every requested file into `response`, or set response->error. Returns the files made.
static size_t
s_generate (const gen_request_t *request, Google__Protobuf__Compiler__CodeGeneratorResponse *response,
            Google__Protobuf__Compiler__CodeGeneratorResponse__File **files)
{
    gen_buf_t errors;
    gen_buf_init (&errors);
    size_t n_files = 0;
    for (size_t i = 0; i < request->n_file_to_generate; i++) {
        const gen_file_proto_t *proto = s_find_file (request, request->file_to_generate[i]);
        if (!proto) {
            gen_buf_printf (&errors, "%s%s: not in the request's proto_file\n", errors.len ? "" : "",
                            request->file_to_generate[i]);
            continue;
        }
        gen_file_t file;
        char *error = NULL;
        if (gen_file_build (&file, request, proto, &error) == 0)
            gen_file_check (&file, request, &error);
        if (error) {
            gen_buf_printf (&errors, "%s\n", error);
            free (error);
        } else {
            char *name = gen_xasprintf ("%s.rom.h", file.stem);
            files[n_files++] = s_output (name, gen_emit_header (&file));
            free (name);
            name = gen_xasprintf ("%s.rom.c", file.stem);
            files[n_files++] = s_output (name, gen_emit_source (&file, request));
            free (name);
        }
        gen_file_fini (&file);
    }
    if (errors.len) {
        errors.data[--errors.len] = '\0'; // protoc adds its own newline
        response->error = gen_buf_take (&errors);
        for (size_t i = 0; i < n_files; i++)
            protobuf_c_message_free_unpacked (&files[i]->base, NULL);
        return 0;
    }
    gen_buf_fini (&errors);
    return n_files;
}

int
gen_plugin_run (const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
    gen_request_t *request = google__protobuf__compiler__code_generator_request__unpack (NULL, len, data);
    if (!request)
        return -1;
    Google__Protobuf__Compiler__CodeGeneratorResponse response;
    google__protobuf__compiler__code_generator_response__init (&response);
    // proto3 `optional` is plain presence to us; protoc-c refuses such files on its own if it must.
    response.has_supported_features = 1;
    response.supported_features =
        GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__FEATURE__FEATURE_PROTO3_OPTIONAL;
    Google__Protobuf__Compiler__CodeGeneratorResponse__File **files = gen_xalloc (
        2 * request->n_file_to_generate * sizeof *files);
    const char *missing = s_request_incomplete (request);
    if (missing)
        response.error = gen_xasprintf ("protoc-gen-rom: malformed request (%s): run it through protoc",
                                        missing);
    else
        response.n_file = s_generate (request, &response, files);
    response.file = files;

    *out_len = google__protobuf__compiler__code_generator_response__get_packed_size (&response);
    *out = gen_xalloc (*out_len);
    google__protobuf__compiler__code_generator_response__pack (&response, *out);

    for (size_t i = 0; i < response.n_file; i++)
        protobuf_c_message_free_unpacked (&files[i]->base, NULL);
    free (files);
    free (response.error);
    google__protobuf__compiler__code_generator_request__free_unpacked (request, NULL);
    return 0;
}
