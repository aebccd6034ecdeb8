"""GPU workers check their device and libraries at start (asr/gpu.py), not in their first call."""

from __future__ import annotations

import re
from importlib.metadata import files
from pathlib import Path

import pytest

from asr import gpu


def _refuse(missing: str):  # type: ignore[no-untyped-def]
    def load(name: str) -> object:
        if name == missing:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()

    return load


def test_no_device_is_named_with_the_cpu_way_out() -> None:
    with pytest.raises(gpu.NoCudaDevice, match="CALLQA_ASR_DEVICE=cpu"):
        gpu.check(device_count=lambda: 0)


def test_a_host_with_only_cuda_13_is_told_what_to_install() -> None:
    with pytest.raises(gpu.GpuNotReady) as refused:
        gpu.check(
            device_count=lambda: 1,
            load=_refuse("libcublas.so.12"),
            find=lambda stem: "libcublas.so.13" if stem == "cublas" else None,
            preload=lambda: [],
        )
    message = str(refused.value)
    assert "CUDA 12 cuBLAS (libcublas.so.12) cannot be loaded" in message
    assert "libcublas.so.13, another major version" in message
    assert 'pip install -e ".[gpu]"' in message and "nvidia-cublas-cu12" in message


def test_cuda_13_from_pytorchs_wheels_is_named_with_its_folder() -> None:
    """The loader's cache does not know a wheel's libraries: the message names the one found there."""
    wheels = Path("/venv/site-packages/nvidia/cu13/lib")
    with pytest.raises(gpu.GpuNotReady) as refused:
        gpu.check(
            device_count=lambda: 1,
            load=_refuse("libcublasLt.so.12"),
            find=lambda stem: None,
            preload=lambda: [
                wheels / "libcublas.so.13",
                wheels / "libcublasLt.so.13",
                wheels / "libcufft.so.12",
            ],
        )
    message = str(refused.value)
    assert "CUDA 12 cuBLASLt (libcublasLt.so.12) cannot be loaded" in message
    assert f"This host has libcublasLt.so.13 (in {wheels}), another major version" in message
    assert "nvidia-cublas-cu12" in message


def test_a_ready_host_reports_its_devices_and_libraries() -> None:
    """cuBLAS is all CTranslate2 >= 4.6.3 opens: a host without cuDNN is ready."""
    ready = gpu.check(
        device_count=lambda: 2, load=_refuse("libcudnn.so.9"), find=lambda stem: None, preload=lambda: []
    )
    assert ready.devices == 2
    assert ready.libraries == ("libcublas.so.12", "libcublasLt.so.12")


def test_wheel_libraries_are_loaded_by_path(tmp_path: Path) -> None:
    """A library in a wheel's `lib` folder is loaded from there; a broken file is left for `check`."""
    import ctypes.util

    system_zlib = ctypes.util.find_library("z")
    if system_zlib is None:
        pytest.skip("no zlib on this host to stand in for a wheel's library")
    source = next(
        Path(d) / system_zlib
        for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib")
        if (Path(d) / system_zlib).exists()
    )
    lib = tmp_path / "cublas" / "lib"
    lib.mkdir(parents=True)
    (lib / "libz.so.1").write_bytes(source.read_bytes())
    (lib / "libbroken.so.1").write_bytes(b"not a library")
    assert gpu.preload_wheel_libraries([lib]) == [lib / "libz.so.1"]


def test_the_installed_ctranslate2_opens_only_the_libraries_the_check_requires() -> None:
    """`ctranslate2>=4.6.3,<5` lets a new release in; one built against another CUDA (cuBLAS 13,
    say) or needing cuDNN again would pass the start check and crash a GPU worker's first call.
    The CTranslate2 library names each CUDA library it opens: the driver's (`libcuda`, the host's
    own) aside, they must be what `REQUIRED` checks and the `gpu` extra brings."""
    libraries = [f for f in files("ctranslate2") or [] if re.search(r"libctranslate2[^/]*\.so", str(f))]
    assert libraries, "the CTranslate2 wheel has no libctranslate2"
    named = {
        match.decode()
        for library in libraries
        for match in re.findall(
            rb"lib(?:cublas\w*|cudnn\w*|cudart|nvrtc|curand|cufft)\.so\.\d+", library.read_binary()
        )
    }
    required = {library.soname for library in gpu.REQUIRED}
    assert named <= required, (
        f"CTranslate2 opens {sorted(named - required)}, which the start check does not load"
    )
    assert any(name.startswith("libcublas.so.") for name in named), "no cuBLAS found: the pattern is stale"
