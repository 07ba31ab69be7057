"""Batch jobs: ingest, embed, topics, forecast, schedules. Each takes a Settings and a Store."""
