"""The signing service: the only code that loads private keys.

It signs licences, status lists and trust lists, and checks ("lints") every payload before
it signs it. Everything else gets signatures through :class:`certsvc.signer.signer.Signer`.
"""
