"""Serving the GraphQL app over HTTP: the Starlette app, its guards, uvicorn and the worker pool."""
