"""Inserting many rows fast: COPY on PostgreSQL, one prepared statement run over all the rows on SQLite.

``insert_objects`` stores unsaved model instances the way ``bulk_create`` would (defaults, auto_now_add,
each field's conversion to its database value), without building the SQL of every row: for a field
whose value already has the plain Python type its column takes (int, float, str, bool) the value is
passed as it is; any other value goes through the field's own ``get_db_prep_save``. Model
primary keys must be set beforehand (UUIDs with a default): no ids are read back. No signals are sent
(as with bulk_create). COPY bypasses Django's execute wrappers, so the data version is marked here
(core.data_version.written), as the wrapper would have done.
"""

import uuid
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import DEFERRED
from django.utils import timezone

PLAIN = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "FloatField": float,
    "BooleanField": bool,
}


def new(model, **values):
    """``model(**values)`` for `values` keyed by attname (``location_id``, not ``location``), built the way
    the ORM builds the rows it reads, positionally: the same unsaved instance, defaults included, in a
    fraction of the time keywords take (an import builds hundreds of thousands)."""
    plan = _plans.get(model)
    if plan is None:
        plan = _plans[model] = [_default(field) for field in model._meta.concrete_fields]
    args = [values.pop(name) if name in values else (make() if call else make) for name, make, call in plan]
    if values:
        raise TypeError(f"{model.__name__} has no field {', '.join(values)} (give attnames).")
    return model(*args)


_plans = {}


def _default(field):
    """(attname, the default or the function making it, whether to call it) of one concrete field."""
    if field.generated:
        return field.attname, DEFERRED, False  # what keyword construction leaves unset
    if field.has_default() and callable(field.default):
        return field.attname, field.get_default, True
    return field.attname, field.get_default(), False


def insert_objects(model, objects, connection=None):
    """Insert `objects` (unsaved instances of `model`, primary keys set); marks them saved."""
    connection = connection or connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read for every value
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    converters = [_converter(f, connection) for f in fields]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    now = timezone.now()  # auto_now(_add): one time for the rows of one statement
    attnames = [f.attname for f in fields]
    rows = []
    for obj in objects:
        if obj.pk is None:
            raise ValueError(f"insert_objects needs the primary key of every {model.__name__} set.")
        for field in stamped:
            setattr(obj, field.attname, now)
        rows.append(tuple(convert(getattr(obj, name)) for convert, name in zip(converters, attnames, strict=True)))
    insert_tuples(model, [f.column for f in fields], rows, connection)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_tuples(model, columns, rows, connection=None):
    """Insert `rows` (tuples of database values, in the order of `columns`) into the model's table."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    if connection.vendor == "postgresql":
        copy_rows(table, names, rows, connection)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:  # through the execute wrappers (the data version sees it)
        cursor.executemany(f"INSERT INTO {connection.ops.quote_name(table)} ({names}) VALUES ({marks})", rows)


def copy_rows(table, names, rows, connection=None):
    """COPY `rows` into `table` (PostgreSQL); `names` is the quoted, comma-separated column list."""
    from core import data_version

    connection = connection or connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor, connection.wrap_database_errors:  # a unique violation: IntegrityError
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    data_version.written(connection, table)


def _converter(field, connection):
    """value -> its database value, as field.get_db_prep_save gives it (cheaper for the common types)."""
    prepare = field.get_db_prep_save
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):  # as UUIDField.get_db_prep_value, for a UUID
        native = connection.features.has_native_uuid_field
        return lambda value: (
            None
            if value is None
            else (value if native else value.hex)
            if type(value) is uuid.UUID
            else prepare(value, connection)
        )
    if isinstance(field, models.DateTimeField):  # an aware datetime: straight to the backend's adapter
        adapt, seen = connection.ops.adapt_datetimefield_value, {}

        def convert(value):
            if type(value) is not datetime or value.tzinfo is None:
                return None if value is None else prepare(value, connection)
            if value not in seen:
                seen[value] = adapt(value)
            return seen[value]

        return convert
    plain = PLAIN.get(field.get_internal_type())
    if plain is None:
        return lambda value: None if value is None else prepare(value, connection)
    return lambda value: value if type(value) is plain or value is None else prepare(value, connection)
