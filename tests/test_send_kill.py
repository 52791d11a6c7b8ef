"""A 2,000-recipient send killed with SIGKILL at several moments, then resumed: nobody is missed,
and only messages in flight at a kill (at most --connections each time) can arrive twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from smtp_server import Recorder, Server
from test_send import SECRET, published, write_list  # noqa: F401 - the fixture and helpers

RECIPIENTS = 2000
CONNECTIONS = 4
KILL_AFTER = (150, 700, 1300)  # messages the server has stored when each send is killed


def start_send(project, port: int, listing, log) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), AIREPORT_UNSUBSCRIBE_SECRET=SECRET)
    return subprocess.Popen([sys.executable, "-m", "aireport", "send", "2020", "--list", str(listing),
                             "--smtp", f"127.0.0.1:{port}", "--rate", "0", "--connections", str(CONNECTIONS)],
                            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=log)


@pytest.mark.slow
def test_killed_sends_resume_without_missing_anyone(published, cli):  # noqa: F811
    addresses = [f"reader{n}@example.org" for n in range(RECIPIENTS)]
    listing = write_list(published / "list.csv", addresses)
    recorder = Recorder(keep=False)
    in_flight_seen = []
    with Server(recorder) as port:
        for threshold in KILL_AFTER:
            with open(published / "killed.log", "ab") as log:
                process = start_send(published, port, listing, log)
            deadline = time.monotonic() + 60
            while recorder.count < threshold and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            assert process.poll() is None, "the send finished before it could be killed"
            process.send_signal(signal.SIGKILL)
            process.wait()
            status = cli("sends", "2020").output
            in_flight_seen.append(int(re.search(r"(\d+) sending", status).group(1)))
        with open(published / "last.log", "wb") as log:
            last = start_send(published, port, listing, log)
            last.wait(timeout=120)
    assert last.returncode == 0, (published / "last.log").read_text(encoding="utf-8")

    assert all(0 <= n <= CONNECTIONS for n in in_flight_seen), in_flight_seen
    assert set(recorder.counts) == set(addresses)  # nobody missing
    repeats = sum(count - 1 for count in recorder.counts.values())
    status = cli("sends", "2020").output
    resent = int(re.search(r"(\d+) were in flight when a send was killed", status).group(1)) \
        if "in flight" in status else 0
    assert status.startswith(f"2020: {RECIPIENTS} sent, 0 failed, 0 deferred, 0 pending, 0 sending")
    assert resent == sum(in_flight_seen)
    assert repeats <= resent <= CONNECTIONS * len(KILL_AFTER)
    print(f"\nkilled after {KILL_AFTER} stored: in flight {in_flight_seen}, repeats {repeats}, "
          f"stored {recorder.count} for {RECIPIENTS} recipients")


def paced_send(project, port: int, listing, rate: int) -> subprocess.Popen:
    """`aireport send` at `rate` messages a second, its summary on a pipe."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), AIREPORT_UNSUBSCRIBE_SECRET=SECRET)
    return subprocess.Popen([sys.executable, "-m", "aireport", "send", "2020", "--list", str(listing),
                             "--smtp", f"127.0.0.1:{port}", "--rate", str(rate)], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(recorder: Recorder, count: int) -> None:
    deadline = time.monotonic() + 30
    while recorder.count < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_ctrl_c_stops_a_send_with_its_counts_and_the_rest_stays_pending(published, cli):  # noqa: F811
    recorder = Recorder(keep=False)
    with Server(recorder) as port:
        process = paced_send(published, port, write_list(published / "list.csv",
                                                         [f"reader{n}@example.org" for n in range(40)]), rate=20)
        wait_for(recorder, 5)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    lines = stderr.strip().splitlines()
    assert process.returncode == 1 and "Traceback" not in stderr, stderr
    assert lines[-1] == "Error: stopped by Ctrl-C; send again to resume"
    sent = int(re.match(r"2020: sent (\d+), ", lines[-2]).group(1))
    assert sent == recorder.count and f"not tried {40 - sent} (send again to send them)" in lines[-2], lines[-2]
    assert f"{sent} sent, 0 failed, 0 deferred, {40 - sent} pending, 0 sending" in cli("sends", "2020").output


def test_an_address_suppressed_during_a_send_is_not_mailed(published, cli):  # noqa: F811
    recorder = Recorder(keep=False)
    with Server(recorder) as port:
        process = paced_send(published, port, write_list(published / "list.csv",
                                                         [f"reader{n}@example.org" for n in range(16)]), rate=10)
        wait_for(recorder, 3)
        assert cli("suppress", "Reader14@example.org").exit_code == 0  # as the unsubscribe endpoint does
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "reader14@example.org" not in recorder.counts and len(recorder.counts) == 15
    assert stderr.splitlines()[-1].startswith("2020: sent 15, ") and "1 unsubscribed while the send ran" in stderr
    assert cli("sends", "2020").output.startswith("2020: 15 sent, 0 failed, 0 deferred, 0 pending, 0 sending, "
                                                  "1 unsubscribed before they were mailed\n")


def test_ctrl_c_while_the_last_messages_are_in_flight_lets_them_finish(published, cli):  # noqa: F811
    """Ctrl-C, twice, as the send winds down: the messages the server holds are answered and recorded,
    so the next send mails nobody twice."""
    listing = write_list(published / "list.csv", [f"reader{n}@example.org" for n in range(4)])
    recorder = Recorder(keep=False, delay=2)
    with Server(recorder) as port:
        process = paced_send(published, port, listing, rate=0)
        wait_for(recorder, 2)
        for _ in range(2):
            process.send_signal(signal.SIGINT)
            time.sleep(0.3)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 1 and stderr.splitlines()[-1] == "Error: stopped by Ctrl-C; send again to resume"
        assert stderr.splitlines()[-2].startswith("2020: sent 2, "), stderr
        assert cli("sends", "2020").output.startswith("2020: 2 sent, 0 failed, 0 deferred, 2 pending, 0 sending\n")
        recorder.delay = 0
        again = paced_send(published, port, listing, rate=0)
        _, stderr = again.communicate(timeout=30)
    assert again.returncode == 0 and stderr.splitlines()[-1].startswith("2020: sent 2, "), stderr
    assert sorted(recorder.counts.values()) == [1, 1, 1, 1]
