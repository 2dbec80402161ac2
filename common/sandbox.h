/*
 * The last step of a child's start-up, after priv_drop() and before any
 * untrusted input: resource limits, Landlock where the process reads files
 * or connects out, and a seccomp filter that kills the process on any
 * system call it was not measured to need.
 */
#ifndef RIKLET_SANDBOX_H
#define RIKLET_SANDBOX_H

#include <stdint.h>

#include "riklet_msg.h"

void	sandbox_child(enum riklet_proc);
void	sandbox_child_connect(enum riklet_proc, uint16_t);

#endif
