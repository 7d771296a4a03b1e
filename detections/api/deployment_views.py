"""Deployments and outages: read for every staff role, write for managers."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import MANAGER, NEEDS, has_role
from detections.api.deployment_serializers import DeploymentSerializer, OutageSerializer
from detections.api.pagination import SmallPagePagination
from detections.models import Deployment, Outage


class ReadOrManager(BasePermission):
    """Anyone signed in may read; writing needs the manager role."""

    message = NEEDS[MANAGER]

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return has_role(request.user, MANAGER)


class AtomicWrites:
    """Validation and the write (with the re-timing of a changed clock offset) in one transaction."""

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()


@extend_schema_view(
    list=extend_schema(summary="List deployments", tags=["deployments"]),
    retrieve=extend_schema(summary="One deployment with its outages and clock history", tags=["deployments"]),
    create=extend_schema(summary="Add a deployment (manager)", tags=["deployments"]),
    update=extend_schema(summary="Replace a deployment (manager)", tags=["deployments"]),
    partial_update=extend_schema(
        summary="Change a deployment (manager); a new clock_offset re-times its images", tags=["deployments"]
    ),
    destroy=extend_schema(summary="Delete a deployment and its outages (manager)", tags=["deployments"]),
)
class DeploymentViewSet(AtomicWrites, viewsets.ModelViewSet):
    queryset = Deployment.objects.select_related("location").prefetch_related("outages", "clock_corrections__user")
    serializer_class = DeploymentSerializer
    permission_classes = [ReadOrManager]
    pagination_class = SmallPagePagination
    filterset_fields = ["location", "inferred", "bait_use"]


@extend_schema_view(
    list=extend_schema(summary="List outages", tags=["deployments"]),
    retrieve=extend_schema(summary="One outage", tags=["deployments"]),
    create=extend_schema(summary="Add an outage inside its deployment (manager)", tags=["deployments"]),
    update=extend_schema(summary="Replace an outage (manager)", tags=["deployments"]),
    partial_update=extend_schema(summary="Change an outage (manager)", tags=["deployments"]),
    destroy=extend_schema(summary="Delete an outage (manager)", tags=["deployments"]),
)
class OutageViewSet(AtomicWrites, viewsets.ModelViewSet):
    queryset = Outage.objects.all().order_by("start_at")
    serializer_class = OutageSerializer
    permission_classes = [ReadOrManager]
    pagination_class = SmallPagePagination
    filterset_fields = ["deployment"]
