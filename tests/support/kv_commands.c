/* kv_commands.c: encoded key-value commands (see kv_commands.h). */
#include "tests/support/kv_commands.h"

GByteArray *kv_encoded(enum sim_kv_op op,
                       uint64_t client,
                       uint64_t request,
                       const char *key,
                       const char *value)
{
    struct sim_kv_command cmd = {
        .op = op,
        .client = client,
        .request = request,
        .key = key,
        .value = value,
    };
    GByteArray *b = g_byte_array_new();
    sim_kv_encode(&cmd, b);
    return b;
}
