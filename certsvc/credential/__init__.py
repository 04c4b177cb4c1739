"""The credential: token format, QR content and images, and the offline verifier.

Needs only public keys. Nothing here loads a private key or touches the database.
"""
