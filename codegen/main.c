// main.c: protoc-gen-rom's entry point. protoc runs it with a CodeGeneratorRequest on stdin and reads a
// CodeGeneratorResponse from stdout (google/protobuf/compiler/plugin.proto): for every file to generate,
// x.rom.h and x.rom.c beside protoc-c's x.pb-c.[ch], or an error that protoc prints and fails on. The work
// itself is gen_plugin_run () (plugin.c); this file moves the bytes.
#include "codegen.h"

#include <stdio.h>
#include <stdlib.h>

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
    uint8_t *packed = NULL;
    size_t size = 0;
    int rc = gen_plugin_run (data, len, &packed, &size);
    free (data);
    if (rc != 0) {
        fputs ("protoc-gen-rom: stdin is not a CodeGeneratorRequest (run it through protoc)\n", stderr);
        return 1;
    }
    rc = fwrite (packed, 1, size, stdout) == size && fflush (stdout) == 0 ? 0 : 1;
    if (rc)
        fputs ("protoc-gen-rom: cannot write the response to stdout\n", stderr);
    free (packed);
    return rc;
}
