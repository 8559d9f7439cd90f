"""The inbox pages' templates, drawn in the staff layout."""

from __future__ import annotations

from pathlib import Path

import staff

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = staff.StaffTemplates(TEMPLATES_DIR)
