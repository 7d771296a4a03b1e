"""Re-ID API: deer profiles, the review queue, runs (backfill, reprocess) and the threshold analysis."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import MANAGER, IsManager, IsReviewer, ReadOrReviewer, has_role
from core.schema import error
from reid import analysis_cache, review, selectors
from reid.api import serializers as s
from reid.models import ReidRun, ReviewItem
from reid.profiles import ProfileError, deer_merge, deer_split
from reid.queueing import create_queued_run, enqueue_run

# A decision on a review item: 400 for a bad body or a refused deer, 409 when the item was decided
# already (or has nothing to undo).
DECISION = {200: s.ReviewItemSerializer, 409: error(409, "Already decided; undo that decision first.")}


class DeerPermission(ReadOrReviewer):
    """Read: signed in; edit/merge/split: reviewer; delete: manager."""

    def has_permission(self, request, view):
        if request.method == "DELETE":
            self.message = IsManager.message
            return has_role(request.user, MANAGER)
        return super().has_permission(request, view)


class DeerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [DeerPermission]
    serializer_class = s.DeerSerializer
    filterset_fields = {
        "sex": ["exact"],
        "status": ["exact"],
        "sighting_count": ["gte", "lte"],
        "last_seen": ["gte", "lte"],
        "embedding_model": ["exact"],
    }

    def get_queryset(self):
        queryset = selectors.deer_list()
        q = self.request.query_params.get("q")
        if q:
            queryset = queryset.filter(name__icontains=q)
        return queryset

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.DeerUpdateSerializer
        return s.DeerSerializer

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return Response(s.DeerSerializer(self.get_object()).data)

    @extend_schema(
        parameters=[s.TimelineQuerySerializer],
        responses={200: s.TimelineSerializer},
        summary="Sightings per day, ISO week or month",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request, pk=None):
        query = s.TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deer = self.get_object()
        return Response(
            {
                "deer_id": str(deer.pk),
                "group_by": query.validated_data["group_by"],
                "periods": selectors.deer_timeline(deer, query.validated_data["group_by"]),
            }
        )

    @extend_schema(responses={200: s.DeerLocationsSerializer}, summary="Sightings per camera site")
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def locations(self, request, pk=None):
        deer = self.get_object()
        return Response({"deer_id": str(deer.pk), "locations": selectors.deer_locations(deer)})

    @extend_schema(request=s.MergeSerializer, responses=s.DeerSerializer, summary="Merge other profiles into this one")
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request, pk=None):
        deer = self.get_object()
        body = s.MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            deer = deer_merge(
                deer, body.validated_data["deer_ids"], user=request.user, force=body.validated_data["force"]
            )
        except ProfileError as exc:
            raise ValidationError({"deer_ids": [str(exc)]}) from None
        return Response(s.DeerSerializer(deer).data)

    @extend_schema(
        request=s.SplitSerializer,
        responses={201: s.SplitResultSerializer},
        summary="Split detections off into a new profile",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def split(self, request, pk=None):
        deer = self.get_object()
        body = s.SplitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            new = deer_split(
                deer,
                body.validated_data["detection_ids"],
                user=request.user,
                name=body.validated_data["name"],
                sex=body.validated_data.get("sex"),
            )
        except ProfileError as exc:
            raise ValidationError({"detection_ids": [str(exc)]}) from None
        deer.refresh_from_db()
        return Response(
            {"deer": s.DeerSerializer(deer).data, "new_deer": s.DeerSerializer(new).data},
            status=status.HTTP_201_CREATED,
        )


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsReviewer]
    serializer_class = s.ReviewItemSerializer
    filter_backends = []

    def get_queryset(self):
        wanted = self.request.query_params.get("status", ReviewItem.Status.PENDING)
        if wanted not in ReviewItem.Status.values:
            raise ValidationError({"status": [f"status must be one of: {', '.join(ReviewItem.Status.values)}"]})
        if self.action != "list":
            return ReviewItem.objects.select_related("detection", "detection__location")
        return selectors.review_queue(wanted)

    def _answer(self, call):
        try:
            result = call()
        except review.ReviewError as exc:
            return Response({"detail": str(exc)}, status=exc.status)
        item = result[0] if isinstance(result, tuple) else result
        item.refresh_from_db()
        return Response(s.ReviewItemSerializer(item).data)

    def _decide(self, request, decision, body_class=None):
        """Validate the body (if the decision takes one), then apply `decision(item, data)`."""
        item = self.get_object()
        data = {}
        if body_class is not None:
            body = body_class(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
        return self._answer(lambda: decision(item, data))

    @extend_schema(request=s.DeerChoiceSerializer, summary="This detection is that deer", responses=DECISION)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._decide(
            request, lambda item, data: review.accept(item, data["deer_id"], request.user), s.DeerChoiceSerializer
        )

    @extend_schema(
        request=s.DeerChoiceSerializer,
        summary="This detection is not that deer (never offered again)",
        responses=DECISION,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(
            request, lambda item, data: review.reject(item, data["deer_id"], request.user), s.DeerChoiceSerializer
        )

    @extend_schema(
        request=s.NewIndividualSerializer, summary="A deer not seen before: create its profile", responses=DECISION
    )
    @action(detail=True, methods=["post"], url_path="new")
    def new_individual(self, request, pk=None):
        return self._decide(
            request,
            lambda item, data: review.new_individual(item, request.user, name=data["name"], sex=data["sex"]),
            s.NewIndividualSerializer,
        )

    @extend_schema(
        request=None, summary="Cannot be identified; leave it unassigned and out of matching", responses=DECISION
    )
    @action(detail=True, methods=["post"])
    def unidentifiable(self, request, pk=None):
        return self._decide(request, lambda item, data: review.unidentifiable(item, request.user))

    @extend_schema(request=None, summary="Decide later: move the item to the back of the queue", responses=DECISION)
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        return self._decide(request, lambda item, data: review.skip(item, request.user))

    @extend_schema(request=None, summary="Undo the latest decision on this item", responses=DECISION)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        return self._decide(request, lambda item, data: review.undo(item, request.user))

    @extend_schema(
        request=None,
        responses={200: s.ReviewItemSerializer, 409: error(409, "You have no decision to undo.")},
        operation_id="reid_review_undo_mine",
        summary="Undo my latest decision, whichever item it was on",
    )
    @action(detail=False, methods=["post"], url_path="undo")
    def undo_last(self, request):
        last = review.last_action_of(request.user)
        if last is None:
            return Response({"detail": "You have no decision to undo."}, status=status.HTTP_409_CONFLICT)
        return self._answer(lambda: review.undo(last.item, request.user))


class ReidRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = s.ReidRunSerializer
    queryset = ReidRun.objects.all()
    filterset_fields = ["kind", "status", "dry_run"]


class ReprocessView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        request=s.ReprocessSerializer,
        responses={202: s.ReidRunSerializer, 503: error(503)},
        summary="Re-match unassigned detections with a new threshold (dry_run previews the counts)",
    )
    def post(self, request):
        body = s.ReprocessSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        run = create_queued_run(
            ReidRun.Kind.REPROCESS,
            data["threshold"],
            requested_by=request.user,
            review_threshold=data["review_threshold"],
            dry_run=data["dry_run"],
        )
        enqueue_run(run)  # after the run row is committed; Redis down -> run failed, 503
        return Response(s.ReidRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class BackfillView(APIView):
    permission_classes = [IsManager]

    @extend_schema(
        request=s.BackfillSerializer,
        responses={202: s.ReidRunSerializer, 503: error(503)},
        summary="Re-score assigned detections against all profiles and log the scores",
    )
    def post(self, request):
        body = s.BackfillSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        limit = body.validated_data["limit"]
        run = create_queued_run(
            ReidRun.Kind.BACKFILL,
            selectors.nominal_thresholds()[0],
            requested_by=request.user,
            params={"limit": limit} if limit else {},
        )
        enqueue_run(run)
        return Response(s.ReidRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class AnalysisView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[s.AnalysisQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, 404: error(404, "No such run, or no logged scores to analyse.")},
        summary="Threshold analysis of the logged similarity scores",
    )
    def get(self, request):
        query = s.AnalysisQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        snapshot = analysis_cache.current(
            run=query.validated_data.get("run"),
            step=query.validated_data["step"],
            ground_truth=query.validated_data["ground_truth"],
        )  # stored for the current data, or computed now (reid.analysis_cache)
        if snapshot.error:
            return Response({"detail": snapshot.error}, status=status.HTTP_404_NOT_FOUND)
        return Response({**snapshot.result, "computed_at": snapshot.computed_at})
