#!/usr/bin/env python3
"""The `hsync` command-line tool on a real library file written by a device process:
id, pair add/list/remove, status and log print what the file holds, and bad input is
refused with a message and a non-zero exit, changing nothing.

usage: cli_test.py HSYNC_CLI HSYNC_TEST_DEVICE
"""
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

cli, device = sys.argv[1], sys.argv[2]
failures = []
checks = 0


def check(what, condition):
    global checks
    checks += 1
    if not condition:
        failures.append(what)
        print("FAILED:", what)


def hsync(*args, expect=0):
    r = subprocess.run([cli, *args], capture_output=True, text=True, timeout=60)
    check(f"hsync {' '.join(args)} exits {expect} (got {r.returncode}: {r.stderr.strip()})", r.returncode == expect)
    return r.stdout + r.stderr


with tempfile.TemporaryDirectory() as d:
    db = str(Path(d) / "photos.db")
    # A device writes five shared changes and quits.
    out = subprocess.run([device, "--db", db, "--library", str(uuid.uuid4())],
                         input="tags 5 cli\ndelete-tags cli 1\nquit\n",
                         capture_output=True, text=True, timeout=120).stdout
    ready = out.splitlines()[0].split()
    check("the device started", ready[0] == "ready")
    device_id = ready[2]

    check("id prints the device's id", hsync("id", "--library", db).strip() == device_id)
    other = hsync("id", "--library", str(Path(d) / "laptop.db")).strip()
    check("a second library gets another id", len(other) == 63 and other != device_id)

    check("pair list starts empty", hsync("pair", "list", "--library", db).strip() == "")
    hsync("pair", "add", other, "--library", db)
    check("pair list shows the paired id", hsync("pair", "list", "--library", db).split() == [other])

    status = hsync("status", "--library", db)
    check("status names the device", device_id in status)
    check("status counts the history", "history  6 changes" in status)
    check("status shows the peer and its lag", other in status and "(lag 6)" in status)

    log = hsync("log", "--library", db, "--last", "2").splitlines()
    check("log --last 2 prints two entries", len(log) == 2)
    check("the newest entry is the delete", "tag" in log[-1] and "remove" in log[-1])
    check("log prints the changed fields", any('"canonical_name":"cli-4"' in line for line in log))

    typo = other[:-1] + ("A" if other[-1] != "A" else "B")
    message = hsync("pair", "add", typo, "--library", db, expect=1)
    check("a mistyped id is refused with a hint", "is not a device id" in message and "typo" in message)
    check("refusing changed nothing", hsync("pair", "list", "--library", db).split() == [other])
    check("an unknown command prints the usage", "usage:" in hsync("frob", "--library", db, expect=2))
    check("a missing --library says so", "--library" in hsync("status", expect=2))
    check("pairing oneself is refused", "own id" in hsync("pair", "add", device_id, "--library", db, expect=1))

    hsync("pair", "remove", other, "--library", db)
    check("pair remove empties the list", hsync("pair", "list", "--library", db).strip() == "")
    check("status says how to pair", "hsync pair add" in hsync("status", "--library", db))
    missing = str(Path(d) / "not-yet.db")
    check("a missing library file is not created",
          "no library file" in hsync("pair", "add", other, "--library", missing, expect=1)
          and not Path(missing).exists())

    # While the application runs and holds the library: the read-only commands work, the
    # writing ones are refused with the holder's pid, and the application is unharmed.
    app = subprocess.Popen([device, "--db", db, "--library", str(uuid.uuid4())],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        check("the application started again", app.stdout.readline().startswith("ready "))
        status = hsync("status", "--library", db)
        check("status works while the application runs", "history  6 changes" in status)
        check("log works while the application runs", len(hsync("log", "--library", db, "--last", "3").splitlines()) == 3)
        check("pair list works while the application runs", hsync("pair", "list", "--library", db).strip() == "")
        busy = hsync("pair", "add", other, "--library", db, expect=1)
        check("pair add is refused while the application runs, naming it",
              "in use" in busy and f"pid {app.pid}" in busy)
        app.stdin.write("tags 2 later\n")
        app.stdin.flush()
        check("the application still commits", app.stdout.readline().strip() == "ok")
        check("status sees the application's new commits", "history  8 changes" in hsync("status", "--library", db))
        app.stdin.write("quit\n")
        app.stdin.flush()
        app.wait(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
    check("pair list still empty: the refused pairing changed nothing",
          hsync("pair", "list", "--library", db).strip() == "")

print(f"{checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
