/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kplug: the library API shared by the out-of-tree designs of the curve25519
 * library/arch split (weak, softdep, static-call): each design's libcurve25519.ko
 * exports curve25519(), curve25519_generate_public() and the two kplug hooks
 * below, and reaches the arch implementation (curve25519-neon.ko) its own way:
 *   weak         a weak reference to curve25519_arch, resolved (or not) at load;
 *   softdep      symbol_get(curve25519_arch) per call, MODULE_SOFTDEP pre;
 *   static-call  a static call the arch module updates at init and restores at exit.
 *
 * Shared by every design's library, curve25519-neon-glue.c and the test driver.
 * It replaces <crypto/curve25519.h>; the two must not meet in one translation
 * unit (that one defines curve25519() as an inline).
 */
#ifndef KPLUG_CURVE25519_H
#define KPLUG_CURVE25519_H

#if defined(CURVE25519_H) && !defined(KPLUG_SELFTEST)
#error "curve25519-kplug.h and <crypto/curve25519.h> cannot be used together"
#endif

#include <linux/types.h>

enum curve25519_lengths {
	CURVE25519_KEY_SIZE = 32
};

/* libcurve25519-generic.ko (in-tree lib/crypto/curve25519-generic.c) */
extern const u8 curve25519_null_point[];
extern const u8 curve25519_base_point[];

void curve25519_generic(u8 out[CURVE25519_KEY_SIZE],
			const u8 scalar[CURVE25519_KEY_SIZE],
			const u8 point[CURVE25519_KEY_SIZE]);

/*
 * curve25519-neon.ko: the arch hooks. They return true when they computed the
 * result, false when they could not serve the call (SIMD not usable in this
 * context); the library then falls back to curve25519_generic(). Declared
 * strong here: the weak library re-declares them __weak for its own reference,
 * the softdep library only names them in symbol_get() (no relocation).
 */
bool curve25519_arch(u8 out[CURVE25519_KEY_SIZE],
		     const u8 scalar[CURVE25519_KEY_SIZE],
		     const u8 point[CURVE25519_KEY_SIZE]);

bool curve25519_base_arch(u8 pub[CURVE25519_KEY_SIZE],
			  const u8 secret[CURVE25519_KEY_SIZE]);

/* libcurve25519.ko (every out-of-tree design): the library API */
bool __must_check curve25519(u8 out[CURVE25519_KEY_SIZE],
			     const u8 scalar[CURVE25519_KEY_SIZE],
			     const u8 point[CURVE25519_KEY_SIZE]);

bool __must_check curve25519_generate_public(u8 pub[CURVE25519_KEY_SIZE],
					     const u8 secret[CURVE25519_KEY_SIZE]);

/* The kernel's lib/crypto/curve25519-selftest.c, built against this API. */
bool curve25519_selftest(void);

/* Whether the library reaches the arch code now (weak: the reference resolved at load). */
bool curve25519_kplug_arch_bound(void);

/*
 * Calls the library has served so far, per path: *arch counts calls the arch
 * hook completed, *generic calls that ran curve25519_generic() (arch absent or
 * declined). generate_public() calls rejected for an all-zero secret count in
 * neither. Either pointer may be NULL.
 */
void curve25519_kplug_path_counts(u64 *arch, u64 *generic);

/* static-call design: the call the arch module retargets, and the library's default. */
bool curve25519_impl_none(u8 out[CURVE25519_KEY_SIZE],
			  const u8 scalar[CURVE25519_KEY_SIZE],
			  const u8 point[CURVE25519_KEY_SIZE]);

#endif /* KPLUG_CURVE25519_H */
