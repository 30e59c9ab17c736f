/* raftsim_validate.c: `raftsim validate FILE...`: parse scenarios without
 * running them.
 *
 * Invariant: nothing is simulated. Every file is parsed whole, so every
 * error of every file is reported (FILE:LINE:COLUMN: error: WHAT, on
 * stderr, in file order and then position order), and the exit status is 2
 * when any file is invalid. With --print the canonical text of a valid file
 * (scn_print) goes to stdout: the form the parser reads back to an equal
 * scenario, with comments and default headers dropped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_print.h"
#include "sim/cli/raftsim_cli.h"

/* Parses `path` (borrowed; "-": standard input); prints its errors, its
 * canonical text (print) or one line saying it is valid. True when it
 * is valid. */
static bool validate_one(const char *path, bool print)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *sc = raftsim_load(path, diags);
    if (!sc) {
        scn_diags_print(diags, stderr);
        g_ptr_array_free(diags, TRUE);
        return false;
    }
    if (print) {
        GString *text = g_string_new(NULL);
        scn_print(sc, text);
        fputs(text->str, stdout);
        g_string_free(text, TRUE);
    } else {
        printf("%s: valid, %" PRIu32 " node%s", sc->file_name, sc->cluster,
               raftsim_plural(sc->cluster));
        if (sc->spare > 0)
            printf(" and %" PRIu32 " spare%s", sc->spare,
                   raftsim_plural(sc->spare));
        printf(", %u statement%s\n", sc->steps->len,
               raftsim_plural(sc->steps->len));
    }
    scn_scenario_free(sc);
    g_ptr_array_free(diags, TRUE);
    return true;
}

int raftsim_validate_main(int argc, char **argv)
{
    gboolean print = FALSE;
    GOptionEntry entries[] = {
        {"print", 'p', 0, G_OPTION_ARG_NONE, &print,
         "Print the canonical form of the (one) FILE instead of a line "
         "saying it is valid",
         NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx =
        g_option_context_new("FILE... - check scenarios without running them");
    g_option_context_set_summary(
        ctx,
        "Parses each scenario FILE (- reads standard input) and reports\n"
        "every error as FILE:LINE:COLUMN: error: WHAT on stderr, or a line\n"
        "saying it is valid. Nothing is simulated. Exit status: 0 every\n"
        "file is valid, 2 a file is invalid or the command line is.");
    g_option_context_add_main_entries(ctx, entries, NULL);

    int status = RAFTSIM_EXIT_INVALID;
    GError *err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        raftsim_complain("validate", "%s", err->message);
        g_error_free(err);
        goto out;
    }
    if (argc < 2) {
        raftsim_complain("validate", "no scenario file given (see --help)");
        goto out;
    }
    if (print && argc > 2) {
        raftsim_complain("validate", "--print takes exactly one FILE");
        goto out;
    }
    if (!raftsim_stdin_at_most_once("validate", argc, argv))
        goto out;
    bool all_valid = true;
    for (int i = 1; i < argc; i++)
        all_valid = validate_one(argv[i], print) && all_valid;
    status = all_valid ? RAFTSIM_EXIT_OK : RAFTSIM_EXIT_INVALID;
out:
    g_option_context_free(ctx);
    return status;
}
