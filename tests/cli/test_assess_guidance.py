"""No hidden prerequisites: assess says when the UK 2022 pack lacks site sensitivities (and how to
set them), its help says so too, and plan steps name the devices they concern."""

from __future__ import annotations

from pathlib import Path


def _estate(cli, tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'g.db'}"
    register = tmp_path / "assets.csv"
    register.write_text(
        "Asset ID,Location,Make,Model,IP Address\n"
        "A-12,Market St,Hik,DS-2CD2143G2-I,10.0.0.5\n"
        "A-13,Market St,Axis,P3245-LVE,10.0.0.6\n",
        encoding="utf-8",
    )
    done = cli("import", "register", str(register), "--org", "Westshire", "--site", "Market")
    assert done.code == 0, done
    return db


def test_unset_sensitivity_is_said_with_the_command(cli, tmp_path) -> None:
    _estate(cli, tmp_path)
    result = cli("assess")
    assert result.code == 0, result
    assert "no site is recorded as sensitive or critical" in result.out
    assert 'camaudit site "Market" --org "Westshire" --sensitivity sensitive' in result.out
    assert "10.0.0.5 Hikvision DS-2CD2143G2-I, asset A-12 at Market St" in result.out
    assert cli("site", "Market", "sensitive", "--org", "Westshire").code == 0
    after = cli("assess")
    assert "no site is recorded" not in after.out
    replace = next(line for line in after.out.splitlines() if "Replace 1 covered" in line)
    assert replace.endswith("10.0.0.5 Hikvision DS-2CD2143G2-I, asset A-12 at Market St")


def test_assess_help_names_the_prerequisite(cli) -> None:
    result = cli("assess", "--help")
    text = " ".join(result.out.split())
    assert "needs each site's sensitivity" in text and "camaudit site" in text
