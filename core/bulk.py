"""Inserting many rows fast: COPY on PostgreSQL, one prepared statement run over all the rows on SQLite.

``BulkSession`` is a long run of such inserts (an import of 100,000 images): on SQLite it gives the
connection a page cache large enough for the indexes the rows land in at random, and refreshes the
query planner's statistics each time the tables have doubled since they were last gathered.

``insert_objects`` stores unsaved model instances the way ``bulk_create`` would (defaults, auto_now_add,
each field's conversion to its database value), without building the SQL of every row: for a field
whose value already has the plain Python type its column takes (int, float, str, bool) the value is
passed as it is (checked a column at a time); any other value goes through the field's own
``get_db_prep_save`` (UUIDs and aware datetimes the short way: what it would give). Model
primary keys must be set beforehand (UUIDs with a default): no ids are read back. No signals are sent
(as with bulk_create). COPY bypasses Django's execute wrappers, so the data version is marked here
(core.data_version.written), as the wrapper would have done.

``Unsaved(model)`` makes the instances themselves: what ``model(**values)`` gives, about ten times
faster (an import builds 200,000 of them; Model.__init__ walks every field for each).
"""

import gc
import uuid
from contextlib import suppress
from datetime import datetime
from operator import attrgetter

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from core import data_version

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


class Unsaved:
    """``Unsaved(model)(**values)`` -> an unsaved instance, as ``model(**values)`` would make it.

    The defaults are taken once (a callable default, e.g. uuid4, is called for each instance); values
    are given by attribute name (``location_id``) or, for a foreign key, as the related object
    (``location``, cached on the instance as the descriptor would). Only concrete, non-generated
    fields are taken. When a receiver listens to the model's pre_init or post_init signals the model's
    own constructor is used, so that it sees every instance.
    """

    def __init__(self, model):
        self.model = model
        self.fields = None

    def _learn(self):
        fields = [f for f in self.model._meta.concrete_fields if not f.generated]
        self.fields = {f.attname for f in fields}
        self.relations = {f.name: (f.attname, f.target_field.attname) for f in fields if f.is_relation}
        self.static = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
        self.made = [(f.attname, f.default) for f in fields if f.has_default() and callable(f.default)]

    def __call__(self, **values):
        model = self.model
        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            return model(**values)
        if self.fields is None:
            self._learn()
        instance = model.__new__(model)
        state = instance._state = ModelState()
        data = instance.__dict__
        data.update(self.static)
        for attname, make in self.made:
            data[attname] = make()
        for name, value in values.items():
            if name in self.relations:
                attname, target = self.relations[name]
                data[attname] = None if value is None else getattr(value, target)
                state.fields_cache[name] = value
            elif name in self.fields:
                data[name] = value
            else:
                raise TypeError(f"{model.__name__} has no field '{name}'.")
        return instance


def insert_objects(model, objects, connection=None):
    """Insert `objects` (unsaved instances of `model`, primary keys set); marks them saved."""
    connection = connection or connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read for every value
    if not objects:
        return
    if any(obj.pk is None for obj in objects):
        raise ValueError(f"insert_objects needs the primary key of every {model.__name__} set.")
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    now = timezone.now()  # auto_now(_add): one time for the rows of one statement
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objects:
                setattr(obj, field.attname, now)
    columns = [_column(field, list(map(attrgetter(field.attname), objects)), connection) for field in fields]
    insert_tuples(model, [f.column for f in fields], list(zip(*columns, strict=True)), connection)
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
    connection = connection or connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor, connection.wrap_database_errors:  # a unique violation: IntegrityError
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    data_version.written(connection, table)


def _column(field, values, connection):
    """The database values of one column's `values`, as field.get_db_prep_save gives them (a column of
    plain values, or of None, is passed as it is; UUIDs and aware datetimes go the short way)."""
    prepare = field.get_db_prep_save
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:
        return values
    plain = PLAIN.get(field.get_internal_type())
    if plain is not None and kinds == {plain}:
        return values
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField) and kinds == {uuid.UUID}:  # as UUIDField.get_db_prep_value
        if connection.features.has_native_uuid_field:
            return values
        return [None if value is None else value.hex for value in values]
    if isinstance(field, models.DateTimeField) and kinds == {datetime}:
        adapt, seen = connection.ops.adapt_datetimefield_value, {}
        for value in values:
            if value is not None and value not in seen:
                # an aware datetime straight to the backend's adapter (a naive one as the field takes it)
                seen[value] = adapt(value) if value.tzinfo is not None else prepare(value, connection)
        return [None if value is None else seen[value] for value in values]
    return [None if value is None else prepare(value, connection) for value in values]


SQLITE_BULK_CACHE_KIB = 128 * 1024  # the page cache of an importing connection (SQLite's default: 2 MiB)
STATISTICS_MIN_ROWS = 1000  # fewer new rows leave the planner's statistics as they are


class BulkSession:
    """A long run of inserts into the tables of `models_` (a context manager); call ``written(rows)``
    after each commit with the number of rows stored so far (of the table that grows most).

    On SQLite: a large page cache while it lasts (the index pages of random keys, UUIDs and hashes,
    are read and written again and again otherwise; the previous size is restored), and ANALYZE of the
    tables each time they have doubled since their statistics were gathered. Without statistics
    SQLite's planner takes ``deer_id IS NULL`` for a selective test and scans every unassigned
    detection where 500 primary keys would do; after a big import every statement is misjudged so.
    PostgreSQL's autovacuum analyses growing tables by itself: nothing to do there.

    On every database the objects alive when the session starts (the application's modules, models,
    settings) are frozen out of Python's garbage collector for its length (gc.freeze): the oldest
    generation's collections, run again and again as the import makes and drops its rows' objects,
    then walk only what the import made.
    """

    def __init__(self, *models_, connection=None):
        self.connection = connection or connections[DEFAULT_DB_ALIAS]
        self.tables = [model._meta.db_table for model in models_]
        self.sqlite = self.connection.vendor == "sqlite"
        self.cache_size = None

    def __enter__(self):
        gc.freeze()
        if self.sqlite:
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                self.cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
            self.rows_before = max(self._rows(table) for table in self.tables)
            self.analysed = max(self._analysed_rows(table) for table in self.tables)
        return self

    def __exit__(self, *exc_info):
        gc.unfreeze()
        if self.cache_size is not None:
            with suppress(DatabaseError), self.connection.cursor() as cursor:  # a broken connection is closed anyway
                cursor.execute(f"PRAGMA cache_size = {int(self.cache_size)}")

    def written(self, rows):
        """`rows` stored (and committed) so far in this session; refreshes the statistics when due."""
        if not self.sqlite:
            return
        size = self.rows_before + rows
        if rows < STATISTICS_MIN_ROWS or size < 2 * self.analysed:
            return
        with self.connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"ANALYZE {self.connection.ops.quote_name(table)}")
        self.analysed = size

    def _rows(self, table):
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.connection.ops.quote_name(table)}")
            return cursor.fetchone()[0]

    def _analysed_rows(self, table):
        """The table's row count when its statistics were gathered (0 without any)."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return 0
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND stat != '' LIMIT 1", [table])
            found = cursor.fetchone()
        return int(found[0].split()[0]) if found else 0
