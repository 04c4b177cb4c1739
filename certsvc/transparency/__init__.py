"""The public transparency log of licence events (issue 16): Merkle hashing and proofs so far."""
