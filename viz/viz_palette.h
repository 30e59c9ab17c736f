/* viz_palette.h: every colour the pictures draw with, named once
 * (private to viz/).
 *
 * The hues follow the Okabe-Ito palette where they carry meaning, so that
 * they stay apart for every kind of colour blindness; greys are named by
 * their level. viz.h's colour functions (roles, terms, messages,
 * membership) and the drawing code use these names only; the replay page
 * gets the membership colours from them too (viz_html.c). Term fills are
 * a palette of their own (viz_common.c).
 */
#ifndef VIZ_PALETTE_H
#define VIZ_PALETTE_H

enum viz_palette {
    /* Hatching over a paused span, plot shading. */
    VIZ_PAL_BLACK = 0x000000,
    /* Titles, lane and row names, lost-message crosses, term numbers. */
    VIZ_PAL_INK = 0x1a1a1a,
    /* Words inside bands, bars and blocks. */
    VIZ_PAL_TEXT = 0x222222,
    /* Captions, legend words, commit ticks, client notches. */
    VIZ_PAL_INK_SOFT = 0x333333,
    /* Axis labels, follower term labels, words in washed bands. */
    VIZ_PAL_GREY_44 = 0x444444,
    /* Frames of snapshot blocks, plot axes. */
    VIZ_PAL_GREY_4D = 0x4d4d4d,
    /* Secondary text; a message type without a hue. */
    VIZ_PAL_GREY_55 = 0x555555,
    /* The log diagram's index numbers. */
    VIZ_PAL_GREY_66 = 0x666666,
    /* Row details, client names. */
    VIZ_PAL_GREY_77 = 0x777777,
    /* Pending requests in the plots. */
    VIZ_PAL_GREY_7F = 0x7f7f7f,
    /* Pending client bars, crashed rows, the "checks" caption. */
    VIZ_PAL_GREY_88 = 0x888888,
    /* Outlines of washed-out bands. */
    VIZ_PAL_GREY_8A = 0x8a8a8a,
    /* The timeline's axis and ticks. */
    VIZ_PAL_GREY_99 = 0x999999,
    /* A crashed node's band. */
    VIZ_PAL_CRASHED = 0xa0a0a0,
    /* The dotted edge of a non-member's band. */
    VIZ_PAL_GREY_B0 = 0xb0b0b0,
    /* The texture of snapshot blocks. */
    VIZ_PAL_GREY_D4 = 0xd4d4d4,
    /* Rules between the picture and its legend. */
    VIZ_PAL_RULE = 0xdddddd,
    /* The timeline's grid lines. */
    VIZ_PAL_GREY_E6 = 0xe6e6e6,
    /* Snapshot blocks. */
    VIZ_PAL_SNAPSHOT = 0xe8e8e8,
    /* The veil after a frame's "now". */
    VIZ_PAL_GREY_F0 = 0xf0f0f0,
    /* The client lane's background. */
    VIZ_PAL_CLIENT_LANE = 0xf6f6f6,
    /* Background, term 0, halos. */
    VIZ_PAL_WHITE = 0xffffff,
    /* Followers. */
    VIZ_PAL_SKY_LIGHT = 0xa6d4f2,
    /* Candidates, TimeoutNow, retried requests. */
    VIZ_PAL_ORANGE = 0xe69f00,
    /* Leaders, throughput. */
    VIZ_PAL_BLUE = 0x0072b2,
    /* A leader's term label. */
    VIZ_PAL_BLUE_DARK = 0x00507e,
    /* ReadIndex. */
    VIZ_PAL_SKY = 0x56b4e9,
    /* ReadIndex replies. */
    VIZ_PAL_SKY_DARK = 0x2b6f99,
    /* Votes, failed requests, cuts, outgoing voters. */
    VIZ_PAL_VERMILLION = 0xd55e00,
    /* Vote replies. */
    VIZ_PAL_VERMILLION_DARK = 0x8a3c00,
    /* A failed request's bar. */
    VIZ_PAL_VERMILLION_PALE = 0xf7d9c4,
    /* PreVote. */
    VIZ_PAL_PINK = 0xcc79a7,
    /* PreVote replies. */
    VIZ_PAL_PINK_DARK = 0x8f4a74,
    /* AppendEntries, succeeded requests. */
    VIZ_PAL_GREEN = 0x009e73,
    /* AppendEntries replies. */
    VIZ_PAL_GREEN_DARK = 0x00634a,
    /* Heartbeats and their acks. */
    VIZ_PAL_GREEN_PALE = 0xa9d8c8,
    /* A succeeded request's bar. */
    VIZ_PAL_GREEN_FILL = 0xcdeee2,
    /* Held checks. */
    VIZ_PAL_PINE = 0x2e7d5b,
    /* InstallSnapshot. */
    VIZ_PAL_PURPLE = 0x6a3d9a,
    /* InstallSnapshot replies. */
    VIZ_PAL_PURPLE_DARK = 0x43215f,
    /* Violations, failed checks, entries a leader lacks. */
    VIZ_PAL_RED = 0xc00000,
    /* Unavailable time in the plots. */
    VIZ_PAL_ROSE = 0xf4d8d8,
    /* Leadership transfers. */
    VIZ_PAL_MAGENTA = 0xc51b7d,
    /* Voters, configuration entries. */
    VIZ_PAL_SLATE = 0x3d4f63,
    /* Learners. */
    VIZ_PAL_TEAL = 0x2fa39a,
    /* Joint: voters of both halves. */
    VIZ_PAL_VIOLET = 0x8e63b5,
    /* Joint: incoming voters. */
    VIZ_PAL_LEAF = 0x3a9a4a,
    /* Partition and heal notes. */
    VIZ_PAL_DUSK = 0x5b4f8a,
    /* A partition's edges, and the line between two of its sides. */
    VIZ_PAL_LAVENDER = 0x8a7fb0,
    /* The lanes of the partition side with a quorum of the voters (as the
     * replay page's majority region). */
    VIZ_PAL_MAJORITY_TINT = 0xdcf1e1,
    /* The lanes of the sides without one (minority, cut off), in turn so
     * that neighbouring sides differ. */
    VIZ_PAL_MINORITY_TINT = 0xeceff2,
    VIZ_PAL_MINORITY_TINT_2 = 0xdde1e6,
    VIZ_PAL_MINORITY_TINT_3 = 0xe9e4dc,
    /* Cut notes. */
    VIZ_PAL_RUST = 0xa04000,
    /* "N not shown" blocks. */
    VIZ_PAL_BEIGE = 0xeadfc2,
    /* Their dashed edge. */
    VIZ_PAL_OCHRE = 0x8a6d1f,
    /* Their words. */
    VIZ_PAL_BROWN = 0x3d2f08,
};

#endif /* VIZ_PALETTE_H */
