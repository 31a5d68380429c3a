"""The folds' former names, kept only while ``kg/flows.py`` (being rewritten) imports them from
here: the folds live in :mod:`kg.names` (docs/identity.md)."""

from kg.names import fold_dataset_name as dataset_key
from kg.names import fold_org_name as org_key

__all__ = ["dataset_key", "org_key"]
