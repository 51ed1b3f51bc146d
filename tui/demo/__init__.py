"""The embedded demo: an in-process moto server on loopback, seeded with a realistic incident."""
