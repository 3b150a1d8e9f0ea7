"""Oversight across organisations: public bodies, information requests, responses, aggregates."""
