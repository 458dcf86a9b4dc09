"""Golden cases of how a briefing reads: headlines, opinion labels, standalone sentences and
attribution frames (one assertion per case)."""

from __future__ import annotations

import pytest

from citebrief.brief.style import (
    bare_speaker,
    byline,
    checked_claim,
    frame,
    headline,
    inside_quotation,
    introduced,
    opinion_kind,
    own_voice,
    people,
    pointing_back,
    problems,
    referred,
    source_title,
    unframe,
)


@pytest.mark.parametrize(
    ("title", "outlet", "host", "expected"),
    [
        (
            "Commentary: The HBM chokepoint is working. Look at the numbers, not the headlines",
            "Semiconductor Weekly",
            "",
            "The HBM chokepoint is working. Look at the numbers, not the headlines",
        ),
        (
            "Opinion: Export controls are building China's chip industry, not stopping it",
            "",
            "",
            "Export controls are building China's chip industry, not stopping it",
        ),
        ("Opinion | Is Football Violence a Crime?", "WSJ", "", "Is Football Violence a Crime?"),
        (
            "Julian Assange: Sweden drops rape investigation - BBC News",
            "BBC News",
            "",
            "Julian Assange: Sweden drops rape investigation",
        ),
        (
            "Esper says US providing Vietnam with coast guard ship | Houston Chronicle",
            "",
            "www.chron.com",
            "Esper says US providing Vietnam with coast guard ship",
        ),
        (
            "Esper says US providing Vietnam with coast guard ship | Houston Chronicle",
            "",
            "",
            "Esper says US providing Vietnam with coast guard ship | Houston Chronicle",
        ),
        (
            "Esper says US providing Vietnam with coast guard ship | Houston Chronicle",
            "Houston Chronicle",
            "www.chron.com",
            "Esper says US providing Vietnam with coast guard ship",
        ),
        ("Stadia launch review - The Verge", "", "www.theverge.com", "Stadia launch review"),
        (
            "Xbox Series X - Everything We Know - IGN",
            "IGN",
            "",
            "Xbox Series X - Everything We Know",
        ),
        (
            "Google Stadia launch: the games - Stadia Gaming Platform Are Here",
            "MSPoweruser",
            "mspoweruser.com",
            "Google Stadia launch: the games - Stadia Gaming Platform Are Here",
        ),
        (
            "Kamala Harris to Potential Migrants: ‘Do Not Come’",
            "",
            "",
            "Kamala Harris to Potential Migrants: ‘Do Not Come’",
        ),
        (
            "Apple's new MacBook Pro: Here's what you need to know",
            "",
            "",
            "Apple's new MacBook Pro",
        ),
        (
            "Watch: Rescue of kidnapped girl in Fort Worth [VIDEO]",
            "",
            "",
            "Rescue of kidnapped girl in Fort Worth",
        ),
        (
            "Market report: Nvidia slips 2.9% as Wall Street splits over China's B25 ramp",
            "Semiconductor Weekly",
            "",
            "Nvidia slips 2.9% as Wall Street splits over China's B25 ramp",
        ),
        (
            "Bubonic plague: Third case in China as panic begins – ‘The plague is coming’",
            "Express.co.uk",
            "www.express.co.uk",
            "Bubonic plague: Third case in China as panic begins",  # a quotation without speaker
        ),
        ("  analysis:  two weeks,   one memory chip ", "", "", "Two weeks, one memory chip"),
    ],
)
def test_headline(title: str, outlet: str, host: str, expected: str) -> None:
    assert headline(title, outlet, host) == expected


@pytest.mark.parametrize(
    ("title", "outlet", "host", "expected"),
    [
        (
            "World Community Lashes Out at US | Al Bawaba",
            "Al Bawaba",
            "www.albawaba.com",
            "World Community Lashes Out at US",
        ),
        (
            "Star Wars Jedi: Fallen Order review - shoots for the moon - VG247",
            "VG247",
            "www.vg247.com",
            "Star Wars Jedi: Fallen Order review - shoots for the moon",
        ),
        (  # a short host's name inside a word is no outlet ("ft" in "left")
            "Rishi Sunak - the man who left the Treasury",
            "",
            "www.ft.com",
            "Rishi Sunak - the man who left the Treasury",
        ),
        ("Floods in Kerala - BBC News", "", "www.bbc.co.uk", "Floods in Kerala"),
        (
            "Sensex falls 500 points - ET Markets",
            "",
            "m.economictimes.com",
            "Sensex falls 500 points - ET Markets",
        ),
        ("Gold prices climb - Economic Times", "", "m.economictimes.com", "Gold prices climb"),
        (
            "Take C.A.R.E. - comwrap auf der DMEXCO 2018",
            "",
            "blog.comwrap.com",
            "Take C.A.R.E. - comwrap auf der DMEXCO 2018",
        ),
        (
            "商品の改造が商標法違反に！？ | ライトハウス国際特許事務所",
            "ライトハウス国際特許事務所",
            "",
            "商品の改造が商標法違反に！？",
        ),
        ("Classificação NASCAR | Autoracing | F1", "Autoracing | F1", "", "Classificação NASCAR"),
        # a source keeps its title's kicker and tail: only the outlet is said twice
        (
            "Opinion | Is Football Violence a Crime?",
            "WSJ",
            "",
            "Opinion | Is Football Violence a Crime?",
        ),
        (
            "Apple's new MacBook Pro: Here's what you need to know",
            "MacRumors",
            "",
            "Apple's new MacBook Pro: Here's what you need to know",
        ),
        (
            "Xbox Series X - Everything We Know - IGN",
            "IGN",
            "",
            "Xbox Series X - Everything We Know",
        ),
    ],
)
def test_source_title(title: str, outlet: str, host: str, expected: str) -> None:
    assert source_title(title, outlet, host) == expected


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Opinion: Export controls are building China's chip industry", "", "an op-ed"),
        ("Commentary: The HBM chokepoint is working", "", "a commentary"),
        ("Editorial: Fund the export control officers", "", "an editorial"),
        (
            "Republicans lost",
            "https://www.nytimes.com/2019/11/19/opinion/republicans.html",
            "an op-ed",
        ),
        (
            "Royal arrogance",
            "https://sputniknews.com/columnists/201911181077343476-royal/",
            "a column",
        ),
        ("Analysis: Two weeks, one memory chip", "https://pacificledger.example/analysis/x", ""),
        ("US unveils rule", "https://wireasia.example/news/technology/us-unveils-rule/", ""),
        ("Opinionated robots take over", "https://example.com/tech/robots", ""),
        ("A guide", "https://example.opinion.com/news/guide", ""),
        ("Star Wars Jedi: Fallen Order review - shoots for the moon - VG247", "", "a review"),
        ("16-inch MacBook Pro review: The keyboard is probably enough", "", "a review"),
        ("Review: The Irishman is Scorsese's long goodbye", "", "a review"),
        ("Facebook Board Upholds Trump Ban But Orders New Review", "", ""),
        ("Arizona Review of 2020 Vote Is Riddled With Flaws", "", ""),
        ("National Review: The week in Washington", "", ""),
        ("Singapore talks preview - The Trade Desk Review", "", ""),
        ("'Dune' Review: Villeneuve's desert epic", "", "a review"),
        ("Government orders judicial review - BBC News", "", ""),
        ("Fed launches policy review: what it means", "", ""),
        ("2021 in review: the year in tech", "", ""),
    ],
)
def test_opinion_kind(title: str, url: str, expected: str) -> None:
    assert opinion_kind(title, url) == expected


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("Opinion", "an op-ed"),  # The Wall Street Journal's op-ed without its title's kicker
        ("Opinion; Columnists", "an op-ed"),
        ("Commentary", "a commentary"),
        ("Editorials", "an editorial"),
        ("News; Columns", "a column"),
        ("Letters to the Editor", "a letter"),
        ("U.S.", ""),
        ("fact check", ""),
        ("Opinionated tech", ""),
        ("", ""),
    ],
)
def test_opinion_kind_reads_the_declared_section(section: str, expected: str) -> None:
    url = "https://www.wsj.com/articles/is-football-violence-a-crime-11574121884"
    assert opinion_kind("Is Football Violence a Crime?", url, section) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "It said U.S. export controls remain a matter of national security.",
            ["dangling reference"],
        ),
        ("That's roughly an 80% drop since January, CNN reported.", ["dangling reference"]),
        (  # the sample's Shenzhen Tech Observer: which gap?
            'Asked about the gap, Zhang Ruolan said neither figure could be verified "because '
            'SMIC does not publish yields."',
            ["dangling reference"],
        ),
        (  # a shared news page (NASA): which experiment, and who is "he"?
            "Asked later for an example of such an experiment, he brought up the HLS program.",
            ["dangling reference"],
        ),
        (
            "The decision means adolescents could qualify for shots as soon as Thursday.",
            ["dangling reference"],
        ),
        (
            "The two party leaders are members of the Rules Committee but rarely speak.",
            ["dangling reference"],
        ),
        (  # AP on the shared news pages, quoted by `ask` "What did Sondland say about Trump?"
            "The political counselor was having lunch with Sondland in Kyiv when the ambassador"
            " dialed up the president on his cellphone.",
            ["dangling reference"],
        ),
        (  # National Review on the infrastructure deal, AllSides dev week 25: which one?
            "The new consensus marks the end to many weeks of negotiations and partisan gridlock"
            " over the president’s chief legislative priority.",
            ["dangling reference"],
        ),
        (
            "The authorization could come as soon as the end of this week, the New York Times"
            " reported on Monday.",
            ["dangling reference"],
        ),
        (  # the sample corpus: the outcome of which talks?
            "The outcome leaves Chinese buyers of AI accelerators facing the same memory shortage"
            " as before the talks.",
            ["dangling reference"],
        ),
        ("The outcome of the closed-door vote is largely settled.", []),  # named here
        ("The authorisation was granted on Friday.", ["dangling reference"]),
        ("The man was diagnosed with bubonic plague.", ["dangling reference"]),
        ("The former president was banned from both sites in January.", ["dangling reference"]),
        (
            "The agency reported 3,605,201 births in 2020, down from 3,747,540 the year before.",
            ["dangling reference"],
        ),
        ("The president of Mexico said the border would stay open.", []),  # named here
        ("The man who shot the officer was arrested on Tuesday night.", []),  # named here
        ("The White House said the president would sign the bill on Friday.", []),
        (  # from the New York Post, quoted by `ask` on the AllSides dev stories
            "Notably, he forwarded “anti-conspiracy theory” articles that quoted Peter Daszak.",
            ["dangling reference"],
        ),
        (
            "On Tuesday, it announced a deal with the three largest memory makers.",
            ["dangling reference"],
        ),
        (  # from VG247's review of Star Wars Jedi: Fallen Order, on the shared news pages
            "Perhaps it’s even Star Wars Raider, with its own self-contained puzzle areas.",
            ["dangling reference"],
        ),
        (
            "Now they’re starting to get attention here in the US, with names like Chime.",
            ["dangling reference"],
        ),
        ("Now IT departments can roll out the update to every laptop at once.", []),
        (  # Fox News quoting E! News two sentences before
            "Braun has been trying to reach Swift, the source further claimed to the outlet.",
            ["dangling reference"],
        ),
        (
            "Finally, it fell to the Senate to pass the bill before the recess.",
            ["dangling reference"],
        ),
        ("Now that the Senate has voted, the bill goes to the House of Representatives.", []),
        ("Perhaps the most striking change is the price of the new base model.", []),
        (
            "If enacted, it would override laws emerging in states like Georgia.",
            ["dangling reference"],
        ),
        ("After Biden spoke, he said the memory rule stays as written.", []),  # the referent
        (  # Gizmodo on the shared news pages: who details it?
            "In a new case study out Monday, they detail how the man came down with a rare form"
            " of allergy to the bird feathers that filled his new duvet and pillows.",
            ["dangling reference"],
        ),
        (
            "While he may have used robust language in the past, he is playing his cards closer"
            " to his chest ahead of the showdown.",
            ["dangling reference"],
        ),
        (  # a thing's pronoun after a long phrase may point into it
            "Once succinate binds to a tuft cell, it triggers the release of IL-25, which alerts"
            " the immune system to the problem.",
            [],
        ),
        ("When the committee of senators met on Tuesday afternoon, Schumer said no.", []),
        (  # a clause with a subject of its own may hold the pronoun's referent
            "When the striking workers gathered outside the plant on Monday, they demanded"
            " higher pay.",
            [],
        ),
        (
            "After the two senators met privately in the Capitol last week, they agreed to a deal.",
            [],
        ),
        (  # the sample corpus's Shenzhen Tech Observer: whose numbers?
            "On her numbers, Huawei could ship around 900,000 Ascend dies this year.",
            ["dangling reference"],
        ),
        (  # the AllSides dev stories and the shared news pages: the 11 openings of 4,510
            # sentences that point back, all dangling
            "In its place, Facebook has implemented a conditional two-year ban.",
            ["dangling reference"],
        ),
        (
            "Without it, tens of millions of American students would have been without formal"
            " instruction during the pandemic.",
            ["dangling reference"],
        ),
        (
            "As is its custom, the court did not say why it was rejecting the appeal.",
            ["dangling reference"],
        ),
        (  # quoted by the offline suite's q13 answer: who noted it?
            "Chinese imports of memory chips surged ahead of both the 2024 HBM rules and last"
            " week's rule, she noted.",
            ["dangling reference"],
        ),
        (
            "The northern Sierra Nevada has seen a fraction of an inch of rain in the past two"
            " months, he said.",
            ["dangling reference"],
        ),
        (  # "it" is most often the organisation the sentence itself names
            "The United States will spend $3.5 billion to buy and donate vaccine doses, it said"
            " on Thursday.",
            [],
        ),
        (  # quoted by the briefing benchmark (week 17, the census)
            "Amid that, Texas will gain two seats in the redistricting process, the results found.",
            ["dangling reference"],
        ),
        (
            "Aside from those, driver assist systems such as braking are also standard.",
            ["dangling reference"],
        ),
        (  # a circumstance whose subject the sentence names after the comma
            "In his final days in office, then-President Donald Trump pressured Justice"
            " Department officials.",
            [],
        ),
        ("In its first budget, the Biden administration said the economy will grow.", []),
        ("JBS’s servers were breached May 30, it announced in a Monday release.", []),
        ("In addition, those who are fully vaccinated will no longer need masks.", []),
        (  # quoted by `ask` on the AllSides dev stories
            "The offer was made Wednesday to Republican Sen. Shelley Moore Capito of West"
            " Virginia as part of the bipartisan negotiations.",
            ["dangling reference"],
        ),
        ("The talks are scheduled to conclude on Tuesday.", ["dangling reference"]),
        (  # quoted by `ask` on the sample corpus
            "The ministry's statement did not say whether China would respond with measures.",
            ["dangling reference"],
        ),
        (
            "The court ruled that schools may regulate some off-campus speech.",
            ["dangling reference"],
        ),
        ("The talks in Singapore are scheduled to conclude on Tuesday.", []),
        ("The plan, from six Republicans, counters a $1.7 trillion White House proposal.", []),
        ("The order of business was set by the Senate clerk on Monday afternoon.", []),
        ("What we're hearing: Biden and Capito spoke by phone on Tuesday for minutes.", ["kicker"]),
        ("Yes, but: Legal experts expect the law to face constitutional challenges.", ["kicker"]),
        (
            "“We will discourage illegal migration in every way,” she commented.",
            ["quotation without its speaker"],
        ),
        (
            "The senator's office on Monday denied that the club has discriminatory policies.",
            ["dangling reference"],
        ),
        (
            "What's in the Democrats' voting rights bill going up for a vote in the Senate?",
            ["question"],
        ),
        ("It’s the lowest level of new deaths since October last year.", ["dangling reference"]),
        (
            '"The outlook is more uncertain and volatile than at any time this year," he said.',
            ["quotation without its speaker"],
        ),
        (
            '"The outlook is more uncertain and volatile than at any time this year."',
            ["quotation without its speaker"],
        ),
        ("Three numbers are worth watching before then.", ["forward reference"]),
        ("Follow us on Twitter @Spacedotcom and on Facebook.", ["page furniture"]),
        ("ET to include details from the NASA telecon.", ["page furniture"]),
        ("A spokesperson for SK Hynix declined to comment on the new rule.", ["no news"]),
        (
            "I intended to duly fulfill my duty as a political columnist and write about the first"
            " 100 days of Joe Biden's presidency.",
            ["no news"],
        ),
        (  # which column? (a demonstrative inside the sentence, seventeenth session)
            "In this column, the memory rule is weighed against its costs.",
            ["dangling reference", "no news"],
        ),
        ("We wrote in March that the HBM rule would tighten by Dec. 15.", []),
        (
            "Memory makers expect the HBM rule to hold on Dec. 15, officials said, and...",
            ["truncated"],
        ),
        ("By Lena Cho", ["fragment", "byline"]),
        ("cut shipments to China by a third over the year.", ["fragment"]),
        ("The memory rule takes effect on Dec. 15 as scheduled", ["fragment"]),
        (
            "Photo: Nvidia's B25 accelerator on show at a trade fair in Shanghai (Getty Images).",
            ["kicker", "caption"],
        ),
        ("The three issues that matter most are these:", ["fragment", "forward reference"]),
        (
            "But analysts said the outcome largely matched their expectations.",
            ["dangling reference"],
        ),
        (
            "The U.S. Commerce Department on Thursday rejected industry calls for a grace period.",
            [],
        ),
        (
            '"We got predictability on rare earths," Deputy U.S. Trade Representative Marcus Feld'
            " told reporters.",
            [],
        ),
        ("This week the Commerce Department published its first guidance on the rule.", []),
        ("There are six speakers in the new MacBook Pro, and four Thunderbolt ports.", []),
    ],
)
def test_problems(sentence: str, expected: list[str]) -> None:
    assert problems(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "dangles"),
    [  # sentences of the shared news pages and the AllSides dev pages
        (
            "We haven't seen any mention of a Switch Lite deal during Black Friday, and this "
            "bundle is still $50 cheaper than a regular Switch.",
            True,
        ),
        (
            "Several Iran-backed militia groups, including Kata'ib Hezbollah (KH), used these "
            "particular storage facilities, Kirby said.",
            True,
        ),
        (
            "The discoveries of these receptors were momentous, groundbreaking advances, says "
            "Jennifer Pluznick, a physiologist at Johns Hopkins University.",
            True,
        ),
        (  # named before in the sentence
            "Monocytes use formyl peptide receptors to detect pathogens, and rats use these "
            "same receptors to smell.",
            False,
        ),
        (  # time and place
            "The Biden administration said Monday it would allow 62,500 refugees to resettle "
            "in the United States this year.",
            False,
        ),
        (
            "The milestone approaches even though virus deaths in this country have sharply "
            "fallen.",
            False,
        ),
        (  # "those" for people, "this" before a verb, a kind of thing, a relative clause
            "Moderna released the results of its trials for those aged 12 to 17 on Thursday.",
            False,
        ),
        (
            "The House passed legislation on hate crimes, especially those targeting Asian "
            "Americans.",
            False,
        ),
        ("Analysts agree that none of this means the controls should be abandoned.", False),
        (
            "Players get infuriated working their way through these sort of combat puzzles.",
            False,
        ),
        (
            "The new Mac Pro lacks those sharpened handles that the old-school Mac Pro had.",
            False,
        ),
        ("The Senate passed the measure this past week after a long debate.", False),
        ("This past week, the Senate passed the measure after a long debate.", False),
        ("That night, police arrested two men outside the stadium in Cleveland.", True),
        ("Shares of the chipmaker rose 4% this fiscal year, its filings show.", False),
        (  # a verb after the noun is not what it points to
            "Critics in Brussels say this deal makes sense for nobody.",
            True,
        ),
        (  # "that" after a preposition (the sample corpus)
            "Estimates of that stockpile vary widely; Harbourline believes Chinese firms "
            "accumulated roughly 9 million HBM stacks.",
            True,
        ),
        ("Officials said on Monday that inspectors would return in March.", False),
        (  # a speaker's "this" is what they speak of
            '"By passing this bill, we will send a powerful message," Schumer said on Thursday.',
            False,
        ),
    ],
)
def test_a_demonstrative_inside_a_sentence_points_back(sentence: str, dangles: bool) -> None:
    assert ("dangling reference" in problems(sentence)) is dangles
    assert "dangling reference" not in problems(sentence, follows_previous=True)


@pytest.mark.parametrize(
    ("sentence", "before", "named"),
    [
        ("Estimates of that stockpile vary widely.", "Chinese firms stockpiled 9 million.", True),
        ("Critics say these rules hurt small firms.", "Commerce issued a new rule.", True),
        ("Critics say this policy hurts small firms.", "The new policies took effect.", True),
        ("Critics say this deal makes sense for nobody.", "Apple makes phones in China.", False),
        ("Critics say this bundle is a bargain.", "", False),
    ],
)
def test_what_a_demonstrative_points_to_may_be_named_before_in_any_form(
    sentence: str, before: str, named: bool
) -> None:
    (phrase,) = pointing_back(sentence)
    assert referred(phrase, before) is named


def test_a_pronoun_right_after_its_referent_is_fine() -> None:
    sentence = "But analysts said the outcome largely matched their expectations."
    assert problems(sentence, follows_previous=True) == []


@pytest.mark.parametrize(
    ("quote", "outlet", "opinion", "expected"),
    [
        (
            "Export controls do not work.",
            "The Trade Desk Review",
            "an op-ed",
            "An op-ed from The Trade Desk Review argues: “Export controls do not work.”",
        ),
        (  # an outlet that is a person (AllSides files columnists so): "from", never "in"
            "Biden is governing further left than expected.",
            "Ross Douthat",
            "a column",
            "A column from Ross Douthat argues: “Biden is governing further left than expected.”",
        ),
        (
            "Nvidia slipped 2.9% on Friday.",
            "Semiconductor Weekly",
            "",
            "Semiconductor Weekly reports: “Nvidia slipped 2.9% on Friday.”",
        ),
        (  # a quote holding quotation marks goes in single ones: no “” or ””
            "Ocasio-Cortez called the comments “disappointing.”",
            "The Hill",
            "",
            "The Hill reports: ‘Ocasio-Cortez called the comments “disappointing.”’",
        ),
        (
            "“There are legal methods,” Harris added.",
            "National Review",
            "",
            "National Review reports: ‘“There are legal methods,” Harris added.’",
        ),
    ],
)
def test_frame_keeps_the_quote_exact_and_unframe_returns_it(
    quote: str, outlet: str, opinion: str, expected: str
) -> None:
    framed = frame(quote, outlet, opinion)
    assert (framed, unframe(framed)[1]) == (expected, quote)


def test_a_checked_claim_is_framed_as_one_and_unframe_returns_it() -> None:
    claim = "Marie Yovanovitch has a net worth of $17 million."
    framed = frame(claim, "Snopes.com", checked=True)
    assert framed == f"Snopes.com checks a claim: “{claim}”"
    assert unframe(framed) == ("Snopes.com", claim)


@pytest.mark.parametrize(
    ("before", "checked"),
    [
        ("Claim\n", True),
        ("Intro.\nClaim:\n", True),
        ("The claim:\n", True),
        ("Origin\nOn Nov. 15 she testified. ", False),
        ("He repeated the claim\nthat she was rich. ", False),
        ("", False),
    ],
)
def test_the_claim_a_fact_check_examines_sits_under_a_line_saying_so(
    before: str, checked: bool
) -> None:
    assert checked_claim(before) is checked


def test_a_clean_byline_names_the_writer_and_unframe_still_returns_the_quote() -> None:
    framed = frame("Controls work.", "The Trade Desk Review", "an op-ed", author="By Jane Doe")
    assert framed == "An op-ed by Jane Doe in The Trade Desk Review argues: “Controls work.”"
    assert unframe(framed) == ("An op-ed by Jane Doe in The Trade Desk Review", "Controls work.")


def test_a_byline_too_long_for_a_frame_leaves_the_outlet_alone() -> None:
    outlet = "The Semiconductor Industry Review of Greater Asia and Beyond"
    framed = frame("Controls work.", outlet, "an op-ed", author="Maximiliano Oyelaran-Whitford")
    assert framed == f"An op-ed from {outlet} argues: “Controls work.”"
    assert unframe(framed)[1] == "Controls work."


# bylines as trafilatura reads them from the shared news pages (../shared/data/news-html)
@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Jamelle Bouie", "Jamelle Bouie"),
        ("Victor Davis Hanson", "Victor Davis Hanson"),
        ("Katrina vanden Heuvel", "Katrina vanden Heuvel"),
        ("By Jane Doe", "Jane Doe"),
        ("Priya Raman and Tomás Hale (Wire Asia Service)", "Priya Raman and Tomás Hale"),
        ("JANIE HAR", "Janie Har"),
        ("Finian Cunningham Sputnik International", ""),
        ("Science X staff", ""),
        ("Jeff Foust Monday; November", ""),
        ("Tom Gillespie News reporter", ""),
        ("Phil Helsel is a reporter", ""),
        ("The Associated Press", ""),
        ("Tom Krisher; Ap Auto Writer", ""),
        ("Sandee LaMotte; CNN", ""),
        ("Condé Nast; Molly Wood", ""),
        ("LISA MASCARO; MARY CLARE JALONICK; ERIC TUCKER Associated Press", ""),
        ("Admin", ""),
        ("", ""),
    ],
)
def test_byline_keeps_only_what_is_clearly_a_name(author: str, expected: str) -> None:
    assert byline(author) == expected


def test_a_byline_that_is_the_outlet_is_not_repeated() -> None:
    assert byline("Ross Douthat", "Ross Douthat") == ""


def test_unframe_leaves_other_sentences_alone() -> None:
    assert unframe("Officials said the rule stays.") == ("", "Officials said the rule stays.")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [  # read on the shared news pages: AppleInsider's review, a 9to5Mac column
        (
            "We're not certain when Apple last issued four updates to the MacBook Pro within 18"
            " months.",
            True,
        ),
        ("I am totally that person for my family when it comes to the iPhone.", True),
        ("Our analysis shows the chip shortage easing by March.", True),
        # a quotation's "we" is its speaker's, and the frame already names them
        ('"We continue to negotiate in good faith," said Sen. Shelley Moore Capito.', False),
        ("The US will share up to 60m doses of AstraZeneca's vaccine with other countries.", False),
        ("U.S. officials said the rule takes effect on Dec. 15.", False),
        (  # a 9to5Mac gift guide speaks to its reader
            "Thanks to new GaN charging bricks, you can find fast and reliable MacBook Pro wall"
            " chargers.",
            True,
        ),
        ("If you're still using the same password for every site, you're at risk.", True),
        ('"You have to be tough on China," Trump told reporters on Tuesday.', False),
        ("‘You have to be tough on China,’ Trump told reporters on Tuesday.", False),
        ("'We will not back down,' the minister said on Friday.", False),
        ("‘It’s our fight,’ she said, but we disagree.", True),  # an apostrophe closes nothing
        ("Young voters turned out in record numbers in Georgia.", False),
    ],
)
def test_own_voice_outside_quotes_is_the_writers(sentence: str, expected: bool) -> None:
    assert own_voice(sentence) is expected


@pytest.mark.parametrize(
    ("before", "inside"),
    [
        ('"Nissan has a vibrant portfolio of new-generation sedans. ', True),
        ("“We were on the field too much. ", True),
        ("“We were on the field too much,” he said. ", False),
        ("“A,” he said. “B.” ", False),
        ("Earlier paragraph: “an open quote\nThe new paragraph. ", False),
        ("", False),
        # a passage that begins inside a quotation: its first mark closes it
        ("we believe in the sedan,” said David Kershaw. ", False),
        ('we believe in the sedan," said David Kershaw. ', False),
        ('It is the least expensive 70"+ TV this season. ', False),  # an inch mark
        ("health consequences,“ the Secretary said in a statement. ", False),  # mistyped mark
        ("Another reportedly said: ”Bird flu in the year of the rooster. ", True),
    ],
)
def test_inside_quotation(before: str, inside: bool) -> None:
    assert inside_quotation(before) is inside


@pytest.mark.parametrize(
    ("sentence", "surname"),
    [
        ('"The 30 percent figures are based on 2025 data," Zhang said.', "Zhang"),
        ("Several militia groups used these storage facilities, Kirby said.", "Kirby"),
        ("“Jan. 6 was a day of darkness for our country,” Ms. Pelosi told reporters.", "Pelosi"),
        ('"We are paid to be nosy," said Dempsey.', "Dempsey"),
        ("During a news conference at the end of her trip, Harris said the girls were alone.",
         "Harris"),
        ("Li explained that plague cases need to be carefully investigated and verified.", "Li"),
        # named in full, or described, or not a surname at all
        ('"We are paid to be nosy," said Dempsey, a doctor at the Royal Infirmary.', ""),
        ("Nancy Pelosi said the committee would establish the truth of that day.", ""),
        ("Democratic Sen. Joe Manchin on Sunday said he would oppose the voting rights bill.", ""),
        ("Jobless claims fell to 385,000 last week, the Department of Labor said Thursday.", ""),
        ("The military struck three targets that the Pentagon said were used by militias.", ""),
        ("Senate Republicans blocked a bill that Democrats said is crucial to voting rights.", ""),
        ("We've said this before, many times: no special hardware is required.", ""),
    ],
)  # fmt: skip
def test_bare_speaker(sentence: str, surname: str) -> None:
    assert bare_speaker(sentence) == surname


@pytest.mark.parametrize(
    ("name", "text", "person"),
    [
        ("Zhang", "According to Zhang Ruolan, chief semiconductor analyst at Jinhai, ...", True),
        ("Dempsey", "The case was reported by Peter J. Dempsey of the Royal Infirmary.", True),
        ("Dempsey", "Patients were referred to Dr. Dempsey in March.", True),
        ("Abbott", "Texas Gov. Greg Abbott announced the wall on Wednesday.", True),
        ("Kirby", "Pentagon Press Secretary John Kirby gave the details.", True),
        # a company, an institution, a sentence's first word
        ("Apple", "The MacBook is new. Whatever Apple did for its keyboard, it worked.", False),
        ("Democrats", "The bill was a priority for Senate Democrats this year.", False),
        ("Pentagon", "The Pentagon announced the strikes on Sunday.", False),
        ("Toyota", "The RAV4 is sold by Toyota in most markets.", False),
    ],
)
def test_introduced(name: str, text: str, person: bool) -> None:
    assert introduced(name, text) is person


def test_a_title_makes_a_surname_a_persons_but_does_not_name_them_in_full() -> None:
    assert introduced("Paul", "“Admit it,” Mr. Paul said.")
    assert not introduced("Paul", "“Admit it,” Mr. Paul said.", titled=False)


DEMPSEY = "“Mention it to your health care professional,” Dempsey said."


def test_people_are_the_passages_bare_speakers_its_article_gives_as_persons() -> None:
    """Gizmodo's feather duvet story names Dr. Owen Dempsey in a paragraph no passage holds."""
    article = f"Dr. Owen Dempsey, a chest physician in Aberdeen, treated him. {DEMPSEY}"
    assert people(DEMPSEY, article) == {"Dempsey"}
    assert people(DEMPSEY, DEMPSEY) == frozenset()  # no one's surname, as far as it shows
    assert people("“We will appeal,” Apple said.", f"Apple sells phones. {DEMPSEY}") == set()
