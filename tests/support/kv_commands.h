/* kv_commands.h: encoded key-value commands for the tests of sim_kv. */
#ifndef TEST_KV_COMMANDS_H
#define TEST_KV_COMMANDS_H

#include <glib.h>
#include <stdint.h>

#include "sim/sim_kv.h"

/* The encoding (sim_kv_encode()) of one command in a new array (free it
 * with g_byte_array_free(b, TRUE)); value is for a set, else NULL. */
GByteArray *kv_encoded(enum sim_kv_op op,
                       uint64_t client,
                       uint64_t request,
                       const char *key,
                       const char *value);

#endif /* TEST_KV_COMMANDS_H */
