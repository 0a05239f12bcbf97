"""Stopping the processes tests start: politely first, then for sure, so none outlives its test."""

from __future__ import annotations

import os
import signal
import subprocess

GRACE_SECONDS = 10.0


def stop_process(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace` seconds; returns once it has exited."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def stop_group(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """The same for a process started with start_new_session=True and everything it started (its group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        process.wait()
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
