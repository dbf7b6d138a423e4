/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runtime.waitReason values -> the runtime's own strings
 * (waitReasonStrings), per Go minor version: Go 1.26 reordered the table,
 * so a value means nothing without the version.
 */
#ifndef GOSTRAY_WAITREASONS_H
#define GOSTRAY_WAITREASONS_H

/* The text for reason in Go 1.minor, "" for waitReasonZero, NULL when the
 * value is out of the version's table or the version is unknown. */
const char *go_waitreason_name(int minor, unsigned reason);

/* Value of the reason whose text is name in Go 1.minor, -1 if none. */
int go_waitreason_value(int minor, const char *name);

#endif /* GOSTRAY_WAITREASONS_H */
