"""``python -m public_site``: serve the site for development (gunicorn in production)."""

import click

from public_site.app import create_app


@click.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
def serve(host: str, port: int) -> None:
    create_app().run(host=host, port=port)


serve()
