/* config.h
 * Wireshark's generated plugin.c includes "config.h", which only exists inside a Wireshark
 * source tree.  An out-of-tree plugin needs nothing from it: this file stands in for it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
