"""One page of the detections page's list without counting a million rows on every view.

The number of matching rows is counted up to COUNT_CAP only (a LIMITed count stops there), so a
large result shows "10,000+" and page numbers without "of N"; the exact number is counted when
someone asks for it (the statistics fragment, an export or batch review of all matching). The rows
of a page are read in two steps: their ids (the sort's index alone, also at a deep OFFSET), then the
rows with their image, location and deer for those ids only.
"""

from dataclasses import dataclass

COUNT_CAP = 10_000


def capped_count(queryset, cap=COUNT_CAP):
    """The number of rows of `queryset`, counted up to cap + 1 (more than `cap` means "cap+")."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def page_number(value):
    """The page number asked for (1 for anything that is not a positive whole number)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


@dataclass
class ListPage:
    number: int
    object_list: list
    has_next: bool
    count: int | None  # exact number of matching rows, None when more than COUNT_CAP
    per_page: int

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1

    @property
    def num_pages(self):
        return None if self.count is None else max(1, -(-self.count // self.per_page))


def list_page(ordered, rows, number, per_page, count):
    """Page `number` of the ordered queryset `ordered`; `rows(ids)` reads the full rows of `ids`.

    `count` is the exact row count or None (more than COUNT_CAP). A page past the end shows the last one.
    """
    if count is not None:
        number = min(number, max(1, -(-count // per_page)))
    offset = (number - 1) * per_page
    ids = list(ordered.values_list("pk", flat=True)[offset : offset + per_page + 1])
    if not ids and number > 1 and count is None:  # past the end of a large result: count it and show its last page
        return list_page(ordered, rows, number, per_page, ordered.count())
    has_next, ids = len(ids) > per_page, ids[:per_page]
    by_id = {row.pk: row for row in rows(ids)}
    return ListPage(number, [by_id[pk] for pk in ids if pk in by_id], has_next, count, per_page)
