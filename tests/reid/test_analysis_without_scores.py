import pytest

from reid.analysis import AnalysisError, analyse
from reid.models import ReidRun, SimilarityScore
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_run_whose_profiles_were_deleted_is_refused_not_analysed():
    run = ReidRun.objects.create(kind="backfill", status="completed", threshold=0.64)
    deer = factories.deer("doe")
    det = factories.detection(classification="doe", embedding=factories.unit_vector(8))
    SimilarityScore.objects.create(
        run=run, detection=det, deer=deer, score=0.9, rank=1, sex_match=True, matched=True, threshold_used=0.64
    )
    deer.delete()  # as reid_match --reset does with unnamed profiles: the scores go with it
    with pytest.raises(AnalysisError, match="no logged scores left"):
        analyse(run)
