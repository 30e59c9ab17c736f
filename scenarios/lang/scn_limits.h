/* scn_limits.h: the size limits of scenario input (docs/scenario-language.md,
 * Lexical rules), shared by the lexer, which enforces them line by line,
 * and the parser, which enforces them on the whole input.
 */
#ifndef SCN_LIMITS_H
#define SCN_LIMITS_H

/* Longest accepted line, in bytes, without its line end. */
#define SCN_LINE_BYTES_MAX 4096u
/* Largest accepted input, in bytes. */
#define SCN_INPUT_BYTES_MAX (16u * 1024u * 1024u)
/* After this many diagnostics the parser stops and says so. */
#define SCN_DIAGS_MAX 1000u

#endif /* SCN_LIMITS_H */
