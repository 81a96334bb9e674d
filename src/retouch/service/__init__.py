"""The request lifecycle: submit, status, result, cancel, stream, webhooks — in one place for every door."""
