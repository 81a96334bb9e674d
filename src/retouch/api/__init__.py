"""The HTTP layer: routes for the fal protocol, the OpenAI API, storage and operations. Knows no engine internals."""
