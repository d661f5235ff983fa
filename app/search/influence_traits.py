"""The cues of a person's degree of influence, mode, rating, win result and buttons.

Like the role cues (``app.search.influence_cues``, which says how patterns read), these come
from the Blue Sheet's vocabulary and from how sellers describe people, never from an
evaluation set. A mode is read only where the writer says how the person sees their situation
(the reason is the writer's own clause); a button is a short phrase the cue governs ("hates
surprise fees" -> cold "surprise fees").
"""

from __future__ import annotations

from app.search.influence_cues import Cue, _cues

DEGREE = (
    _cues(
        "degree",
        "high",
        (
            r"\b(?:real|ultimate|actual|true)\s+decision[- ]?maker\b",
            r"\b(?:a lot of|lots of|huge|big|real|serious|major|significant|tons of|plenty of)\s+"
            r"(?:pull|clout|sway|influence|weight|power|juice)\b",
            r"\bcarries\s+(?:a lot of\s+|real\s+|serious\s+)?weight\b",
            r"\b(?:very|highly|hugely|extremely|super|really)\s+influential\b",
            r"\bkey influencer\b|\bpower broker\b|\bking[- ]?maker\b",
            r"\beveryone\s+(?:listens to|defers to|follows|looks to)\s+(?:her|him)\b",
            r"\b(?:calls the shots|runs the show|final say|final word|last word|breaks ties)\b",
            r"\bhas the (?:CEO|board|owner|president)['\u2019]?s? ear\b|\bhas the ear of\b",
        ),
    )
    + _cues(
        "degree",
        "medium",
        (
            r"\bsome\s+(?:pull|clout|sway|influence|say|weight)\b",
            r"\b(?:has\s+)?a\s+(?:voice|seat at the table|vote)\b",
            r"\bone of\s+(?:several|many|the|a few)\s+(?:voices|votes|decision[- ]?makers|"
            r"stakeholders|influencers)\b",
            r"\b(?:moderate|modest|fair amount of)\s+(?:influence|pull|clout|sway)\b",
            r"\binfluences?\s+(?:the decision\s+)?but\s+(?:does not|doesn't|won't)\s+decide\b",
        ),
    )
    + _cues(
        "degree",
        "low",
        (
            r"\b(?:little|limited|not much|no real|minimal|zero|no)\s+(?:pull|clout|sway|"
            r"influence|say|power|weight)\b",
            r"\b(?:is|'s|are)\s+(?:only\s+|just\s+|purely\s+)?advisory\b",
            r"\brubber[- ]?stamp",
            r"\b(?:out of the loop|sidelined|cut out of the decision)\b",
            r"\bdoes(?:n['\u2019]t| not)\s+carry\s+(?:much\s+)?weight\b",
            r"\bnobody\s+(?:listens to|defers to)\s+(?:her|him)\b",
        ),
        negatable=False,
    )
)

MODE = (
    _cues(
        "mode",
        "growth",
        (
            r"\b(?:wants|wanting|looking|keen|eager|pushing|aiming|plans?|planning|hopes?|"
            r"hoping|determined)\s+to\s+(?:grow|expand|scale|modernize|modernise|transform|"
            r"improve|upgrade|double|triple|open|raise|lift|boost|professionali[sz]e|automate|"
            r"digiti[sz]e|get ahead|level up|move faster)\b",
            r"\bgrowth mode\b|\bin growth\b",
            r"\b(?:ambitious|aggressive|big|bold)\s+(?:plans|goals|targets|growth|agenda)\b",
            r"\bis\s+(?:expanding|scaling|growing)\b",
            r"\bsees?\s+(?:a|an|the|big|real)\s+(?:upside|opportunity|chance)\b",
            r"\bwants?\s+more\s+(?:out of|from)\b",
            # more of it, unprompted: "wants to add the freight ferry", "expansion mode"
            r"\b(?:wants|wanting|keen|eager|planning|plans?|intends?)\s+to\s+(?:add|extend|"
            r"roll\s+(?:it\s+|this\s+)?out|take on|bring on)\b",
            r"\bexpansion mode\b|\bin expansion\b",
        ),
    )
    + _cues(
        "mode",
        "trouble",
        (
            r"\b(?:firefighting|fire[- ]fighting|in crisis|in trouble|in hot water|on the hot seat|"
            r"hair on fire|under the gun|drowning|scrambling|struggling|desperate|overwhelmed)\b",
            r"\bunder\s+(?:a lot of\s+|huge\s+|heavy\s+|real\s+|serious\s+|intense\s+)?"
            r"(?:pressure|fire|scrutiny)\b",
            r"\b(?:getting|got)\s+(?:killed|hammered|crushed|burned|beaten up)\b",
            r"\b(?:needs?|has)\s+to\s+fix\s+(?:it|this|the|her|his)\b[^.;]{0,30}?\b(?:now|asap|"
            r"fast|quickly|yesterday|immediately|before)\b",
            r"\b(?:failed|flunked)\s+(?:an|the|their|her|his)\s+(?:audit|inspection|review)\b",
            r"\baudit (?:finding|findings|failure)\b",
            r"\b(?:can['\u2019]?t|cannot)\s+keep\s+(?:up|going like this)\b",
            r"\b(?:urgent(?:ly)?|acute)\b",
            r"\b(?:stretched(?:\s+too)?\s+thin|swamped|snowed under|slammed|short[- ]staffed|"
            r"understaffed|at (?:her|his|their) wits['\u2019]? end)\b",
            r"\b(?:just\s+)?lost\s+(?:two|three|four|several|some|a few|\d+)\s+(?:of\s+)?"
            r"(?:her|his|their)\b",
        ),
    )
    + _cues(
        "mode",
        "even_keel",
        (
            r"\b(?:happy|content|comfortable|fine|satisfied)\s+with\s+(?:the status quo|what "
            r"(?:they|she|he) (?:have|has)|the current|their current|things as they are|how things "
            r"are|the way things are|the old|the existing|their existing)\b",
            r"\bstatus quo\b",
            r"\b(?:no|not much|little|zero)\s+(?:sense of\s+)?urgency\b",
            r"\b(?:in no|not in a|no)\s+(?:hurry|rush)\b",
            r"\b(?:does(?:n['\u2019]t| not)|doesnt)\s+(?:see|feel)\s+(?:a|the|any|much)\s+(?:need|"
            r"problem|urgency|reason|pain)\b",
            r"\bsees?\s+no\s+(?:need|problem|urgency|reason)\b",
            r"\bif it ain['\u2019]?t broke\b",
            r"\beven[- ]keel\b",
            r"\b(?:not|isn['\u2019]t)\s+(?:a|her|his)\s+(?:priority|top priority)\b",
            r"\bon the back ?burner\b",
            # content with what they have: "the sheets work for her", "a fact of life"
            r"\b(?:works?|working)\s+(?:fine\s+|well\s+|ok\s+|okay\s+)?for\s+(?:her|him|them)\b",
            r"\b(?:a\s+)?fact of life\b",
            r"\bnot looking for\s+(?:a\s+)?(?:change|transformation|anything new)\b",
            r"\bprefers?\s+(?:her|his|their|the)\s+(?:paper|old|current|existing|own)\b",
        ),
        negatable=False,
    )
    + _cues(
        "mode",
        "overconfident",
        (
            r"\bover[- ]?confident\b|\bcomplacent\b|\bcocky\b|\briding high\b",
            r"\bthinks?\s+(?:they|she|he|everything|it)(?:['\u2019]re|['\u2019]s| are| is)?\s+"
            r"(?:doing\s+)?(?:fine|great|ahead|best in class|in great shape|on top of it|under "
            r"control|perfect|good enough)\b",
            r"\b(?:does(?:n['\u2019]t| not)|doesnt)\s+think\s+(?:they|she|he)\s+needs?\b",
            r"\bthinks?\s+(?:they|she|he)\s+(?:do(?:n['\u2019]t| not)|does(?:n['\u2019]t|"
            r" not))\s+need\b",
            r"\b(?:just\s+)?(?:hit|beat|crushed|smashed|blew past)\s+(?:all\s+)?(?:their|her|"
            r"his)\s+"
            r"(?:targets|numbers|goals|plan)\b",
            r"\b(?:best|record)\s+(?:year|quarter|results)\s+ever\b",
            # sure what they have already does it: "thinks his scripts already solve it"
            r"\b(?:thinks|believes|is sure|is convinced|still thinks)\b[^.;]{0,60}?\balready\s+"
            r"(?:solve|solves|do|does|did|handle|handles|cover|covers|doing|at|good|would have)\b",
            r"\b(?:is\s+)?(?:sure|convinced|certain)\b[^.;]{0,60}?\bwill do the job\b",
            r"\b(?:do(?:n['\u2019]t| not)|does(?:n['\u2019]t| not))\s+need\s+anything\s+"
            r"(?:new|else)\b",
        ),
        negatable=False,
    )
)

RATING = (
    _cues(
        "rating",
        5,
        (
            r"\b(?:biggest|strongest|number one|#1)\s+(?:fan|champion|advocate|supporter|ally)\b",
            r"\bwould\s+(?:go|walk|run)\s+(?:to bat|through walls|through fire)\s+for\s+us\b",
            r"\b(?:loves|adores)\s+us\b|\braving fan\b",
        ),
    )
    + _cues(
        "rating",
        4,
        (
            r"\b(?:our|a|the|strong|real|internal|clear|true)\s+champion\b",
            r"\bchampion(?:s|ed|ing)\s+(?:us|our|this|the deal)\b",
            r"\b(?:in our corner|pulling for us|rooting for us)\b",
            r"\b(?:pushed|pushing|pushes|went to bat|going to bat|goes to bat|advocat(?:es|ed|ing)|"
            r"lobb(?:ies|ied|ying)|fought|fights?|vouche[sd])\s+(?:hard\s+)?for\s+us\b",
            r"\bsell(?:s|ing)?\s+(?:us|it|this)\s+internally\b",
            r"\bwants\s+(?:us|this|this deal|the deal)\s+to\s+(?:win|happen|go through)\b",
        ),
    )
    + _cues(
        "rating",
        3,
        (
            r"\b(?:our|a|the|clear|real|strong|good|great|inside|internal)\s+coach\b",
            r"\b(?:big|strong|huge|real)\s+(?:supporter|fan)\s+of\s+(?:us|ours|our|the product)\b",
            r"\b(?:very\s+|really\s+)?supportive\b",
            r"\b(?:on our side|bought in|on board with us|sold on us|likes us|fan of us|"
            r"a fan of ours|believes in us)\b",
            r"\b(?:is|are|'s)\s+(?:very much\s+|firmly\s+|totally\s+|really\s+|all\s+)?for us\b",
            r"\bkeen to\s+(?:prove|try|get|roll|start|move|see it)\b",
        ),
    )
    + _cues(
        "rating",
        2,
        (
            r"\b(?:positive|warm|enthusiastic|upbeat|excited)\s+(?:about|on|toward|towards|to)\s+"
            r"(?:us|our|the proposal|the product|the demo|tessellate)\b",
            r"\b(?:warming up to|open to|receptive to|leaning toward|leaning towards)\s+us\b",
            r"\b(?:likes|liked|loves|loved)\s+(?:the product|the demo|what we|our)\b",
            r"(?:^|,\s*|\b(?:is|was|seemed|sounded|very|quite)\s+)(?:happy|upbeat|positive)\b"
            r"(?!\s+(?:with|about)\s+(?:the status quo|what|their current|the current|how))",
        ),
    )
    + _cues(
        "rating",
        0,
        (r"\bneutral\b|\bon the fence\b|\bundecided\b|\bfence[- ]sitter\b|\bnoncommittal\b",),
        negatable=False,
    )
    + _cues(
        "rating",
        -1,
        (
            r"\blukewarm\b",
            r"\bnot\s+(?:yet\s+)?(?:sold|convinced)\s+(?:on|that)\s+(?:us|our|the)\b",
            r"\bunconvinced\b|\bwarmed up\b(?!\s+to us)",
            r"\b(?:came across as|seems?|seemed|is|was|remains?|still)\s+(?:a bit\s+|somewhat\s+|"
            r"quite\s+|very\s+)?(?:skeptical|sceptical|guarded|cool|cold|reserved)\b",
            r"\bnot (?:a|much of a) fan\b(?!\s+of)",
        ),
        negatable=False,
    )
    + _cues(
        "rating",
        -2,
        (
            r"\bskeptic(?:al)?\s+(?:of|about|on)\s+(?:us|our|vendors|the (?:project|deal|"
            r"proposal|product)|this)\b",
            r"\b(?:is|'s|a)\s+(?:a\s+)?(?:real\s+|big\s+|huge\s+)?skeptic\b",
            r"\b(?:wary|suspicious|distrustful)\s+of\s+(?:us|vendors|our)\b",
            r"\b(?:cool|cold|negative)\s+(?:on|toward|towards|about)\s+us\b",
        ),
        negatable=False,
    )
    + _cues(
        "rating",
        -3,
        (
            r"\bprefers?\s+(?:the\s+)?(?:competitor|competition|incumbent|other vendor|rival|"
            r"current vendor|[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?\s+(?:over|to)\s+us)\b",
            r"\b(?:pushing|pulling|rooting|lobbying)\s+for\s+(?:the|a)\s+(?:competitor|"
            r"incumbent|rival|other vendor)\b",
            r"\b(?:against|opposed to|opposes)\s+(?:us|the deal|this deal|the project|switching)\b",
            r"\bin\s+(?:the\s+)?(?:competitor['\u2019]?s|incumbent['\u2019]?s)\s+(?:pocket|camp|"
            r"corner)\b",
        ),
    )
    + _cues(
        "rating",
        -4,
        (
            r"\b(?:a|the|our|real|big)\s+blocker\b|\bdetractor\b",
            r"\b(?:is blocking|blocking us|trying to block|wants to block|will block)\b",
        ),
    )
    + _cues(
        "rating",
        -5,
        (
            r"\bhostile\s+(?:to|toward|towards)\s+(?:us|the deal|the project)\b|\bwants us out\b|"
            r"\bsabotag\w*",
            r"\b(?:trying|wants|will try)\s+to\s+kill\s+(?:the|this|our)\s+deal\b|\bhates us\b",
        ),
    )
)

KEY_WIN = _cues(
    "key_win_result",
    "",
    (
        r"\b(?:personally\s+)?wants?\s+(?:to\s+be\s+seen\s+as|to\s+look\s+good|credit\s+for|"
        r"(?:a|the)\s+(?:visible|quick|big|personal|clear|public|early)?\s*win|to\s+get\s+"
        r"(?:promoted|a promotion|credit)|to\s+make\s+(?:a|her|his)\s+mark|to\s+hit\s+(?:her|his)"
        r"\s+(?:number|target|bonus|goal)|recognition|to\s+be\s+the\s+one\s+(?:who|that))",
        r"\b(?:her|his)\s+(?:personal\s+)?(?:win|agenda|ambition|KPI|scorecard)\s+"
        r"(?:is|=|:|would be|here is)\s+{X}",
        r"\b(?:personal win|win for (?:her|him)|what['\u2019]s in it for (?:her|him))\s*"
        r"(?:is|=|:|would be)\s+{X}",
        r"\b(?:bonus|comp|compensation|review|promotion|raise|year[- ]end review)\s+(?:is\s+|"
        r"are\s+)?"
        r"(?:tied|linked|riding|pegged)\s+(?:to|on)\s+{X}",
        r"\b(?:is\s+)?(?:measured|judged|evaluated|graded|paid)\s+on\s+{X}",
        r"\b(?:angling|gunning|going|positioning (?:her|him)self)\s+for\s+{X}",
        r"\bup for\s+(?:a\s+)?{X}(?=\s*(?:$|[.;,]))",
        r"\bhas\s+(?:her|his)\s+eye\s+on\s+{X}",
        r"\b{X}\s+is\s+(?:her|his)\s+(?:KPI|number|scorecard|bonus metric|personal goal)\b",
    ),
)

HOT = _cues(
    "hot_buttons",
    "",
    (
        r"\bcares?\s+(?:a lot\s+|deeply\s+|most\s+|mostly\s+|so much\s+|a ton\s+|intensely\s+|"
        r"passionately\s+)?(?:about|abt|for)\b",
        r"\b(?:is|'s|very|really|super|so)?\s*(?:big|huge|keen|passionate|obsessed|fixated|"
        r"focused|laser[- ]focused|hung up|sold|hot)\s+(?:on|about|abt|w/|with)\b",
        r"\b(?:is\s+)?(?:all about|a stickler for|a big believer in|a believer in)\b",
        r"\b(?:loves?|loving|adores?|values|valued|prizes|appreciates?|respects|"
        r"responds?\s+(?:well\s+)?to|"
        r"is motivated by|motivated by|driven by|won over by|impressed by|moved by|"
        r"keeps (?:coming back to|asking about|bringing up)|gets excited (?:about|by|over)|"
        r"lights up (?:about|at|over|on|when)|perks up (?:at|when|about))\b"
        r"(?!\s+(?:us|our|we|you)\b)",
        r"\b(?:hot buttons?|top priority|(?:#1|number one|main|big|biggest|first) priority|"
        r"priorities|pet (?:project|topic|issue))\s*(?:is|are|=|:|-)\s*{X}",
        r"\b(?:hot buttons?|priorit(?:y|ies)|big thing|passion)\s+(?:for|of)\s+{P}\s*(?:is|are|"
        r"=|:|-)\s*{X}",
        r"\b{P}['\u2019]s\s+(?:hot buttons?|priorit(?:y|ies)|big thing|passion)\s*(?:is|are|=|:|"
        r"-)\s*{X}",
        r"^\s*(?:hot buttons?|likes|cares about|priorities)\s*[:=-]\s*{X}",
        r"\b{X}\s+(?:matters|means a lot|is everything|resonates)\s+(?:to|with)\s+{P}",
        r"\bwhat\s+(?:she|he|⟨\d+⟩)\s+(?:really\s+)?(?:cares about|values|wants)\s+(?:most\s+)?"
        r"is\s+{X}",
        r"\b(?:loved|liked|enjoyed|raved about|was (?:thrilled|excited|impressed) (?:by|with|"
        r"about)|"
        r"raised|pushed (?:hard\s+)?on|kept pressing on|zeroed in on|was relieved to see)\b",
        r"\b(?:lit|lights?|light)\s+up\s+(?:when|as|once)\s+(?:I|we)\s+(?:mentioned|showed|"
        r"brought up|talked about|explained|demoed|got to)\b",
        r"{PA}\s+(?:number|metric|KPI|north star|one metric|big metric)\s+(?:is|=|:)\s+{X}",
        r"\b{X}\s+(?:got|drew|had)\s+(?:the\s+|a\s+)?(?:biggest|strongest|best|big|real|warmest)\s+"
        r"(?:reaction|response)\s+from\s+{P}",
        r"\bneeds?\s+to\s+(?:see|know)\b",
        # what they insist on. A bare "wants X" is not here: writers use it as often for a
        # request, a rollout plan or the deal's terms as for what moves the person, and on a set
        # written by a new writer it was right 0 times in 7 (issue 17's notes)
        r"\b(?:insists? on|insisted on)\s+(?!(?:us|me|you|him|her|them|it|this|that|our)\b)",
        r"\b(?:listens? to|trusts|is interested in|interested in|likes?\s+(?=that\b|how\b)|"
        r"was impressed (?:that|how)|keen for|"
        r"is (?:excited|enthusiastic|passionate) about)\b(?!\s+(?:us|our|we|you|him|her|them|"
        r"me)\b)",
        r"\b(?:big thing|main thing|one thing|only thing|thing (?:she|he) (?:loves|likes|cares "
        r"about|wants)(?: most)?)\s+(?:for\s+{PA}\s+)?(?:is|=|:)\s+{X}",
        r"\b{X}\s+(?:matters|means a lot|is everything|resonates)\s+(?:to|with|for)\s+{PA}",
        # what they will not go ahead without: "will not sign without a go-live date"
        r"\b(?:will not|won['\u2019]?t|wont|would not|refuses? to|never)\s+(?:sign|buy|approve|"
        r"go ahead|proceed|commit|move)\s+(?:without|unless)\b",
    ),
)

COLD = _cues(
    "cold_buttons",
    "",
    (
        r"\b(?:hates?|hated|detests?|loathes?|despises?|dislikes?|resents?|can['\u2019]?t stand|"
        r"cannot stand|can not stand|has no patience for|no patience for|has zero tolerance for|"
        r"zero tolerance for|won['\u2019]?t tolerate|will not tolerate|is allergic to|allergic to|"
        r"is sick of|sick of|is tired of|tired of|fed up with|is fed up with)\b",
        r"\b(?:does(?:n['\u2019]t| not)|did(?:n['\u2019]t| not)|doesnt)\s+(?:like|want|trust|"
        r"appreciate)\b"
        r"(?!\s+(?:to\s+)?(?:us|our|we)\b)",
        r"\b(?:is\s+)?(?:not|no|isn['\u2019]t)\s+(?:a\s+)?(?:big\s+)?fan\s+of\b(?!\s+(?:us|"
        r"ours)\b)",
        r"\b(?:annoyed|irritated|frustrated|bothered|turned off|put off|burned|burnt|"
        r"offended|triggered|spooked)\s+(?:\w+\s+)?(?:by|with|at)\b",
        r"\b(?:is\s+|was\s+)?(?:worried|concerned|nervous|anxious|afraid|scared|fearful|wary)\s+"
        r"(?:about|abt|of|that)\b",
        r"\b(?:dont|don['\u2019]t|do not)\s+(?:like|want|trust)\b(?!\s+(?:to\s+)?(?:us|our|we)\b)",
        r"\b(?:will not|won['\u2019]t|wont|refuses? to|does not|doesn['\u2019]t|doesnt|"
        r"never)\s+(?:sign|accept|"
        r"add|allow|tolerate|buy|consider|approve)\s+(?=(?:a|an|any|another)\s)",
        r"\b(?:does not|doesn['\u2019]t|doesnt|will not|won['\u2019]t)\s+accept\b",
        r"\b(?:bristles|balks|recoils|winces|cringes|rolls (?:her|his) eyes)\s+at\b",
        r"\bgets?\s+(?:prickly|touchy|defensive|annoyed|irritated|upset|angry|cranky|grumpy|"
        r"frustrated|twitchy|nervous|tense|testy|impatient|short)\s+(?:about|abt|at|when|if|over|"
        r"with|on)\b",
        r"\b(?:is\s+)?(?:touchy|sensitive|prickly|sore)\s+(?:about|abt|on|over)\b",
        r"\b(?:cold buttons?|pet peeves?|turn[- ]?offs?|sore (?:spot|subject|point)|hot potato|"
        r"third rail|red lines?)\s*(?:is|are|=|:|-)\s*{X}",
        r"\b(?:cold buttons?|pet peeves?|turn[- ]?offs?|sore spot)\s+(?:for|of)\s+{P}\s*(?:is|"
        r"are|=|:|-)"
        r"\s*{X}",
        r"\b{P}['\u2019]s\s+(?:cold buttons?|pet peeves?|turn[- ]?offs?|sore spot)\s*(?:is|are|"
        r"=|:|-)"
        r"\s*{X}",
        r"^\s*(?:cold buttons?|avoid|dislikes|don['\u2019]?ts|pet peeves?|"
        r"turn[- ]?offs)\s*[:=-]\s*{X}",
        # what they rule out: "wants no auto-renewal", "will not do a big-bang cutover"
        r"\b(?:wants?|want|wanted)\s+(?:no|nothing)\b",
        r"\b(?:will not|won['\u2019]?t|wont|would not|wouldn['\u2019]?t|refuses? to|refused to|"
        r"never)\s+(?:do|sign|accept|allow|tolerate|buy|approve|consider|go with|agree to)\b"
        r"(?!\s+(?:without|unless)\b)",
        r"\b(?:refuses|refused|rejects|rejected|vetoed|rules? out|ruled out)\b(?!\s+to\b)",
        r"\b(?:is\s+)?(?:strict|rigid|inflexible|firm)\s+(?:on|about)\b",
        r"{PA}\s+(?:rule|red line|one rule|golden rule|condition)\s*(?::|is|=)\s*{X}",
        r"\b(?:reacted badly|bristled|pushed back)\s+(?:when|to|on|at)\b",
        r"{PA}\s+(?:only|main|big|biggest|real|one|first|chief)\s+(?:real\s+)?(?:worry|concern|"
        r"fear|objection|complaint|gripe)\s+(?:is|was|=|:)\s+{X}",
        r"\b(?:approved|approves|agreed|signed|okayed|accepted|said yes|will (?:sign|approve))\b"
        r"[^.;:]{0,30}?\b(?:with|on)\s+(?:one|the|a)\s+conditions?\s*(?::|that)\s*"
        r"(?=(?:no|nothing|never)\b)",
        # imperatives, the person named after the thing to avoid
        r"(?:^|[.;:,(-]\s*|\b(?:and|but|so|pls|please)\s+)(?:don['\u2019]?t|do not|never|avoid|"
        r"skip|"
        r"stay away from|steer clear of|(?:be\s+)?careful\s+(?:with|about|not to))\s+"
        r"(?:mention(?:ing)?|bring(?:ing)? up|rais(?:e|ing)|talk(?:ing)? (?:about|abt)|"
        r"jok(?:e|ing) (?:about|abt)|ask(?:ing)? (?:about|abt)|discuss(?:ing)?|)\s*"
        r"(?P<phrase>[^.;:!?()]{3,60}?)\s+(?:around|with|w/|to|in front of|near)\s+{P}",
    ),
    negatable=False,
)
# An imperative about the one person the sentence names: "Avoid the merger talk", "steer clear
# of the pension topic". "Don't <verb> ..." is not read so: its "her" or "him" was the wrong
# person, or the advice a tactic rather than the person's button, 4 times in 6 (issue 17).
COLD_IMPERATIVE = _cues(
    "cold_buttons",
    "",
    (
        r"(?:^|[;:(]\s*|\b(?:and|but|so|pls|please)\s+)(?:avoid|skip|stay away from|"
        r"steer clear of)\s+(?P<phrase>[^.;:!?()]{3,80}?)(?=\s*(?:$|[.;:!?(]|,|"
        r"\s[-\u2013\u2014]\s))",
    ),
    negatable=False,
)
TRAIT_CUES: list[Cue] = DEGREE + MODE + RATING + KEY_WIN + HOT + COLD + COLD_IMPERATIVE
