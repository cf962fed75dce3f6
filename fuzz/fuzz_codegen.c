// fuzz_codegen.c: libFuzzer target (d), protoc-gen-rom fed mutated CodeGeneratorRequests: the whole plugin
// (gen_plugin_run (), codegen/plugin.c: model, checks, both templates, the embedded descriptors) on the
// request's bytes, as protoc would hand them over stdin. A request that is not one is refused (-1); any
// other answer is a packed CodeGeneratorResponse, which must unpack again.
#include "codegen.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t *out = NULL;
    size_t out_size = 0;
    if (gen_plugin_run (data, size, &out, &out_size) != 0)
        return 0;
    Google__Protobuf__Compiler__CodeGeneratorResponse *response =
        google__protobuf__compiler__code_generator_response__unpack (NULL, out_size, out);
    if (!response)
        __builtin_trap (); // our own response must be one
    google__protobuf__compiler__code_generator_response__free_unpacked (response, NULL);
    free (out);
    return 0;
}
