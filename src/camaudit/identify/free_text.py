"""The free-text fields of any evidence: which the model-number grammar reads, at what weight,
and in which the KB's maker names are looked up (identify/content.py, identify/batch_runs.py)."""

from __future__ import annotations

#: Free-text fields read by the model grammar, with the weight of a model number found there.
FREE_TEXT: tuple[tuple[str, float], ...] = (
    ("title", 0.65),
    ("banner", 0.65),
    ("realm", 0.65),
    ("server", 0.55),
    ("fragment", 0.6),
    ("friendlyname", 0.65),
    ("modeldescription", 0.65),
    ("instance", 0.65),
    ("scope.name", 0.65),
    ("cn", 0.55),
    ("gen.name", 0.65),
    ("gen.model", 0.75),
    # an mDNS TXT record's model key (HomeKit and Cast write the model in ``md``)
    ("md", 0.75),
    ("txt.md", 0.75),
    ("gen.device_type", 0.75),
    ("gen.hardware", 0.6),
    ("o", 0.55),
    ("issuer_o", 0.55),
    ("gen.text", 0.5),
    ("sdp.s", 0.6),
    ("sdp.i", 0.6),
    ("sdp.a", 0.5),
    ("sdp.o", 0.5),
    # devices name themselves by their model (RLC-810A, RLC-810A.home, DS-2CD2143G2-I.lan)
    ("hostname_label", 0.7),
)
FREE_WEIGHT = dict(FREE_TEXT)
#: Fields whose text the device itself chose (names found there are its maker's, not a
#: register's prose with negations): maker names are looked up in these.
NAME_FIELDS = frozenset(
    {
        "title",
        "banner",
        "realm",
        "server",
        "friendlyname",
        "modeldescription",
        "instance",
        "scope.name",
        "gen.name",
        "gen.model",
        "gen.device_type",
        "gen.hardware",
        "o",
        "issuer_o",
        "sdp.s",
        "sdp.i",
        "sdp.a",
        "sdp.o",
    }
)
