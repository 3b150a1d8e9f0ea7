"""Policy packs as data: rules over a device's identity and its site's sensitivity.

``load_packs()`` gives the shipped packs (uk-2022-sensitive-sites, ndaa-889, fcc-covered-list);
``load_packs(["ndaa-889", "my-pack.yaml"])`` picks shipped ids and user files. ``evaluate`` runs
one pack on one :class:`DeviceView`. The format is in docs/policy-packs.md.
"""

from camaudit.policy.engine import DeviceView, PolicyHit, PolicyPack, evaluate
from camaudit.policy.firmware import FirmwareScheme, FirmwareVersion, parse_firmware
from camaudit.policy.packs import (
    PACKS_DIR,
    check_pack_examples,
    load_pack_file,
    load_packs,
    shipped_pack_ids,
)

__all__ = [
    "PACKS_DIR",
    "DeviceView",
    "FirmwareScheme",
    "FirmwareVersion",
    "PolicyHit",
    "PolicyPack",
    "check_pack_examples",
    "evaluate",
    "load_pack_file",
    "load_packs",
    "parse_firmware",
    "shipped_pack_ids",
]
