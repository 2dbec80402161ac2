#!/usr/bin/env python3
# bench/pss_alone.py PID...: the PSS in kB of each process named, as if no
# other riklet ran on the machine (root).  PSS shares a page among every
# process that maps it, so other engineers' riklets (and a base build
# measured in the same run) make ours look smaller; this counts a page's
# share among the processes named and the processes that are not a
# riklet (libc's pages stay shared with the rest of the system).
#
# For each page the processes named map (/proc/PID/pagemap), the number
# of mappings of the page (/proc/kpagecount) less those of other riklet
# processes (found by their names, "riklet..." ) is what it is shared by.
# Prints "PID KB" lines.  An estimate: kpagecount of a page in a large
# folio is the kernel's figure for the folio's page.
import os
import struct
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")

HUGE = 1 << 40         # a mapping larger than this is skipped


def pfns(pid):
    """Every present page of pid: {pfn: times mapped by pid}."""
    out = {}
    with open(f"/proc/{pid}/maps") as maps, \
            open(f"/proc/{pid}/pagemap", "rb") as pm:
        for line in maps:
            f = line.split()
            a, b = (int(x, 16) for x in f[0].split("-"))
            if len(f) > 5 and f[5] in ("[vsyscall]", "[vvar]",
                                       "[vvar_vclock]", "[vdso]"):
                continue
            # A sanitizer's shadow (terabytes, anonymous) shares no
            # page with a riklet; its pagemap would not fit in memory.
            if b - a > HUGE:
                continue
            pm.seek(a // PAGE * 8)
            data = pm.read((b - a) // PAGE * 8)
            for (e,) in struct.iter_unpack("<Q", data):
                if e >> 63 & 1:
                    pfn = e & ((1 << 55) - 1)
                    if pfn:
                        out[pfn] = out.get(pfn, 0) + 1
    return out


def riklets(exclude):
    """The pids of other riklet processes (any build, any user)."""
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in exclude:
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")[0]
            with open(f"/proc/{d}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if cmd.startswith(b"riklet") or comm.startswith("riklet"):
            yield int(d)


def main():
    ours = [int(p) for p in sys.argv[1:]]
    mine = {p: pfns(p) for p in ours}
    foreign = {}
    for p in riklets(set(ours)):
        try:
            for pfn, n in pfns(p).items():
                foreign[pfn] = foreign.get(pfn, 0) + n
        except OSError:
            continue
    with open("/proc/kpagecount", "rb") as kc:
        count = {}
        for pfn in set().union(*mine.values()):
            kc.seek(pfn * 8)
            (count[pfn],) = struct.unpack("<Q", kc.read(8))
    for p in ours:
        kb = 0.0
        for pfn, n in mine[p].items():
            shared = max(count[pfn] - foreign.get(pfn, 0), n)
            kb += n / shared * PAGE / 1024
        print(p, int(kb))


main()
