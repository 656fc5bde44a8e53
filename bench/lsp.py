#!/usr/bin/env python3
"""Benchmark of `plimsoll lsp` over a workspace holding the shared corpus.

Usage: bench/lsp.py BINARY [CORPUS]   (CORPUS defaults to ../shared/corpus;
DEBOUNCE_MS=N sets the server's debounce, default the server's own)

Prints: the time from `initialize` to the first diagnostics of the workspace; for a
2,000-line manifest open in it, the time from `didChange` to its diagnostics (median and
worst of 30 edits, measured by the client, so transport included) and the server's own part
(PLIMSOLL_TIMINGS=1 makes it log the time from receiving a change to publishing, debounce
included, and its parts: the changed file's own stages, the stages across objects, the
diagnostics sent); the time from `$/cancelRequest` to the answer of a request cancelled while
a change waits to be checked; the server's peak memory (VmHWM).
"""

import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

binary = sys.argv[1]
corpus = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else
                      pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus").resolve()

# A 2,000-line manifest of ordinary objects from the corpus.
parts, lines = [], 0
for folder in ["microservices-demo", "kubernetes-examples"]:
    for f in sorted((corpus / folder).rglob("*.yaml")):
        text = f.read_text(errors="replace")
        if "CustomResourceDefinition" in text or "{{" in text or "kind:" not in text:
            continue
        parts.append(text.strip("\n"))
        lines += text.count("\n") + 1
        if lines >= 2000:
            break
    if lines >= 2000:
        break
manifest = "\n---\n".join(parts) + "\n"
manifest_lines = manifest.count("\n")
doc = corpus / "__plimsoll_bench__.yaml"   # a buffer only: never written to disk
uri = doc.as_uri()

env = dict(os.environ, PLIMSOLL_TIMINGS="1")
proc = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
next_id = 0


def send(message):
    body = json.dumps(message).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def receive():
    length = 0
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("server closed")
        if line in (b"\r\n", b"\n"):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


def request(method, params):
    global next_id
    next_id += 1
    send({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params})
    while True:
        m = receive()
        if m.get("id") == next_id and "method" not in m:
            return m


def notify(method, params):
    send({"jsonrpc": "2.0", "method": method, "params": params})


server_times = []
server_parts = []


def wait_diagnostics(for_uri=None):
    while True:
        m = receive()
        if m.get("method") == "window/logMessage" and "checked in" in m["params"]["message"]:
            text = m["params"]["message"]
            server_times.append(float(text.split("checked in ")[1].split(" ")[0]))
            if "(" in text:
                server_parts.append([float(p.split(" ms")[0].split(" ")[-1])
                                     for p in text.split("(")[1].split(",")])
        if m.get("method") == "textDocument/publishDiagnostics":
            if for_uri is None or m["params"]["uri"] == for_uri:
                return m


start = time.perf_counter()
options = {}
if os.environ.get("DEBOUNCE_MS"):
    options["debounceMs"] = int(os.environ["DEBOUNCE_MS"])
request("initialize", {"processId": None, "rootUri": corpus.as_uri(), "capabilities": {},
                       "initializationOptions": options})
notify("initialized", {})
# A request that needs the workspace read (servers that push only after a first message).
send({"jsonrpc": "2.0", "id": 0, "method": "workspace/symbol", "params": {"query": "-"}})
wait_diagnostics()
first = time.perf_counter() - start
server_times.clear()

notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": manifest}})
wait_diagnostics(uri)
server_times.clear()
server_parts.clear()

# Edits that change the findings each time: an image's tag flips to `latest` and back.
client_times = []
all_lines = manifest.split("\n")
target_line = next(i for i, l in enumerate(all_lines) if l.strip().startswith("image:"))
original = all_lines[target_line]
start_col = original.index("image:") + len("image:")
latest = original[:start_col] + " nginx:latest"
for i in range(30):
    old, new = (original, latest) if i % 2 == 0 else (latest, original)
    t = time.perf_counter()
    notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": i + 2},
        "contentChanges": [{"range": {"start": {"line": target_line, "character": start_col},
                                      "end": {"line": target_line, "character": len(old)}},
                            "text": new[start_col:]}],
    })
    wait_diagnostics(uri)
    client_times.append((time.perf_counter() - t) * 1000)

# $/cancelRequest: a change, a request that must wait for its check, then its cancellation
# at once; the time from the cancellation to the answer (RequestCancelled, -32800).
cancel_times, cancel_codes = [], set()
for i in range(20):
    old, new = (original, latest) if i % 2 == 0 else (latest, original)
    notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 100 + i},
        "contentChanges": [{"range": {"start": {"line": target_line, "character": start_col},
                                      "end": {"line": target_line, "character": len(old)}},
                            "text": new[start_col:]}],
    })
    next_id += 1
    cancelled = next_id
    send({"jsonrpc": "2.0", "id": cancelled, "method": "workspace/symbol", "params": {"query": "zzz"}})
    t = time.perf_counter()
    notify("$/cancelRequest", {"id": cancelled})
    while True:
        m = receive()
        if m.get("id") == cancelled and "method" not in m:
            cancel_times.append((time.perf_counter() - t) * 1000)
            cancel_codes.add(m.get("error", {}).get("code"))
            break

hwm = "?"
with open(f"/proc/{proc.pid}/status") as status:
    for line in status:
        if line.startswith("VmHWM"):
            hwm = line.split(":")[1].strip()
request("shutdown", None)
notify("exit", None)
proc.wait(timeout=10)

files = sum(1 for _ in corpus.rglob("*.y*ml"))
print(f"workspace: {corpus} ({files} YAML files); manifest: {manifest_lines} lines")
print(f"initialize -> first diagnostics: {first * 1000:.0f} ms")
print(f"didChange -> diagnostics (client): median {statistics.median(client_times):.1f} ms, "
      f"max {max(client_times):.1f} ms over {len(client_times)} edits")
if server_times:
    print(f"  server's part (change received -> published): median {statistics.median(server_times):.1f} ms, "
          f"max {max(server_times):.1f} ms")
if server_parts:
    names = ["the file's own stages", "stages across objects", "diagnostics out"]
    medians = [statistics.median(p[i] for p in server_parts) for i in range(3)]
    print("  of which (medians): " + ", ".join(f"{n} {m:.1f} ms" for n, m in zip(names, medians)))
print(f"$/cancelRequest -> answer: median {statistics.median(cancel_times):.1f} ms, "
      f"max {max(cancel_times):.1f} ms over {len(cancel_times)} requests (codes {sorted(cancel_codes)})")
print(f"server peak memory (VmHWM): {hwm}")
