"""Which ONNX file each backend loads, and which int8 kernels a CPU gets: pure logic."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.embedding.backends import (
    BackendUnavailable,
    export_dir,
    int8_config,
    onnx_file,
    vector_tag,
)

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.mark.parametrize(
    ("flags", "machine", "config"),
    [
        ({"avx2", "avx512f", "avx512_vnni"}, "x86_64", "avx512_vnni"),
        ({"avx2", "avx512f"}, "x86_64", "avx512"),
        ({"avx2"}, "x86_64", "avx2"),
        ({"sse4_2"}, "x86_64", None),
        (set(), "aarch64", "arm64"),
        (set(), "riscv64", None),
    ],
)
def test_int8_kernels_follow_the_cpu(flags: set[str], machine: str, config: str | None) -> None:
    assert int8_config(flags, machine) == config


def test_each_backend_names_its_file() -> None:
    assert onnx_file("onnx") == "onnx/model.onnx"
    assert onnx_file("onnx-int8", "avx2") == "onnx/model_qint8_avx2.onnx"
    with pytest.raises(ValueError):
        onnx_file("torch")


def test_int8_without_kernels_is_refused_with_the_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.embedding.backends.int8_config", lambda: None)
    with pytest.raises(BackendUnavailable, match="TACIT_EMBEDDING_BACKEND=onnx"):
        onnx_file("onnx-int8")


def test_exports_live_per_model_under_the_cache_dir(tmp_path: Path) -> None:
    assert export_dir(MODEL, tmp_path) == tmp_path / "sentence-transformers-all-minilm-l6-v2"
    assert export_dir("/srv/models/My Model", tmp_path).parent == tmp_path


def test_only_int8_vectors_carry_a_tag_of_their_own() -> None:
    # torch and ONNX float32 vectors agree to rounding: a switch between them re-embeds nothing.
    assert vector_tag(MODEL, "torch") == vector_tag(MODEL, "onnx") == MODEL
    assert vector_tag(MODEL, "onnx-int8") == f"{MODEL}#int8"
