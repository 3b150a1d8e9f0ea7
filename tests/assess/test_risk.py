"""The documented risk formula, checked by hand-computed values."""

from __future__ import annotations

import pytest

from camaudit.assess import AssessedFinding, FindingKind, risk_score
from camaudit.assess.risk import band_of
from camaudit.models import Sensitivity, Severity


def f(kind: FindingKind, severity: Severity, *, kev: bool = False) -> AssessedFinding:
    return AssessedFinding("d", "p", "p.r", kind, severity, "t", "d", kev=kev)


B, R, V, E, INF = (
    FindingKind.BREACH,
    FindingKind.REVIEW,
    FindingKind.VULNERABILITY,
    FindingKind.EXPOSURE,
    FindingKind.INFO,
)
S = Severity


@pytest.mark.parametrize(
    ("findings", "sensitivity", "score", "band"),
    [
        ([], Sensitivity.CRITICAL, 0, "none"),
        ([f(INF, S.INFO)], Sensitivity.CRITICAL, 0, "none"),
        ([f(B, S.HIGH)], Sensitivity.STANDARD, 24, "medium"),  # 4 x 6
        ([f(B, S.HIGH), f(B, S.MEDIUM)], Sensitivity.STANDARD, 24, "medium"),  # worst breach only
        ([f(B, S.CRITICAL)], Sensitivity.CRITICAL, 80, "critical"),  # 2 x 4 x 10
        ([f(R, S.MEDIUM)], Sensitivity.SENSITIVE, 9, "low"),  # 1.5 x 4 x 0.5 x 3
        ([f(B, S.HIGH), f(V, S.CRITICAL, kev=True)], Sensitivity.STANDARD, 64, "high"),  # 24 + 2x20
        ([f(V, S.CRITICAL, kev=True)] * 3, Sensitivity.STANDARD, 40, "medium"),  # V capped at 20
        ([f(V, S.HIGH)], Sensitivity.STANDARD, 12, "low"),
        ([f(E, S.HIGH), f(E, S.MEDIUM), f(E, S.LOW)], Sensitivity.STANDARD, 20, "medium"),  # E=10
        (
            [f(B, S.CRITICAL), f(V, S.CRITICAL, kev=True), f(E, S.HIGH)] * 2,
            Sensitivity.CRITICAL,
            100,
            "critical",
        ),
    ],
)
def test_formula(findings, sensitivity, score, band):
    risk = risk_score(findings, sensitivity)
    assert (risk.score, risk.band) == (score, band)


def test_parts_are_reported():
    risk = risk_score([f(B, S.HIGH), f(V, S.HIGH, kev=True), f(E, S.LOW)], Sensitivity.SENSITIVE)
    assert (risk.policy, risk.vulnerability, risk.exposure, risk.factor) == (6.0, 12.0, 1.0, 1.5)
    assert risk.score == round(1.5 * (24 + 24 + 2))
    assert risk.to_dict()["sensitivity_factor"] == 1.5


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "none"),
        (1, "low"),
        (19, "low"),
        (20, "medium"),
        (45, "high"),
        (70, "critical"),
        (100, "critical"),
    ],
)
def test_bands(score, band):
    assert band_of(score) == band
