"""Continuous watch: a stream of records or Jetstream events in, alerts out, durable state on disk."""
