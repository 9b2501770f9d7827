"""Data files shipped with Hall Ratings: faces, the CJK font and its licence, the demo roster, sounds.

A package only so that an installed wheel carries them next to ``kiosk``, ``sync`` and ``board``
(code finds them as ``<package>/../assets``, in a checkout and in site-packages alike).
"""
