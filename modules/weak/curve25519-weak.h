/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kplug: declarations for the WEAK design of the curve25519 library/arch split
 * (Ard Biesheuvel's proposal, Oct 2019): the library (libcurve25519.ko) reaches
 * the arch implementation (curve25519-neon.ko) through a weak reference to
 * curve25519_arch, which the module loader either resolves or leaves at 0.
 *
 * Shared by libcurve25519.c, curve25519-neon-glue.c and the test driver. This
 * header replaces <crypto/curve25519.h> for the weak design; the two must not
 * meet in one translation unit (that one defines curve25519() as an inline).
 */
#ifndef KPLUG_CURVE25519_WEAK_H
#define KPLUG_CURVE25519_WEAK_H

#if defined(CURVE25519_H) && !defined(KPLUG_WEAK_SELFTEST)
#error "curve25519-weak.h and <crypto/curve25519.h> cannot be used together"
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
 * strong here: libcurve25519.c re-declares them __weak for its own reference.
 */
bool curve25519_arch(u8 out[CURVE25519_KEY_SIZE],
		     const u8 scalar[CURVE25519_KEY_SIZE],
		     const u8 point[CURVE25519_KEY_SIZE]);

bool curve25519_base_arch(u8 pub[CURVE25519_KEY_SIZE],
			  const u8 secret[CURVE25519_KEY_SIZE]);

/* libcurve25519.ko (weak design): the library API */
bool __must_check curve25519(u8 out[CURVE25519_KEY_SIZE],
			     const u8 scalar[CURVE25519_KEY_SIZE],
			     const u8 point[CURVE25519_KEY_SIZE]);

bool __must_check curve25519_generate_public(u8 pub[CURVE25519_KEY_SIZE],
					     const u8 secret[CURVE25519_KEY_SIZE]);

/* The kernel's lib/crypto/curve25519-selftest.c, built against this API. */
bool curve25519_selftest(void);

/* Whether the weak curve25519_arch reference resolved when the library loaded. */
bool curve25519_weak_arch_resolved(void);

/*
 * Calls the library has served so far, per path: *arch counts calls the arch
 * hook completed, *generic calls that ran curve25519_generic() (arch absent or
 * declined). generate_public() calls rejected for an all-zero secret count in
 * neither. Either pointer may be NULL.
 */
void curve25519_weak_path_counts(u64 *arch, u64 *generic);

#endif /* KPLUG_CURVE25519_WEAK_H */
