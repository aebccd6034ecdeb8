"""Is this host ready to decode on its GPU? Checked when a CUDA worker starts, not in its first call.

CTranslate2 (faster-whisper's engine) opens cuBLAS lazily, at the first matrix product: a host
without it accepts calls and then crashes each one. Its current wheels are built against CUDA 12
(`libcublas.so.12`), so a host with only CUDA 13's libraries (a recent PyTorch image, say) has the
same problem with a more puzzling message. A worker therefore checks, before it takes any call,
that a device is visible and that every library loads, and otherwise stops with a message naming
the missing piece and the command that installs it.

cuBLAS is all it needs: CTranslate2 4.6.3 and later run Whisper's convolutions with their own CUDA
kernels and open no cuDNN (earlier 4.x wheels carried their own copy), so `pyproject.toml` pins
that and the `gpu` extra brings NVIDIA's CUDA 12 cuBLAS wheel alone. Its libraries live inside
site-packages, where the dynamic loader does not look: they are loaded here by path, globally, so
that CTranslate2's later `dlopen` by name finds them already loaded, with no `LD_LIBRARY_PATH` to
set by hand.
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
    """Load every CUDA library the wheels ship, globally, dependencies first (a library whose
    dependency is not loaded yet gets another turn); a file that fails to load is left for `check`
    to name."""
    loaded: list[Path] = []
    for lib in dirs if dirs is not None else wheel_library_dirs():
        pending = sorted(lib.glob("lib*.so.*"))
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
    preload: Callable[[], list[Path]] = preload_wheel_libraries,
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
    in_wheels = preload()
    found = []
    for library in REQUIRED:
        try:
            load(library.soname)
        except OSError as error:
            other = find(library.stem) or _other_version_in(in_wheels, library)
            raise GpuNotReady(_missing(library, other, error)) from None
        found.append(library.soname)
    return GpuReady(devices=devices, libraries=tuple(found))


def _other_version_in(loaded: list[Path], library: Library) -> str | None:
    """Another major version of the library among the wheels' files: PyTorch's CUDA 13 wheels, say,
    which the system's loader cache (`find_library`) does not know about."""
    prefix = library.soname.split(".so")[0] + ".so."
    return next((f"{p.name} (in {p.parent})" for p in loaded if p.name.startswith(prefix)), None)


def _missing(library: Library, other_version: str | None, error: OSError) -> str:
    message = f"{library.what} ({library.soname}) cannot be loaded: {error}."
    if other_version and other_version != library.soname:
        message += (
            f" This host has {other_version}, another major version: CTranslate2's wheel is built "
            f"against {library.soname}; both can live side by side."
        )
    return f"{message} Install it with `{INSTALL}` (brings {library.wheel})."
