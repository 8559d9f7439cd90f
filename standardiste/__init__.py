"""Standardiste: the thin shell (settings, database, app assembly, command line).

Components import only from this package's public modules: ``standardiste.settings``,
``standardiste.practice``, ``standardiste.db`` and ``standardiste.privacy``.
"""

__version__ = "0.1.0"
