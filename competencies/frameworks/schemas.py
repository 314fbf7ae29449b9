"""JSON shapes of frameworks, versions, items, crosswalks, refresher periods and sign-offs: separate load
and dump schemas. Keys are our records' keys (framework and version identifiers are ours, item
identifiers are the CASE identifiers)."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from competencies.frameworks.models import SignOffMethod, SignOffOutcome
from competencies.frameworks.operations import CROSSWALK_TYPES, MAX_REFRESHER_MONTHS
from passport.reference.cstf import CSTF_SUBJECTS

_NOT_BLANK = validate.Regexp(r"\S", error="Must not be blank.")


def _nullable_string(**kwargs) -> fields.String:  # type: ignore[no-untyped-def]
    return fields.String(allow_none=True, required=True, **kwargs)


class LevelDumpSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    description = _nullable_string()


class VersionSummarySchema(Schema):
    identifier = fields.String(required=True)
    version_label = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["draft", "published"]))
    document_identifier = fields.String(required=True)
    document_uri = fields.String(required=True)
    title = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    published_at = fields.DateTime(required=True, allow_none=True)


class VersionDumpSchema(VersionSummarySchema):
    framework = fields.Function(lambda v: v.framework.identifier, required=True, metadata={"type": "string"})
    based_on = fields.Function(
        lambda v: v.based_on.identifier if v.based_on else None,
        required=True,
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )


class CaseWarningSchema(Schema):
    path = fields.String(required=True, metadata={"description": "JSON path of the field as sent"})
    reason = fields.String(
        required=True, metadata={"description": "what CASE 1.1 exports and answers do with it"}
    )


class ImportedVersionDumpSchema(VersionDumpSchema):
    """The imported version, and a warning per field CASE 1.1 writes differently from how it was sent."""

    warnings = fields.List(
        fields.Nested(CaseWarningSchema),
        required=True,
        metadata={
            "description": "Each field of the package that CASE 1.1 exports and answers write differently "
            "or leave out (a time without a zone, CASE 1.0's CFDocumentURI, a key CASE 1.1 does not "
            "define, ...); empty for a clean CASE 1.1 package. They never stop the import."
        },
    )


class FrameworkDumpSchema(Schema):
    identifier = fields.String(required=True)
    title = fields.String(required=True)
    owner_trust = fields.Function(
        lambda f: f.owner_trust.ods_code if f.owner_trust else None,
        required=True,
        allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "ODS code; null when shared"},
    )
    shared = fields.Function(lambda f: f.is_shared, required=True, metadata={"type": "boolean"})
    versions = fields.List(fields.Nested(VersionSummarySchema), required=True)
    proficiency_levels = fields.Function(
        lambda f: LevelDumpSchema(many=True).dump(f.scale.levels if f.scale else []),
        required=True,
        metadata={"type": "array", "items": {"type": "object"}},
    )


class CasePackageLoadSchema(Schema):
    """A CASE 1.1 CFPackage, checked in full by the importer (each problem named by its JSON path)."""

    class Meta:
        unknown = INCLUDE  # older exporters add keys such as CFPackageURI; they are kept

    CFDocument = fields.Dict(required=True)
    CFItems = fields.List(fields.Dict(), load_default=list)
    CFAssociations = fields.List(fields.Dict(), load_default=list)
    CFDefinitions = fields.Dict(load_default=dict)


class ImportQuerySchema(Schema):
    owner = fields.String(
        validate=validate.Length(min=3, max=5),
        metadata={"description": "ODS code of the trust owning a local framework; omit for a shared one"},
    )
    publish = fields.Boolean(load_default=False, metadata={"description": "Publish at once (default: draft)"})


class NewVersionSchema(Schema):
    version_label = fields.String(required=True, validate=[validate.Length(min=1, max=50), _NOT_BLANK])


class ItemDumpSchema(Schema):
    identifier = fields.String(required=True)
    uri = fields.String(required=True)
    human_coding_scheme = _nullable_string()
    full_statement = fields.String(required=True)
    item_type = _nullable_string()
    notes = _nullable_string()
    version = fields.Function(lambda i: i.version.identifier, required=True, metadata={"type": "string"})
    predecessor = fields.Function(
        lambda i: i.predecessor.identifier if i.predecessor else None,
        required=True,
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )


class LinkDumpSchema(Schema):
    identifier = fields.String(required=True)
    uri = _nullable_string()
    title = _nullable_string()


class AssociationDumpSchema(Schema):
    identifier = fields.String(required=True)
    association_type = fields.String(required=True)
    origin = fields.Function(
        lambda a: {"identifier": a.origin_identifier, "uri": a.origin_uri, "title": a.origin_title},
        required=True,
        metadata={"type": "object"},
    )
    destination = fields.Function(
        lambda a: {
            "identifier": a.destination_identifier,
            "uri": a.destination_uri,
            "title": a.destination_title,
        },
        required=True,
        metadata={"type": "object"},
    )
    sequence_number = fields.Integer(required=True, allow_none=True)


class CrosswalkDumpSchema(Schema):
    identifier = fields.String(required=True)
    trust = fields.Function(lambda c: c.trust.ods_code, required=True, metadata={"type": "string"})
    association_type = fields.String(required=True)
    local_item = fields.Nested(ItemDumpSchema, required=True)
    shared_item = fields.Nested(ItemDumpSchema, required=True)


class ItemDetailSchema(ItemDumpSchema):
    associations = fields.List(fields.Nested(AssociationDumpSchema), required=True)
    crosswalks = fields.List(fields.Nested(CrosswalkDumpSchema), required=True)


class ItemQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Words or a code"})


class ItemCreateSchema(Schema):
    full_statement = fields.String(required=True, validate=[validate.Length(min=1, max=10_000), _NOT_BLANK])
    human_coding_scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    item_type = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10_000))
    parent = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=255),
        metadata={"description": "Identifier of the draft item to add under; omit for the top level"},
    )


class ItemUpdateSchema(Schema):
    full_statement = fields.String(validate=[validate.Length(min=1, max=10_000), _NOT_BLANK])
    human_coding_scheme = fields.String(validate=validate.Length(max=100))
    item_type = fields.String(validate=validate.Length(max=100))
    notes = fields.String(validate=validate.Length(max=10_000))


class DiffQuerySchema(Schema):
    against = fields.String(
        required=True,
        validate=validate.Length(min=1, max=36),
        metadata={"description": "Identifier of the older version to compare with"},
    )


class RewordSchema(Schema):
    before = fields.Nested(ItemDumpSchema, required=True)
    after = fields.Nested(ItemDumpSchema, required=True)


class DiffDumpSchema(Schema):
    older = fields.Function(lambda d: d.older.identifier, required=True, metadata={"type": "string"})
    newer = fields.Function(lambda d: d.newer.identifier, required=True, metadata={"type": "string"})
    added = fields.List(fields.Nested(ItemDumpSchema), required=True)
    removed = fields.List(fields.Nested(ItemDumpSchema), required=True)
    reworded = fields.Function(
        lambda d: RewordSchema(many=True).dump([{"before": a, "after": b} for a, b in d.reworded]),
        required=True,
        metadata={"type": "array", "items": {"type": "object"}},
    )
    unchanged = fields.Integer(required=True)


class CrosswalkCreateSchema(Schema):
    local_version = fields.String(required=True, validate=validate.Length(min=1, max=36))
    local_item = fields.String(required=True, validate=validate.Length(min=1, max=255))
    shared_version = fields.String(required=True, validate=validate.Length(min=1, max=36))
    shared_item = fields.String(required=True, validate=validate.Length(min=1, max=255))
    association_type = fields.String(required=True, validate=validate.OneOf(CROSSWALK_TYPES))


class RefresherDumpSchema(Schema):
    subject_code = fields.String(required=True)
    subject_title = fields.String(required=True)
    level = fields.Integer(required=True)
    default_months = fields.Integer(required=True)
    months = fields.Integer(required=True)


class RefresherUpdateSchema(Schema):
    months = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_REFRESHER_MONTHS))


CSTF_CODES = [subject.code for subject in CSTF_SUBJECTS]


class SignOffCreateSchema(Schema):
    nurse = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=254), _NOT_BLANK],
        metadata={"description": "The nurse's NMC PIN or email address"},
    )
    version = fields.String(required=True, validate=validate.Length(min=1, max=36))
    item = fields.String(required=True, validate=validate.Length(min=1, max=255))
    proficiency_level = fields.String(required=True, validate=validate.Length(min=1, max=64))
    method = fields.String(required=True, validate=validate.OneOf([m.value for m in SignOffMethod]))
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in SignOffOutcome]))
    evidence = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    assessed_on = fields.Date(required=True)
    review_on = fields.Date(required=True)


class SignOffDumpSchema(Schema):
    identifier = fields.String(required=True)
    nurse = fields.Function(lambda s: s.staff_member.full_name, required=True, metadata={"type": "string"})
    nurse_trust = fields.Function(
        lambda s: s.staff_member.trust.ods_code, required=True, metadata={"type": "string"}
    )
    assessor = fields.Function(lambda s: s.assessor.display_name, required=True, metadata={"type": "string"})
    assessor_trust = fields.Function(
        lambda s: s.assessor_trust.ods_code, required=True, metadata={"type": "string"}
    )
    version = fields.Function(lambda s: s.version.identifier, required=True, metadata={"type": "string"})
    item = fields.Function(lambda s: s.item.identifier, required=True, metadata={"type": "string"})
    statement = fields.Function(lambda s: s.item.full_statement, required=True, metadata={"type": "string"})
    proficiency_level = fields.String(required=True)
    method = fields.String(required=True)
    outcome = fields.String(required=True)
    evidence = _nullable_string()
    assessed_on = fields.Date(required=True)
    review_on = fields.Date(required=True)
    credential_id = fields.Function(
        lambda s: s.credential_uri,
        required=True,
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )
    withdrawn_at = fields.DateTime(required=True, allow_none=True)


class WithdrawSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
