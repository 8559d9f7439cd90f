"""Vosk's decoding search, tuned per deployment without touching the downloaded model.

Search dominates recognition cost on speech (voice-costs V8): the packaged model's shipped
``--max-active=3000 --beam=10`` runs at RTF ≈ 0.27, ``max-active 1000, beam 8`` at ≈ 0.20 and
``max-active 500, beam 7`` at ≈ 0.10, so the beams decide how many calls two cores carry. Vosk
reads them only from ``conf/model.conf`` when the model loads and has no setter, so a tuned
search is a *view* of the model: a folder of symlinks to the model's parts with its own
``conf/model.conf``. The model files stay as downloaded (their checksums still hold), and the
view is rebuilt whenever the model or the tuning changes.

Tighter beams cost accuracy, which can only be judged on real French calls: the default is the
model's own search, and a practice opts in through the settings. Under load, `TIGHT` takes the
utterances the configured search could not decode in time (`telephony.decoding_load`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

_MODEL_CONF = Path("conf") / "model.conf"


@dataclass(frozen=True)
class VoskSearch:
    """Overrides of the model's decoding search; None keeps the model's own value."""

    max_active: int | None = None
    """Most decoder states kept per frame (Kaldi ``--max-active``)."""
    min_active: int | None = None
    """Fewest decoder states kept per frame (``--min-active``)."""
    beam: float | None = None
    """Decoding beam (``--beam``): lower is faster and riskier."""
    lattice_beam: float | None = None
    """Lattice pruning beam (``--lattice-beam``)."""

    @property
    def options(self) -> dict[str, str]:
        """The Kaldi options this tuning sets, e.g. ``{"--beam": "8.0"}``."""
        return {
            f"--{field.name.replace('_', '-')}": str(value)
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }

    @property
    def is_default(self) -> bool:
        """True when nothing is overridden: the model is used as it is."""
        return not self.options


def tuned_conf(original: str, search: VoskSearch) -> str:
    """``model.conf`` text with the search options replaced (or added when absent).

    Args:
        original: The model's own ``conf/model.conf``.
        search: The overrides.
    """
    wanted = search.options
    lines = []
    for line in original.splitlines():
        name = line.split("=", 1)[0].strip()
        if name not in wanted:
            lines.append(line)
    lines.extend(f"{name}={value}" for name, value in wanted.items())
    return "\n".join(lines) + "\n"


def searched_model(model: Path, search: VoskSearch, views_dir: Path) -> Path:
    """The folder to load for ``model`` with ``search``: the model itself or a tuned view.

    The view is built once (atomically, so concurrent gateways on one machine agree) under
    ``views_dir`` and named by a hash of the model's path, its ``model.conf`` and the tuning.

    Args:
        model: The Vosk model folder.
        search: The search overrides.
        views_dir: Where views live (under the var folder).

    Raises:
        OSError: The model's ``conf/model.conf`` cannot be read or the view cannot be written.
    """
    if search.is_default:
        return model
    model = model.resolve()
    original = (model / _MODEL_CONF).read_text(encoding="utf-8")
    digest = hashlib.sha256(
        "\0".join([str(model), original, repr(sorted(search.options.items()))]).encode()
    ).hexdigest()[:16]
    view = views_dir / f"{model.name}-{digest}"
    if (view / _MODEL_CONF).is_file():
        return view
    views_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=views_dir))
    try:
        for part in model.iterdir():
            if part.name != "conf":
                os.symlink(part, staging / part.name)
        (staging / "conf").mkdir()
        for conf in (model / "conf").iterdir():
            if conf.name != _MODEL_CONF.name:
                os.symlink(conf, staging / "conf" / conf.name)
        (staging / _MODEL_CONF).write_text(tuned_conf(original, search), encoding="utf-8")
        try:
            staging.rename(view)
        except OSError:
            if not (view / _MODEL_CONF).is_file():  # not another process winning the race
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return view


TIGHT = VoskSearch(max_active=1000, beam=8.0)
"""The search for utterances that start while the configured one would fall behind. On the
voice benchmark's audio it costs ~55 % of the shipped search's CPU (warm RTF 0.041 against
0.075) and agrees with it on 88 % of the words; ``max-active 500, beam 7`` cost about the same
there (0.038) but agreed on 37 % only."""
