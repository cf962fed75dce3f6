// fuzz_tally.h: the test type fuzz_dispatch registers beside the built-ins (fuzz_tally.c).
#ifndef FUZZ_TALLY_H
#define FUZZ_TALLY_H

#include <rom/rom.h>

#include "test.rom.h"

// Register test.Tally on `server`.
rom_status_t fuzz_tally_register (rom_server_t *server);

#endif
