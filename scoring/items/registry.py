"""Every scorecard item type, in one place: the `detector` a card names in YAML -> its model.

The scorecard's item union (`scoring/scorecard.py`) is built from this list, in this order (the
order YAML errors list the types in); what else the rest of callqa asks of a type, its model
answers (`scoring/items/base.py`). A model left abstract (a part of the protocol forgotten) fails
the type check here; a key that is not its model's `detector` fails the registry's unit test.
"""

from __future__ import annotations

from scoring.items.base import ItemBase
from scoring.items.customer_name import CustomerNameItem
from scoring.items.dead_air import DeadAirItem
from scoring.items.phrase_absent import PhraseAbsentItem
from scoring.items.phrase_present import PhrasePresentItem
from scoring.items.script_steps import ScriptStepsItem

ITEM_TYPES: dict[str, type[ItemBase]] = {
    "phrase_present": PhrasePresentItem,
    "phrase_absent": PhraseAbsentItem,
    "script_steps": ScriptStepsItem,
    "dead_air": DeadAirItem,
    "customer_name": CustomerNameItem,
}
