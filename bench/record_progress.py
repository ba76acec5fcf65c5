#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and prints, for each 10% mark of its progress bar, the time left
it showed beside the true time left. Usage: python3 bench/record_progress.py .build/release/gradscope run CONFIG --force"""
import os, pty, sys, time, re
args = sys.argv[1:]
start = time.time()
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
buf = b''; events = []
while True:
    try: data = os.read(fd, 4096)
    except OSError: break
    if not data: break
    t = time.time() - start
    for part in data.split(b'\r'):
        txt = part.decode(errors='replace').replace('\x1b[K','').strip()
        if txt: events.append((t, txt))
os.waitpid(pid, 0)
total = time.time() - start
def secs(s):
    m = re.search(r'(?:(\d+):)?(\d+)(?::(\d+))?(?: s)? left', s)
    if not m: return None
    if ' s left' in s: return int(re.search(r'(\d+) s left', s).group(1))
    parts = re.search(r'([\d:]+) left', s).group(1).split(':')
    v = 0
    for p in parts: v = v*60 + int(p)
    return v
shown = set()
for t, txt in events:
    m = re.search(r'\] (\d+)%', txt)
    if not m: continue
    pct = int(m.group(1))
    for mark in (10, 20, 30, 40, 50, 60, 70, 80, 90):
        if pct >= mark and mark not in shown:
            shown.add(mark); left = secs(txt); true = total - t
            err = (left - true) / true * 100 if left is not None and true > 0 else float('nan')
            print(f"{mark:3d}%  t={t:6.2f} s  shown {left} s  true {true:6.2f} s  error {err:+.0f}%   | {txt}")
print(f"total {total:.2f} s; last line: {events[-2][1] if len(events)>1 else ''}")
