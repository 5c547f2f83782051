"""Alembic environment: run on the connection `webhooks.storage.migrate` passes in."""

from alembic import context

from webhooks.storage import Base, make_engine

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # `alembic` command line: SHELFWISE_DATABASE_URL or the default
    from webhooks import settings

    engine = make_engine(str(settings.load()["DATABASE_URL"]))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
