/* tmp_tree.h: a test's scratch directory, made fresh and removed whole.
 *
 * Removal walks the tree itself and never follows a symbolic link (a test
 * may plant one to see that the program refuses it), so it deletes only
 * what lies below the directory it made.
 */
#ifndef TEST_TMP_TREE_H
#define TEST_TMP_TREE_H

/* A new empty directory in the system's temporary directory, named after
 * `template` (g_dir_make_tmp, e.g. "raftsim-cli-XXXXXX"); fails the test if
 * it cannot be made. Free with tmp_tree_remove(). */
char *tmp_tree_make(const char *template);

/* Writes `text` into dir/name, making the directories `name` goes
 * through; returns the path (g_free). Fails the test if it cannot. */
char *tmp_tree_write(const char *dir, const char *name, const char *text);

/* Removes `dir` and everything below it, then frees the string. */
void tmp_tree_remove(char *dir);

#endif /* TEST_TMP_TREE_H */
