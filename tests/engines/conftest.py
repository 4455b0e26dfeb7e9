"""One local[2] SparkSession for the engine tests that call the Spark stages in-process.

Its JVM starts when this folder is collected, before any test has run: pyspark launches the JVM
by fork with a Python preexec hook, which can crash in a process whose native libraries already
run threads (an earlier test's Arrow or DuckDB pool in the same xdist worker)."""

from __future__ import annotations

import shutil

import pytest


def spark_or_skip() -> None:
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs Java (scripts/setup installs openjdk-17-jre-headless)")
    pytest.importorskip("pyspark", reason="the Spark engine needs pip install 'vigil[spark]'")
    pytest.importorskip("pandas", reason="pyspark's mapInArrow needs pandas (vigil[spark])")


def _start_jvm_at_collection():
    if shutil.which("java") is None:
        return None
    try:
        import pandas  # noqa: F401  (mapInArrow needs it)
        import pyspark  # noqa: F401
    except ImportError:
        return None
    from vigil.engines.spark.session import spark_session

    return spark_session("local[2]", shuffle_partitions=2)


_SESSION = _start_jvm_at_collection()


@pytest.fixture(scope="session")
def spark():
    spark_or_skip()
    yield _SESSION
    _SESSION.stop()
