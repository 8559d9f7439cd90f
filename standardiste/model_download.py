"""`standardiste models download`: the French Vosk model and French Piper voice.

Each file is streamed to a temporary name with a progress bar, its SHA-256 is checked against the
manifest below, and only then is it moved (or unpacked) into place, so an interrupted or corrupt
download never leaves a half model where the engines look.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from tqdm import tqdm

from core import Settings


@dataclass(frozen=True)
class ModelFile:
    """One file to fetch: where from, its expected digest, and where it goes."""

    url: str
    sha256: str | None
    """Pinned SHA-256; None where the publisher gives only an MD5 (then that is checked)."""
    size: int
    target: str
    """File name under the models folder, or folder name for a zip archive."""
    unzip: bool = False
    md5: str | None = None


# Alpha Cephei publishes an MD5 and a size for each model (model-list.json), no SHA-256.
VOSK_FR = ModelFile(
    url="https://alphacephei.com/vosk/models/vosk-model-small-fr-0.22.zip",
    sha256=None,
    md5="8873b1234503f6edd55f54bfff31cf3e",
    size=42_233_323,
    target="vosk-model-small-fr-0.22",
    unzip=True,
)
_PIPER_BASE = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/fr/fr_FR/siwis/medium"
# MD5 and size from piper-voices' voices.json; the SHA-256 is the one projects pin for v1.0.0.
PIPER_FR = ModelFile(
    url=f"{_PIPER_BASE}/fr_FR-siwis-medium.onnx",
    sha256="641d1ab097da2b81128c076810edb052b385decc8be3381814802a64a73baf99",
    md5="20e876e8c839e9b11a26085858f2300c",
    size=63_201_294,
    target="fr_FR-siwis-medium.onnx",
)
PIPER_FR_CONFIG = ModelFile(
    url=f"{_PIPER_BASE}/fr_FR-siwis-medium.onnx.json",
    sha256="39479916c2db192b5ac9764daddd0c744d83e023ad890c6976c0633ae4df8959",
    md5="a407e7e6901feb79c2ea2a5466076cce",
    size=4_875,
    target="fr_FR-siwis-medium.onnx.json",
)
FRENCH_MODELS = (VOSK_FR, PIPER_FR, PIPER_FR_CONFIG)


class DownloadError(RuntimeError):
    """A download that failed, in one line that says what to do."""


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    yield from response.iter_bytes(chunk_size=1 << 16)


def fetch(item: ModelFile, dest_dir: Path, *, client: httpx.Client, progress: bool = True) -> Path:
    """Download one file, check its SHA-256, and move or unpack it into ``dest_dir``."""
    final = dest_dir / item.target
    if final.exists():
        return final
    dest_dir.mkdir(parents=True, exist_ok=True)
    host = httpx.URL(item.url).host
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    with tempfile.NamedTemporaryFile(dir=dest_dir, suffix=".part", delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            with client.stream("GET", item.url, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise DownloadError(f"{item.url}: HTTP {response.status_code}")
                total = int(response.headers.get("content-length") or item.size or 0)
                with tqdm(
                    total=total or None,
                    unit="B",
                    unit_scale=True,
                    desc=item.target,
                    disable=not progress,
                ) as bar:
                    for chunk in _chunks(response):
                        tmp.write(chunk)
                        sha256.update(chunk)
                        md5.update(chunk)
                        bar.update(len(chunk))
        except httpx.TransportError as exc:
            tmp_path.unlink(missing_ok=True)
            raise DownloadError(
                f"cannot reach {host} ({type(exc).__name__}): this machine has no internet "
                f"access to it; download {item.url} elsewhere and put it in {dest_dir}"
            ) from None
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise
    problem = _checksum_problem(item, sha256.hexdigest(), md5.hexdigest())
    if problem:
        tmp_path.unlink(missing_ok=True)
        raise DownloadError(f"{item.target}: {problem}; the file was discarded")
    if item.unzip:
        _unpack(tmp_path, dest_dir, item.target)
        tmp_path.unlink()
    else:
        tmp_path.replace(final)
    return final


def _checksum_problem(item: ModelFile, sha256: str, md5: str) -> str | None:
    if item.sha256 is None and item.md5 is None:
        return "no checksum pinned for this file"
    if item.sha256 is not None and sha256 != item.sha256:
        return f"checksum mismatch (sha256 {sha256}, expected {item.sha256})"
    if item.md5 is not None and md5 != item.md5:
        return f"checksum mismatch (md5 {md5}, expected {item.md5})"
    return None


def _unpack(archive: Path, dest_dir: Path, folder: str) -> None:
    staging = Path(tempfile.mkdtemp(dir=dest_dir, prefix=".unpack-"))
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise DownloadError(f"{archive.name}: unsafe path {member!r} in archive")
            zf.extractall(staging)
        inner = staging / folder
        if not inner.is_dir():
            raise DownloadError(f"{archive.name}: archive has no {folder}/ folder")
        inner.replace(dest_dir / folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def download_french_models(
    settings: Settings, dest: Path | None = None, *, client: httpx.Client | None = None
) -> list[Path]:
    """Fetch every French model that is not already in place."""
    dest_dir = dest or settings.vosk_model_path.parent
    own_client = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(30.0, read=120.0))
    try:
        return [fetch(item, dest_dir, client=client) for item in FRENCH_MODELS]
    finally:
        if own_client:
            client.close()
