"""Routers, one per area: sign-in and account, estate pages, audits and reports, operations
(imports, scans, jobs), administration, and the JSON API."""
