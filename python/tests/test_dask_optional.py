"""fetchpool.dask without Dask installed: the package imports, and download() says what
to install (test_dask.py needs Dask, and is skipped without it)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_fetchpool_dask_imports_without_dask_and_says_what_is_missing(tmp_path):
    # A Python that cannot import dask: `import fetchpool.dask` still works, download()
    # names the packages to install.
    (tmp_path / "dask").mkdir()
    (tmp_path / "dask" / "__init__.py").write_text("raise ImportError('no dask here')\n")
    code = ("import fetchpool.dask\n"
            "try:\n    fetchpool.dask.download(['http://127.0.0.1:1/x'])\n"
            "except ImportError as e:\n    print(e)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": f"{tmp_path}:{os.environ.get('PYTHONPATH', '')}"})
    assert run.returncode == 0, run.stderr
    assert "needs Dask: apt-get install python3-dask python3-distributed" in run.stdout
