"""Redis adapters. `connection.connect` is the one way in; nothing is imported here, so a module that
needs only the byte codecs (the catalog reader) does not load the Redis client."""
