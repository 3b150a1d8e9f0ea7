from camaudit.models import Evidence, EvidenceKind
from camaudit.store import Store
from camaudit.store.journal import JobOutcome, ScanJournal, latest_unfinished_scan


def test_journal_is_idempotent_and_atomic_per_batch(db_url):
    with Store.open(db_url) as store:
        audit = store.begin_audit("scan", "Org")
        journal = ScanJournal(store, audit.id)
        ev = Evidence(EvidenceKind.HTTP, b"HTTP/1.1 200 OK\r\n\r\n", ip="127.0.0.5", port=80)
        batch = [
            JobOutcome("http", "127.0.0.5", 80, "success", [ev]),
            JobOutcome("http", "127.0.0.6", 80, "refused"),
        ]
        journal.record(batch)
        journal.record(batch)  # replayed after a crash: nothing doubles
        assert journal.done() == {("http", "127.0.0.5", 80), ("http", "127.0.0.6", 80)}
        assert store.count_evidence(audit.id) == 1
        assert latest_unfinished_scan(store, "Org") == audit.id
        store.finish_audit(audit.id)
        assert latest_unfinished_scan(store, "Org") is None
