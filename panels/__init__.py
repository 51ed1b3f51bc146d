"""Panels: each is a data source (boto3 -> plain rows and problems) plus the shared view."""
