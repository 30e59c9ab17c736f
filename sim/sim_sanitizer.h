/* sim_sanitizer.h: whether this build runs under AddressSanitizer.
 *
 * SIM_UNDER_ASAN is 1 when GCC or clang instruments the build for
 * AddressSanitizer, else 0. Code that would hide memory errors from it
 * (a free list handing blocks out again) or that it cannot run under (an
 * address-space limit far below its shadow memory) asks this one macro.
 */
#ifndef SIM_SANITIZER_H
#define SIM_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define SIM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_UNDER_ASAN 1
#endif
#endif
#ifndef SIM_UNDER_ASAN
#define SIM_UNDER_ASAN 0
#endif

#endif /* SIM_SANITIZER_H */
