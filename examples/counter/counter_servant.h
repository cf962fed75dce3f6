// counter_servant.h: the Counter class as the manager hosts it.
#ifndef COUNTER_SERVANT_H
#define COUNTER_SERVANT_H

#include "counter.rom.h"

// Register the Counter type with a server (a rom_register_fn for rom_manager_start ()).
rom_status_t counter_servant_register (rom_server_t *server, void *arg);

#endif
