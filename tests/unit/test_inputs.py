"""bot.inputs.check_id: what may reach a query as one of our row ids."""

import pytest

from bot.inputs import ID_MAX, InputError, check_id

UNKNOWN = "“{value}” is not a partnership I know; pick one from the list."


@pytest.mark.parametrize(("value", "expected"), [(1, 1), ("42", 42), (" 7 ", 7), (ID_MAX, 2_147_483_647)])
def test_check_id_takes_ids_from_1_to_the_databases_integer_limit(value: int | str, expected: int) -> None:
    assert check_id(value, UNKNOWN) == expected


@pytest.mark.parametrize(
    "value", [0, -1, ID_MAX + 1, 2**53 - 1, "0", "-3", "+3", "1²", "²", "", "3000000000", "9" * 5000, "1.5"]
)
def test_check_id_refuses_anything_else_with_the_features_message(value: int | str) -> None:
    with pytest.raises(InputError) as refused:
        check_id(value, UNKNOWN)
    assert refused.value.message == UNKNOWN
    assert len(refused.value.params["value"]) <= 60
