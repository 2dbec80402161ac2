/*
 * The last step of a child's start-up, after priv_drop() and before any
 * untrusted input: resource limits, Landlock where the process reads files,
 * and a seccomp filter that kills the process on any system call it was
 * not measured to need.
 */
#ifndef RIKLET_SANDBOX_H
#define RIKLET_SANDBOX_H

#include "riklet_msg.h"

void	sandbox_child(enum riklet_proc);

#endif
