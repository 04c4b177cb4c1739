"""What the bureau service's routes, console and report form use, built once per app.

Its own module, depending on nothing of the web layer above it, so that the routes, the
console and the report form can take it without importing the app that registers them.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from flask import Flask

from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_status_list
from certsvc.signer.keystore import KeyStore
from certsvc.signer.secret_box import secret_box
from certsvc.signer.signer import Signer
from certsvc.store.db import make_engine
from certsvc.store.documents import document_store
from certsvc.workflow.accidents import Accidents
from certsvc.workflow.applications import Applications
from certsvc.workflow.audit_log import AuditLog
from certsvc.workflow.bulk import BulkStatusChanges
from certsvc.workflow.complaints import Complaints
from certsvc.workflow.declarations import Declarations
from certsvc.workflow.documents import Documents
from certsvc.workflow.grading import Grading
from certsvc.workflow.holiday_notices import HolidayNotices
from certsvc.workflow.issuance import Issuer
from certsvc.workflow.licence_files import LicenceFiles
from certsvc.workflow.licence_sharing import LicenceSharing
from certsvc.workflow.licences import LicenceActions
from certsvc.workflow.measures import Measures
from certsvc.workflow.oversight import Institutions, RecallOrders, Recalls, SpotChecks
from certsvc.workflow.review_bodies import ReviewBodies
from certsvc.workflow.sharing import Sharing
from certsvc.workflow.signin import SignIn

log = logging.getLogger("certsvc.api")


class Services:
    """The parts the routes use, built once per app."""

    def __init__(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"], app.config["DB_CONNECT_TIMEOUT"],
                                  app.config["DB_STATEMENT_TIMEOUT"])
        keystore = KeyStore(Path(app.config["KEYS_DIR"]), app.config["KEY_PASSPHRASE"])
        self.signer: Signer = Signer(keystore)
        self.publish_dir: Path = Path(app.config["PUBLISH_DIR"])
        self.issuer: Issuer = Issuer(self.engine, self.signer, app.config["PUBLIC_URL"])
        self.documents: Documents = Documents(
            self.engine, document_store(Path(app.config["DOCUMENTS_DIR"]),
                                        app.config["DOCUMENTS_S3_BUCKET"],
                                        app.config["DOCUMENTS_S3_ENDPOINT"]))
        self.applications: Applications = Applications(self.engine, self.issuer,
                                                       self.documents, self.publish)
        self.licences: LicenceActions = LicenceActions(self.engine, self.issuer, self.publish)
        self.declarations: Declarations = Declarations(self.engine)
        self.accidents: Accidents = Accidents(self.engine)
        self.spot_checks: SpotChecks = SpotChecks(self.engine)
        self.recalls: Recalls = Recalls(self.engine)
        self.recall_orders: RecallOrders = RecallOrders(self.engine)
        self.institutions: Institutions = Institutions(self.engine)
        self.measures: Measures = Measures(self.engine, self.licences)
        self.review_bodies: ReviewBodies = ReviewBodies(self.engine, self.documents)
        self.sharing: Sharing = Sharing(self.engine)
        self.files: LicenceFiles = LicenceFiles(self.engine, self.signer,
                                                app.config["PUBLIC_URL"],
                                                app.config.get("PDF_FONT"))
        self.licences.after_signing = self.files.refresh
        self.licence_sharing: LicenceSharing = LicenceSharing(
            self.engine, self.sharing, self.files, app.config["PUBLIC_URL"],
            app.config.get("PDF_FONT"))
        self.grading: Grading = Grading(self.engine)
        self.bulk: BulkStatusChanges = BulkStatusChanges(self.engine, self.licences)
        self.audit_log: AuditLog = AuditLog(self.engine)
        self.holiday_notices: HolidayNotices = HolidayNotices(self.engine)
        box = secret_box(Path(app.config["KEYS_DIR"]), app.config["KEY_PASSPHRASE"])
        self.signin: SignIn = SignIn(self.engine, box)
        self.complaints: Complaints = Complaints(
            self.engine, self.documents.store, box,
            dt.timedelta(seconds=float(app.config["REPORT_MIN_FILL_SECONDS"])))

    def publish(self) -> None:
        """A new status list after a status change; a failure is logged, never lost: the
        change is committed and the periodic ``certsvc publish --every`` catches up."""
        try:
            publish_status_list(self.engine, self.signer, self.publish_dir, utcnow())
        except Exception:
            log.exception("publishing the status list failed; the next publish catches up")
