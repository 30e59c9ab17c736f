/* program.h: running the command binaries from a test, as a user would.
 *
 * The binaries are found beside the test binary's directory (BUILD/raftsim,
 * BUILD/mutants/NAME/raftsim); a test that needs one fails with a clear message
 * when it was not built. Output is captured whole through pipes.
 */
#ifndef TEST_PROGRAM_H
#define TEST_PROGRAM_H

struct program_outcome
{
    int status; /* exit status, or -1 when killed by a signal */
    char *out;  /* owned */
    char *err;  /* owned */
};

/* BUILD/name (a new string, g_free); asserts that it exists. */
char *program_path(const char *name);

/* Runs BUILD/name with `args` (NULL-terminated, borrowed) and waits. */
struct program_outcome program_run(const char *name, const char *const *args);

/* Runs BUILD/name with `args` as program_run does, with the environment
 * changed by `env` (NULL-terminated, borrowed; NULL: unchanged): "NAME=VALUE"
 * sets NAME, a bare "NAME" unsets it; and, when `stdin_path` is not NULL,
 * the file it names as standard input (otherwise /dev/null). */
struct program_outcome program_run_with(const char *name,
                                        const char *const *args,
                                        const char *const *env,
                                        const char *stdin_path);

/* Frees what `o` owns. */
void program_outcome_clear(struct program_outcome *o);

#endif /* TEST_PROGRAM_H */
