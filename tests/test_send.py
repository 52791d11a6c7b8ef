"""`aireport send` against a real SMTP server (aiosmtpd on 127.0.0.1): who gets what, once."""

from __future__ import annotations

import base64
import csv
import re
import subprocess
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from pathlib import Path

import pytest

from aireport.send import delivery
from aireport.send.personalise import verified_address

from smtp_server import Recorder, Server, free_port

SECRET = "a-test-secret-of-some-length"
SITE_UNSUBSCRIBE = "https://reports.example.org/ai/unsubscribe"  # tests/data/fixture/pyproject.toml


@pytest.fixture
def published(project, cli, monkeypatch) -> Path:
    """The fixture project with its 2020 e-mail edition published and the unsubscribe secret set."""
    monkeypatch.setenv("AIREPORT_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.setattr(delivery, "BACKOFF", 0.01)
    result = cli("publish", "2020", "--only", "email")
    assert result.exit_code == 0, result.output
    return project


def write_list(path: Path, addresses, extra: str = "") -> Path:
    path.write_text("email,name\n" + "".join(f"{a},读者 {i}\n" for i, a in enumerate(addresses)) + extra,
                    encoding="utf-8")
    return path


def send(cli, port: int, *args: str):
    return cli("send", "2020", "--smtp", f"127.0.0.1:{port}", "--rate", "0", "--connections", "3", *args)


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def personal_url(message) -> str:
    (url,) = re.findall(r"<(https://[^>]+)>", message["List-Unsubscribe"])
    return url


def test_each_recipient_gets_one_message_of_their_own_and_failures_are_recorded(published, cli):
    addresses = [f"reader{n}@example.org" for n in range(40)]
    answers = {"reader5@example.org": ["450 4.2.0 mailbox busy"],  # deferred, then accepted on the second try
               "reader6@example.org": ["421 4.3.2 closing"],  # the server hangs up; sent over a new connection
               "reader7@example.org": ["550 5.1.1 no such user"],  # failed for good
               "reader8@example.org": ["451 4.3.0 try later"] * 3}  # still deferred after three tries
    recorder = Recorder(answers, drop={"reader9@example.org"})  # connection cut in the middle of DATA
    listing = write_list(published / "list.csv", addresses,
                         extra="not-an-address,x\nREADER1@EXAMPLE.ORG,twin\nreader2@Example.org,dup\n")
    with Server(recorder) as port:
        result = send(cli, port, "--list", str(listing))
    assert result.exit_code == 0, result.output
    assert "list.csv:42: 'not-an-address' is not an e-mail address; skipped" in result.stderr
    assert "1 address listed twice, skipped" in result.stderr
    assert "1 address differing from another only in the case of the part before @; both are mailed" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "2020: sent 39, skipped 2 (1 invalid, 1 duplicate, 0 suppressed), failed permanently 1, "
        "deferred 1 (send again to retry them)")
    expected = {a for a in addresses if a not in ("reader7@example.org", "reader8@example.org")}
    expected.add("READER1@example.org")  # the local part's case may matter to the server: both are mailed
    assert set(recorder.counts) == expected and set(recorder.counts.values()) == {1}

    published_eml = parse((published / "dist" / "2020" / "email.eml").read_bytes())
    published_parts = [p.get_content() for p in published_eml.iter_parts()]
    message_ids = set()
    for recipient, data in recorder.received:
        message = parse(data)
        assert message["To"].addresses[0].addr_spec == recipient
        url = personal_url(message)
        assert url.startswith(SITE_UNSUBSCRIBE + "?")
        assert verified_address(url.split("?", 1)[1], SECRET.encode()) == recipient
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, html = (p.get_content() for p in message.iter_parts())
        assert text.count(url) == 1 and html.count(url.replace("&", "&amp;")) == 1
        assert text.replace(url, SITE_UNSUBSCRIBE) == published_parts[0]
        assert html.replace(url.replace("&", "&amp;"), SITE_UNSUBSCRIBE) == published_parts[1]
        assert message["Subject"] == published_eml["Subject"] and message.defects == []
        message_ids.add(message["Message-ID"])
    assert len(message_ids) == len(recorder.received)

    status = cli("sends", "2020").output
    assert status.startswith("2020: 39 sent, 1 failed, 1 deferred, 0 pending, 0 sending\n")
    assert "reader7@example.org: failed: 550 5.1.1 no such user" in status
    assert "reader8@example.org: deferred: 451 4.3.0 try later" in status

    with Server(recorder) as port:  # the next send retries only the deferred one
        again = send(cli, port, "--list", str(listing))
    assert again.exit_code == 0, again.output
    assert again.stderr.splitlines()[-1].startswith("2020: sent 1, ")
    assert "39 already sent by an earlier send" in again.stderr
    assert recorder.counts["reader8@example.org"] == 1 and recorder.counts["reader7@example.org"] == 0
    assert set(recorder.counts.values()) == {1} and "reader7@example.org" not in recorder.counts


def test_suppressed_addresses_are_skipped(published, cli):
    assert cli("suppress", "Reader1@example.org").output == "Reader1@example.org: suppressed\n"
    assert cli("suppress", "reader1@example.org").output == "reader1@example.org: already suppressed\n"
    recorder = Recorder()
    with Server(recorder) as port:
        result = send(cli, port, "--list", str(write_list(published / "l.csv", ["reader1@example.org",
                                                                                 "reader2@example.org"])))
    assert "1 address suppressed, skipped" in result.stderr
    assert list(recorder.counts) == ["reader2@example.org"]


def test_dry_run_and_proof_copy_record_nothing(published, cli):
    listing = write_list(published / "l.csv", ["a@example.org", "b@example.org"])
    recorder = Recorder()
    with Server(recorder) as port:
        dry = send(cli, port, "--list", str(listing), "--dry-run")
        proof = send(cli, port, "--test", "editor@example.org")
    assert dry.stdout == "a@example.org\nb@example.org\n"
    assert dry.stderr.endswith("2020: would send to 2; nothing sent (--dry-run)\n")
    assert proof.exit_code == 0 and list(recorder.counts) == ["editor@example.org"]
    assert cli("sends").output == "nothing sent yet\nsuppressed addresses: 0\n"


def test_too_many_failures_in_a_row_stop_the_send_and_the_next_send_tries_them_again(published, cli):
    addresses = [f"r{n}@example.org" for n in range(60)]
    listing = write_list(published / "l.csv", addresses)
    recorder = Recorder({a: ["550 5.7.1 relaying denied"] for a in addresses})
    with Server(recorder) as port:
        result = send(cli, port, "--list", str(listing))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: stopped after 20 recipients failed in a row (last: 550 5.7.1 relaying denied); "
        "they stay deferred: check [tool.aireport.smtp], then send again to resume")
    assert re.search(r"failed permanently 0, deferred 2\d \(send again to retry them\), not tried 3\d \(send "
                     r"again to send them\)$", result.stderr.splitlines()[-2]), result.stderr
    status = cli("sends", "2020").output  # a server refusing everyone says nothing of the recipients
    deferred = int(re.search(r"(\d+) deferred", status).group(1))
    assert "0 failed" in status and 20 <= deferred < 20 + 3  # the other connections finish what they hold
    assert f"{60 - deferred} pending" in status
    recorder = Recorder()  # the server is put right
    with Server(recorder) as port:
        again = send(cli, port, "--list", str(listing))
    assert again.exit_code == 0 and again.stderr.splitlines()[-1].startswith("2020: sent 60, ")
    assert set(recorder.counts) == set(addresses) and set(recorder.counts.values()) == {1}


@pytest.mark.parametrize("connections", ["1", "3"])
def test_a_paced_send_mails_everyone_to_the_last(published, cli, connections):
    """Slower than the hand-over's wait (0.2 s), so the queue is full when the list ends."""
    addresses = [f"r{n}@example.org" for n in range(6)]
    recorder = Recorder()
    with Server(recorder) as port:
        result = cli("send", "2020", "--smtp", f"127.0.0.1:{port}", "--rate", "4", "--connections", connections,
                     "--list", str(write_list(published / "l.csv", addresses)))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("2020: sent 6, ")
    assert set(recorder.counts) == set(addresses) and set(recorder.counts.values()) == {1}


@pytest.mark.parametrize("change, message", [
    (None, "AIREPORT_UNSUBSCRIBE_SECRET is not set"),
    ("report", "dist/2020/email.eml: out of date"),
    ("unpublished", "dist/2020/email.eml: no e-mail edition of 2020; run `aireport publish 2020` first"),
    ("empty", "l.csv: the list is empty"),
    ("columns", "l.csv:1: no `email` column in the header row (address, name)"),
])
def test_send_refuses_with_one_line(published, cli, monkeypatch, change, message):
    listing = write_list(published / "l.csv", ["a@example.org"])
    if change is None:
        monkeypatch.delenv("AIREPORT_UNSUBSCRIBE_SECRET")
    elif change == "report":
        issue = published / "issues" / "2020.md"
        issue.write_text(issue.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "unpublished":
        (published / "dist" / "2020" / "email.eml").unlink()
    elif change == "empty":
        listing.write_text("", encoding="utf-8")
    else:
        listing.write_text("address,name\na@example.org,A\n", encoding="utf-8")
    result = cli("send", "2020", "--list", str(listing), "--smtp", "127.0.0.1:9")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_a_password_is_never_sent_unencrypted_to_another_host(published, cli, monkeypatch):
    settings = published / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\n[tool.aireport.smtp]\nhost = "mail.example.org"\n'
                        'security = "none"\nusername = "news"\n', encoding="utf-8")
    result = cli("publish", "2020", "--only", "email")  # the settings are part of what the edition is made from
    monkeypatch.setenv("AIREPORT_SMTP_PASSWORD", "x")
    result = cli("send", "2020", "--test", "a@example.org")
    assert result.exit_code == 1
    assert "would send the password to mail.example.org unencrypted" in result.stderr


def test_dkim_signature_verifies(published, cli, tmp_path):
    import dkim

    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                            capture_output=True).stdout
    settings = published / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + f'\n[tool.aireport.smtp]\ndkim_key = "{key}"\n'
                        'dkim_selector = "news"\n', encoding="utf-8")
    assert cli("publish", "2020", "--only", "email").exit_code == 0
    recorder = Recorder()
    with Server(recorder) as port:
        result = send(cli, port, "--list", str(write_list(published / "l.csv", ["a@example.org", "b@example.org"])))
    assert result.exit_code == 0, result.output
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    asked = []

    def dns(name, timeout=5):
        asked.append(name)
        return record

    for _, data in recorder.received:
        assert data.startswith(b"DKIM-Signature:")
        assert dkim.verify(data, dnsfunc=dns)
        signed = re.search(rb"h=([^;]+);", data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")).group(1)
        assert b"list-unsubscribe-post" in signed.lower().replace(b" ", b"")
        assert not dkim.verify(data.replace(b"To: ", b"To: x", 1), dnsfunc=dns)  # a changed header fails
    assert set(asked) == {b"news._domainkey.example.org."}


NAMES = ["A" * 1200, "读者" * 200, "=?utf-8?q?not-decoded?=", "Smith, John", "读者 1", 'Quote "me"']


def test_any_name_makes_a_to_header_that_servers_take_and_readers_show_as_listed(published, cli):
    listing = published / "l.csv"
    with open(listing, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("email", "name"), *((f"n{i}@example.org", n) for i, n in enumerate(NAMES))])
    recorder = Recorder()
    with Server(recorder) as port:
        result = send(cli, port, "--list", str(listing))
    assert result.exit_code == 0 and result.stderr.splitlines()[-1].startswith(f"2020: sent {len(NAMES)}, ")
    for recipient, data in recorder.received:
        head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
        to_lines = re.search(r"^To: .*?(?=\r\n\S)", head, re.M | re.S).group(0).split("\r\n")
        assert max(map(len, to_lines)) <= 78 and max(map(len, head.split("\r\n"))) <= 998
        name, to = NAMES[int(recipient[1:].split("@")[0])], "".join(to_lines)[4:]
        if to.startswith("=?"):  # encoded words; Python's newer parser puts spaces between them (RFC 2047 does not)
            assert str(make_header(decode_header(to))) == f"{name} <{recipient}>"
        else:
            (address,) = parse(data)["To"].addresses
            assert (address.display_name, address.addr_spec) == (name, recipient)


@pytest.mark.parametrize("settings, message", [
    ("", "cannot connect: Connection refused; check host and port in [tool.aireport.smtp] (or --smtp)"),
    ('security = "tls"\n', "TLS failed: WRONG_VERSION_NUMBER; check host, port and security"),
    ('username = "news"\n', "the server offers no login (AUTH); remove username from [tool.aireport.smtp]"),
])
def test_a_server_that_cannot_take_the_send_stops_it_at_once_and_nobody_is_in_flight(
        published, cli, monkeypatch, settings, message):
    monkeypatch.setenv("AIREPORT_SMTP_PASSWORD", "secret")
    pyproject = published / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + "\n[tool.aireport.smtp]\n" + settings,
                         encoding="utf-8")
    listing = write_list(published / "l.csv", [f"r{n}@example.org" for n in range(5)])
    recorder = Recorder()
    with Server(recorder) as port:
        if not settings:
            port = free_port()  # nothing listens there
        result = send(cli, port, "--list", str(listing))
    assert result.exit_code == 1 and message in result.stderr.splitlines()[-1], result.stderr
    assert "Traceback" not in result.stderr and recorder.count == 0
    status = cli("sends", "2020").output
    assert "5 pending, 0 sending" in status and "in flight" not in status


@pytest.mark.parametrize("make_key, message", [
    (["openssl", "genrsa", "-aes128", "-passout", "pass:x", "2048"], "not an unencrypted RSA private key in PEM form"),
    (["openssl", "genpkey", "-algorithm", "ed25519"], "not an unencrypted RSA private key in PEM form"),
    (["openssl", "genrsa", "512"], "a 512-bit key, which receivers reject"),
])
def test_an_unusable_dkim_key_is_one_line_before_anything_is_sent(published, cli, tmp_path, make_key, message):
    key = tmp_path / "dkim.pem"
    key.write_bytes(subprocess.run(make_key, check=True, capture_output=True).stdout)
    pyproject = published / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + f'\n[tool.aireport.smtp]\ndkim_key = "{key}"\n'
                         'dkim_selector = "news"\n', encoding="utf-8")
    recorder = Recorder()
    with Server(recorder) as port:
        proof = send(cli, port, "--test", "editor@example.org")
        listed = send(cli, port, "--list", str(write_list(published / "l.csv", ["a@example.org"])))
    for result in (proof, listed):
        assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
        assert f"dkim.pem: {message}" in result.stderr and "openssl genrsa -out dkim.pem 2048" in result.stderr
    assert recorder.count == 0


def test_proof_copies_and_the_real_copy_each_have_their_own_message_id(published, cli):
    recorder = Recorder()
    with Server(recorder) as port:
        for _ in range(2):
            assert send(cli, port, "--test", "a@example.org").exit_code == 0
        assert send(cli, port, "--list", str(write_list(published / "l.csv", ["a@example.org"]))).exit_code == 0
    ids = [message["Message-ID"] for _, message in recorder.parsed()]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert all(re.fullmatch(r"<aireport-2020-[0-9a-f]{10}-[\w-]+@reports\.example\.org>", i) for i in ids), ids


@pytest.mark.parametrize("args, message", [
    (("send", "2020", "--test", "a@example.org", "--list", "l.csv"), "give --list to send to the subscribers or "
                                                                     "--test for one proof copy, not both"),
    (("send", "2020", "--list", "l.csv", "--rate", "nan"), "Invalid value for '--rate': nan: give 0 (no limit)"),
    (("send", "2020", "--list", "l.csv", "--rate", "1e-10"), "Invalid value for '--rate': 1e-10: give 0"),
    (("send", "2020", "--list", "l.csv", "--smtp", "::1"), "::1: give HOST:PORT, such as 127.0.0.1:25 or [::1]:25"),
    (("send", "2020", "--list", "l.csv", "--smtp", "a b:25"), "a b:25: give HOST:PORT"),
    (("send", "2020", "--list", "l.csv", "--smtp", "mail.example.org/x:25"), "give HOST:PORT"),
    (("send", "2020", "--list", "l.csv", "--smtp", "mail:25:26"), "give HOST:PORT"),
    (("sends", "abc"), "'abc' is not a year; give a four-digit year"),
])
def test_send_options_are_checked_with_one_line(published, cli, args, message):
    write_list(published / "l.csv", ["a@example.org"])
    result = cli(*args)
    assert result.exit_code != 0 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("text, message", [
    ("email,name,email\na@example.org,A,b@example.org\n", "l.csv:1: two `email` columns in the header row; keep one"),
    ("\n\n", "l.csv: the list is empty"),
    ("email,name\n\n\n", "l.csv: the list has a header row but no subscribers"),
    ("email,name\na@example.org,\"" + "A" * 140000 + "\"\n", "l.csv:2: not valid CSV: field larger than field limit"),
    ("email,name\na@example.org,A\nb@example.org,\"open\nc@example.org,C\n",
     "l.csv:3: a quoted field runs over 2 lines; close the quote"),
])
def test_a_list_that_cannot_be_read_is_one_line(published, cli, text, message):
    (published / "l.csv").write_text(text, encoding="utf-8")
    result = cli("send", "2020", "--list", "l.csv", "--dry-run")
    assert result.exit_code == 1 and result.stderr == f"Error: {message}" + result.stderr.split(message, 1)[1]
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("text, names, note", [
    ("\n\nemail;name\na@example.org;甲\nb@example.org;乙\n", ["甲", "乙"], None),  # semicolons; blank lines first
    ("email\tname\na@example.org\t甲\n", ["甲"], None),
    ("email,name\na@example.org,Smith, John\n", ["Smith, John"],
     "l.csv: line 2: more fields than the header row; the rest of the line was taken as the name; a name that "
     "holds a comma needs quotes (\"Smith, John\")"),
    ("name,email\nSmith, John,a@example.org\n", [""], None),  # the address column holds " John": not an address
])
def test_lists_as_spreadsheets_save_them(published, cli, text, names, note):
    (published / "l.csv").write_text(text, encoding="utf-8")
    recorder = Recorder()
    with Server(recorder) as port:
        result = send(cli, port, "--list", "l.csv")
    if note:
        assert note in result.stderr, result.stderr
    got = [parse(data)["To"].addresses[0].display_name for _, data in recorder.received]
    assert sorted(got) == sorted(n for n in names if n), result.stderr  # connections deliver in any order


def test_refused_addresses_are_failed_once_the_server_accepts_others_and_never_block_the_list(published, cli):
    bad = [f"bad{n}@gone.example.com" for n in range(25)]
    good = [f"good{n}@example.org" for n in range(10)]
    listing = write_list(published / "l.csv", bad + good)
    recorder = Recorder({a: ["550 5.1.1 no such user"] * 2 for a in bad})
    with Server(recorder) as port:
        first = cli("send", "2020", "--smtp", f"127.0.0.1:{port}", "--rate", "0", "--connections", "1",
                    "--list", str(listing))
        second = cli("send", "2020", "--smtp", f"127.0.0.1:{port}", "--rate", "0", "--connections", "1",
                     "--list", str(listing))
    assert first.exit_code == 1 and "stopped after 20 recipients failed in a row" in first.stderr
    assert second.exit_code == 0, second.stderr
    assert second.stderr.splitlines()[-1].startswith("2020: sent 10, skipped 0, failed permanently 25, deferred 0")
    assert set(recorder.counts) == set(good) and set(recorder.counts.values()) == {1}
    assert cli("sends", "2020").output.startswith("2020: 10 sent, 25 failed, 0 deferred, 0 pending, 0 sending")


@pytest.mark.parametrize("recorder, message, status", [
    (Recorder(mail="553 5.7.1 sender not allowed"),
     "the server refuses to send from editor@example.org: 553 5.7.1 sender not allowed; check email_from",
     "0 sent, 0 failed, 0 deferred, 4 pending, 0 sending"),
    (Recorder(data="554 5.7.0 message refused"),
     "the server accepted none of the messages it was offered (last: 554 5.7.0 message refused); they stay deferred",
     "0 sent, 0 failed, 4 deferred, 0 pending, 0 sending"),
])
def test_a_server_refusing_every_message_fails_nobody_for_good(published, cli, recorder, message, status):
    listing = write_list(published / "l.csv", [f"r{n}@example.org" for n in range(4)])
    with Server(recorder) as port:
        result = send(cli, port, "--list", str(listing))
    assert result.exit_code == 1 and message in result.stderr.splitlines()[-1], result.stderr
    assert status in cli("sends", "2020").output
