/* raftsim_junit.h: JUnit XML reports of `raftsim check --junit` and
 * `raftsim fuzz --junit`, in the form the test reporters of GitLab,
 * Jenkins and GitHub read (docs/json-output.md, "JUnit reports").
 *
 * Invariant: the written file is well-formed XML 1.0 in UTF-8 whatever
 * bytes the file names and messages hold (invalid UTF-8 and the control
 * characters XML cannot carry become U+FFFD), and the counts on
 * <testsuites> and <testsuite> are those of the <testcase> elements below
 * them: tests, failures, errors and skipped always agree with the cases.
 * The file lands whole or not at all (viz_output_write_all).
 */
#ifndef RAFTSIM_JUNIT_H
#define RAFTSIM_JUNIT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* How one test case ended. */
enum raftsim_junit_result {
    RAFTSIM_JUNIT_PASS = 0,
    RAFTSIM_JUNIT_FAILURE, /* a check or a property failed */
    RAFTSIM_JUNIT_ERROR,   /* the input was invalid or could not run */
};

/* One <testcase>. Every string is borrowed for the call that adds it;
 * NULL leaves the attribute or element out. */
struct raftsim_junit_case
{
    const char *classname;
    const char *name;
    const char *file;  /* the file attribute */
    uint32_t line;     /* the line attribute; 0: none */
    int64_t wall_us;   /* the time attribute, in wall-clock microseconds */
    enum raftsim_junit_result result;
    const char *type;    /* of the failure or error: the property */
    const char *message; /* one line: what failed */
    const char *text;    /* the body of the failure or error */
    const char *system_out;
};

/* A report being built; the cases are kept as XML text. */
struct raftsim_junit
{
    GString *cases;      /* the <testcase> elements */
    GString *properties; /* the <property> elements */
    uint64_t tests, failures, errors;
    int64_t wall_us; /* the sum of the cases' times */
};

void raftsim_junit_init(struct raftsim_junit *j);

/* Frees what `j` holds; a no-op on a zeroed or cleared report. */
void raftsim_junit_clear(struct raftsim_junit *j);

/* Adds a <property name= value=> to the suite (both copied). */
void raftsim_junit_property(struct raftsim_junit *j,
                            const char *name,
                            const char *value);

/* The same with a number as its value. */
void raftsim_junit_property_u64(struct raftsim_junit *j,
                                const char *name,
                                uint64_t value);

/* Adds one <testcase> (`c` borrowed for the call) and counts it. */
void raftsim_junit_add(struct raftsim_junit *j,
                       const struct raftsim_junit_case *c);


/* Writes the report as the whole file `path` (borrowed): one <testsuites>
 * holding one <testsuite name=suite>. False, after a complaint under
 * `command` naming the path and the OS reason, when it cannot be
 * written. */
bool raftsim_junit_write(const struct raftsim_junit *j,
                         const char *command,
                         const char *suite,
                         const char *path);

/* Before a run: true when a result can be written at `path` (borrowed): a
 * regular file or a new file in a writable directory, symbolic links
 * followed. False after a complaint under `command` saying why; `what`
 * names the kind of output in it ("reports"). */
bool raftsim_output_writable(const char *command,
                             const char *path,
                             const char *what);

/* Before a run: true when `dir` (borrowed) is a directory this process may
 * write into, or can be made one (its nearest existing ancestor is), so
 * that it need be created only when something is written there. False
 * after a complaint under `command` naming `option`. */
bool raftsim_output_dir_usable(const char *command,
                               const char *option,
                               const char *dir);

#endif /* RAFTSIM_JUNIT_H */
