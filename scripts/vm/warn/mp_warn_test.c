// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose only job is to print a WARN when loaded, so that the test
 * of scripts/vm-run can prove that a kernel report fails a run. Loading
 * always fails afterwards, so nothing stays behind.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init mp_warn_test_init(void)
{
	WARN(1, "mp_warn_test: deliberate warning for the vm-run self-test\n");
	return -EAGAIN;
}
module_init(mp_warn_test_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Prints one WARN on load, to test scripts/vm-run");
