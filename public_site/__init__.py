"""The public verification site: read-only, no signer, no workflow.

    app = create_app()        # gunicorn 'public_site:create_app()'

Pages: ``/`` (what this is, recent licences), ``/v/<digits>`` (the QR landing page: the URL
inside every QR), ``/qr/<number>.png|.svg`` (a licence's QR image).
"""

from public_site.app import create_app

__all__ = ["create_app"]
