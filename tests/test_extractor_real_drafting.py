"""How real documents phrase promises, and what only looks like one (issue 14): one small case per
pattern found in the real corpus, each the document's own words reduced to the pattern."""

from __future__ import annotations

import pytest

from commitments.importer.parser import extract
from tests.test_extractor_layouts import texts

HEADING = "Chapter 1 Plan\n\n"


def found(body: str) -> list[str]:
    return texts(extract(HEADING + body))


# --- obligations and actors the old rules missed ---------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Agencies must publish an inventory of their data assets by June 2026.",
        "The Ministry is required to report to Parliament every year.",
        "Departments are to submit their plans within 90 days.",
        "We must build our capacity to anonymise data.",
        "Data.gov will serve as the primary portal for federal data.",
        "The Office of Science and Technology Policy will lead a process to review the rules.",
        "There will be a single register of providers by 2027.",
        "Survey results will be fed into the annual plan.",
        "We’ll publish the register every quarter.",
        "We have appointed a Chief Data Officer, who will publish the first inventory by June.",
        "We will, through a public challenge, invite civil servants to name the barriers they meet.",
        "Therefore, we will expand our training programmes.",
        "The Federal Government commits to continuing the open data programme.",
        "Our priority will be to support national companies abroad.",
        "These efforts will be coordinated by the recently established Job Creation Commission.",
        "The public sector will focus on its planning and regulatory roles.",
        "By improving our services, we will, by 2020, enable over 15 million pilgrims a year to visit.",
        "To ensure the Vision is realised, we are preparing to launch a group of executive programs.",
        "Personal data will not be shared without the consent of the citizen.",
        "The Ministry lists its datasets and will publish them by June.",
        "Charging is an emotive issue for users but equally we must ensure that changes follow evidence.",
        "Experts are needed if rights are to be delivered; however, we must also ensure that they act.",
        "The Chair and group will also be responsible for providing the business case to the Board.",
        "Government departments are also committed to opening up their own research data.",
        "The working group will take into account the views of the Commission, and submit a report.",
        "The Act made this law, and as required by the Act, OMB is committed to publishing the rule.",
        "The Government is committed to building 30,000 public homes by 2030.",
        "The Government will place a duty on departments to publish their data.",
        "THE MINISTRY PLANS TO OPEN TEN NEW CLINICS.",
        "We will build 40 dams to meet the ambitions of our farmers.",
        "The review will report to the Minister by June 2026.",
        "To adopt an agile approach we will need to educate and equip our staff.",
        "We will need to be able to publish data weekly.",
        "The Ministry has reviewed the rules that were in force and will publish new ones, simpler ones.",
        "We have launched a $300 million scheme, with 3 000 fast chargers to be provided by the end of 2028.",
        "The Government will guarantee access to broadband for every household.",
        "The Standards Council will publish new rules by 2027.",
        "The Ministry will continue to evolve its services.",
        "A playbook and use cases for this action will be available at resources.data.gov.",
        "The scheme will be run by the Ministry of Health.",
    ],
)
def test_a_promise_as_real_documents_phrase_it_is_a_commitment(sentence: str) -> None:
    assert found(sentence + "\n") == [sentence]


# --- what only looks like a promise -----------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        # predictions about the world, markets and others
        "The majority of the benefits will be achieved by 2030.",
        "Global demand for launch services will continue to grow.",
        "Other space powers will deploy large constellations in low orbit.",
        "There will be challenges ahead.",
        "I know our collective efforts will deliver superb results.",
        # quoted or reported earlier pledges, and what a law provides
        "A policy document issued in 2017 stated that China will build a space station.",
        "The previous plan stated that the network will be completed by 2020; this target was met.",
        "The regulations provide that every organization shall appoint a data officer.",
        # descriptions, effects, permissions, exhortations, the reader
        "It will typically include a summary of the findings.",
        "Agencies may publish their data, which will help researchers.",
        "Standardizing the application process will eliminate confusion.",
        "The Strategy for a Digital Public Service will help us to do this.",
        "This must change.",
        "You will find the programme of work on our website.",
        "We see a future where we’ll have an effective digital capability model.",
        "We will never forget our heritage.",
        "Our economy will provide opportunities for everyone.",
        "Under the Paperwork Reduction Act, all agencies must obtain approval to collect information.",
        "The Council will be comprised of senior staff.",
        "Shared services will also aim to increase quality.",
        "OMB’s approach to working across its areas will serve as a model for agencies.",
        "The Strategy is going to help us build on the good work so far.",
        "Businesses register once, which means their profile will already be complete.",
        "All those who can use digital services will choose to do so.",
        "By September 2020, all agencies will should conduct an initial maturity assessment.",
        "The Shared Solution Actions will also support agencies as they implement the law.",
        "The IT Spending Transparency Maturity Model will be a consensus-driven tool.",
        "By removing these barriers, we will unleash the potential of our 15 million citizens.",
        "By doing so, we will make our country a better place by 2030.",
        "Many students are preparing to sit their exams abroad.",
        "The Administration is committed to ensuring that all Americans live in thriving communities.",
        "The review will consider the costs of maintaining the address file.",
        "Effective realisation of these requirements will place a responsibility on data holders.",
        "WE UNDERSTAND THAT THERE ARE CHALLENGES AHEAD BUT WE HAVE LONG-TERM PLANS TO OVERCOME THEM.",
        "We will therefore work continually to achieve our hopes and fulfil our aspirations.",
        "By digital by default, we mean services so convenient that all who can use them will do so.",
        "To make the most of this we will need to be aware of the risks involved.",
        "We remain committed to working together with civil society.",
        "The Government is committed to building an elderly-friendly society.",
        "The nation we aspire to build will not be realized without a collective national effort.",
        "This transformation will not succeed without the private sector.",
        "A publication scheme sets out classes of information a public authority will publish.",
        "We have already launched many programs that have paved the way and will help us achieve it.",
        "Prices rose in 2020, with more rises to be expected in 2021.",
        "Cyber threats will continue to evolve.",
        "Clear signage will be put up by permitted restaurants, so that customers know dogs are allowed.",
        "The threat landscape will change rapidly.",
        "Accessibility Standards will guarantee all New Zealanders can access government services.",
        "Payday filing will, over time, better integrate the tax system into businesses' processes.",
        "The Ministry approved the plan, with construction to be completed soon.",
    ],
)
def test_what_only_looks_like_a_promise_is_not_a_commitment(sentence: str) -> None:
    assert found(sentence + "\n") == []


def test_what_a_law_the_sentence_before_reports_goes_on_to_provide_is_not_a_promise() -> None:
    assert found(
        "New section 11A of the Act requires authorities to make datasets available under a licence. "
        "This licence will be prescribed by the Controller.\n\n"
        "We will host a wiki. This tool will be launched by the Cabinet Office.\n"
    ) == ["We will host a wiki.", "This tool will be launched by the Cabinet Office."]


def test_a_pronoun_after_a_clause_of_its_own_sentence_stands_for_that_clauses_subject() -> None:
    assert found(
        "The order also limits the revolving door. In addition, the President released his tax "
        "returns, and they will continue to do so every year.\n\n"
        "The order also limits the revolving door. In addition, tax returns are public, and they "
        "will continue to inform voters.\n"
    ) == ["In addition, the President released his tax returns, and they will continue to do so every year."]


def test_it_is_the_government_only_when_the_sentence_before_says_so() -> None:
    assert found(
        "Digital transformation will help us design better services. It will transform the way we work.\n\n"
        "The Government is responding. It will cut the tax on first homes.\n\n"
        "The GCDO is the digital functional lead. As part of that role, it will lead the changes.\n"
    ) == ["It will cut the tax on first homes.", "As part of that role, it will lead the changes."]


def test_a_one_word_subject_is_a_name_only_if_the_document_never_writes_it_in_lower_case() -> None:
    assert found(
        "We publish our data every month.\n\n"
        "Data will be more easily re-used.\n\n"
        "Ofcom will publish its review of the address file.\n"
    ) == ["Ofcom will publish its review of the address file."]


def test_what_it_will_enable_is_an_effect_even_after_an_actor() -> None:
    assert found(
        "The Government will build new energy corridors. It will enable Canada to become an energy "
        "superpower.\n\n"
        "The GCDO is the digital functional lead. As part of that role, it will lead the changes.\n"
    ) == [
        "The Government will build new energy corridors.",
        "As part of that role, it will lead the changes.",
    ]


def test_a_parenthesis_in_the_subject_does_not_hide_who_acts() -> None:
    assert found(
        "Service Managers (known as Product Managers elsewhere) will be accountable for quality.\n"
    ) == ["Service Managers (known as Product Managers elsewhere) will be accountable for quality."]


# --- lead-ins ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lead",
    [
        "The Ministry will continue to:",
        "These will include:",
        "In the next five years, the Ministry will carry out the following tasks:",
        "We will take 20 actions, grouped under four themes:",
        "The Government intends to achieve this objective by:",
    ],
)
def test_a_lead_in_that_only_introduces_its_list_is_never_a_commitment_alone(lead: str) -> None:
    assert found(f"{lead}\n\n- build 40 dams;\n- train 900 engineers.\n") == [
        "build 40 dams",
        "train 900 engineers.",
    ]


def test_a_note_on_the_item_before_is_not_an_item_of_its_own() -> None:
    assert found(
        "The Government intends to achieve this objective by:\n\n"
        "- Selecting pilots to demonstrate access to data.\n"
        "- In consultation with the CDO Council.\n"
        "- In-orbit servicing of spacecraft\n"
    ) == ["Selecting pilots to demonstrate access to data.", "In-orbit servicing of spacecraft"]


def test_the_partners_a_promise_names_are_not_promises_of_their_own() -> None:
    assert found(
        "The Chief Digital Officer will plan work with the functional leads, including:\n\n"
        "- the Government Chief Data Steward — data\n- Te Arawhiti — the Crown Relations Agency.\n"
    ) == ["The Chief Digital Officer will plan work with the functional leads, including:"]


def test_an_imperative_task_keeps_its_purpose_clause() -> None:
    assert found(
        "We will build digital skills.\n\nDigital Capability\n\n"
        "- Provide training for public service leaders to ensure they have the skills required.\n"
        "- Partner with the Ministry of Education to identify future skill needs.\n"
    ) == [
        "We will build digital skills.",
        "Provide training for public service leaders to ensure they have the skills required.",
        "Partner with the Ministry of Education to identify future skill needs.",
    ]


def test_a_lead_in_listing_what_a_thing_will_hold_has_no_commitments_under_it() -> None:
    assert (
        found(
            "The repository will include the following types of resources:\n\n"
            "- Case studies: examples of what agencies are doing\n- Playbooks: checklists and questions\n"
        )
        == []
    )


def test_items_that_spell_out_the_promise_before_are_commitments() -> None:
    assert found(
        "Agencies will co-design more integrated services.\n\nThis means:\n\n"
        "- accelerating the design of life-event products\n- establishing conditions for inclusion\n\n"
        "The country is diverse.\n\nThis means:\n\n- many languages\n"
    ) == [
        "Agencies will co-design more integrated services.",
        "accelerating the design of life-event products",
        "establishing conditions for inclusion",
    ]


def test_this_after_a_promise_is_that_promise() -> None:
    assert found("We will host a wiki-glossary of terms. This will be launched in the autumn.\n") == [
        "We will host a wiki-glossary of terms.",
        "This will be launched in the autumn.",
    ]


def test_a_list_under_an_items_own_descriptive_lead_in_is_not_promised() -> None:
    assert found(
        "The Government will achieve this by:\n\n"
        "- Addressing barriers by updating guidance. The guidance supports agencies in:\n\n"
        "  - Prioritizing the data assets under their purview;\n  - Developing justifications.\n\n"
        "- Selecting pilots to demonstrate access to data.\n"
    ) == [
        "Addressing barriers by updating guidance. The guidance supports agencies in:",
        "Selecting pilots to demonstrate access to data.",
    ]


def test_a_lead_in_that_also_promises_something_of_its_own_is_kept() -> None:
    assert found("China will support cooperation on launch services, including:\n\n- joint launches.\n") == [
        "China will support cooperation on launch services, including:",
        "joint launches.",
    ]


# --- segmentation -----------------------------------------------------------------------------------


def test_a_decade_before_a_full_stop_is_not_an_initial() -> None:
    assert found("Water has been piped here since the 1940s. The Ministry will build 40 dams.\n") == [
        "The Ministry will build 40 dams."
    ]


def test_a_footnote_mark_after_a_full_stop_ends_the_sentence() -> None:
    assert found("All agencies will publish their plans.[10] This list will describe their assets.\n") == [
        "All agencies will publish their plans."
    ]


def test_a_footnote_digit_glued_to_a_full_stop_ends_the_sentence() -> None:
    assert found(
        "The Board will uphold the data protection principles.4 The expert will advise the Board.\n"
    ) == ["The Board will uphold the data protection principles.", "The expert will advise the Board."]


def test_the_label_and_title_of_a_case_study_are_not_part_of_its_first_sentence() -> None:
    assert found(
        "Case study – Open Data Institute The Institute will train data technologists.\n\n"
        "Case study – Health and Social Care Information Centre From April 2013, the Centre will "
        "publish core data.\n"
    ) == [
        "The Institute will train data technologists.",
        "From April 2013, the Centre will publish core data.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "For the purposes of this document, the following terminology will apply.",
        "Unless otherwise stated, we will use the term data to include information.",
        "We will now turn our attention to how we plan to deliver personalised services.",
    ],
)
def test_the_document_speaking_of_its_own_wording_is_not_a_commitment(sentence: str) -> None:
    assert found(sentence + "\n") == []


def test_the_rules_will_apply_is_still_a_commitment_when_it_is_not_about_wording() -> None:
    assert found("The new charging rules will apply to every department from April.\n") == [
        "The new charging rules will apply to every department from April."
    ]


def test_the_last_clause_of_a_run_on_list_is_one_item_whatever_its_first_letter() -> None:
    assert found(
        "Some of these commitments include:\n\n"
        "- the Cabinet Office will publish grant data;\n\n"
        "- the Department will release job statistics; and\n\n"
        "- HM Treasury will produce data on EU funds. An improved statement will be ready in 2013. "
        "This will improve accountability.\n"
    ) == [
        "the Cabinet Office will publish grant data",
        "the Department will release job statistics",
        "HM Treasury will produce data on EU funds. An improved statement will be ready in 2013. "
        "This will improve accountability.",
    ]


def test_a_footnote_is_neither_part_of_a_commitment_nor_one() -> None:
    doc = extract(
        HEADING + "We will collaborate with the National Cancer Center.15\n\n"
        "15 The Government will sign a framework agreement with the Center.\n"
    )
    assert texts(doc) == ["We will collaborate with the National Cancer Center."]
    assert doc.commitments[0].end - doc.commitments[0].start == len(texts(doc)[0])


def test_a_list_item_cut_by_a_page_break_is_joined_to_its_rest_whatever_its_first_letter() -> None:
    assert found(
        "The Ministry will:\n\n"
        "- Develop principles and guidance that support the Open\n\n"
        "Government Partnership and builds on work on privacy.\n\n"
        "- Adopt digital practices for policy development.\n\n"
        "The principles are as follows.\n\n"
        "(1) Public data will be timely\n\n"
        "This is at the heart of our approach.\n\n"
        "(2) Public data will be open\n"
    ) == [
        "Develop principles and guidance that support the Open Government Partnership and builds on "
        "work on privacy.",
        "Adopt digital practices for policy development.",
    ]


def test_a_bullet_ending_in_a_demonstrative_is_not_joined_to_the_next() -> None:
    assert found("The Ministry will:\n\n- make progress on this\n- build 40 dams\n") == [
        "make progress on this",
        "build 40 dams",
    ]


def test_a_line_in_capitals_is_not_joined_to_the_prose_around_it() -> None:
    assert found("To raise the share of exports from 16% to 50%\nAMONG OUR COMMITMENTS BY 2030\n") == [
        "To raise the share of exports from 16% to 50%"
    ]


def test_a_heading_ending_in_more_is_not_joined_to_the_sentence_after_it() -> None:
    assert found(
        "Building Canada Strong by spending less and investing more\n\n"
        "In all of its actions, the Government will be guided by a new fiscal discipline.\n\n"
        "The Government will publish the accounts of\n\nall its agencies every year.\n"
    ) == [
        "In all of its actions, the Government will be guided by a new fiscal discipline.",
        "The Government will publish the accounts of all its agencies every year.",
    ]


def test_a_pull_quote_ends_where_a_running_title_of_the_document_was_glued_into_it() -> None:
    assert found(
        "A THRIVING ECONOMY.. OPEN FOR BUSINESS\n\n"
        "We will cut red tape for firms.\n\n"
        "OPEN FOR BUSINESS NOW\n\n"
        "OPENING UP WILL BOOST PRODUCTIVITY. WE WILL IMPROVE OUR A THRIVING ECONOMY.. OPEN FOR BUSINESS "
        "IMPROVING THE BUSINESS ENVIRONMENT\n\n"
        "We will open a one-stop shop for investors.\n\n"
        "WE WILL BE OPEN FOR BUSINESS NOW AND ALL YEAR ROUND.\n"
    ) == [
        "We will cut red tape for firms.",
        "WE WILL IMPROVE OUR",
        "We will open a one-stop shop for investors.",
        # The title's words inside a whole sentence are the sentence's own.
        "WE WILL BE OPEN FOR BUSINESS NOW AND ALL YEAR ROUND.",
    ]


def test_a_pull_quote_ends_where_the_next_heading_was_run_on_to_it() -> None:
    assert found(
        "OUR GOAL IS A STRONG SOCIETY. WE WILL STRENGTHEN OUR FAMILIES, "
        "DEVELOPING OUR CHILDREN’S CHARACTER\n\n"
        "Our schools will be reshaped.\n\n"
        "EXPORTS MATTER. WE WILL LEVERAGE OUR LOGISTICS TO CATALYZE EXPORTS "
        "SUPPORTING OUR NATIONAL COMPANIES\n\n"
        "Our companies are strong.\n\n"
        # A verb in -ing the sentence governs, and a quote that ends on its full stop, stay whole.
        "WE ARE PROUD. WE WILL INVEST IN BUILDING NEW SCHOOLS AND CLINICS\n\n"
        "WE ARE PROUD. WE WILL OPEN TEN CLINICS, SERVING EVERY REGION.\n"
    ) == [
        "WE WILL STRENGTHEN OUR FAMILIES",
        "Our schools will be reshaped.",
        "WE WILL LEVERAGE OUR LOGISTICS TO CATALYZE EXPORTS",
        "WE WILL INVEST IN BUILDING NEW SCHOOLS AND CLINICS",
        "WE WILL OPEN TEN CLINICS, SERVING EVERY REGION.",
    ]


def test_the_items_of_a_list_of_principles_are_not_commitments() -> None:
    doc = extract(
        HEADING + "2.46 The principles, drawn up by the Board after consultation, are as follows.\n\n"
        "(1) Public data will be published in re-usable form\n\n"
        "The Government will publish a guide to the formats by June.\n\n"
        "(2) Public data will be timely\n\n"
        "This is at the heart of our approach.\n\n"
        "(3) Release data quickly\n\n"
        "More on this below.\n\n"
        "(4) Public bodies should encourage the re-use of their data\n\n"
        "2.47 The Board will review the principles every year.\n\n"
        "(1) The Ministry will publish its inventory by 2027.\n"
    )
    assert texts(doc) == [
        "The Government will publish a guide to the formats by June.",
        "The Board will review the principles every year.",
        "The Ministry will publish its inventory by 2027.",
    ]
    # Points numbered on past the paragraphs that explain them are items, not headings.
    assert [section.heading for section in doc.sections] == ["Chapter 1 Plan"]


# --- items, tables, repeats -------------------------------------------------------------------------


def test_a_bullet_whose_future_sentences_describe_its_one_promise_is_one_item() -> None:
    assert found(
        "Outlined below are three data releases.\n\n"
        "- Under the Location Programme, we are committed to publishing geo-spatial datasets. "
        "This will mean publishing more data on the portal.\n"
        "- The Maturity Model will be a consensus-driven tool. It will be developed by the CIO Council.\n"
        "- The Ministry will open a registry. It welcomes partners at any stage.\n"
        "- The Ministry will support research. It will fund two new labs.\n"
    ) == [
        "Under the Location Programme, we are committed to publishing geo-spatial datasets. "
        "This will mean publishing more data on the portal.",
        "The Maturity Model will be a consensus-driven tool. It will be developed by the CIO Council.",
        "The Ministry will open a registry.",
        "The Ministry will support research.",
        "It will fund two new labs.",
    ]


def test_measures_that_spell_out_the_promise_before_are_part_of_it() -> None:
    assert found(
        "We will promote green technology. Relevant measures include supporting battery-swapping "
        "stations and encouraging district cooling.\n\n"
        "Carers need support. Current measures include providing an allowance for carers.\n\n"
        "The Department will build a database. This includes publishing regular public reports.\n"
    ) == [
        "We will promote green technology.",
        "Relevant measures include supporting battery-swapping stations and encouraging district cooling.",
        "The Department will build a database.",
        "This includes publishing regular public reports.",
    ]


def test_a_long_numbered_line_that_runs_on_to_a_full_stop_is_a_wrapped_paragraph() -> None:
    doc = extract(
        HEADING + "3.6 The Authority reviews major projects.\n\n"
        "3.7 In future, the Major Projects Authority, based in the Cabinet\n"
        "Office, will meet regularly with ministers to discuss progress.\n\n"
        "4. Space Launch Sites and Telemetry, Tracking and\n"
        "Command (TT&C)\n\n"
        "China will upgrade its launch sites.\n"
    )
    assert texts(doc) == [
        "In future, the Major Projects Authority, based in the Cabinet Office, will meet regularly with "
        "ministers to discuss progress.",
        "China will upgrade its launch sites.",
    ]
    assert [section.title for section in doc.sections][
        -1
    ] == "Space Launch Sites and Telemetry, Tracking and Command (TT&C)"


def test_a_numbered_item_wrapped_between_a_month_and_its_year_is_one_item() -> None:
    doc = extract(
        HEADING + "We will take 20 actions:\n\n"
        "1. Delivering four exemplar digital services by March\n"
        "2015: prisoner visits booking and fee payment.\n"
        "2. Completing the transition to GOV.UK for all our services.\n"
    )
    assert texts(doc) == [
        "Delivering four exemplar digital services by March 2015: prisoner visits booking and fee payment.",
        "Completing the transition to GOV.UK for all our services.",
    ]
    assert [section.heading for section in doc.sections] == ["Chapter 1 Plan"]


def test_a_numbered_paragraph_among_promises_is_prose_not_a_task() -> None:
    assert found(
        "Elderly Services\n\n"
        "227. The Government will add 1 000 places.\n\n"
        "Healthcare Manpower\n\n"
        "228. Last year, the Policy Address announced the plan to establish a third medical school. "
        "Over the past year, the Task Group has completed an assessment.\n\n"
        "229. The Government will expand the voucher scheme.\n\n"
        "230. The Government will raise the carer allowance.\n"
    ) == [
        "The Government will add 1 000 places.",
        "The Government will expand the voucher scheme.",
        "The Government will raise the carer allowance.",
    ]


def test_a_numbered_point_is_one_commitment_with_all_its_sentences() -> None:
    assert found(
        "The Government will:\n\n"
        "(i) Leverage technologies. Next year, the Bureau will launch a cost platform.\n\n"
        "(ii) We will relax the resale restriction. This measure will apply from the next sale.\n"
    ) == [
        "Leverage technologies. Next year, the Bureau will launch a cost platform.",
        "We will relax the resale restriction. This measure will apply from the next sale.",
    ]


def test_paragraph_numbers_running_on_past_headings_are_prose_not_list_items() -> None:
    assert found(
        "3. The Ministry will build 40 dams. It has studied the rivers.\n\n"
        "Chapter 2 Skills\n\n"
        "4. The Ministry will train 900 engineers. Training began in 2020.\n"
    ) == ["The Ministry will build 40 dams.", "The Ministry will train 900 engineers."]


def test_milestone_rows_that_bind_a_body_are_commitments_and_encouraged_ones_are_not() -> None:
    table = (
        "Milestone | Measurement | Target Date | Required or Encouraged\n\n"
        "Publish a data inventory | Completion | June 30, 2026 | Required for all agencies\n\n"
        "Appoint a data steward | Completion | June 30, 2026 | Encouraged for all agencies\n\n"
        "Milestone | Measurement | Target Date | Reporting Mechanism\n\n"
        "Hold a workshop | Completion | June 30, 2026 | Progress report\n\n"
        "Milestone | Measure | Date | Responsible Party\n\n"
        "Launch the council | Meetings held | January 31, 2026 | OMB\n\n"
        "Getting Payments Right | Metrics tracked on performance.gov | See timeline online | OMB\n"
    )
    assert found(table) == [
        "Publish a data inventory | Completion | June 30, 2026 | Required for all agencies",
        "Launch the council | Meetings held | January 31, 2026 | OMB",
    ]


@pytest.mark.parametrize("label", ["Key actions", "Next steps", "Our commitments"])
def test_a_label_naming_actions_leads_in_its_list_without_a_colon(label: str) -> None:
    assert found(
        f"{label}\n- Propose a framework for common data spaces, Q4 2020\n"
        "- Adopt an act on data-sets, Q1 2021\n\n"
        "Past work\n- Adopted a strategy, 2018\n"
    ) == ["Propose a framework for common data spaces, Q4 2020", "Adopt an act on data-sets, Q1 2021"]


def test_a_repeated_commitment_is_reported_once_where_it_first_appears() -> None:
    assert found(
        "The Ministry will publish all court data by 2027.\n\n"
        "Chapter 2 Summary\n\n"
        "The Ministry will publish all the court data by 2027.\n\n"
        "The Ministry will build 10 new courts.\n\nThe Ministry will build 20 new courts.\n"
    ) == [
        "The Ministry will publish all court data by 2027.",
        "The Ministry will build 10 new courts.",
        "The Ministry will build 20 new courts.",
    ]


def test_a_long_promise_repeated_whole_inside_a_later_sentence_is_reported_once() -> None:
    promise = (
        "The Government will consider the Committee’s recommendations on the operation of the Act "
        "before bringing forward any proposals for future policy."
    )
    assert found(
        f"{promise}\n\n"
        "Chapter 2 Annex\n\n"
        "In respect of charging for requests, the Government will consider the Committee’s "
        "recommendations on the operation of the Act before bringing forward any proposals for future "
        "policy in this area.\n\n"
        "The Government will consider the Committee’s recommendations on the operation of the Act "
        "before bringing forward any proposals for future policy by June 2027.\n\n"
        "In phase 2, the Government will consider the Committee’s recommendations on the operation of "
        "the Act before bringing forward any proposals for future policy.\n"
    ) == [
        promise,
        # A date or another figure added makes a new promise.
        "The Government will consider the Committee’s recommendations on the operation of the Act "
        "before bringing forward any proposals for future policy by June 2027.",
        "In phase 2, the Government will consider the Committee’s recommendations on the operation of "
        "the Act before bringing forward any proposals for future policy.",
    ]


def test_a_promise_made_with_going_to_and_restated_with_will_is_reported_once() -> None:
    promise = (
        "The changes we made are going to be reflected in the new Code of Practice and, as part of our "
        "drive to make policy making more accessible, we are going to open the development process up "
        "to the public and offer a chance to shape the guidance on datasets using a crowdsourced wiki."
    )
    assert found(
        f"{promise}\n\n"
        "Chapter 2 Detail\n\n"
        "We will open up the development process to the public and offer a chance to shape the "
        "guidance using a crowdsourced wiki.\n\n"
        "We will open up the budget process to the public.\n"
    ) == [promise, "We will open up the budget process to the public."]


def test_a_goal_restated_in_other_words_is_reported_once_where_it_first_appears() -> None:
    assert found(
        "Rise in the number of pilgrims from 8 million to 30 million pilgrims\n\n"
        "Having the contribution of the private sector reach from 40% to 60% of the total production\n\n"
        "Raise renewable power in electricity from 10% to 30% by 2030\n\n"
        "Chapter 2 Detail\n\n"
        "To increase our capacity to welcome Umrah visitors from 8 million to 30 million every year\n\n"
        "To increase the private sector’s contribution from 40% to 65% of GDP\n\n"
        "Raise renewable heat in industry from 5% to 30% by 2030\n\n"
        "To cut waiting times from 40 days to 20 days by 2030\n"
    ) == [
        "Rise in the number of pilgrims from 8 million to 30 million pilgrims",
        "Having the contribution of the private sector reach from 40% to 60% of the total production",
        "Raise renewable power in electricity from 10% to 30% by 2030",
        # Another measure that ends on the same figure, and other figures: new targets.
        "Raise renewable heat in industry from 5% to 30% by 2030",
        "To cut waiting times from 40 days to 20 days by 2030",
    ]


def test_a_goal_line_set_against_where_it_stands_today_is_a_target() -> None:
    assert found(
        "To rally one million volunteers per year (compared to 11,000 now)\n\n"
        "To welcome 30,000 students a year, up from 12,000 in 2020\n\n"
        "To thank the 11,000 volunteers we have now\n\n"
        "To rally volunteers, compared to what we did before\n"
    ) == [
        "To rally one million volunteers per year (compared to 11,000 now)",
        "To welcome 30,000 students a year, up from 12,000 in 2020",
    ]


def test_goal_lines_and_quantified_aims_are_targets() -> None:
    assert found(
        "To increase non-oil revenue from SAR 163 billion to SAR 1 trillion\n\n"
        "Our aim is to localize over 50 percent of military spending by 2030.\n\n"
        "We aim to be a regional leader.\n"
    ) == [
        "To increase non-oil revenue from SAR 163 billion to SAR 1 trillion",
        "Our aim is to localize over 50 percent of military spending by 2030.",
    ]


def test_an_aim_with_a_figure_in_words_and_a_date_is_a_target() -> None:
    assert found(
        "We aim to provide jobs for an additional million citizens by 2020.\n\n"
        "We are determined to ensure the fund reaches SAR 97 billion by 2020.\n\n"
        "We are determined to shift the culture of the public sector.\n\n"
        "We aim to double the million-strong membership one day.\n"
    ) == [
        "We aim to provide jobs for an additional million citizens by 2020.",
        "We are determined to ensure the fund reaches SAR 97 billion by 2020.",
    ]


def test_an_intention_the_possessive_names_is_a_commitment_and_a_denied_one_is_not() -> None:
    assert found(
        "Data helps. It is the Government’s intention to identify the legislative measures needed.\n\n"
        "It is not our intention to charge for public data.\n"
    ) == ["It is the Government’s intention to identify the legislative measures needed."]


def test_a_promise_left_elliptical_after_its_condition_is_a_commitment() -> None:
    assert found(
        "However, where we can open up policy without harm, we will.\n\nIf it rains, it will.\n"
    ) == ["However, where we can open up policy without harm, we will."]


def test_a_deliverable_promised_as_ready_by_a_time_is_a_commitment() -> None:
    assert found(
        "We will host a wiki. This crowdsourcing tool will be available during autumn 2012.\n\n"
        "The new register will be operational by 2027.\n\n"
        "The data will be available to everyone who wants it.\n"
    ) == [
        "We will host a wiki.",
        "This crowdsourcing tool will be available during autumn 2012.",
        "The new register will be operational by 2027.",
    ]


def test_what_a_body_will_be_made_of_is_a_description_and_so_are_its_listed_parts() -> None:
    assert found(
        "The Institute will have a number of facets, including:\n\n"
        "- working with business in exploiting open data\n"
        "- training open data technologists\n\n"
        "It will have a role in quality assuring that information.\n\n"
        "The Government will have sufficient land to meet demand in the next ten years.\n\n"
        "By June 2020, all agencies will have performed a capacity assessment.\n"
    ) == [
        "The Government will have sufficient land to meet demand in the next ten years.",
        "By June 2020, all agencies will have performed a capacity assessment.",
    ]


def test_a_state_after_will_be_is_not_an_act_unless_we_pledge_it() -> None:
    assert found(
        "The Board will be complementary to the Commission.\n\n"
        "The two boards will be formally separate from the Transparency Board.\n\n"
        "We do not pretend that it will be possible to change the culture overnight.\n\n"
        "The future will be Open.\n\n"
        "We will be transparent about our failures.\n\n"
        "The Chair will be responsible for providing the business case.\n\n"
        "The new portal will be open to everyone by 2027.\n"
    ) == [
        "We will be transparent about our failures.",
        "The Chair will be responsible for providing the business case.",
        "The new portal will be open to everyone by 2027.",
    ]


def test_what_a_provision_means_or_a_law_requires_is_not_a_commitment() -> None:
    assert found(
        "This means that all government data will be accessible through one portal.\n\n"
        "The new section means that a public authority will now have a responsibility to release it.\n\n"
        "Under the new Datasets Section, a public authority must consider its publication scheme.\n\n"
        "We will publish the guidance by March.\n"
    ) == ["We will publish the guidance by March."]


def test_it_after_a_thing_is_that_thing_but_after_a_promise_spelled_out_it_is_the_promise() -> None:
    assert found(
        "This will provide a single point of access. It will serve as a networking tool for firms.\n\n"
        "We will strengthen space law. This will include studying regulations on orbits. It will also "
        "include formulating rules on debris.\n"
    ) == [
        "We will strengthen space law.",
        "This will include studying regulations on orbits.",
        "It will also include formulating rules on debris.",
    ]


def test_a_will_in_a_clause_after_the_main_one_is_not_the_sentence_s_promise() -> None:
    assert found(
        "We are aiming for the revised Code to be in place early next year, when it will be issued.\n\n"
        "The company is taking the lead by ensuring that customers will no longer type their usage.\n\n"
        "Take steps to guarantee that the recommendations of the review will be taken forward.\n\n"
        "We will ensure that every dataset is published by June.\n"
    ) == ["We will ensure that every dataset is published by June."]


def test_who_will_lead_a_body_and_what_a_thing_will_show_are_descriptions() -> None:
    assert found(
        "We will set up an Institute. It will be led by Sir Tim Berners-Lee and Professor Nigel Shadbolt.\n\n"
        "The Tax Statement will show clearly what the Government collects.\n\n"
        "The planned refresh of the portal will also provide additional metadata.\n\n"
        "The Department will provide funding to every council by 2026.\n"
    ) == [
        "We will set up an Institute.",
        "The Department will provide funding to every council by 2026.",
    ]


def test_goal_lines_a_pdf_ran_together_are_split_and_decimal_figures_count() -> None:
    assert found(
        "Having the contribution of the private sector reach from 40% to 60% of local production\n\n"
        "To increase foreign direct investment from 3.8% to 5.7% of GDP To increase non-oil "
        "exports from 16% to 50% of non-oil GDP To rise from position 25 to the top 10 countries\n\n"
        "To increase exports To the markets of Asia\n\n"
        "Spending on culture to rise from 2.9% to 6% Increase the share of people who exercise weekly from "
        "13% to 40% Naming three cities among the top 100 cities for quality of life\n\n"
        "Reducing the unemployment rate from 12% to 7% High input of small firms from 20% to 35% of GDP\n"
    ) == [
        "Having the contribution of the private sector reach from 40% to 60% of local production",
        "To increase foreign direct investment from 3.8% to 5.7% of GDP",
        "To increase non-oil exports from 16% to 50% of non-oil GDP",
        "To rise from position 25 to the top 10 countries",
        "Increase the share of people who exercise weekly from 13% to 40%",
        "Naming three cities among the top 100 cities for quality of life",
        "Reducing the unemployment rate from 12% to 7%",
    ]


def test_pride_is_a_stance_not_an_act() -> None:
    assert found(
        "We have always taken – and will continue to take – great pride in our heritage.\n\n"
        "We will be proud of what our youth achieve.\n\n"
        "We will take part in the regional summit in 2027.\n"
    ) == ["We will take part in the regional summit in 2027."]


def test_this_after_a_body_is_set_up_is_the_body_and_acts() -> None:
    assert found(
        "A new Linked Data Working Group will be established. This will lead the creation of the "
        "underpinning technologies.\n\n"
        "We are setting up a Research Board. This will oversee the programme.\n\n"
        "A new Data Board will be established. This will help departments share data.\n\n"
        "A new portal will be launched. This will publish the datasets.\n"
    ) == [
        "A new Linked Data Working Group will be established.",
        "This will lead the creation of the underpinning technologies.",
        "This will oversee the programme.",
        "A new Data Board will be established.",
        "A new portal will be launched.",
    ]


def test_committed_to_ensuring_that_departments_act_binds_them_and_a_state_ensured_is_a_stance() -> None:
    assert found(
        "We are committed to ensuring that departments report on their programmes.\n\n"
        "The Administration is committed to ensuring that all agencies publish their data.\n\n"
        "We are committed to ensuring that our digital services are accessible to all.\n\n"
        "We are committed to ensuring that departments have the skills they need.\n\n"
        "We are committed to ensuring that all Americans live in healthy communities.\n"
    ) == [
        "We are committed to ensuring that departments report on their programmes.",
        "The Administration is committed to ensuring that all agencies publish their data.",
    ]


def test_data_made_accessible_through_a_named_site_is_a_deliverable() -> None:
    assert found(
        "All this new data will be accessible through a completely overhauled www.data.gov.uk site.\n\n"
        "The statistics will be available on the new resources.data.gov portal.\n\n"
        "All this new data will be accessible through a completely overhauled site.\n"
    ) == [
        "All this new data will be accessible through a completely overhauled www.data.gov.uk site.",
        "The statistics will be available on the new resources.data.gov portal.",
    ]


def test_what_follows_a_step_someone_may_take_describes_a_procedure() -> None:
    assert found(
        "If the complainant is still dissatisfied, the complainant may ask the Office to investigate. "
        "The Office will publish its recommendations and monitor compliance with them.\n\n"
        "If agencies need help, they can ask the Office. "
        "The Office will publish its guidance by June 2027.\n\n"
        "The complainant may ask the Office to investigate. The Office will publish a new code.\n"
    ) == [
        "The Office will publish its guidance by June 2027.",
        "The Office will publish a new code.",
    ]


def test_a_new_thing_set_against_the_current_one_and_where_data_comes_from_are_descriptions() -> None:
    assert found(
        "The replacement (called Stat-Explore) will build in more flexibility than the current Tabulation "
        "Tool.\n\n"
        "The data will be sourced primarily from the member organisations of the Public Data Group.\n\n"
        "The new portal will publish more datasets than the current one by 2027.\n\n"
        "We will publish more data than ever before.\n\n"
        "Data will be collected from every school.\n"
    ) == [
        "The new portal will publish more datasets than the current one by 2027.",
        "We will publish more data than ever before.",
        "Data will be collected from every school.",
    ]


def test_the_head_of_an_agency_is_an_official_bound_by_must() -> None:
    assert found(
        "Within 60 days, the head of each agency must designate a Chief AI Officer.\n\n"
        "The heads of executive departments shall report to the Director within 90 days.\n"
    ) == [
        "Within 60 days, the head of each agency must designate a Chief AI Officer.",
        "The heads of executive departments shall report to the Director within 90 days.",
    ]


def test_how_an_order_is_to_be_read_and_applied_is_not_a_commitment() -> None:
    assert found(
        "Nothing in this order shall be construed to impair the authority granted by law to an agency.\n\n"
        "This order shall be implemented consistent with applicable law and subject to appropriations.\n\n"
        "The new register will be implemented by June 2027.\n"
    ) == ["The new register will be implemented by June 2027."]


def test_a_memorandum_is_titled_by_its_subject_line() -> None:
    memo = (
        "MEMORANDUM FOR THE HEADS OF EXECUTIVE DEPARTMENTS AND AGENCIES\n\n"
        "FROM: Jane Doe, Director\n\n"
        "SUBJECT: Advancing Governance and Risk Management for Agency Use of Data\n\n"
        "1. OVERVIEW\n\n"
        "Each agency must publish a data strategy within 180 days.\n"
    )
    doc = extract(memo)
    assert doc.title == "Advancing Governance and Risk Management for Agency Use of Data"
    assert texts(doc) == ["Each agency must publish a data strategy within 180 days."]


@pytest.mark.parametrize("between", [" ", "\n\n"])
def test_what_a_funding_promise_includes_is_promised_too(between: str) -> None:
    assert found(
        f"The Government will provide $1.2 billion over five years to strengthen Medicare.{between}"
        "Funding includes:\n\n"
        "- $358.5 million over four years to establish 58 Urgent Care Clinics\n"
        "- $98.9 million over three years for a national health workforce plan\n\n"
        "The cost of this measure will be partially met from savings identified in the portfolio.\n\n"
        "The target will be met by 2030.\n"
    ) == [
        "The Government will provide $1.2 billion over five years to strengthen Medicare.",
        "$358.5 million over four years to establish 58 Urgent Care Clinics",
        "$98.9 million over three years for a national health workforce plan",
        "The target will be met by 2030.",
    ]


def test_the_office_under_a_signature_is_not_a_heading() -> None:
    doc = extract(
        "Minister of Health Mandate Letter\n\n"
        "Dear Minister:\n\n"
        "I ask that you deliver the following commitments.\n\n"
        "- Work with provinces to hire 7,500 new family doctors.\n\n"
        "The Government will report on these commitments every year.\n\n"
        "Sincerely,\n\n"
        "Rt. Hon. Justin Trudeau, P.C., M.P.\n"
        "Prime Minister of Canada\n"
    )
    assert [section.path for section in doc.sections] == []
    assert texts(doc) == [
        "Work with provinces to hire 7,500 new family doctors.",
        "The Government will report on these commitments every year.",
    ]


def test_a_deadline_that_must_be_met_an_aim_with_a_figure_and_a_body_constituted_are_promised() -> None:
    assert found(
        "Universal provisioning of early childhood education must thus be achieved as soon as possible, "
        "and no later than 2030.\n\n"
        "The aim will be to achieve 100% Gross Enrolment Ratio in preschool by 2030.\n\n"
        "A special task force will be constituted for the purpose.\n\n"
        "The task force will be constituted of senior officials.\n\n"
        "Data must be protected.\n\n"
        "We must be clear-eyed about the risks.\n\n"
        "The aim is to be more open.\n"
    ) == [
        "Universal provisioning of early childhood education must thus be achieved as soon as possible, "
        "and no later than 2030.",
        "The aim will be to achieve 100% Gross Enrolment Ratio in preschool by 2030.",
        "A special task force will be constituted for the purpose.",
    ]


def test_missions_and_targets_set_by_a_deadline_are_targets_and_forecasts_are_not() -> None:
    assert found(
        "Mission 2: By 2030, domestic public investment in R&D outside the South East will increase by at "
        "least 40%.\n\n"
        "Mission 3: By 2030, local public transport connectivity will be significantly closer to the "
        "standards of London.\n\n"
        "Target 2: By 2031, increase the proportion of babies with a healthy birthweight to 91 per cent.\n\n"
        "By 2046, people aged 65 and above will account for 36% of our total population.\n\n"
        "By 2030, demand for data will grow by 40%.\n\n"
        "By 2030, the world will be more connected.\n"
    ) == [
        "Mission 2: By 2030, domestic public investment in R&D outside the South East will increase by at "
        "least 40%.",
        "Mission 3: By 2030, local public transport connectivity will be significantly closer to the "
        "standards of London.",
        "Target 2: By 2031, increase the proportion of babies with a healthy birthweight to 91 per cent.",
    ]


def test_a_level_that_is_to_or_must_be_reached_is_a_target() -> None:
    assert found(
        "During the 14th Five-Year Plan period, the share of non-fossil energy in total energy consumption "
        "is to reach about 20 percent.\n\n"
        "Emissions must fall by 45% by 2030.\n\n"
        "This must change.\n\n"
        "Prices are to rise, analysts say.\n"
    ) == [
        "During the 14th Five-Year Plan period, the share of non-fossil energy in total energy consumption "
        "is to reach about 20 percent.",
        "Emissions must fall by 45% by 2030.",
    ]


def test_an_aim_or_target_with_a_figure_is_a_target_whoever_states_it() -> None:
    assert found(
        "The Government aims to have 80% of households on fibre by 2030.\n\n"
        "The Ministry targets a 30% reduction in waste sent to landfill by 2030.\n\n"
        "We are targeting net zero emissions by 2050.\n\n"
        "The Government has set a target of 100,000 new homes a year by 2028.\n\n"
        "The programme aims to help people.\n\n"
        "We aim to be more open.\n"
    ) == [
        "The Government aims to have 80% of households on fibre by 2030.",
        "The Ministry targets a 30% reduction in waste sent to landfill by 2030.",
        "We are targeting net zero emissions by 2050.",
        "The Government has set a target of 100,000 new homes a year by 2028.",
    ]


def test_a_pledge_made_now_and_a_fund_opening_by_a_date_are_promises_and_a_pledge_reported_is_not() -> None:
    assert found(
        "The Government pledges to plant 30,000 hectares of trees a year by 2025.\n\n"
        "A new fund of £50 million will open for applications in 2026.\n\n"
        "The reforms will open new markets in 2026.\n\n"
        "The new approach promises to make services better.\n\n"
        "The Department of Labor has committed to developing new partnerships.\n"
    ) == [
        "The Government pledges to plant 30,000 hectares of trees a year by 2025.",
        "A new fund of £50 million will open for applications in 2026.",
    ]


def test_quoted_speech_what_people_told_us_inaction_and_stances_are_not_promises() -> None:
    assert found(
        "“The new service will save me hours every week,” said Jane, a user in Leeds.\n\n"
        "Users told us they will only trust services that are secure.\n\n"
        "If we do nothing, emissions will rise by 20% by 2030.\n\n"
        "Without action, the gap will widen further.\n\n"
        "We will not tolerate discrimination of any kind.\n\n"
        "The Tell Us How ‘Better Use of Data’ challenge will invite ideas and will start this year.\n\n"
        "We will pilot the ‘Friends and Family Test’ with providers and we will publish the results.\n\n"
        "If approved, the scheme will open in 2026.\n"
    ) == [
        "The Tell Us How ‘Better Use of Data’ challenge will invite ideas and will start this year.",
        "We will pilot the ‘Friends and Family Test’ with providers and we will publish the results.",
        "If approved, the scheme will open in 2026.",
    ]


def test_what_technology_population_and_prices_will_do_is_a_forecast() -> None:
    assert found(
        "AI will transform every sector of the economy.\n\n"
        "The population will reach 10 million by 2040.\n\n"
        "Inflation will fall to 2% by 2026.\n\n"
        "The share of renewables will reach 30% by 2030.\n\n"
        "The Government will invest in AI.\n"
    ) == ["The share of renewables will reach 30% by 2030.", "The Government will invest in AI."]


def test_a_definition_in_an_order_is_not_a_commitment() -> None:
    assert found(
        "In this order, the term “agency” shall mean any executive department.\n\n"
        "The term AI shall have the meaning set forth in 15 U.S.C. 9401(3).\n\n"
        "The term “agency” shall also include any independent establishment.\n\n"
        "We will include the data in the annual report.\n"
    ) == ["We will include the data in the annual report."]


def test_a_guarantee_to_all_by_a_deadline_and_a_pledge_of_none_are_promises() -> None:
    assert found(
        "Every school will have access to gigabit broadband by 2030.\n\n"
        "All new buses will be zero-emission from 2030.\n\n"
        "There will be no new taxes on working people.\n\n"
        "All businesses will benefit from lower costs by 2030.\n\n"
        "There will be no easy answers.\n"
    ) == [
        "Every school will have access to gigabit broadband by 2030.",
        "All new buses will be zero-emission from 2030.",
        "There will be no new taxes on working people.",
    ]


def test_what_the_private_sector_or_industry_will_fund_is_not_the_government_s_promise() -> None:
    assert found(
        "Funding will be provided by the private sector.\n\n"
        "The scheme will be funded by industry.\n\n"
        "The programme will be delivered by local councils.\n\n"
        "The services will be provided by the public sector.\n"
    ) == [
        "The programme will be delivered by local councils.",
        "The services will be provided by the public sector.",
    ]


def test_a_risk_feared_or_argued_is_not_a_promise() -> None:
    assert found(
        "There is a risk that the programme will be delayed.\n\n"
        "Critics argue that the reforms will fail.\n\n"
        "Some fear that jobs will be lost.\n\n"
        "We will manage the risks that the programme will face.\n\n"
        "Upon learning that a high-risk carer has been hospitalised, the SWD will arrange outreach.\n"
    ) == [
        "We will manage the risks that the programme will face.",
        "Upon learning that a high-risk carer has been hospitalised, the SWD will arrange outreach.",
    ]
