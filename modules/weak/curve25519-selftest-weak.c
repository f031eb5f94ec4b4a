// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: the kernel's own curve25519 init self-test (lib/crypto/curve25519-selftest.c,
 * staged verbatim from the kernel tree) compiled against the WEAK design's API, so the
 * weak libcurve25519.ko runs the same self-test at init as 6.1's in-tree library.
 *
 * The self-test includes <crypto/curve25519.h>, whose inline curve25519() must not meet
 * the weak library's exported one: curve25519-weak.h declares the same API, and defining
 * that header's guard first makes the #include a no-op.
 */
#define KPLUG_WEAK_SELFTEST
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include "curve25519-weak.h"
#define CURVE25519_H

#include "curve25519-selftest.c"
