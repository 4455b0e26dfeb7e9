"""Arrow <-> Spark glue."""

from __future__ import annotations

import pyarrow as pa


def arrow_ddl(schema: pa.Schema):
    """The Spark schema of an Arrow schema (for mapInArrow's output)."""
    return ", ".join(f"`{f.name}` {_SPARK_TYPES[str(f.type)]}" for f in schema)


# The flat column types the Spark stages hand back (pyspark's own converter needs pandas).
_SPARK_TYPES = {"string": "string", "int8": "tinyint", "int32": "int", "int64": "bigint",
                "double": "double", "bool": "boolean"}


def collect_arrow(df) -> pa.Table:
    """A (bounded) DataFrame as one Arrow table on the driver."""
    if hasattr(df, "toArrow"):
        return df.toArrow()
    return pa.Table.from_pandas(df.toPandas(), preserve_index=False)
