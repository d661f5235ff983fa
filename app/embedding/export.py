"""Export a sentence-transformers model to ONNX (float32, and int8 where the CPU has the
kernels), offline, with sentence-transformers' own tools: ``SentenceTransformer(...,
backend="onnx")`` exports through optimum, ``export_dynamic_quantized_onnx_model`` quantizes.

    python -m app.embedding.export                 # the default model, into the default folder
    python -m app.embedding.export --cache-dir DIR --model NAME_OR_PATH

``make install`` runs it, so that a server never exports on its first start. A server that
finds the files missing exports them then (tens of seconds), into a folder beside the final one
that is renamed into place, so that several processes starting at once never read half a file.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from app.embedding.backends import (
    BACKENDS,
    ONNX_FILE,
    Backend,
    BackendUnavailable,
    export_dir,
    int8_config,
    onnx_file,
    resolve_model,
)

log = logging.getLogger("tacit.embedding")
_lock = threading.Lock()


def ensure_exported(model: str, folder: Path, *, backend: Backend) -> None:
    """Make ``folder`` hold the files ``backend`` loads, exporting them if they are missing."""
    wanted = folder / onnx_file(backend)
    if wanted.is_file():
        return
    with _lock:
        if not wanted.is_file():
            log.warning(
                "exporting %s to %s (%s); `make install` does this ahead", model, folder, backend
            )
            export(model, folder, int8=backend == "onnx-int8")


def export(model: str, folder: Path, *, int8: bool = True) -> list[Path]:
    """Export ``model`` into ``folder`` (float32 ONNX, and int8 if asked and the CPU allows);
    the files written. Files already there are kept."""
    from app.embedding.sentence_transformers import offline_if_local

    source = resolve_model(model)
    offline_if_local(source)
    config = int8_config() if int8 else None
    if int8 and config is None:
        raise BackendUnavailable("this CPU has no int8 kernels for ONNX Runtime")
    wanted = [folder / ONNX_FILE] + ([folder / onnx_file("onnx-int8", config)] if config else [])
    if all(path.is_file() for path in wanted):
        return []
    try:
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.backend import export_dynamic_quantized_onnx_model
    except ImportError as exc:  # pragma: no cover - pyproject installs them
        raise BackendUnavailable(f"exporting to ONNX needs optimum-onnx: {exc}") from exc
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        if (folder / ONNX_FILE).is_file():
            shutil.copytree(folder, staging, dirs_exist_ok=True)
            onnx_model = SentenceTransformer(
                str(staging), device="cpu", backend="onnx", model_kwargs={"file_name": ONNX_FILE}
            )
        else:
            # No model.onnx beside the weights: sentence-transformers exports one with optimum.
            onnx_model = SentenceTransformer(source, device="cpu", backend="onnx")
            onnx_model.save_pretrained(str(staging))
        if config:
            export_dynamic_quantized_onnx_model(onnx_model, config, str(staging))
        staging.chmod(0o755)  # mkdtemp's 0700 would keep other users (a server's) out
        _replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return wanted


def _replace(staging: Path, folder: Path) -> None:
    """Put ``staging`` where ``folder`` is, in one rename (the old folder moved aside first)."""
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=folder.parent))
        os.rename(folder, old / "model")
    os.rename(staging, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def main() -> None:
    from app.embedding.backends import DEFAULT_MODEL

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--model", default=os.environ.get("TACIT_EMBEDDING_MODEL", DEFAULT_MODEL))
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=os.environ.get("TACIT_EMBEDDING_CACHE_DIR") or None,
        help="the folder TACIT_EMBEDDING_CACHE_DIR names (default: under the venv)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    folder = export_dir(args.model, args.cache_dir)
    written = export(args.model, folder, int8=int8_config() is not None)
    kinds = [b for b in BACKENDS if b != "torch" and (b != "onnx-int8" or int8_config())]
    print(
        f"{args.model}: {', '.join(kinds)} in {folder}"
        + ("" if written else " (already there)")
        + ("" if int8_config() else "; no int8 kernels on this CPU")
    )


if __name__ == "__main__":
    main()
