"""One local[2] SparkSession for the engine tests that call the Spark stages in-process."""

from __future__ import annotations

import shutil

import pytest


def spark_or_skip() -> None:
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs Java (scripts/setup installs openjdk-17-jre-headless)")
    pytest.importorskip("pyspark", reason="the Spark engine needs pip install 'vigil[spark]'")
    pytest.importorskip("pandas", reason="pyspark's mapInArrow needs pandas (vigil[spark])")


@pytest.fixture(scope="session")
def spark():
    spark_or_skip()
    from vigil.engines.spark.session import spark_session

    session = spark_session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()
