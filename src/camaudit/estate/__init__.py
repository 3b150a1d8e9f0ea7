"""The estate as one caller sees it (:class:`ScopedEstate`), with the queries, filters, scan
scopes and the asset accessor behind the web pages and the JSON API."""

from camaudit.estate.asset import AssetLabel, asset_info
from camaudit.estate.filters import DeviceFilter, family
from camaudit.estate.queries import EvidenceInfo, HistoryEntry, OrgRef
from camaudit.estate.scoped import DeviceDetail, PolicyGroup, ScopedEstate
from camaudit.estate.scopes import ScanScope, add_scope

__all__ = [
    "AssetLabel",
    "DeviceDetail",
    "DeviceFilter",
    "EvidenceInfo",
    "HistoryEntry",
    "OrgRef",
    "PolicyGroup",
    "ScanScope",
    "ScopedEstate",
    "add_scope",
    "asset_info",
    "family",
]
