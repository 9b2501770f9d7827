"""The office console (``hall-admin`` with no command): PySide6 pages over the store's API.

``qt_window.ConsoleWindow`` holds the pages; every network call goes through
``qt_worker.ApiWorker`` (one thread, results back by signal) and the one shared client,
``sync.client.AdminClient``. Words in both languages live in ``texts`` (no Qt).
"""
