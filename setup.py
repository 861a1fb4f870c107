"""Builds fetchpool._native with the project's own CMake (python/CMakeLists.txt) for the
interpreter pip runs under; `pip install --no-build-isolation .` in a venv made with
`/usr/bin/python3 -m venv --system-site-packages` (see docs/PYTHON.md)."""

import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        # Kept between installs (in the checkout), so a second install only relinks.
        build_dir = ROOT / "build" / f"pip-{sys.implementation.cache_tag}"
        staged = build_dir / "python"
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                        "-DFETCHPOOL_TESTS=OFF", f"-DPython3_EXECUTABLE={sys.executable}",
                        f"-DFETCHPOOL_PYTHON_DIR={staged}"], check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "fetchpool_python_native", "-j", jobs],
                       check=True)
        built = next((staged / "fetchpool").glob("_native*.so"), None) or next((staged / "fetchpool").glob("_native*"))
        target.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built), str(target))


setup(ext_modules=[Extension("fetchpool._native", sources=[])], cmdclass={"build_ext": CMakeBuild})
