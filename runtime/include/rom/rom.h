// rom.h: the whole public API of rom, the remote-object manager. Include this one header.
#ifndef ROM_H
#define ROM_H

#define ROM_VERSION_MAJOR 0
#define ROM_VERSION_MINOR 1
#define ROM_VERSION_PATCH 0

#include "rom_status.h"
#include "rom_type.h"
#include "rom_client.h"
#include "rom_proxy.h"
#include "rom_server.h"
#include "rom_manager.h"
#include "rom_sync.h"
#include "rom_shared.h"
#include "rom_state.h"
#include "rom_reflect.h"

#endif
