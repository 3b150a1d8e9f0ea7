import pytest

from camaudit.errors import DatabaseURLError
from camaudit.inventory import build_devices
from camaudit.models import Evidence, EvidenceKind
from camaudit.store import Store


def test_bad_urls_are_input_errors(tmp_path):
    with pytest.raises(DatabaseURLError, match="invalid database URL"):
        Store.open("not a url")
    with pytest.raises(DatabaseURLError, match="unsupported database URL"):
        Store.open("nosuchdb://x/y")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatabaseURLError):
        Store.open(f"sqlite:///{tmp_path / 'file' / 'sub' / 'db.sqlite'}")


def test_evidence_append_only_and_deduplicated(db_url):
    with Store.open(db_url) as store:
        audit = store.begin_audit("scan", "Council A", "Depot")
        ev = Evidence(EvidenceKind.HTTP, b"HTTP/1.1 200 OK\r\n\r\n", ip="127.0.0.9", port=80)
        first = store.add_evidence(audit.id, [ev])
        again = store.add_evidence(audit.id, [ev])
        assert first == again
        assert store.count_evidence(audit.id) == 1
        ((_eid, aid, back),) = list(store.iter_evidence())
        assert back.payload == ev.payload and back.ip == "127.0.0.9" and aid == audit.id
        assert back.sha256 == ev.sha256


def test_reopen_is_idempotent_and_wal(db_url, tmp_path):
    Store.open(db_url).close()
    with Store.open(db_url) as store:
        with store.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"


def test_devices_are_derived_and_rebuildable(db_url):
    with Store.open(db_url) as store:
        audit = store.begin_audit("import", "Council A", "Depot")
        store.add_evidence(
            audit.id,
            [
                Evidence(
                    EvidenceKind.MAC, b"c4:2f:90:00:00:01", ip="127.0.0.9", mac="c4:2f:90:00:00:01"
                ),
                Evidence(
                    EvidenceKind.HTTP,
                    b"HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n",
                    ip="127.0.0.9",
                    port=80,
                ),
                Evidence(EvidenceKind.HTTP, b"HTTP/1.1 200 OK\r\n\r\n", ip="127.0.0.10", port=80),
            ],
        )
        devs = build_devices(store, "Council A", audit_ids=[audit.id])
        assert len(devs) == 2
        stored = store.devices("Council A")
        by_ip = {d.ip: d for d in stored}
        assert by_ip["127.0.0.9"].identity.manufacturer == "Hikvision"
        assert by_ip["127.0.0.9"].key == "mac:c4:2f:90:00:00:01"
        assert by_ip["127.0.0.9"].site == "Depot"
        assert by_ip["127.0.0.10"].identity.manufacturer is None
        assert len(store.device_evidence(by_ip["127.0.0.9"].id)) == 2
        assert store.devices(restricted=True)[0].ip == "127.0.0.9"
        from camaudit.inventory import rebuild_devices

        assert rebuild_devices(store) == 2
        assert {d.key for d in store.devices()} == {d.key for d in stored}
