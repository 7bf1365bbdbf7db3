#!/usr/bin/env python3
# scripts/heap-walk.py PID: what keeps an idle process's heap resident (root; glibc, x86-64).
#
# Walks the chunks of glibc's main arena ([heap]) of PID, reads which of its pages are resident
# (/proc/PID/pagemap, before the heap is read: reading maps pages in), and reports the resident
# pages that hold less than 1 KB of blocks in use, with the sizes and the first bytes of those
# blocks: the blocks that keep malloc_trim from giving a page back. Blocks in a per-thread cache
# (tcache) count as in use, as they do for glibc; they show the same 8-byte key at offset 8.
import sys, struct, re, collections
pid = int(sys.argv[1])
maps = open(f'/proc/{pid}/maps').read().splitlines()
heap = [l for l in maps if l.endswith('[heap]')][0]
start, end = [int(x, 16) for x in heap.split()[0].split('-')]
mem = open(f'/proc/{pid}/mem', 'rb', 0)
pm = open(f'/proc/{pid}/pagemap', 'rb', 0)
def resident(page):
    pm.seek(page // 4096 * 8); v = struct.unpack('<Q', pm.read(8))[0]
    return bool(v >> 63)
pages_total = (end - start) // 4096
res = [resident(start + p * 4096) for p in range(pages_total)]  # before reading: a read faults pages in
mem.seek(start); data = mem.read(end - start)
# chunks start at start (aligned 16); header: prev_size, size
off = 0
chunks = []
while off + 16 <= len(data):
    size = struct.unpack_from('<Q', data, off + 8)[0]
    csize = size & ~7
    if csize == 0 or off + csize > len(data): break
    chunks.append((off, csize))
    off += csize
inuse = []
for i, (o, s) in enumerate(chunks):
    nxt = o + s
    if nxt + 16 <= len(data):
        used = struct.unpack_from('<Q', data, nxt + 8)[0] & 1
    else:
        used = 0  # top
    inuse.append(bool(used))
page_users = collections.defaultdict(list)
for (o, s), u in zip(chunks, inuse):
    if not u: continue
    # user data from o+16 to o+s (+8 overlap with next prev_size)
    for p in range((o) // 4096, (o + s - 1) // 4096 + 1):
        page_users[p].append((o, s))
rp = sum(res)
used_pages = sum(1 for p in range(pages_total) if res[p] and page_users.get(p))
print(f'heap {pages_total*4} kB mapped, {rp*4} kB resident, {used_pages*4} kB resident pages with in-use chunks, chunks {len(chunks)} in use {sum(inuse)} bytes {sum(s for (o,s),u in zip(chunks,inuse) if u)}')
# pages pinned by few small chunks
hist = collections.Counter()
samples = collections.defaultdict(list)
for p in range(pages_total):
    us = page_users.get(p)
    if not res[p] or not us: continue
    b = sum(min(o + s, (p + 1) * 4096) - max(o, p * 4096) for o, s in us)
    if b < 1024:
        for o, s in us:
            hist[s] += 1
            if len(samples[s]) < 3:
                raw = data[o + 16:o + min(s, 200)]
                txt = re.sub(rb'[^ -~]', b'.', raw).decode()
                samples[s].append(txt)
print('pages with <1 KB in use:', sum(1 for p in range(pages_total) if res[p] and page_users.get(p) and sum(min(o + s, (p + 1) * 4096) - max(o, p * 4096) for o, s in page_users[p]) < 1024))
for s, n in hist.most_common(25):
    print(f'{n:5d} x chunk {s:6d}: ' + ' | '.join(x[:90] for x in samples[s][:2]))
