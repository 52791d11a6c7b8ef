"""[tool.aireport] settings: defaults, validation with every problem at once, overrides."""

from __future__ import annotations

import pytest

from aireport.config import Config, load_config
from aireport.errors import ConfigError


def test_defaults_work_without_a_pyproject(tmp_path):
    config = load_config(tmp_path)
    assert config == Config(root=tmp_path)
    assert config.output_dir == (tmp_path / "dist").resolve()
    assert config.paper == "A5"


def test_settings_are_read_and_site_url_loses_its_slash(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aireport]\nsite_url = "https://example.org/ai/"\npaper = "A4"\nfeed_limit = 3\n', encoding="utf-8")
    config = load_config(tmp_path)
    assert (config.site_url, config.paper, config.feed_limit) == ("https://example.org/ai", "A4", 3)
    assert config.url("2020/") == "https://example.org/ai/2020/"


def test_every_problem_is_reported_at_once_with_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.aireport]\nsite_url = "example.org"\npaper = "A3"\n'
        'titel = "t"\nfeed_limit = "5"\ncontact = "nobody"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.message.splitlines() == [
        "pyproject.toml:5: [tool.aireport] site_url: must be an absolute http(s) URL such as https://example.org",
        "pyproject.toml:6: [tool.aireport] paper: must be one of A5, A4",
        "pyproject.toml:7: [tool.aireport] titel: unknown setting; did you mean 'title'?",
        "pyproject.toml:8: [tool.aireport] feed_limit: must be a whole number",
        "pyproject.toml:9: [tool.aireport] contact: must be an e-mail address such as editor@example.org",
    ]


def test_invalid_toml_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.aireport\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^pyproject.toml: invalid TOML: "):
        load_config(tmp_path)


def test_command_line_overrides_are_validated_and_name_the_flag(tmp_path):
    config = load_config(tmp_path)
    assert config.with_overrides(site_url="https://other.example/", output=None).site_url == "https://other.example"
    with pytest.raises(ConfigError) as caught:
        config.with_overrides(site_url="ftp://x")
    assert caught.value.message == "--site-url ftp://x: must be an absolute http(s) URL such as https://example.org"


def test_smtp_settings_are_a_table_of_their_own_checked_with_the_rest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aireport]\nemail = "short"\n\n[tool.aireport.smtp]\nhost = "mail.example.org:25"\n'
        'security = "ssl"\nport = "587"\npassword = "hunter2"\nusernme = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.message.splitlines() == [
        'pyproject.toml:2: [tool.aireport] email: must be "full" (the whole report) or "digest" '
        '(a summary linking to the web page)',
        "pyproject.toml:5: [tool.aireport.smtp] host: must be a host name such as smtp.example.org, or an IP "
        "address (the port is `port`)",
        "pyproject.toml:6: [tool.aireport.smtp] security: must be one of starttls, tls, none",
        "pyproject.toml:7: [tool.aireport.smtp] port: must be a whole number",
        "pyproject.toml:8: [tool.aireport.smtp] password: a password is never read from a file; "
        "set AIREPORT_SMTP_PASSWORD in the environment",
        "pyproject.toml:9: [tool.aireport.smtp] usernme: unknown setting; did you mean 'username'?",
    ]


def test_smtp_defaults_and_the_command_line_address(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.aireport.smtp]\nhost = "smtp.example.org"\nsecurity = "tls"\n',
                                             encoding="utf-8")
    config = load_config(tmp_path)
    assert config.smtp.address == ("smtp.example.org", 465) and not config.smtp.loopback
    assert config.with_overrides(site_url="https://a.example").smtp == config.smtp
    local = config.with_smtp("127.0.0.1", 2525).smtp
    assert local.address == ("127.0.0.1", 2525) and local.loopback and local.security == "tls"
    assert load_config(tmp_path / "nowhere").smtp.address == ("localhost", 25)  # a local Postfix
    assert config.with_smtp("smtp.example.org").smtp.address == ("smtp.example.org", 465)
