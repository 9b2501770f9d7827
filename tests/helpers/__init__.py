"""Helpers shared by the sync and e2e tests: rating records, a real server process."""
