"""A check for documents built without validation (``CanonicalModel.trusted``): validating their dump
again must give the same tree with the very same value types (an ``int`` where the model says
``Decimal``, or a list for a tuple, would compare equal but is not what validation makes)."""

from __future__ import annotations

import warnings
from typing import Any

from pydantic import BaseModel


def assert_exactly_validated(document: BaseModel) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pydantic warns when it serialises a value of an unexpected type
        again = type(document).model_validate(document.model_dump())
        assert document.model_dump_json() == again.model_dump_json()
    _same(document, again, type(document).__name__)


def _same(built: Any, validated: Any, path: str) -> None:
    assert type(built) is type(validated), f"{path}: {type(built).__name__} != {type(validated).__name__}"
    if isinstance(built, BaseModel):
        assert list(built.__dict__) == list(validated.__dict__), path
        for name, value in built.__dict__.items():
            _same(value, validated.__dict__[name], f"{path}.{name}")
    elif isinstance(built, tuple):
        assert len(built) == len(validated), path
        for index, (left, right) in enumerate(zip(built, validated, strict=True)):
            _same(left, right, f"{path}[{index}]")
    else:
        assert built == validated, path
