"""Identification: evidence → manufacturer, brand, model, firmware, type, with the evidence chain."""

from camaudit.identify.engine import MANUFACTURER_THRESHOLD, Identifier, Observation

__all__ = ["MANUFACTURER_THRESHOLD", "Identifier", "Observation"]
