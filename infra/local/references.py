"""What the template's intrinsics (`!Ref`, `!GetAtt`, `!Sub`, `!Join`) mean on the local stack.

Values come from what the local runtime provisioned (queue URLs and ARNs, function ARNs, the table's stream),
from the names the local stack gave the resources it created (`physical_names`), from parameter defaults and
from pseudo parameters. Anything else (conditions, imports) is unresolvable locally and says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_SUB = re.compile(r"\$\{([^}]+)\}")


class Unresolvable(LookupError):
    """The value depends on something the local stack does not model."""


class References:
    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        region: str,
        account: str,
        stack_name: str,
        physical_names: Mapping[str, str],
    ) -> None:
        self._parameters: dict[str, Any] = dict(document.get("Parameters") or {})
        self._physical = dict(physical_names)
        self._pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
        }
        self._values: dict[tuple[str, str | None], str | Callable[[], str]] = {}

    def define(self, logical_id: str, attribute: str | None, value: str | Callable[[], str]) -> None:
        """Record what `!Ref logical_id` (attribute None) or `!GetAtt logical_id.attribute` is locally."""
        self._values[(logical_id, attribute)] = value

    def physical_name(self, logical_id: str) -> str | None:
        return self._physical.get(logical_id)

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic replaced by its local value; raises Unresolvable."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self._ref(str(argument))
            if name == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
                return self._get_att(str(logical_id), str(attribute))
            if name == "Fn::Sub":
                return self._sub(argument)
            if name == "Fn::Join":
                delimiter, parts = argument
                return str(delimiter).join(str(self.resolve(part)) for part in self.resolve(parts))
            if name.startswith("Fn::"):
                raise Unresolvable(f"{name} is not evaluated locally")
        return {key: self.resolve(item) for key, item in value.items()}

    def _lookup(self, logical_id: str, attribute: str | None) -> str | None:
        found = self._values.get((logical_id, attribute))
        if found is None:
            return None
        return found if isinstance(found, str) else found()

    def _ref(self, name: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        found = self._lookup(name, None)
        if found is not None:
            return found
        if name in self._physical:
            return self._physical[name]
        if name in self._parameters and "Default" in self._parameters[name]:
            return str(self._parameters[name]["Default"])
        raise Unresolvable(f"!Ref {name}: not provisioned locally (pass its name in physical_names)")

    def _get_att(self, logical_id: str, attribute: str) -> str:
        found = self._lookup(logical_id, attribute)
        if found is None:
            raise Unresolvable(f"!GetAtt {logical_id}.{attribute}: not provisioned locally")
        return found

    def _sub(self, argument: Any) -> str:
        text, variables = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self._get_att(logical_id, attribute)
            return self._ref(name)

        return _SUB.sub(replace, str(text))


def logical_ids(value: Any) -> set[str]:
    """The resources (and parameters) a template value refers to."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= logical_ids(item)
    elif isinstance(value, Mapping):
        for name, argument in value.items():
            if name == "Ref":
                found.add(str(argument))
            elif name == "Fn::GetAtt":
                found.add(str(argument[0] if isinstance(argument, list) else str(argument).split(".")[0]))
            elif name == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                found |= {ref.split(".")[0] for ref in _SUB.findall(str(text)) if not ref.startswith(("!", "AWS::"))}
                if isinstance(argument, list):
                    found |= logical_ids(argument[1])
            else:
                found |= logical_ids(argument)
    return found
