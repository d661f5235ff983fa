"""The influence map (``app.domain.influence``) as schemas."""

from __future__ import annotations

from app.domain.influence.records import Influence
from app.domain.influence.red_flags import MapView, RedFlag
from app.schemas.common import Ref
from app.schemas.influence import (
    AccountInfluenceMap,
    AccountRedFlags,
    InfluenceRead,
    RedFlagRead,
)


def influence_read(influence: Influence) -> InfluenceRead:
    return InfluenceRead.model_validate(influence)


def red_flag_read(flag: RedFlag) -> RedFlagRead:
    return RedFlagRead.model_validate(flag)


def account_influence_map(view: MapView) -> AccountInfluenceMap:
    return AccountInfluenceMap(
        account=Ref.model_validate(view.map.account),
        generated_at=view.map.generated_at,
        reviewed_at=view.map.reviewed_at,
        influences=[influence_read(i) for i in view.map.influences],
        red_flags=[red_flag_read(f) for f in view.red_flags],
    )


def account_red_flags(view: MapView) -> AccountRedFlags:
    return AccountRedFlags(
        account=Ref.model_validate(view.map.account),
        generated_at=view.map.generated_at,
        reviewed_at=view.map.reviewed_at,
        red_flags=[red_flag_read(f) for f in view.red_flags],
    )
