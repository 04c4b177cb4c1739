"""The licence as a document: the printable PDF (and the files other systems exchange)."""
