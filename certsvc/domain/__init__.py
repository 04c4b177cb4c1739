"""Pure licence rules: value types and validation, no I/O, no Flask, no SQLAlchemy."""
