"""Multiple-choice extraction on responses as models really write them."""

from __future__ import annotations

import pytest

from omnieval.judges.choice import judge_choice, option_letters, read_choice

ANIMALS = {"A": "cat", "B": "dog", "C": "bird", "D": "fish"}
SIX = {
    "A": "The boy lied",
    "B": "The dog was hungry",
    "C": "It rained all day",
    "D": "The door was locked",
    "E": "Nobody came",
    "F": "The phone rang",
}

# (response, the letter it chose, or None when no single letter can be read)
CASES = [
    # a letter alone
    ("B", "B"),
    ("B.", "B"),
    ("(B)", "B"),
    ("[C]", "C"),
    ("B)", "B"),
    ("**D**", "D"),
    (" c ", "C"),
    ("Option B", "B"),
    ("\\boxed{C}", "C"),
    ("$\\boxed{A}$", "A"),
    ("Ｂ", "B"),
    ("（C）", "C"),
    # explicit statements
    ("Answer: B", "B"),
    ("Answer: b", "B"),
    ("ANSWER: D", "D"),
    ("The answer is B) dog", "B"),
    ("The answer is (C).", "C"),
    ("The correct answer is D. fish", "D"),
    ("Final answer: A", "A"),
    ("The final answer is $\\boxed{B}$.", "B"),
    ("I would choose C.", "C"),
    ("I'd go with option D.", "D"),
    ("My answer is A.", "A"),
    ("Correct option: B", "B"),
    ("The best choice is C because birds can fly.", "C"),
    ("**Answer:** C", "C"),
    ("Answer - A", "A"),
    ("答案是B", "B"),
    ("答案：C", "C"),
    ("正确答案为D。", "D"),
    ("我选A", "A"),
    ("Let me think. Cats meow and dogs bark. The animal barking in the clip is a dog, so the answer is B.", "B"),
    ("A cat would meow, but the sound is a bark.\nAnswer: B", "B"),
    ("Option A is wrong and option C is wrong. The answer is D.", "D"),
    ("The answer is B, the dog.", "B"),
    ("The answer must be C", "C"),
    ("Answer: B\nExplanation: the animal in the video is barking, which rules out A, C and D.", "B"),
    ("**Final Answer**\n\n\\[\n\\boxed{C}\n\\]", "C"),
    ("Thus, the final answer is \\(\\boxed{C}\\).", "C"),
    ("The answer is \\(C\\)", "C"),
    ("\\boxed{A} was my first thought, but the answer is \\boxed{D}.", "D"),
    ("The answer is (b).", "B"),
    ("Final answer: c)", "C"),
    ("The correct answer is option (c).", "C"),
    ("The answer is B and D is incorrect.", "B"),
    ("Answer: A, B is wrong because it barks.", "A"),
    ("(A) is wrong. (C) is right.", "C"),
    ("It is not a cat, so C.", "C"),
    ("A cat is not right here; it must be C.", "C"),
    # going through the options one by one
    (
        "A) This is incorrect, it purrs.\nB) Incorrect.\nC) Correct, it flies.\nD) Incorrect.\n\n"
        "Therefore, C is the correct answer.",
        "C",
    ),
    ("A. cat - no\nB. dog - no\nC. bird - yes\n\nSo the right one is C.", "C"),
    ("A: incorrect\nB: incorrect\nC: correct\nD: incorrect", "C"),
    ("A) cat\nB) dog\nC) bird\nD) fish", None),
    # several letters stated: no single answer
    ("The answer is A and C.", None),
    ("Answer: B, D", None),
    ("Answer: A/B", None),
    ("答案是A和C", None),
    # a letter that opens the answer
    ("B) dog", "B"),
    ("C. The bird is the only animal that can fly.", "C"),
    ("D: fish", "D"),
    ("A\nThe cat is sitting on the mat.", "A"),
    ("B - the dog is barking", "B"),
    # the option's text without its letter
    ("dog", "B"),
    ("It is a fish.", "D"),
    ("The animal shown is a bird.", "C"),
    ("Dog.", "B"),
    ("The sound comes from a cat, not a dog.", None),
    # a letter inside a longer explanation
    ("Based on the barking sound in the audio, (B) is correct.", "B"),
    ("Looking at the image, option C matches best since it shows wings.", "C"),
    ("Among the choices, D is the right one given the water.", "D"),
    ("The video shows a bird flying over the lake, which corresponds to C.", "C"),
    ("I think it's (A), as the animal is purring.", "A"),
    # several letters mentioned apart
    ("(A) or (C) could both be right.", None),
    ("It could be option A, but option B is also plausible.", None),
    # nothing readable
    ("", None),
    ("I don't know.", None),
    ("The image is too blurry to tell.", None),
    ("A horse.", None),
    ("None of the options is correct.", None),
    # reasoning models and answer tags
    ("<think>The barking suggests a dog. Option A is a cat.</think>\nB", "B"),
    ("<think>Let me consider A... no. Maybe C.</think>The answer is D.", "D"),
    ("<think>It is a dog, so B. Wait, let me double check the audio", None),
    ("<answer>C</answer>", "C"),
    ("I reasoned about it.\n<answer>B</answer>", "B"),
    ("<think>Hmm, A or B?</think><answer>A</answer>", "A"),
    ("<answer>The answer is D</answer>", "D"),
]

SIX_CASES = [
    ("F", "F"),
    ("<think>The phone rang, so he left.</think><answer>F</answer>", "F"),
    ("The answer is E: nobody came.", "E"),
    ("Because it rained all day.", "C"),
    ("G", None),
    ("The answer is G.", None),
]


@pytest.mark.parametrize(("response", "letter"), CASES)
def test_reads_the_chosen_letter(response, letter):
    reading = read_choice(response, ANIMALS)
    assert reading.letter == letter, reading


@pytest.mark.parametrize(("response", "letter"), SIX_CASES)
def test_reads_six_options(response, letter):
    assert read_choice(response, SIX).letter == letter


def test_the_table_is_large_enough():
    assert len(CASES) + len(SIX_CASES) >= 60


def test_the_score_carries_the_letter_read_and_never_guesses():
    right = judge_choice("The answer is (B).", ANIMALS, "B")
    wrong = judge_choice("A", ANIMALS, "B")
    unread = judge_choice("No idea.", ANIMALS, "B")
    assert (right.value, right.explanation) == (1.0, "B")
    assert (wrong.value, wrong.explanation) == (0.0, "A")
    assert (unread.value, unread.explanation) == (0.0, None)


def test_options_given_as_a_list_or_a_count():
    assert option_letters(["x", "y", "z"]) == "ABC" and option_letters(10) == "ABCDEFGHIJ"
    assert read_choice("J", 10).letter == "J" and read_choice("E", 4).letter is None


@pytest.mark.parametrize(
    "response, options, expected",
    [
        # markup characters belong to option texts: removed from both sides, or kept on both
        ("tapping_on_glass", {"A": "door_knock", "B": "tapping_on_glass"}, "B"),
        ("The chord is FM13#11.", {"A": "FM13#11", "B": "Fmaj7"}, "A"),
        ("F#m11, B13b9, Emaj7add13", {"A": "F#m11, B13b9, Emaj7add13", "B": "Am7, D9, Gmaj7"}, "A"),
        ("125*a^2 + 250", {"A": "125*a^2 + 250", "B": "250*a^2 + 125"}, "A"),
        # option texts that look like letters are options, not letters
        ("B:maj7/1", {"A": "C:min", "B": "G:7", "C": "B:maj7/1"}, "C"),
        ("D and A", {"A": "A and D", "B": "D and A", "C": "neither"}, "B"),
        ("Solution A", {"A": "Solution B", "B": "Solution A"}, "B"),
        ("D", {"A": "A", "B": "B", "C": "D", "D": "C"}, "C"),
        # a symbol is part of the answer: the square root of two is not the option "2"
        ("√{2}", {"A": "2", "B": "4"}, None),
        # hedges name several letters: no answer
        ("C or D", {"A": "w", "B": "x", "C": "y", "D": "z"}, None),
        ("B and D", {"A": "w", "B": "x", "C": "y", "D": "z"}, None),
        ("A/C", {"A": "w", "B": "x", "C": "y", "D": "z"}, None),
        ("Either B or C.", {"A": "w", "B": "x", "C": "y", "D": "z"}, None),
        # the forms that still read
        ("(B)", {"A": "w", "B": "x"}, "B"),
        ("B. x", {"A": "w", "B": "x"}, "B"),
    ],
)
def test_option_texts_are_read_as_written_and_hedges_as_no_answer(response, options, expected):
    assert read_choice(response, options).letter == expected
