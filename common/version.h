/*
 * riklet's version: the tag of the infra image the runtime imports
 * (riklet/pause:<version>), so a new riklet brings its own pause.
 */
#ifndef RIKLET_VERSION_H
#define RIKLET_VERSION_H

#define RIKLET_VERSION		"0.2.0"

#endif
