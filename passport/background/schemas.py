"""What the API says of a job."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for


class JobDumpSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "What the job does, e.g. esr_import"})
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["queued", "running", "succeeded", "failed"]})
    stage = ma.fields.String(allow_none=True, metadata={"description": "What it is doing now, in words"})
    done = ma.fields.Integer(required=True)
    total = ma.fields.Integer(allow_none=True)
    percent = ma.fields.Integer(allow_none=True)
    attempts = ma.fields.Integer(required=True)
    error = ma.fields.String(
        allow_none=True, metadata={"description": "Why it failed, or why it is retrying"}
    )
    result = ma.fields.Dict(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    links = ma.fields.Method("_links")

    def _links(self, job) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
        return {
            "self": url_for("background_api.Job", job_id=job.id),
            "page": url_for("background.job_page", job_id=job.id),
            "result": job.result_url,
        }


class JobListDumpSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(JobDumpSchema), required=True)
