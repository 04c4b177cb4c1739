"""The public verification site and public JSON API: read-only, no signer, no workflow.

    app = create_app()        # gunicorn 'public_site.app:create_app()'

Pages (Chinese by default, ``?lang=en``): ``/`` (search, recent licences), ``/V/<digits>``
(the QR landing page: the URL inside every QR), ``/licence/<number>`` and its ``.pdf``,
``/search``, ``/enterprise/<uscc>``, ``/scan`` (camera or photo upload), ``/trust``.
API: ``/api/v1/licences/<number>``, ``/api/v1/verify``, ``/api/v1/enterprises/<uscc>``,
``/api/v1/search``, ``/.well-known/certsvc/{trust-list,status-list}``.
"""

from public_site.app import create_app

__all__ = ["create_app"]
