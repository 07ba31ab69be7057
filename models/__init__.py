"""Model wrappers: text normalisation, embedding, topics, forecast. No HTTP, no DuckDB here."""
