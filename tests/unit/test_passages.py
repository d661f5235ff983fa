"""Splitting a note into passages: the windows that search scores, embeds and quotes.

Sizes are stated in terms of MAX_WORDS and MIN_WORDS, which are tuned on evaluation data.
"""

from __future__ import annotations

from itertools import pairwise

from app.search.passages import MAX_WORDS, MIN_WORDS, split_passages, text_hash


def section(topic: str, words: int) -> str:
    """A paragraph of whole five-word sentences about ``topic``, about ``words`` words long."""
    return " ".join(f"Deb raised {topic} item {i}." for i in range(max(words // 5, 1)))


# A section that stands alone as a passage: not too small to mean anything, not too long.
SECTION_WORDS = (MIN_WORDS + MAX_WORDS) // 2 // 5 * 5
INTRO = section("pilot", SECTION_WORDS)
BUDGET = section("budget", SECTION_WORDS)
NEXT_STEPS = section("security", SECTION_WORDS)
RECAP = f"{INTRO}\n\n{BUDGET}\n\n{NEXT_STEPS}"


def words(text: str) -> list[str]:
    return text.split()


def assert_covers_in_order(note: str, passages: list[str]) -> None:
    """Each passage is a run of the note's own words, and together, in order, they cover all
    of it (windows may overlap; nothing may be skipped, reordered or invented)."""
    note_words = words(note)
    covered_to = 0
    start = 0
    for passage in passages:
        run = words(passage)
        start = next(
            (
                i
                for i in range(start, len(note_words) - len(run) + 1)
                if note_words[i : i + len(run)] == run
            ),
            -1,
        )
        assert start != -1, f"passage is not a run of the note's words, in order: {passage!r}"
        assert start <= covered_to, f"words skipped before: {passage!r}"
        covered_to = max(covered_to, start + len(run))
    assert covered_to == len(note_words), "the end of the note is in no passage"


def test_sections_of_the_sample_recap_stand_alone() -> None:
    # The premise of the tests below; if tuning breaks it, adjust SECTION_WORDS.
    assert MIN_WORDS <= len(words(INTRO)) <= MAX_WORDS - 4  # room for a tiny block to join
    assert len(words(RECAP)) > MAX_WORDS


def test_a_short_note_is_one_passage_as_written() -> None:
    assert split_passages("  Deb holds the purse strings.\n") == ["Deb holds the purse strings."]


def test_a_blank_note_has_no_passages() -> None:
    assert split_passages(" \n\n ") == []


def test_a_note_up_to_max_words_stays_whole_even_with_blank_lines() -> None:
    note = "\n\n".join(["Budget is tight now."] * (MAX_WORDS // 4))
    assert MAX_WORDS - 4 < len(words(note)) <= MAX_WORDS
    assert split_passages(note) == [note]


def test_a_long_recap_splits_at_its_blank_lines() -> None:
    assert split_passages(RECAP) == [INTRO, BUDGET, NEXT_STEPS]


def test_a_tiny_block_joins_a_neighbour() -> None:
    note = f"{INTRO}\n\nAlso: Deb likes golf.\n\n{BUDGET}\n\n{NEXT_STEPS}"
    passages = split_passages(note)
    assert "Also: Deb likes golf." not in passages
    assert all(len(words(p)) >= MIN_WORDS for p in passages), passages
    assert_covers_in_order(note, passages)


def test_a_heading_stays_with_the_section_it_introduces() -> None:
    """A hit on the budget must quote the budget section under its heading, not the
    previous section with a stray "## Budget" at its end."""
    note = f"{INTRO}\n\n## Budget\n\n{BUDGET}\n\n## Next steps\n\n{NEXT_STEPS}"
    passages = split_passages(note)
    [with_heading] = [p for p in passages if "## Budget" in p]
    assert with_heading.startswith("## Budget"), passages
    assert INTRO not in with_heading, passages


def test_no_passage_is_longer_than_the_model_window() -> None:
    one_long_sentence = " ".join(f"w{i}" for i in range(MAX_WORDS + 7)) + "."
    note = "\n\n".join(
        [INTRO, section("legal", MAX_WORDS * 2), "Short aside.", BUDGET, one_long_sentence]
    )
    passages = split_passages(note)
    assert all(len(words(p)) <= MAX_WORDS for p in passages), [len(words(p)) for p in passages]
    assert_covers_in_order(note, passages)


def test_a_long_block_without_blank_lines_is_cut_into_overlapping_windows() -> None:
    sentences = [f"On call {i} the buyer raised item{i} for legal review." for i in range(30)]
    note = " ".join(sentences)
    assert len(words(note)) > 2 * MAX_WORDS
    passages = split_passages(note)
    assert len(passages) > 2
    assert all(len(words(p)) <= MAX_WORDS for p in passages)
    assert_covers_in_order(note, passages)
    # Windows end and start at sentence boundaries, and each repeats the previous one's last
    # sentence, so a fact that straddles the cut is still read in context.
    for before, after in pairwise(passages):
        last = before[before.rindex("On call") :]
        assert last in sentences
        assert after.startswith(last), (before[-80:], after[:80])


def test_one_sentence_longer_than_the_window_is_cut_by_words_and_loses_nothing() -> None:
    note = " ".join(f"w{i}" for i in range(MAX_WORDS * 2 + 5))
    passages = split_passages(note)
    assert [len(words(p)) for p in passages] == [MAX_WORDS, MAX_WORDS, 5]
    assert_covers_in_order(note, passages)


def test_text_hash_is_stable_and_tells_texts_apart() -> None:
    # Stored with every passage: if it changed, every vector in a base would be re-embedded.
    assert text_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert text_hash("Deb holds the purse strings.") == text_hash("Deb holds the purse strings.")
    assert text_hash("Deb holds the purse strings.") != text_hash("Deb holds the purse strings")
