#!/usr/bin/env python3
"""Attributes a process's resident pages of the steward executable to crates.

Usage (as root): python3 benches/rss_by_crate.py PID path/to/unstripped/steward
Reads /proc/PID/maps and /proc/PID/pagemap, maps each resident page to the ELF symbol at its
address (nm -n -C), and prints KiB per (permissions, crate), largest first. Build the binary
with CARGO_PROFILE_RELEASE_STRIP=false cargo build --release so it has symbols.
"""
import sys, re, struct, subprocess, bisect, collections
pid = int(sys.argv[1]); binary = sys.argv[2]
# ELF segments: file offset -> vaddr
segs = []
for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if p and p[0] == "LOAD":
        off, vaddr, fsz = int(p[1], 16), int(p[2], 16), int(p[4], 16)
        segs.append((off, vaddr, fsz))
def off2vaddr(o):
    for off, vaddr, fsz in segs:
        if off <= o < off + fsz: return vaddr + (o - off)
    return None
# symbols
syms = []
for line in subprocess.run(["nm", "-n", "-C", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    p = line.split(" ", 2)
    if len(p) == 3 and p[1] in "tTrRdDbBwW" :
        try: syms.append((int(p[0], 16), p[2]))
        except ValueError: pass
addrs = [a for a, _ in syms]
def crate_of(name):
    n = name
    m = re.match(r"^<?(?:&?(?:mut )?)?([A-Za-z_][A-Za-z0-9_]*)::", n)
    if m: return m.group(1)
    if n.startswith("sqlite3") or n.startswith("SQLITE"): return "sqlite(C)"
    if n.startswith("ring_") or "GFp" in n or n.startswith("ChaCha") or n.startswith("poly1305") or n.startswith("aes_") or n.startswith("bn_") or n.startswith("ecp_") or n.startswith("x25519"): return "ring(C/asm)"
    return "other:" + n[:30]
pagemap = open(f"/proc/{pid}/pagemap", "rb")
tot = collections.Counter()
for line in open(f"/proc/{pid}/maps"):
    p = line.split()
    if len(p) < 6 or not p[5].endswith("steward"): continue
    start, end = (int(x, 16) for x in p[0].split("-"))
    fileoff = int(p[2], 16)
    for va in range(start, end, 4096):
        pagemap.seek(va // 4096 * 8)
        entry = struct.unpack("<Q", pagemap.read(8))[0]
        if not (entry >> 63) & 1: continue
        v = off2vaddr(fileoff + (va - start))
        if v is None: tot["?"] += 4; continue
        i = bisect.bisect_right(addrs, v) - 1
        tot[(p[1], crate_of(syms[i][1]) if i >= 0 else "?")] += 4
perm = collections.Counter()
for (k, v) in tot.items():
    perm[k[0] if isinstance(k, tuple) else k] += v
print("by perm KB:", dict(perm))
for k, v in tot.most_common(40): print(v, k)
