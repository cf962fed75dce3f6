// state_signatures.c: the exact C shape of generated state operations (issue 16), checked at compile time
// with _Generic so that a template change that alters a signature fails the build. Compiled into
// codegen_state_objects (objects only until the state engine links).
#include "state/kinds.rom.h"
#include "state/tally.rom.h"

#define S_SHAPE(fn, type) _Static_assert (_Generic (&(fn), type: 1, default: 0), #fn " has the shape " #type)

typedef Kinds__Everything_Proxy E;
typedef Demo__Tallies_Proxy T;

// the examples, on demo.Tallies (state demo.Tally)
S_SHAPE (demo__tallies_proxy__hits_add, rom_status_t (*) (T *, int64_t, int64_t *));
S_SHAPE (demo__tallies_proxy__hits_get, rom_status_t (*) (T *, int64_t *));
S_SHAPE (demo__tallies_proxy__log_append, rom_status_t (*) (T *, const char *));
S_SHAPE (demo__tallies_proxy__log_len, rom_status_t (*) (T *, size_t *));
S_SHAPE (demo__tallies_proxy__per_key_incr, rom_status_t (*) (T *, const char *, int64_t, int64_t *));
S_SHAPE (demo__tallies_proxy__per_key_get, rom_status_t (*) (T *, const char *, int64_t *));
S_SHAPE (demo__tallies_proxy__inner_a_add, rom_status_t (*) (T *, int64_t, int64_t *));
S_SHAPE (demo__tallies_proxy__rom_state_get, rom_status_t (*) (T *, Demo__Tally **));
S_SHAPE (demo__tallies_proxy__rom_state_set, rom_status_t (*) (T *, const Demo__Tally *));
S_SHAPE (demo__tallies_batch__hits_add, rom_status_t (*) (rom_batch_t *, int64_t, size_t *));
S_SHAPE (demo__tallies_batch__reset, rom_status_t (*) (rom_batch_t *, const Demo__Inner *, size_t *));
S_SHAPE (demo__tallies__rom_register_state, rom_status_t (*) (rom_server_t *));
S_SHAPE (demo__tallies__rom_create, rom_status_t (*) (rom_client_t *, const Demo__Tally *, T **));
_Static_assert (DEMO__TALLIES_METHOD__RESET == 0, "rpc indexes unchanged");
_Static_assert (DEMO__TALLIES_N_METHODS == 1 + ROM_STATE_N_METHODS, "rpcs, then the engine's methods");
_Static_assert (DEMO__TALLIES_DEPTH__INNER_A == 2, "inner.a is two numbers deep");
_Static_assert (sizeof (Demo__Tallies_Servant) == sizeof (void (*) (void)), "only the rpc: no rom_create");

// every kind
S_SHAPE (kinds__everything_proxy__i32_add, rom_status_t (*) (E *, int64_t, int32_t *));
S_SHAPE (kinds__everything_proxy__u32_add, rom_status_t (*) (E *, uint64_t, uint32_t *));
S_SHAPE (kinds__everything_proxy__fl_add, rom_status_t (*) (E *, double, float *));
S_SHAPE (kinds__everything_proxy__db_min, rom_status_t (*) (E *, double, double *));
S_SHAPE (kinds__everything_proxy__s64_max, rom_status_t (*) (E *, int64_t, int64_t *));
S_SHAPE (kinds__everything_proxy__f64_cas, rom_status_t (*) (E *, uint64_t, uint64_t, bool *));
S_SHAPE (kinds__everything_proxy__flag_toggle, rom_status_t (*) (E *, bool *));
S_SHAPE (kinds__everything_proxy__color_cas, rom_status_t (*) (E *, Kinds__Color, Kinds__Color, bool *));
S_SHAPE (kinds__everything_proxy__name_get, rom_status_t (*) (E *, char **));
S_SHAPE (kinds__everything_proxy__blob_get, rom_status_t (*) (E *, uint8_t **, size_t *));
S_SHAPE (kinds__everything_proxy__blob_append, rom_status_t (*) (E *, const uint8_t *, size_t));
S_SHAPE (kinds__everything_proxy__inner_deep_get, rom_status_t (*) (E *, Kinds__Deep **));
S_SHAPE (kinds__everything_proxy__words_extend, rom_status_t (*) (E *, const char *const *, size_t));
S_SHAPE (kinds__everything_proxy__words_set, rom_status_t (*) (E *, const char *const *, size_t));
S_SHAPE (kinds__everything_proxy__words_slice, rom_status_t (*) (E *, int64_t, int64_t, char ***, size_t *));
S_SHAPE (kinds__everything_proxy__points_at, rom_status_t (*) (E *, int64_t, Kinds__Point **));
S_SHAPE (kinds__everything_proxy__blobs_extend, rom_status_t (*) (E *, const ProtobufCBinaryData *, size_t));
S_SHAPE (kinds__everything_proxy__nums_remove_at, rom_status_t (*) (E *, int64_t, int64_t *));
S_SHAPE (kinds__everything_proxy__names_get, rom_status_t (*) (E *, int64_t, char **));
S_SHAPE (kinds__everything_proxy__names_keys, rom_status_t (*) (E *, int64_t **, size_t *));
S_SHAPE (kinds__everything_proxy__places_put, rom_status_t (*) (E *, const char *, const Kinds__Point *));
S_SHAPE (kinds__everything_proxy__places_get, rom_status_t (*) (E *, const char *, Kinds__Point **));
S_SHAPE (kinds__everything_proxy__weights_incr, rom_status_t (*) (E *, uint32_t, double, double *));
S_SHAPE (kinds__everything_proxy__counts_contains, rom_status_t (*) (E *, const char *, bool *));
_Static_assert (KINDS__EVERYTHING_N_METHODS == ROM_STATE_N_METHODS, "no rpcs: the engine's methods only");
