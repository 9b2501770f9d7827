"""The data path: the shared record schema, the pusher beside each kiosk, the central store server.

Imports neither ``kiosk`` nor ``board`` and no Qt (checked by import-linter in CI).
"""
