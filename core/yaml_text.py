"""YAML read with libyaml's parser where PyYAML was built with it.

The safety net reads its rule file and the classifier its training corpus (several hundred files)
at every start of a gateway: PyYAML's pure-Python parser took most of that start (about 6 s of
CPU for the corpus alone, December 2026), libyaml's takes a tenth. Same documents, same values:
both are PyYAML's safe loader, one of them in C.
"""

from __future__ import annotations

from typing import Any

import yaml

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The document in ``text``, as `yaml.safe_load` reads it (raises `yaml.YAMLError`)."""
    return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 (a safe loader, in C)
