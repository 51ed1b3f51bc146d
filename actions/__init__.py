"""Actions: boto3 operations declared once, run through confirmation, read-only guard and audit."""
