from bot.text import ELLIPSIS, fit, has_visible_text, quote


def test_fit_keeps_short_text_and_cuts_long_text_with_an_ellipsis():
    assert fit("Shanghai Library", 256) == "Shanghai Library"
    cut = fit("x" * 5000, 256)
    assert len(cut) == 256
    assert cut.endswith(ELLIPSIS)


def test_fit_prefers_a_word_boundary_near_the_end():
    cut = fit("one two three four five six seven", 20)
    assert len(cut) <= 20
    assert cut == "one two three four" + ELLIPSIS


def test_zero_width_and_blank_text_is_not_visible():
    assert not has_visible_text("\u200b\u200c\u200d\ufeff")
    assert not has_visible_text("   \u3164 ")
    assert has_visible_text("中文")
    assert has_visible_text(" a ")


def test_quote_is_short_one_line_and_cannot_ping_or_format():
    quoted = quote("@everyone **bold** <@123> " + "长" * 5000)
    assert len(quoted) < 80
    assert "@everyone" not in quoted
    assert "<@123>" not in quoted
    assert "**" not in quoted
    assert "\n" not in quote("a\nb")
