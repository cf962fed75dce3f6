// main.c: protoc-gen-rom's entry point. protoc runs it with a CodeGeneratorRequest on stdin and reads a
// CodeGeneratorResponse from stdout (google/protobuf/compiler/plugin.proto): for every file to generate,
// x.rom.h and x.rom.c beside protoc-c's x.pb-c.[ch], or an error that protoc prints and fails on.
#include "codegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *
s_read_all (FILE *in, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *data = gen_xalloc (cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            uint8_t *bigger = realloc (data, cap);
            if (!bigger) {
                free (data);
                return NULL;
            }
            data = bigger;
        }
        size_t got = fread (data + n, 1, cap - n, in);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror (in)) {
        free (data);
        return NULL;
    }
    *len = n;
    return data;
}

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
main (int argc, char **argv)
{
    (void) argv;
    if (argc > 1) {
        fputs ("protoc-gen-rom: a protoc plugin; run it through protoc:\n"
               "  protoc --plugin=protoc-gen-rom=PATH --c_out=DIR --rom_out=DIR x.proto\n",
               stderr);
        return 2;
    }
    size_t len = 0;
    uint8_t *data = s_read_all (stdin, &len);
    if (!data) {
        fputs ("protoc-gen-rom: cannot read the request from stdin\n", stderr);
        return 1;
    }
    gen_request_t *request = google__protobuf__compiler__code_generator_request__unpack (NULL, len, data);
    free (data);
    if (!request) {
        fputs ("protoc-gen-rom: stdin is not a CodeGeneratorRequest (run it through protoc)\n", stderr);
        return 1;
    }

    Google__Protobuf__Compiler__CodeGeneratorResponse response;
    google__protobuf__compiler__code_generator_response__init (&response);
    // proto3 `optional` is plain presence to us; protoc-c refuses such files on its own if it must.
    response.has_supported_features = 1;
    response.supported_features =
        GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__FEATURE__FEATURE_PROTO3_OPTIONAL;
    Google__Protobuf__Compiler__CodeGeneratorResponse__File **files = gen_xalloc (
        2 * request->n_file_to_generate * sizeof *files);
    response.n_file = s_generate (request, &response, files);
    response.file = files;

    size_t size = google__protobuf__compiler__code_generator_response__get_packed_size (&response);
    uint8_t *packed = gen_xalloc (size);
    google__protobuf__compiler__code_generator_response__pack (&response, packed);
    int rc = fwrite (packed, 1, size, stdout) == size && fflush (stdout) == 0 ? 0 : 1;
    if (rc)
        fputs ("protoc-gen-rom: cannot write the response to stdout\n", stderr);

    free (packed);
    for (size_t i = 0; i < response.n_file; i++)
        protobuf_c_message_free_unpacked (&files[i]->base, NULL);
    free (files);
    free (response.error);
    google__protobuf__compiler__code_generator_request__free_unpacked (request, NULL);
    return rc;
}
