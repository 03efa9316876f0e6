"""Graph API field expansion: `id,from{id,name},comments.limit(25).summary(true){id,message}`."""

from dataclasses import dataclass, field


@dataclass
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    subfields: list["FieldSpec"] | None = None


class FieldSyntaxError(ValueError):
    pass


def parse_fields(text: str) -> list[FieldSpec]:
    specs, position = _parse_list(text.replace(" ", ""), 0)
    if position != len(text.replace(" ", "")):
        raise FieldSyntaxError(f"Syntax error at character {position}")
    return specs


def _parse_list(text: str, position: int) -> tuple[list[FieldSpec], int]:
    specs: list[FieldSpec] = []
    while position < len(text) and text[position] != "}":
        spec, position = _parse_item(text, position)
        specs.append(spec)
        if position < len(text) and text[position] == ",":
            position += 1
    return specs, position


def _parse_item(text: str, position: int) -> tuple[FieldSpec, int]:
    start = position
    while position < len(text) and (text[position].isalnum() or text[position] == "_"):
        position += 1
    if position == start:
        raise FieldSyntaxError(f"Syntax error at character {position}")
    spec = FieldSpec(text[start:position])
    while position < len(text) and text[position] == ".":
        name_start = position + 1
        open_paren = text.find("(", name_start)
        close_paren = text.find(")", open_paren)
        if open_paren < 0 or close_paren < 0:
            raise FieldSyntaxError(f"Syntax error at character {position}")
        spec.modifiers[text[name_start:open_paren]] = text[open_paren + 1 : close_paren]
        position = close_paren + 1
    if position < len(text) and text[position] == "{":
        spec.subfields, position = _parse_list(text, position + 1)
        if position >= len(text) or text[position] != "}":
            raise FieldSyntaxError("Unbalanced braces")
        position += 1
    return spec, position
