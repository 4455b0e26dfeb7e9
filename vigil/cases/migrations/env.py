"""Alembic environment: migrations always run on a connection handed over by `vigil.cases.db`."""

from alembic import context

from vigil.cases.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
