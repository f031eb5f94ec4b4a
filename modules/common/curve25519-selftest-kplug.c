// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: the kernel's own curve25519 init self-test (lib/crypto/curve25519-selftest.c,
 * staged verbatim from the kernel tree) compiled against kplug's library API, so every
 * out-of-tree libcurve25519.ko runs the same self-test at init as 6.1's in-tree library.
 *
 * The self-test includes <crypto/curve25519.h>, whose inline curve25519() must not meet
 * the library's exported one: curve25519-kplug.h declares the same API, and defining
 * that header's guard first makes the #include a no-op.
 */
#define KPLUG_SELFTEST
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include "curve25519-kplug.h"
#define CURVE25519_H

#include "curve25519-selftest.c"
