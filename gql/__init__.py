"""GraphQL entrypoint: Strawberry schema, Starlette app, composition root and command line."""
