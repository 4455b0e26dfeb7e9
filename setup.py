"""The one compiled part of vigil: hyperscan scans that return their matches as arrays.

Everything else is declared in pyproject.toml. It links Debian's libhyperscan (libhyperscan-dev,
x86-64), which `scripts/setup` installs.
"""
import shutil
import subprocess

from setuptools import Extension, setup


def hyperscan_flags() -> tuple[list[str], list[str]]:
    if shutil.which("pkg-config"):
        res = subprocess.run(["pkg-config", "--cflags", "--libs", "libhs"], capture_output=True, text=True)
        if res.returncode == 0:
            parts = res.stdout.split()
            return [p[2:] for p in parts if p.startswith("-I")] or ["/usr/include/hs"], [p[2:] for p in parts if p.startswith("-L")]
    return ["/usr/include/hs"], []


include_dirs, library_dirs = hyperscan_flags()
setup(
    ext_modules=[
        Extension(
            "vigil.signals._hsscan",
            ["vigil/signals/_hsscan.c"],
            include_dirs=include_dirs,
            library_dirs=library_dirs,
            libraries=["hs"],
            extra_compile_args=["-O2", "-std=c11"],
        )
    ]
)
