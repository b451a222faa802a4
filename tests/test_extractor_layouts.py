"""One small text per layout trap and per rule of what is (not) a commitment."""

from __future__ import annotations

from pathlib import Path

import pytest

from commitments.importer.parser import ExtractedDocument, extract
from commitments.importer.sources import DocumentError, document_text, read_document


def texts(doc: ExtractedDocument) -> list[str]:
    return [c.text for c in doc.commitments]


def only(doc: ExtractedDocument) -> str:
    found = texts(doc)
    assert len(found) == 1, found
    return found[0]


LEAD = "In the next five years, the Ministry will carry out these tasks:\n\n"


# --- list markers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "items",
    [
        "- build 40 dams;\n- train 900 engineers.",
        "• build 40 dams;\n• train 900 engineers.",
        "– build 40 dams;\n– train 900 engineers.",
        "(a) build 40 dams;\n(b) train 900 engineers.",
        "1) build 40 dams;\n2) train 900 engineers.",
        "a. build 40 dams;\nb. train 900 engineers.",
        "(i) build 40 dams;\n(ii) train 900 engineers.",
        "1. Build 40 dams\n2. Train 900 engineers",
    ],
)
def test_each_list_marker_gives_one_commitment_per_item(items: str) -> None:
    doc = extract(LEAD + items + "\n")
    found = [t.lower().rstrip(".") for t in texts(doc)]
    # The lead-in only introduces its list: its items are the commitments.
    assert found == ["build 40 dams", "train 900 engineers"]
    assert {c.rule for c in doc.commitments} == {"list-item"}
    assert doc.commitments[0].lead_in == "In the next five years, the Ministry will carry out these tasks:"
    assert doc.sections == ()


def test_item_wrapped_over_lines_is_one_commitment() -> None:
    doc = extract(
        "The Ministry will:\n\n"
        "- build or rehabilitate 1,200 small piped schemes in the northern\n"
        "  and eastern provinces, giving priority to villages without any\n"
        "  improved source;\n"
        "- train a water committee in every village.\n"
    )
    assert texts(doc) == [
        "build or rehabilitate 1,200 small piped schemes in the northern and eastern provinces, "
        "giving priority to villages without any improved source",
        "train a water committee in every village.",
    ]


def test_one_paragraph_per_line_without_blank_lines_is_read_line_by_line() -> None:
    filler = "which the Ministry has discussed with the regions, the providers and the users of its services"
    doc = extract(
        "A Plan for Water\n"
        "Chapter 1 Our Digital Services\n"
        f"Services today are built separately, {filler} over many years and at great cost.\n"
        "The Ministry will:\n"
        f"- act as a single gateway for all of the digital projects {filler}\n"
        f"By March 2027 the Ministry will recruit five service managers, {filler} this year.\n"
        "Open Data\n"
        f"We will publish our data, {filler}, and we will publish the\n"
        f"inventory of datasets every year, {filler} and the public.\n"
    )
    assert [s.heading for s in doc.sections] == ["Chapter 1 Our Digital Services", "Open Data"]
    assert texts(doc) == [
        f"act as a single gateway for all of the digital projects {filler}",
        f"By March 2027 the Ministry will recruit five service managers, {filler} this year.",
        # A line that visibly stops mid-sentence runs on.
        f"We will publish our data, {filler}, and we will publish the inventory of datasets every year, "
        f"{filler} and the public.",
    ]


def test_hard_wrapped_paragraph_gives_one_commitment_per_sentence() -> None:
    doc = extract(
        "In the next five years, China will expand the launch vehicle\n"
        "family. It will build two new launch sites. It will also train\n"
        "astronauts from partner countries.\n"
    )
    assert texts(doc) == [
        "In the next five years, China will expand the launch vehicle family.",
        "It will build two new launch sites.",
        "It will also train astronauts from partner countries.",
    ]
    assert [c.rule for c in doc.commitments] == ["plan-period-sentence", "prose-will", "prose-will"]
    assert all(c.lead_in is None for c in doc.commitments)


def test_sentence_broken_across_a_blank_line_is_rejoined() -> None:
    text = (
        "The Government will expand the scope of procurement and "
        "grant relevant enterprises\n\naccess to major facilities.\n"
    )
    doc = extract(text)
    assert only(doc) == (
        "The Government will expand the scope of procurement and "
        "grant relevant enterprises access to major facilities."
    )
    commitment = doc.commitments[0]
    assert text[commitment.start : commitment.end].endswith("facilities.")


def test_continuation_line_starting_with_a_dash_joins_the_sentence() -> None:
    doc = extract(
        "China will send a probe beyond the Earth-\n- Moon "
        "system and will fund the plan for 2026\n- 2030 in full.\n"
    )
    assert only(doc) == (
        "China will send a probe beyond the Earth-Moon system and will fund the plan for 2026 - 2030 in full."
    )


def test_a_paragraph_ending_in_a_web_address_is_not_cut_mid_sentence() -> None:
    doc = extract(
        "Chapter 1 Data\n\nSee the report at http://example.org/policy/\n\n"
        "The Ministry will publish the data by 2027.\n\nWe will serve regions and/\n\nor cities by 2028.\n"
    )
    assert texts(doc) == [
        "The Ministry will publish the data by 2027.",
        "We will serve regions and/ or cities by 2028.",  # a slash in words still runs on
    ]


def test_dash_continuation_after_an_open_parenthesis_joins_the_item() -> None:
    doc = extract(
        "- China will launch the SVOM (Space-based\n\n- multiband "
        "astronomical Variable Objects Monitor) in 2024.\n"
        "- China will support cooperation on launch services.\n"
    )
    assert texts(doc) == [
        "China will launch the SVOM (Space-based multiband astronomical Variable Objects Monitor) in 2024.",
        "China will support cooperation on launch services.",
    ]


def test_word_hyphenated_at_line_end_is_repaired_but_real_hyphens_stay() -> None:
    doc = extract(
        "The Ministry will support the develop-\nment of high-\n"
        "resolution satellites for the Earth-\nMoon system.\n"
    )
    assert only(doc) == (
        "The Ministry will support the development of high-resolution satellites for the Earth-Moon system."
    )


def test_hyphen_evidence_elsewhere_in_the_document_decides() -> None:
    doc = extract(
        "The Government will build a self-\nreliant grid.\n\nThe self-reliant grid was designed in 2020.\n"
    )
    assert only(doc) == "The Government will build a self-reliant grid."


@pytest.mark.parametrize(
    "footer",
    [
        "China's Space Program: A 2021 Perspective   12",
        "- 12 -",
        "Page 3 of 40",
        "12",
        "Outline of the Plan  |  7",
    ],
)
def test_page_footer_is_not_part_of_a_commitment(footer: str) -> None:
    text = (
        f"The Government will expand the scope of procurement and grant "
        f"relevant\n\n{footer}\n\fenterprises access to major facilities.\n"
    )
    doc = extract(text)
    assert only(doc) == (
        "The Government will expand the scope of procurement and "
        "grant relevant enterprises access to major facilities."
    )


def test_running_header_repeated_on_every_page_is_dropped() -> None:
    page = (
        "Ministry of Energy Annual Plan\n\nThe Ministry will "
        "build {n} new substations in the\nsouthern region.\n\f"
    )
    doc = extract("".join(page.format(n=n) for n in (10, 20, 30)))
    assert texts(doc) == [
        f"The Ministry will build {n} new substations in the southern region." for n in (10, 20, 30)
    ]
    assert all("Annual Plan" not in t for t in texts(doc))


def test_a_line_repeated_inside_pages_is_not_taken_for_a_running_header() -> None:
    # In a PDF's text, a sentence wrapped the same way on several pages repeats its first line.
    filler = "".join(f"Background paragraph {i} of part {{n}}.\n\n" for i in range(4))
    page = (
        "Ministry of Energy Annual Plan\n\n" + filler + "The Ministry will build new substations in the\n"
        "southern region by 20{n}.\n\n" + filler + "{n}\n\f"
    )
    doc = extract("".join(page.format(n=n) for n in (10, 20, 30)))
    assert texts(doc) == [
        f"The Ministry will build new substations in the southern region by 20{n}." for n in (10, 20, 30)
    ]


def test_form_feed_is_a_page_break() -> None:
    doc = extract(
        "The Ministry will build new substations in the\fsouthern region.\fIt will also train staff.\n"
    )
    assert texts(doc) == [
        "The Ministry will build new substations in the southern region.",
        "It will also train staff.",
    ]


def test_crlf_offsets_point_into_original_text() -> None:
    text = (
        "I. Energy\r\n\r\nThe Ministry will build new\r\nsubstations.\r\n"
        "\r\n- 3 -\r\n\r\nIt will:\r\n\r\n- train staff;\r\n- buy meters.\r\n"
    )
    doc = extract(text)
    assert texts(doc) == ["The Ministry will build new substations.", "train staff", "buy meters."]
    for commitment in doc.commitments:
        assert text[commitment.start :].startswith(commitment.text.split()[0])
    first = doc.commitments[0]
    assert text[first.start : first.end] == "The Ministry will build new\r\nsubstations."
    assert doc.sections[0].heading == "I. Energy"
    assert text[doc.sections[0].start :].startswith("I. Energy")


def test_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("\ufeffThe Ministry will build new substations.\r\n".encode())
    text = read_document(path)
    assert text == "The Ministry will build new substations.\r\n"
    assert extract(text).commitments[0].start == 0


def test_bom_left_in_the_text_is_skipped() -> None:
    doc = extract("\ufeffThe Ministry will build new substations.\n")
    assert doc.commitments[0].start == 1


def test_curly_quotes_are_kept_and_non_breaking_spaces_repaired() -> None:
    doc = extract("China\u2019s space agency will train 1,500 \u201cspace\u00a0champions\u201d by 2027.\n")
    assert only(doc) == "China\u2019s space agency will train 1,500 \u201cspace champions\u201d by 2027."


def test_nested_sub_items_hang_from_their_parent_item() -> None:
    doc = extract(
        "- China will support international cooperation on commercial spaceflight, including:\n"
        "- launching services;\n"
        "- technical cooperation on whole satellites.\n"
        "- It will give priority to satellites for Pakistan.\n"
    )
    assert texts(doc) == [
        "China will support international cooperation on commercial spaceflight, including:",
        "launching services",
        "technical cooperation on whole satellites.",
        "It will give priority to satellites for Pakistan.",
    ]
    assert doc.commitments[1].lead_in == doc.commitments[0].text
    assert doc.commitments[3].lead_in is None


def test_indented_sub_items_under_a_colon_item() -> None:
    doc = extract(
        "The Ministry will:\n"
        "• modernise irrigation in three provinces:\n"
        "    – the north;\n"
        "    – the east;\n"
        "• train 300 extension officers.\n"
    )
    assert texts(doc) == [
        "modernise irrigation in three provinces:",
        "the north",
        "the east",
        "train 300 extension officers.",
    ]
    assert doc.commitments[1].lead_in == "modernise irrigation in three provinces:"


# --- what is and is not a commitment -----------------------------------------------------------


def test_achievement_is_not_a_commitment() -> None:
    doc = extract(
        "From 2016 to December 2021, 207 launch missions were completed. China has launched the Tianhe core "
        "module. The Long March carrier rockets are being upgraded.\n"
    )
    assert texts(doc) == []


def test_present_tense_principle_is_not_a_commitment() -> None:
    doc = extract(
        "China is building a strategic force. China adheres to the "
        "principle of peaceful use. China always advocates openness.\n"
    )
    assert texts(doc) == []


def test_purpose_clause_is_not_a_commitment() -> None:
    doc = extract(
        "China will build a satellite network. All these efforts will help to achieve carbon neutrality. "
        "This will provide better services. By doing so, China will contribute more to human progress. "
        "The space industry will contribute more to growth. Efficient irrigation will help farmers.\n"
    )
    assert texts(doc) == ["China will build a satellite network."]


def test_elaboration_of_a_promise_is_a_commitment() -> None:
    doc = extract(
        "China will draft a national space law. This will include formulating regulations on navigation.\n"
    )
    assert len(doc.commitments) == 2


def test_statement_of_the_document_purpose_is_not_a_commitment() -> None:
    doc = extract(
        "We are publishing this white paper to explain our "
        "plans. This white paper will describe the main tasks. "
        "This Strategy sets out how the Department will build a workforce.\n"
    )
    assert texts(doc) == []


def test_relative_clause_and_forecast_are_not_commitments() -> None:
    doc = extract(
        "The industry has entered a new stage that will have "
        "a far-reaching impact. It is expected that private "
        "investment will cover a fifth of the cost. The political will of the people is strong.\n"
    )
    assert texts(doc) == []


def test_other_modal_forms_are_commitments() -> None:
    doc = extract(
        "Every public website shall meet the AA standard by "
        "2027. The Agency plans to introduce a single sign-on. "
        "The Government is going to establish a fund. A mid-term review will be carried out in 2028. "
        "We will not raise tariffs.\n"
    )
    assert [c.rule for c in doc.commitments] == [
        "prose-shall",
        "prose-plans-to",
        "prose-going-to",
        "prose-will-passive",
        "prose-will",
    ]


def test_noun_plans_is_not_a_commitment() -> None:
    doc = extract(
        "China is making forward-looking plans to integrate "
        "new technologies. It will study plans for defence.\n"
    )
    assert texts(doc) == ["It will study plans for defence."]


def test_bare_lead_in_is_not_a_commitment() -> None:
    doc = extract(
        "In the next five years, China will continue with "
        "lunar exploration. It will:\n\n- launch Chang'e-6.\n"
    )
    assert texts(doc) == [
        "In the next five years, China will continue with lunar exploration.",
        "launch Chang'e-6.",
    ]
    assert (
        doc.commitments[1].lead_in
        == "In the next five years, China will continue with lunar exploration. It will:"
    )


def test_items_under_a_descriptive_lead_in_are_not_commitments() -> None:
    doc = extract(
        "China's basic policies are as follows:\n\n- Safeguarding "
        "the central role of the UN;\n- Strengthening exchanges.\n"
        "\nThe main results were:\n\n1) a new laboratory;\n2) a national register.\n"
    )
    assert texts(doc) == []


def test_sentences_in_bullets_without_a_lead_in_are_judged_as_prose() -> None:
    doc = extract(
        "- China has signed 46 agreements. It is working with Russia on a lunar station.\n"
        "- China will advance cooperation on the lunar station. It welcomes partners at any stage.\n"
    )
    assert texts(doc) == ["China will advance cooperation on the lunar station."]
    assert doc.commitments[0].rule == "prose-will"


# --- headings -----------------------------------------------------------------------------------


def test_numbered_items_in_a_list_are_not_headings() -> None:
    doc = extract(
        "3 Financing\n\nThe Government plans to:\n\n1. Expand "
        "nursing school capacity\n2. Build staff housing\n"
        "3. Digitise the registry\n\n4 Monitoring\n\nThe results will be published.\n"
    )
    assert [s.heading for s in doc.sections] == ["3 Financing", "4 Monitoring"]
    assert texts(doc) == [
        "Expand nursing school capacity",
        "Build staff housing",
        "Digitise the registry",
        "The results will be published.",
    ]
    assert doc.commitments[0].section == ("3 Financing",)


def test_heading_tree_follows_roman_arabic_and_parenthesised_numbers() -> None:
    doc = extract(
        "Preamble\n\nText.\n\nI. Space Systems\n\n1. Launchers\n\n"
        "(1) Heavy lift\n\nChina will build a rocket.\n\n"
        "(2) Reusable launchers\n\nText.\n\n2. Satellites\n\n"
        "Text.\n\nII. Governance\n\nText.\n\nConclusion\n\nText.\n"
    )
    levels = [(s.heading, s.level, s.number) for s in doc.sections]
    assert levels == [
        ("Preamble", 1, None),
        ("I. Space Systems", 1, "I"),
        ("1. Launchers", 2, "1"),
        ("(1) Heavy lift", 3, "1"),
        ("(2) Reusable launchers", 3, "2"),
        ("2. Satellites", 2, "2"),
        ("II. Governance", 1, "II"),
        ("Conclusion", 1, None),
    ]
    assert doc.commitments[0].section == ("I. Space Systems", "1. Launchers", "(1) Heavy lift")
    heavy = doc.sections[3]
    assert (heavy.title, heavy.path[0]) == ("Heavy lift", "I. Space Systems")
    assert doc.sections[1].end == doc.sections[6].start


def test_part_chapter_section_and_decimal_headings() -> None:
    doc = extract(
        "Part II Economy\n\nChapter 3 Energy\n\nSection 4 Grids\n\nText.\n\n3.2 Storage\n\nText.\n\n"
        "Chapter 4\nTransport\n\nText.\n"
    )
    assert [(s.heading, s.level, s.number) for s in doc.sections] == [
        ("Part II Economy", 1, "II"),
        ("Chapter 3 Energy", 2, "3"),
        ("Section 4 Grids", 3, "4"),
        ("3.2 Storage", 4, "3.2"),
        ("Chapter 4 Transport", 2, "4"),
    ]
    assert doc.sections[4].title == "Transport"


def test_decimal_heading_nests_under_its_parent_number() -> None:
    doc = extract(
        "1 Introduction\n\n1.1 Purpose\n\nText.\n\n2 Targets\n\n"
        "2.1 Training\n\nThe Ministry will train nurses.\n"
    )
    assert [(s.heading, s.level) for s in doc.sections] == [
        ("1 Introduction", 1),
        ("1.1 Purpose", 2),
        ("2 Targets", 1),
        ("2.1 Training", 2),
    ]
    assert doc.commitments[0].section == ("2 Targets", "2.1 Training")


def test_a_table_of_contents_is_not_read_as_the_documents_headings() -> None:
    doc = extract(
        "A Plan for Water\n\nContents\n\nForeword\n\n1. Building trust\n\n"
        "2. Enhanced access\n\nAnnex A – Checklist\n\n"
        "Foreword\n\nWe care about water.\n\nChapter 1 Building trust\n\n"
        "The Ministry will publish its data.\n\n"
        "Chapter 2 Enhanced access\n\nThe Ministry will open a portal.\n\nAnnex A Checklist\n\nText.\n"
    )
    assert [s.path for s in doc.sections] == [
        ("Foreword",),
        ("Chapter 1 Building trust",),
        ("Chapter 2 Enhanced access",),
        ("Annex A Checklist",),
    ]
    assert [c.section for c in doc.commitments] == [
        ("Chapter 1 Building trust",),
        ("Chapter 2 Enhanced access",),
    ]


@pytest.mark.parametrize(
    "signature",
    ["Rt Hon Chris Grayling MP, 20 December 2012", "Hon Kris Faafoi Minister of Government Digital Services"],
)
def test_the_signature_under_a_foreword_is_not_a_heading(signature: str) -> None:
    long = "and the services " * 8  # paragraphs wider than any wrap width
    doc = extract(
        f"A Plan\n\nForeword\n\nWe will modernise our courts {long}we run.\n\n{signature}\n\n"
        f"Theme 01 Transforming our services\n\nWe will build digital services {long}for users.\n"
    )
    assert [s.heading for s in doc.sections] == ["Foreword", "Theme 01 Transforming our services"]


def test_the_office_under_a_forewords_heading_is_its_byline_not_a_heading() -> None:
    long = "and the services " * 8  # paragraphs wider than any wrap width
    doc = extract(
        f"A Plan\n\nThis plan sets out {long}we run.\n\nForeword by the Rt Hon. Francis Maude\n\n"
        f"Minister for the Cabinet Office and Paymaster General\n\nWe will open up data {long}for all.\n\n"
        f"Glossary\n\nData means {long}facts.\n\n"
        f"Minister for Data\n\nThe Minister for Data is {long}a post.\n"
    )
    # An office heading that follows a paragraph is a section of its own.
    assert [s.heading for s in doc.sections] == [
        "Foreword by the Rt Hon. Francis Maude",
        "Glossary",
        "Minister for Data",
    ]
    assert doc.commitments[0].section == ("Foreword by the Rt Hon. Francis Maude",)


def test_codes_dates_and_single_letters_are_not_headings() -> None:
    doc = extract(
        "A Plan for Water\n\nCm 8353\n\nJune 2012\n\nISBN: 9780101835329\n\nForeword\n\nWe care.\n\n"
        "Chapter 1 Access\n\nThe Ministry will publish its data.\n\nIs the dataset available?\n\nY\n\n"
        "The dataset is released.\n\nN\n\nI ask for a review.\n"
    )
    assert [s.heading for s in doc.sections] == ["Foreword", "Chapter 1 Access"]


def test_a_contents_heading_after_its_name_in_another_language_opens_a_table_of_contents() -> None:
    doc = extract(
        "Strategy for a Digital Public Service\n\nNgā ihirangi Contents\n\n4 Kupu whakataki Foreword\n\n"
        "8 Ngā huanga Outcomes\n\nKupu whakataki Foreword\n\nWe care.\n\nNgā huanga Outcomes\n\n"
        "Agencies will share their data.\n"
    )
    assert [s.heading for s in doc.sections] == ["Kupu whakataki Foreword", "Ngā huanga Outcomes"]


def test_a_contents_heading_over_lines_that_never_come_back_stays_a_heading() -> None:
    doc = extract("Contents\n\nWater\n\nSoil\n\nAir\n\nThe Ministry will publish what the kit contains.\n")
    assert [s.heading for s in doc.sections][:1] == ["Contents"]
    assert texts(doc) == ["The Ministry will publish what the kit contains."]


def test_action_headings_nest_under_the_group_titles_that_head_their_runs() -> None:
    doc = extract(
        "Action Plan\n\nThis plan sets out three actions.\n\nChapter 1 Actions\n\n"
        "Agency Actions\n\nAgencies act.\n\nAction 1: Identify Data Needs\n\n"
        "Agencies will identify their data needs.\n\nAction 2: Assess Capacity\n\n"
        "Agencies will assess it.\n\n"
        "Shared Solution Actions\n\nShared work.\n\nAction 3: Develop a Repository\n\nGSA will build it.\n"
    )
    group = ("Chapter 1 Actions", "Agency Actions")
    shared = ("Chapter 1 Actions", "Shared Solution Actions")
    assert [s.path for s in doc.sections] == [
        group[:1],
        group,
        (*group, "Action 1: Identify Data Needs"),
        (*group, "Action 2: Assess Capacity"),
        shared,
        (*shared, "Action 3: Develop a Repository"),
    ]
    assert doc.commitments[2].section == (*shared, "Action 3: Develop a Repository")


def test_a_run_of_action_lines_with_nothing_between_is_a_list_not_empty_sections() -> None:
    doc = extract(
        "Plan\n\nChapter 1 Data\n\nThe Ministry will:\n\n"
        "Action 1: Establish a national data office by 2027\n\nAction 2: Publish a data inventory by 2028\n\n"
        "Chapter 2 Money\n\nText.\n"
    )
    assert [s.heading for s in doc.sections] == ["Chapter 1 Data", "Chapter 2 Money"]
    assert texts(doc) == ["Establish a national data office by 2027", "Publish a data inventory by 2028"]


def test_title_is_the_most_prominent_early_line() -> None:
    doc = extract(
        "In Their Own Words\n\nChina's Space Program: A 2021 "
        "Perspective\nThe State Council Information Office\n"
        "January 2022\n\nPreamble\n\nText.\n"
    )
    assert doc.title == "China's Space Program: A 2021 Perspective"
    assert [s.heading for s in doc.sections] == ["Preamble"]


def test_a_long_banner_in_capitals_is_not_the_title_and_a_contents_entry_may_ask_a_question() -> None:
    doc = extract(
        "A European Strategy for Data\n\n"
        "COMMUNICATION FROM THE COMMISSION TO THE EUROPEAN PARLIAMENT, THE COUNCIL, THE EUROPEAN ECONOMIC "
        "AND SOCIAL COMMITTEE AND THE COMMITTEE OF THE REGIONS\n\n"
        "Contents\n1. Introduction\n2. What is at stake?\n3. The strategy\n\n"
        "1. Introduction\n\nData is everywhere.\n\n2. What is at stake?\n\nMuch.\n\n"
        "3. The strategy\n\nThe Commission will act.\n"
    )
    assert doc.title == "A European Strategy for Data"
    assert [s.heading for s in doc.sections] == ["1. Introduction", "2. What is at stake?", "3. The strategy"]


def test_document_without_title_or_headings() -> None:
    doc = extract("The Ministry will build new substations in the southern region.\n")
    assert (doc.title, doc.sections) == (None, ())
    assert doc.commitments[0].section == ()


# --- reading files -----------------------------------------------------------------------------


def test_missing_file_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"cannot read .*nothing\.txt: no such file"):
        read_document(tmp_path / "nothing.txt")


def test_directory_is_a_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="is a directory"):
        read_document(tmp_path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b" \r\n\t\n", "only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"T\x00h\x00e\x00 \x00", "UTF-16 needs a byte-order mark"),
        (bytes(range(0x80, 0x100)) * 4, "not UTF-8"),
    ],
)
def test_unusable_file_is_a_document_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=reason):
        read_document(path)


def test_windows_1252_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("The Ministry will build a caf\xe9 \x93hub\x94.\n".encode("latin-1"))
    assert read_document(path) == "The Ministry will build a caf\xe9 \u201chub\u201d.\n"


def test_closing_plan_paragraph_after_retrospective_subsections_belongs_to_the_section() -> None:
    text = (
        "II. Technology\n\n"
        "4. Deep Space Exploration\n\n"
        "(1) Lunar exploration\n\n"
        "The Chang'e-5 probe returned samples from the moon in 2020.\n\n"
        "(2) Planetary exploration\n\n"
        "The Tianwen-1 probe landed on Mars in 2021.\n\n"
        "In the next five years, China will continue with lunar and planetary exploration. It will:\n\n"
        "- Launch the Chang'e-6 lunar probe;\n"
        "- Launch the Chang'e-7 lunar probe.\n\n"
        "5. Launch Sites\n\n"
        "(1) Sites\n\n"
        "China will build a commercial launch pad.\n\n"
        "(2) Tracking\n\n"
        "In the next five years, China will improve its tracking network.\n"
    )

    doc = extract(text)

    sections = {c.text: c.section for c in doc.commitments}
    deep = ("II. Technology", "4. Deep Space Exploration")
    assert (
        sections["In the next five years, China will continue with lunar and planetary exploration."] == deep
    )
    assert sections["Launch the Chang'e-6 lunar probe"] == deep
    # An earlier subsection already promised something: the plan paragraph stays where it is.
    assert sections["In the next five years, China will improve its tracking network."] == (
        "II. Technology",
        "5. Launch Sites",
        "(2) Tracking",
    )


# --- plan task lists, callout boxes and targets -------------------------------------------------

PLAN = "We will build a national laboratory for quantum science.\n\n"


def test_imperative_items_under_a_plain_heading_are_task_commitments() -> None:
    doc = extract(
        PLAN + "(2) Frontier technologies\n"
        "- Quantum information: develop technologies for urban quantum networks;\n"
        "- Brain science: research on the atlas of brain functions;\n"
        "- Deep space: build a new-generation space station and conduct Mars\n"
        "  exploration.\n"
    )
    assert texts(doc)[1:] == [
        "Quantum information: develop technologies for urban quantum networks",
        "Brain science: research on the atlas of brain functions",
        "Deep space: build a new-generation space station and conduct Mars exploration.",
    ]
    assert {c.rule for c in doc.commitments[1:]} == {"task-item"}
    assert doc.commitments[1].section == ("(2) Frontier technologies",)


def test_noun_phrase_item_counts_only_when_most_siblings_are_tasks() -> None:
    doc = extract(
        PLAN + "Digital Infrastructure\n\n- Upgrade the supercomputing centres;\n"
        "- A platform for scientific instruments.\n\n"
        "Key Facts\n\n- Support for small firms rose by 4%;\n- Broadband coverage;\n- Develop new parks.\n"
    )
    assert texts(doc)[1:] == [
        "Upgrade the supercomputing centres",
        "A platform for scientific instruments.",
    ]


@pytest.mark.parametrize(
    "listing",
    [
        "Since 2016, the Ministry has:\n\n- set up a new agency;\n- launched 207 missions.\n",
        "Achievements include:\n\n- Developed the Long March 5;\n- Built three launch sites.\n",
        "What We Have Achieved\n\n- Set up the Space Agency;\n- Open two spaceports.\n",
        "Guiding Principles\n\n- Innovation-driven development;\n- Coordinated regional growth.\n",
        "Review of the 13th Plan Period\n\n- Build 400 rural schemes;\n- Connect 1.8 million homes.\n",
    ],
)
def test_retrospective_or_principle_lists_are_not_task_commitments(listing: str) -> None:
    assert texts(extract(PLAN + listing)) == [PLAN.strip()]


def test_imperative_items_in_a_document_that_promises_nothing_are_not_commitments() -> None:
    assert texts(extract("How to Apply\n\n- Complete the form;\n- Send it to the district office.\n")) == []


def test_box_title_is_not_part_of_its_first_entry() -> None:
    doc = extract(
        "Section 2  Projects\n\nBox 1  Major science and technology projects\n"
        "01 Aerospace: we will build the space station and carry out lunar missions.\n"
        "02 Deep sea: develop deep-sea submersibles.\n"
    )
    assert texts(doc) == [
        "Aerospace: we will build the space station and carry out lunar missions.",
        "Deep sea: develop deep-sea submersibles.",
    ]
    assert [s.heading for s in doc.sections] == ["Section 2 Projects"]
    assert doc.commitments[1].lead_in == "Box 1 Major science and technology projects"
    assert doc.commitments[1].section == ("Section 2 Projects",)


def test_every_entry_of_a_projects_box_is_a_commitment_including_two_digit_numbers() -> None:
    doc = extract(
        PLAN + "Column 3: Key transport projects\n"
        "08 Railways: the Sichuan-Tibet railway\n09 Ports: a deep-water port at Yangshan\n"
        "10 Airports: build a hub at Chengdu\n11 Waterways: dredge the upper Yangtze\n"
    )
    assert texts(doc)[1:] == [
        "Railways: the Sichuan-Tibet railway",
        "Ports: a deep-water port at Yangshan",
        "Airports: build a hub at Chengdu",
        "Waterways: dredge the upper Yangtze",
    ]
    assert {c.rule for c in doc.commitments[1:]} == {"list-item"}


def test_entries_of_a_retrospective_box_are_not_commitments() -> None:
    doc = extract(
        PLAN + "Box 2  Achievements of the 14th Plan period\n"
        "01 Rail: 8,000 km of high-speed railway were opened.\n02 Ports: build the Qiantang port.\n"
    )
    assert texts(doc) == [PLAN.strip()]


def test_quantitative_target_with_remain_or_be_is_a_commitment() -> None:
    doc = extract(
        "The unemployment rate will remain below 5.5%. Coverage will be 95 per cent by 2030. "
        "The economy will remain stable. Efficient irrigation will help farmers.\n"
    )
    assert texts(doc) == [
        "The unemployment rate will remain below 5.5%.",
        "Coverage will be 95 per cent by 2030.",
    ]


def test_aspirations_are_not_commitments() -> None:
    doc = extract("We aim to be a leader in the market. We want every pupil to use satellite data.\n")
    assert texts(doc) == []


def test_an_aim_with_a_figure_and_a_date_is_a_target() -> None:
    doc = extract(
        "We aim to capture 10% of the market by 2035. Our aim is that 300 000 people complete a course "
        "by 2028. We aim to do better than in 2020.\n"
    )
    assert texts(doc) == [
        "We aim to capture 10% of the market by 2035.",
        "Our aim is that 300 000 people complete a course by 2028.",
    ]
    assert {c.rule for c in doc.commitments} == {"target"}


def test_a_goal_line_with_figures_is_a_target() -> None:
    doc = extract(
        "Vision 2030\n\n1. Our goals by 2030\n\nThis chapter lists the goals.\n\n"
        "To increase non-oil government revenue from SAR 163 billion to SAR 1 trillion\n\n"
        "Raise the social capital index from position 26 to position 10\n\n"
        "Exports rose from 16% to 20% last year.\n"
    )
    assert texts(doc) == [
        "To increase non-oil government revenue from SAR 163 billion to SAR 1 trillion",
        "Raise the social capital index from position 26 to position 10",
    ]


def test_wrapped_numbered_paragraph_is_not_a_heading() -> None:
    doc = extract(
        "Chapter 2 – Our ambition\n\n"
        "2.1 We aim to capture 10% of the global small-satellite market by 2035. We\n"
        "want every school pupil to work with real satellite data.\n\n"
        "2.2 The Government will publish a space industrial plan within 12 months.\n"
    )
    assert [s.heading for s in doc.sections] == ["Chapter 2 – Our ambition"]
    assert texts(doc)[-1] == "The Government will publish a space industrial plan within 12 months."


def test_annex_sits_at_the_top_of_the_tree() -> None:
    doc = extract(
        "Part III  Implementation\n\nChapter 6  Safeguards\n\nText.\n\n"
        "Annex A  Delivery\n\nThe Board will report to Parliament every year.\n"
    )
    assert [(s.heading, s.level) for s in doc.sections] == [
        ("Part III Implementation", 1),
        ("Chapter 6 Safeguards", 2),
        ("Annex A Delivery", 1),
    ]
    assert doc.commitments[0].section == ("Annex A Delivery",)


def test_a_table_copied_with_tabs_is_read_row_by_row_and_its_dated_rows_are_commitments() -> None:
    text = (
        "Health Plan\n\n1 Actions\n\n"
        "Action\tLead\tTimeframe\n"
        "Develop a national interoperability plan\tDepartment of Health\t2025\n"
        "Publish an annual progress report\tDigital Health Agency\tAnnually\n"
    )
    doc = extract(text)
    assert texts(doc) == [
        "Develop a national interoperability plan | Department of Health | 2025",
        "Publish an annual progress report | Digital Health Agency | Annually",
    ]
    first = doc.commitments[0]
    assert text[first.start : first.end].split("\t") == [
        "Develop a national interoperability plan",
        "Department of Health",
        "2025",
    ]
    assert [section.path for section in doc.sections] == [("1 Actions",)]


def test_numbered_action_entries_written_as_sentences_are_a_list_of_tasks() -> None:
    doc = extract(
        "Health Plan\n\n1 Actions\n\n"
        "The Department will deliver these actions.\n\n"
        "Action 1.1 Develop a national interoperability plan by June 2025.\n\n"
        "Action 1.2 Publish an annual progress report.\n\n"
        "2 Context\n\nThe system is fragmented.\n"
    )
    assert texts(doc) == [
        "The Department will deliver these actions.",
        "Develop a national interoperability plan by June 2025.",
        "Publish an annual progress report.",
    ]
    assert [section.path for section in doc.sections] == [("1 Actions",), ("2 Context",)]


def test_a_table_row_whose_last_cell_is_a_year_is_not_taken_for_a_contents_line() -> None:
    doc = extract(
        "Data Plan\n\n1 Actions\n\n"
        "Action | Lead | Deadline\n"
        "Publish the data standards | CDDO | March 2026\n"
        "Launch the data marketplace | DSIT | 2027\n"
        "Launch the data registry\tDSIT\t2028\n"
    )
    assert texts(doc) == [
        "Publish the data standards | CDDO | March 2026",
        "Launch the data marketplace | DSIT | 2027",
        "Launch the data registry | DSIT | 2028",
    ]


def test_articles_are_numbered_sections() -> None:
    doc = extract("Regulation\n\nArticle 1\n\nThe Minister shall publish it.\n\nArticle 2\n\nIt applies.\n")
    assert [(section.number, section.path) for section in doc.sections] == [
        ("1", ("Article 1",)),
        ("2", ("Article 2",)),
    ]


def test_soft_hyphens_and_zero_width_spaces_inside_words_are_dropped() -> None:
    text = "Plan\n\nThe Govern\u00adment will pub\u200blish the infra\u00ad\nstructure plan by 2026.\n"
    assert texts(extract(text)) == ["The Government will publish the infrastructure plan by 2026."]


def test_a_web_page_with_soft_hyphens_is_stored_without_them() -> None:
    page = "<html><body><main><h1>Plan</h1><p>The Govern&shy;ment will pub\u200blish it.</p></main></body>"
    assert document_text(page.encode(), name="plan.html") == "Plan\n\nThe Government will publish it.\n"


def test_a_lead_in_without_its_colon_leads_its_dashed_list_and_achievements_never_inherit_a_promise() -> None:
    doc = extract(
        "Plan\n\n1 Data\n\nOver the next year we will\n\n- publish a data inventory\n"
        "- appoint a Chief Data Officer\n\n"
        "To achieve this, the Department will focus on three areas:\n\n- improving data quality\n"
        "- building skills\n\n"
        "Key achievements to date include:\n\n- launching the portal\n- publishing 300 datasets\n"
    )
    assert texts(doc) == [
        "publish a data inventory",
        "appoint a Chief Data Officer",
        "improving data quality",
        "building skills",
    ]


def test_the_glossary_references_and_notes_hold_no_commitments() -> None:
    doc = extract(
        "Plan\n\n1 Actions\n\nWe will publish the register by 2026.\n\n"
        "Glossary\n\nRegister: the list that the Ministry will maintain of all providers.\n\n"
        "References\n\n1. HM Government (2012). The Government will publish more data. London: TSO.\n\n"
        "Notes\n\n1 The Department will review this figure in 2027.\n\n"
        "2 Next steps\n\nWe will report in 2027.\n"
    )
    assert texts(doc) == ["We will publish the register by 2026.", "We will report in 2027."]


def test_a_roadmap_s_tasks_and_dated_lines_are_commitments_and_a_how_to_s_steps_are_not() -> None:
    doc = extract(
        "Digital Roadmap\n\n3 Roadmap\n\n2026\n\n- Launch the national portal\n- Publish the API standard\n\n"
        "Q1 2026: Appoint the Chief Digital Officer\n\nQ3 2026 – Publish the first progress report\n"
    )
    assert texts(doc) == [
        "Launch the national portal",
        "Publish the API standard",
        "Q1 2026: Appoint the Chief Digital Officer",
        "Q3 2026 – Publish the first progress report",
    ]
    assert texts(extract("How to Apply\n\n- Complete the form;\n- Send it to the district office.\n")) == []


def test_an_action_plan_s_commitment_headings_fields_and_milestone_table() -> None:
    # A milestone table binds a body when it names one in a column (docs/importing.md, labelling rules).
    doc = extract(
        "Open Government Action Plan\n\n"
        "Commitment 1: Open contracting\n\n"
        "Lead agency: Department of Finance\n\n"
        "Milestone | Lead | End date\n"
        "Publish all contracts over $10,000 on the portal | Department of Finance | June 2026\n"
        "Train 200 procurement officers | Department of Finance | December 2026\n\n"
        "Commitment 2: Beneficial ownership\n\n"
        "The Registrar will publish a register of owners by 2027.\n"
    )
    assert [(section.number, section.path) for section in doc.sections] == [
        ("1", ("Commitment 1: Open contracting",)),
        ("2", ("Commitment 2: Beneficial ownership",)),
    ]
    assert texts(doc) == [
        "Publish all contracts over $10,000 on the portal | Department of Finance | June 2026",
        "Train 200 procurement officers | Department of Finance | December 2026",
        "The Registrar will publish a register of owners by 2027.",
    ]


def test_the_first_paragraph_under_an_untitled_action_heading_states_the_action() -> None:
    doc = extract(
        "Data Plan\n\n3 Actions\n\nAction 3.1\n\n"
        "Develop a national data standard. The Office will publish it by 2027.\n\n"
        "Lead: DSIT\n\nTimeline: 2026\n\n"
        "Action 3.2\n\nPublish an open register of datasets.\n\n"
        "Action 3.3: Data sharing\n\nShare data across government.\n"
    )
    assert texts(doc) == [
        "Develop a national data standard.",
        "The Office will publish it by 2027.",
        "Publish an open register of datasets.",
    ]
    assert [section.number for section in doc.sections] == ["3", "3.1", "3.2", "3.3"]


def test_bullets_run_into_one_line_are_items_of_their_own() -> None:
    text = "Plan\n\nWe will: • publish the register by 2026; • consult on the code; and • report to MPs.\n"
    doc = extract(text)
    assert texts(doc) == ["publish the register by 2026", "consult on the code", "report to MPs."]
    assert text[doc.commitments[1].start : doc.commitments[1].end] == "consult on the code"
