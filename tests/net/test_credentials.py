"""User-supplied credentials: loading, matching by scope, and never showing a secret."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from camaudit.errors import InputError
from camaudit.net.credentials import CredentialStore, Secret, scrub

PASSWORD = "Tr0ub4dor&3-unique"
FILE = f"""
- scope: 10.1.20.0/24
  site: Town Hall
  username: audit
  password: "{PASSWORD}"
  protocols: [onvif, isapi]
- scope: [10.1.20.7, 10.1.30.1-9]
  username: special
  password_env: CAMAUDIT_TEST_PW
- scope: 10.0.0.0/8
  username: wide
  password: "wide-{PASSWORD}"
"""


def load(tmp_path: Path, text: str, **env: str) -> CredentialStore:
    path = tmp_path / "creds.yaml"
    path.write_text(text)
    import yaml

    return CredentialStore.from_data(yaml.safe_load(text), source=str(path), environ=env)


def test_most_specific_entry_wins_then_protocol_and_site(tmp_path: Path) -> None:
    store = load(tmp_path, FILE, CAMAUDIT_TEST_PW="from-env")
    assert len(store) == 3
    special = store.for_address("10.1.20.7", "dahua_http")
    assert special is not None and special.entry == 2
    assert special.password.reveal() == "from-env"
    town = store.for_address("10.1.20.8", "isapi")
    assert town is not None and town.entry == 1 and town.username.reveal() == "audit"
    # protocols limit: entry 1 is not for dahua_http, so the wider entry applies
    wide = store.for_address("10.1.20.8", "dahua_http")
    assert wide is not None and wide.entry == 3
    # a scan of another site does not use the Town Hall entry
    other_site = store.for_address("10.1.20.8", "isapi", site="Depot")
    assert other_site is not None and other_site.entry == 3
    assert store.for_address("192.0.2.1", "onvif") is None
    assert store.for_address("not-an-ip", "onvif") is None


def test_load_from_file_and_mapping_form(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"credentials:\n  - scope: 127.0.0.1\n    username: u\n    password: '{PASSWORD}'\n"
    )
    store = CredentialStore.load(path)
    cred = store.for_address("127.0.0.1", "onvif")
    assert cred is not None and cred.password.reveal() == PASSWORD


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("- scope: 10.0.0.0/8\n  username: u\n", "exactly one of password"),
        ("- scope: 10.0.0.0/8\n  username: u\n  password: 1234\n", "password must be a string"),
        ("- scope: nowhere\n  username: u\n  password: SECRETVALUE\n", "bad scope"),
        ("- username: u\n  password: SECRETVALUE\n", "scope must be"),
        ("- scope: 10.0.0.1\n  password: SECRETVALUE\n", "username"),
        (
            "- scope: 10.0.0.1\n  username: u\n  password: SECRETVALUE\n  protocols: [telnet]\n",
            "unknown protocol",
        ),
        (
            "- scope: 10.0.0.1\n  username: u\n  password: SECRETVALUE\n  pasword: x\n",
            "unknown key",
        ),
        ("- scope: 10.0.0.1\n  username: u\n  password_env: NOPE_NOT_SET\n", "NOPE_NOT_SET"),
        ("just a string", "expected a list"),
        ("- [1, 2]", "expected a mapping"),
    ],
)
def test_errors_name_the_entry_never_the_secret(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        load(tmp_path, text)
    message = str(info.value)
    assert fragment in message
    assert "SECRETVALUE" not in message
    if text.startswith("- "):
        assert "entry 1" in message


def test_site_is_named_in_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"entry 2 \(site 'Depot'\)"):
        load(
            tmp_path,
            "- scope: 10.0.0.1\n  username: u\n  password: a\n"
            "- scope: 10.0.0.2\n  site: Depot\n  username: u\n",
        )


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        CredentialStore.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"- scope: [\n  password: {PASSWORD}\n")
    with pytest.raises(InputError) as info:
        CredentialStore.load(bad)
    assert "not valid YAML" in str(info.value) and PASSWORD not in str(info.value)


def test_nothing_prints_a_secret(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = load(tmp_path, FILE, CAMAUDIT_TEST_PW="env-secret-value")
    cred = store.for_address("10.1.20.8", "isapi")
    assert cred is not None
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("using %s / %r / %s", cred, cred, store)
    shown = " ".join(
        [repr(cred), str(cred), f"{cred}", f"{cred.password}", f"{cred.password!r}", repr(store)]
        + [r.getMessage() for r in caplog.records]
    )
    for secret in (PASSWORD, "audit", "env-secret-value"):
        assert secret not in shown
    assert "<redacted>" in repr(cred) and "entry=1" in repr(cred)
    with pytest.raises(TypeError):
        pickle.dumps(cred.password)


def test_secret_equality_and_hash() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert hash(Secret("a")) == hash(Secret("b"))


def test_scrub_removes_auth_headers_security_blocks_and_the_password(tmp_path: Path) -> None:
    store = load(tmp_path, FILE, CAMAUDIT_TEST_PW="x")
    cred = store.for_address("10.1.20.8", "isapi")
    payload = (
        b'HTTP/1.1 200 OK\r\nAuthorization: Digest username="audit", response="abc"\r\n'
        b"Proxy-Authorization: Basic Zm9v\r\n\r\n<s:Envelope><s:Header><wsse:Security><wsse:Password>"
        b"digest</wsse:Password></wsse:Security></s:Header><b>echo " + PASSWORD.encode() + b"</b>"
    )
    out = scrub(payload, cred)
    assert b"Authorization" not in out and b"response=" not in out
    assert b"wsse:Password" not in out
    assert PASSWORD.encode() not in out
    assert out.startswith(b"HTTP/1.1 200 OK\r\n")
    assert scrub(b"plain", None) == b"plain"
