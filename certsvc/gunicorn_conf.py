"""gunicorn settings for both apps: ``gunicorn -c python:certsvc.gunicorn_conf …``.

    gunicorn -c python:certsvc.gunicorn_conf -w 4 -b 127.0.0.1:8002 'public_site.app:create_app()'

The request line may be as long as gunicorn allows (8190 bytes), so that a request target
over the apps' own limit (``certsvc.errors.MAX_REQUEST_TARGET``, 8000 bytes) reaches the app
and is answered as RFC 9457 problem JSON, not as gunicorn's plain error page. Anything longer
is refused before gunicorn by the proxy (the rendered nginx configuration), also as problem
JSON.
"""

limit_request_line = 8190
timeout = 30  # a worker stuck longer is killed; the database timeouts end far sooner
