"""Is this host ready to decode on its GPU? Checked when a CUDA worker starts, not in its first call.

CTranslate2 (faster-whisper's engine) opens cuBLAS and cuDNN lazily, at the first matrix product:
a host without them accepts calls and then crashes each one. Its current wheels are built against
CUDA 12 (`libcublas.so.12`) and cuDNN 9, so a host with only CUDA 13's libraries has the same
problem with a more puzzling message. A worker therefore checks, before it takes any call, that a
device is visible and that every library loads, and otherwise stops with a message naming the
missing piece and the command that installs it.

The `gpu` extra installs NVIDIA's CUDA 12 cuBLAS and cuDNN 9 wheels (as faster-whisper documents);
their libraries live inside site-packages, where the dynamic loader does not look. They are
loaded here by path, globally, so that CTranslate2's later `dlopen` by name finds them already
loaded: no `LD_LIBRARY_PATH` to set by hand.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

INSTALL = 'pip install -e ".[gpu]"'


class GpuNotReady(RuntimeError):
    """The worker cannot decode on the GPU; the message says what is missing and how to fix it."""


class NoCudaDevice(GpuNotReady):
    """No device at all: with `asr_device=auto` the worker decodes on the CPU instead."""


@dataclass(frozen=True)
class Library:
    """One shared library CTranslate2 opens on CUDA, and the wheel of the `gpu` extra that has it."""

    soname: str
    what: str
    wheel: str

    @property
    def stem(self) -> str:
        """`libcublas.so.12` -> `cublas`: the name `ctypes.util.find_library` looks up."""
        return self.soname.removeprefix("lib").split(".so")[0]


REQUIRED = (
    Library("libcublas.so.12", "CUDA 12 cuBLAS", "nvidia-cublas-cu12"),
    Library("libcublasLt.so.12", "CUDA 12 cuBLASLt", "nvidia-cublas-cu12"),
    Library("libcudnn.so.9", "cuDNN 9", "nvidia-cudnn-cu12"),
)


@dataclass(frozen=True)
class GpuReady:
    devices: int
    libraries: tuple[str, ...]
    """Where each library was loaded from (a wheel's folder, or the system's loader path)."""


def wheel_library_dirs() -> list[Path]:
    """The `lib` folders of the installed `nvidia-*` wheels (a namespace package: several roots)."""
    spec = importlib.util.find_spec("nvidia")
    if spec is None or spec.submodule_search_locations is None:
        return []
    return sorted(
        lib for root in spec.submodule_search_locations for lib in Path(root).glob("*/lib") if lib.is_dir()
    )


def preload_wheel_libraries(dirs: list[Path] | None = None) -> list[Path]:
    """Load every CUDA library the wheels ship, globally, dependencies first (cuBLASLt before cuBLAS,
    cuDNN's parts before its loader); a file that fails to load is left for `check` to name."""
    loaded: list[Path] = []
    for lib in dirs if dirs is not None else wheel_library_dirs():
        pending = sorted(lib.glob("lib*.so.*"), key=lambda p: (p.name.startswith("libcudnn.so"), p.name))
        for _ in range(len(pending)):  # a library whose dependency is not loaded yet gets another turn
            failed = []
            for path in pending:
                try:
                    ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
                    loaded.append(path)
                except OSError:
                    failed.append(path)
            if len(failed) in (0, len(pending)):
                break
            pending = failed
    return loaded


def check(
    device_count: Callable[[], int] | None = None,
    load: Callable[[str], object] = ctypes.CDLL,
    find: Callable[[str], str | None] = ctypes.util.find_library,
) -> GpuReady:
    """Raise `GpuNotReady` naming the first missing piece; the parameters are seams for tests."""
    if device_count is None:
        import ctranslate2

        device_count = ctranslate2.get_cuda_device_count
    devices = device_count()
    if devices == 0:
        raise NoCudaDevice(
            "no CUDA device is visible to CTranslate2: check the NVIDIA driver (`nvidia-smi`) and "
            "CUDA_VISIBLE_DEVICES, or run this worker with CALLQA_ASR_DEVICE=cpu"
        )
    preload_wheel_libraries()
    found = []
    for library in REQUIRED:
        try:
            load(library.soname)
        except OSError as error:
            raise GpuNotReady(_missing(library, find(library.stem), error)) from None
        found.append(library.soname)
    return GpuReady(devices=devices, libraries=tuple(found))


def _missing(library: Library, other_version: str | None, error: OSError) -> str:
    message = f"{library.what} ({library.soname}) cannot be loaded: {error}."
    if other_version and other_version != library.soname:
        message += (
            f" This host has {other_version}, another major version: CTranslate2's wheel is built "
            f"against {library.soname}; both can live side by side."
        )
    return f"{message} Install it with `{INSTALL}` (brings {library.wheel})."
