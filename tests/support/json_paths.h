/* json_paths.h: a strict reader of JSON documents for tests that compare a
 * command's --json output with the field list its documentation gives.
 *
 * It checks the syntax of RFC 8259 and records, for every member of every
 * object, its path and the type of its value: "files[].failures[].line"
 * -> "number". Array elements add "[]" to the path; scalars inside arrays
 * are not recorded (their array is). Nothing is built but the table.
 */
#ifndef TEST_JSON_PATHS_H
#define TEST_JSON_PATHS_H

#include <glib.h>
#include <stdbool.h>

/* Reads the whole of `text` (borrowed) as one JSON value and adds every
 * member's path to `types` (char * path -> char * type: "string",
 * "number", "boolean", "null", "object", "array"; a path seen with two
 * types keeps both, joined by " or " in the order seen). Returns false,
 * with a message in *error (g_free) naming the byte offset, when the text
 * is not JSON (or not UTF-8). */
bool json_paths(const char *text, GHashTable *types, char **error);

/* A table for json_paths: string keys and values, both freed with it. */
GHashTable *json_paths_new(void);

#endif /* TEST_JSON_PATHS_H */
